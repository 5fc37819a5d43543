"""The Open311 developers' page: the endpoints, the base address, keys, limits and curl examples,
in the visitor's language, readable without JavaScript."""

from __future__ import annotations

import itertools
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from markupsafe import escape

from flask_citizencare.blueprints.open311.endpoints import ENDPOINTS

PAGE = "/citizencare/open311/"
BASE = "http://localhost/citizencare/open311/v2"


class _Outline(HTMLParser):
    """The page's headings in order, and the labels of its code blocks."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[int] = []
        self.pre_labels: list[str | None] = []
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        elif tag == "pre":
            self.pre_labels.append(dict(attrs).get("aria-label"))


@pytest.mark.parametrize(
    ("language", "title", "examples"),
    [
        ("it", "API Open311 per sviluppatori", "Esempi con curl"),
        ("en", "Open311 API for developers", "Examples with curl"),
    ],
)
def test_page_in_the_visitors_language(client: Any, language: str, title: str, examples: str) -> None:
    response = client.get(PAGE, headers={"Accept-Language": language})
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert f"<h1>{title}</h1>" in html
    assert examples in html
    assert f"<code data-open311-base>{BASE}</code>" in html
    for spec in ENDPOINTS:
        shown = spec.path.replace("<", "{").replace(">", "}")
        assert f"{spec.method} {shown}.{{xml,json}}" in html
        assert str(escape(spec.summary)) in html
    assert f"curl '{BASE}/services.json" in html
    assert f"curl '{BASE}/requests.json?bbox=" in html
    assert f"-X POST '{BASE}/requests.json'" in html
    assert "attribute[CODE]=VALUE" in html and "media=@photo.jpg" in html
    assert f"curl '{BASE}/servicerequestupdates.json" in html
    assert "60 per minute; 5000 per day" in html
    assert f'href="{BASE}/openapi.json"' in html


def test_page_outline_and_code_blocks(client: Any) -> None:
    outline = _Outline()
    outline.feed(client.get(PAGE, headers={"Accept-Language": "en"}).get_data(as_text=True))
    levels = [level for level in outline.headings if level >= 1]
    page = levels[levels.index(1) :]
    assert all(later - earlier <= 1 for earlier, later in itertools.pairwise(page)), page
    assert len(outline.pre_labels) == 4
    assert all(outline.pre_labels), outline.pre_labels


def test_page_names_the_contact_and_jurisdiction(app: Any) -> None:
    app.config["CITIZENCARE_OPEN311_CONTACT"] = "open311@comune.example.it"
    app.config["CITIZENCARE_OPEN311_JURISDICTION"] = "comune.example.it"
    html = app.test_client().get(PAGE, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "ask open311@comune.example.it" in html
    assert "<code>comune.example.it</code>" in html
