"""The report form's similar-proposals box in a real browser (js/similar-proposals.js under the CSP)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from example_site import db as site_db

from .browser import LiveServer, console_errors, migrated_example_app, script_errors, wait_until
from .factories import create_category, create_report

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.fixture
def site(database_url: str, tmp_path: Path) -> Iterator[tuple[LiveServer, str]]:
    with migrated_example_app(database_url, tmp_path, CITIZENCARE_REPORT_FLOW="single") as app:
        with app.app_context():
            parks = create_category(site_db.session, code="parks-b", name="Verde pubblico", group="Verde")
            benches = create_report(
                site_db.session,
                category=parks,
                kind="proposal",
                title="Nuove panchine nel parco Nord",
                description="Servono più panchine e ombra nel parco Nord.",
            )
            site_db.session.commit()
            number = benches.public_id
        with LiveServer(app) as server:
            yield server, number


def test_typing_a_proposal_title_shows_similar_ones(chromium: Any, site: tuple[LiveServer, str]) -> None:
    server, number = site
    context = chromium.new_context(locale="en-GB")
    page = context.new_page()
    errors = console_errors(page)
    page.goto(server.url + "/segnalazioni/new?kind=proposal")
    page.fill("#title", "Panchine al parco Nord")
    wait_until(page, "() => !document.getElementById('cc-similar').hidden")
    link = page.locator("#cc-similar a.cc-similar__support")
    assert link.count() == 1
    assert link.get_attribute("href").endswith(f"/reports/{number}#support")
    assert "similar proposal" in page.locator("[data-cc-similar-status]").inner_text()
    # An issue is not a proposal: the box goes away.
    page.check("input[name='kind'][value='issue']")
    wait_until(page, "() => document.getElementById('cc-similar').hidden")
    # (The map's tiles answer 404 here: no network.) No script error, nothing the CSP refused.
    assert script_errors(errors) == []
    context.close()
