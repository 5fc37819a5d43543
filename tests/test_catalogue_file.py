"""``flask citizencare catalogue import | export`` and the catalogue file they read and write."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_citizencare.cli.catalogue import SHIPPED
from flask_citizencare.domain.catalogue_file import CatalogueFileError, parse_catalogue
from flask_citizencare.models import Category, Office

from .host import host_db

BASE = json.loads((SHIPPED / "comune-base.json").read_text(encoding="utf-8"))


def small_catalogue() -> dict[str, Any]:
    return {
        "format": "flask-citizencare-catalogue",
        "version": 1,
        "offices": [{"code": "strade", "name": "Manutenzione strade", "email": "strade@comune.example.org"}],
        "categories": [
            {
                "code": "buche",
                "name": "Buche stradali",
                "office": "strade",
                "group": "Strade",
                "names": {"en": "Potholes", "ca": "Sots"},
                "questions": [
                    {
                        "key": "size",
                        "label": {"it": "Quanto è grande?", "en": "How big is it?"},
                        "type": "choice",
                        "required": True,
                        "choices": [
                            {"value": "small", "label": "Piccola"},
                            {"value": "big", "label": "Grande"},
                        ],
                    }
                ],
            }
        ],
    }


def counts(app: Flask) -> tuple[int, int]:
    with app.app_context():
        return (
            host_db.session.scalar(sa.select(sa.func.count()).select_from(Office)) or 0,
            host_db.session.scalar(sa.select(sa.func.count()).select_from(Category)) or 0,
        )


def write(tmp_path: Path, document: Any, name: str = "catalogue.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_the_shipped_catalogue_makes_the_form_usable_without_demo_data(app: Flask) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["citizencare", "catalogue", "import", "--shipped", "comune-base"])
    assert result.exit_code == 0, result.output
    assert "created 7 office(s) and 15 categories" in result.output
    assert counts(app) == (7, 15)
    page = app.test_client().get("/citizencare/new").get_data(as_text=True)
    assert "Buche e dissesti stradali" in page and "Illuminazione pubblica" in page
    with app.app_context():
        lights = host_db.session.scalar(sa.select(Category).where(Category.code == "illuminazione"))
        assert lights is not None and lights.default_office is not None
        assert lights.default_office.code == "illuminazione"
        assert lights.names["ca"] and lights.questions[1]["type"] == "choice"


def test_importing_again_updates_and_never_duplicates_nor_deletes(app: Flask, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    runner.invoke(args=["citizencare", "catalogue", "import", "--shipped", "comune-base"])
    changed = small_catalogue()
    changed["categories"][0]["code"] = "buche-strade"  # a category of the shipped catalogue
    changed["categories"][0]["active"] = False
    result = runner.invoke(args=["citizencare", "catalogue", "import", write(tmp_path, changed)])
    assert result.exit_code == 0, result.output
    assert "created 1 office(s) and 0 categories, updated 0 office(s) and 1 category" in result.output
    assert counts(app) == (8, 15)
    with app.app_context():
        potholes = host_db.session.scalar(sa.select(Category).where(Category.code == "buche-strade"))
        assert potholes is not None
        assert (potholes.name, potholes.active, potholes.default_office.code) == (
            "Buche stradali",
            False,
            "strade",
        )


def test_export_then_import_gives_the_same_catalogue(app: Flask, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    runner.invoke(args=["citizencare", "catalogue", "import", write(tmp_path, small_catalogue())])
    exported = tmp_path / "exported.json"
    assert runner.invoke(args=["citizencare", "catalogue", "export", str(exported)]).exit_code == 0
    document = json.loads(exported.read_text(encoding="utf-8"))
    assert parse_catalogue(document) == parse_catalogue(small_catalogue())
    again = runner.invoke(args=["citizencare", "catalogue", "import", str(exported)])
    assert "created 0 office(s) and 0 categories, updated 1 office(s) and 1 category" in again.output
    assert counts(app) == (1, 1)


def test_a_dry_run_writes_nothing(app: Flask) -> None:
    result = app.test_cli_runner().invoke(
        args=["citizencare", "catalogue", "import", "--shipped", "comune-base", "--dry-run"]
    )
    assert result.exit_code == 0 and "would create 7 office(s)" in result.output
    assert counts(app) == (0, 0)


def _broken(change: Any) -> dict[str, Any]:
    document = copy.deepcopy(BASE)
    change(document)
    return document


BROKEN = {
    "unknown office": (
        lambda d: d["categories"][0].__setitem__("office", "nowhere"),
        "categories[0].office: 'nowhere' is not among the file's offices",
    ),
    "duplicate code": (
        lambda d: d["categories"][1].__setitem__("code", d["categories"][0]["code"]),
        "categories: 'buche-strade' appears twice",
    ),
    "NUL byte": (
        lambda d: d["categories"][2].__setitem__("name", "Segna\x00letica"),
        "categories[2].name: contains a NUL character",
    ),
    "name too long": (
        lambda d: d["offices"][0].__setitem__("name", "x" * 201),
        "offices[0].name: is longer than 200 characters",
    ),
    "unknown field": (
        lambda d: d["categories"][0].__setitem__("colour", "red"),
        "categories[0].colour: is not a known field",
    ),
    "huge position": (
        lambda d: d["categories"][0].__setitem__("position", 10**20),
        "categories[0].position: must be a whole number",
    ),
    "wrong kinds": (lambda d: d["categories"][0].__setitem__("kinds", "all"), "categories[0].kinds"),
    "choice without choices": (
        lambda d: d["categories"][4]["questions"][1].__setitem__("choices", []),
        "categories[4].questions[1].choices: a question of type 'choice' needs at least one choice",
    ),
    "bad code": (
        lambda d: d["offices"][0].__setitem__("code", "URP Centrale"),
        "offices[0].code: must be a code",
    ),
    "other version": (lambda d: d.__setitem__("version", 2), "version: must be 1"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_file_changes_nothing_and_says_where(app: Flask, tmp_path: Path, case: str) -> None:
    change, expected = BROKEN[case]
    result = app.test_cli_runner().invoke(
        args=["citizencare", "catalogue", "import", write(tmp_path, _broken(change))]
    )
    assert result.exit_code == 1
    assert "cannot be imported, nothing was changed" in result.output
    assert expected in result.output
    assert counts(app) == (0, 0)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"\xff\xfe not text", "is not UTF-8 text"),
        (b'{"format": ', "is not valid JSON"),
        (b"[1, 2, 3]", "the file must hold a JSON object"),
        (b"[" * 100_000 + b"]" * 100_000, "is not valid JSON"),
    ],
)
def test_a_file_that_is_not_a_catalogue_is_refused(
    app: Flask, tmp_path: Path, content: bytes, expected: str
) -> None:
    path = tmp_path / "x.json"
    path.write_bytes(content)
    result = app.test_cli_runner().invoke(args=["citizencare", "catalogue", "import", str(path)])
    assert result.exit_code == 1 and expected in result.output
    assert counts(app) == (0, 0)


def test_every_problem_is_listed_at_once() -> None:
    document = _broken(lambda d: (d["offices"][0].pop("name"), d["categories"][0].__setitem__("kinds", 3)))
    with pytest.raises(CatalogueFileError) as raised:
        parse_catalogue(document)
    assert [p.split(":")[0] for p in raised.value.problems] == ["offices[0].name", "categories[0].kinds"]


def test_a_missing_file_and_a_missing_argument_are_clear(app: Flask, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    missing = runner.invoke(args=["citizencare", "catalogue", "import", str(tmp_path / "none.json")])
    assert missing.exit_code == 1 and "cannot read" in missing.output
    neither = runner.invoke(args=["citizencare", "catalogue", "import"])
    assert neither.exit_code == 2 and "give a catalogue FILE or --shipped NAME" in neither.output
