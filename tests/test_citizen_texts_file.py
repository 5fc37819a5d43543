"""The hand-written citizen texts in bench/data are well formed and use the demo catalogue's codes."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from flask_citizencare.demo.data import CATEGORIES

PATH = Path(__file__).resolve().parent.parent / "bench" / "data" / "citizen_texts_it.tsv"


def _read() -> tuple[list[str], list[list[str]]]:
    with PATH.open(encoding="utf-8", newline="") as f:
        lines = list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    return lines[0], lines[1:]


@pytest.fixture(scope="module")
def rows() -> list[list[str]]:
    header, rows = _read()
    assert header == ["text", "category", "office"]
    return rows


def test_every_row_has_three_non_empty_fields(rows: list[list[str]]) -> None:
    assert len(rows) >= 130
    for row in rows:
        assert len(row) == 3, row
        assert all(field.strip() == field and field for field in row), row


def test_codes_are_the_demo_catalogues(rows: list[list[str]]) -> None:
    office_of = {category.code: category.office for category in CATEGORIES}
    for text, category, office in rows:
        assert category in office_of, (category, text)
        assert office == office_of[category], (office, text)


def test_every_category_has_enough_texts(rows: list[list[str]]) -> None:
    counts = Counter(category for _, category, _ in rows)
    for category in CATEGORIES:
        assert counts[category.code] >= 6, category.code


def test_no_duplicate_texts(rows: list[list[str]]) -> None:
    counts = Counter(text.casefold() for text, _, _ in rows)
    assert [text for text, n in counts.items() if n > 1] == []


def test_no_text_reuses_a_demo_title(rows: list[list[str]]) -> None:
    """A title's fixed start (before its first placeholder) must not open a text, and a title
    without placeholders must not appear in one."""
    titles = [title for category in CATEGORIES for variant in category.variants for title in variant.titles]
    prefixes = {title.split("{", 1)[0].strip().casefold() for title in titles} - {""}
    whole = {title.casefold() for title in titles if "{" not in title}
    assert len(prefixes) > 50  # the catalogue's titles were found
    for text, _, _ in rows:
        folded = text.casefold()
        assert not [p for p in prefixes if folded.startswith(p)], text
        assert not [t for t in whole if t in folded], text
