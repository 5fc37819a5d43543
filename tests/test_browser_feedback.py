"""The AgID rating widget in Chromium: stars open the matching block, "Send" stores in place, WCAG AA."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from example_site import db as site_db
from flask_citizencare.models.feedback import PageRating

from .browser import PHONE, LiveServer, console_errors, migrated_example_app, wait_until
from .test_browser_accessibility import AXE, WCAG_AA

pytestmark = [pytest.mark.slow, pytest.mark.browser]
POSITIVE = '[data-element="feedback-rating-positive"]'
NEGATIVE = '[data-element="feedback-rating-negative"]'


@pytest.fixture
def site(database_url: str, tmp_path: Path) -> Iterator[tuple[Any, LiveServer]]:
    with migrated_example_app(database_url, tmp_path) as app:
        with LiveServer(app) as server:
            yield app, server


def widget_violations(page: Any) -> list[str]:
    page.evaluate(AXE)
    result = page.evaluate(
        "(tags) => axe.run('#cc-feedback', {runOnly: {type: 'tag', values: tags}})"
        ".then(r => r.violations.map("
        "v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).slice(0, 3).join(' | ')))",
        WCAG_AA,
    )
    return list(result)


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_stars_open_the_matching_block_and_send_stores_in_place(
    chromium: Any, site: tuple[Any, LiveServer], device: str
) -> None:
    app, server = site
    options = PHONE if device == "phone" else {"viewport": {"width": 1280, "height": 900}}
    context = chromium.new_context(**options, locale="en-GB")
    page = context.new_page()
    errors = console_errors(page)
    page.goto(server.url + "/segnalazioni/")
    assert not page.locator(POSITIVE).is_visible() and not page.locator(NEGATIVE).is_visible()
    assert widget_violations(page) == []

    page.click('[data-element="feedback-rate-2"]')
    assert page.locator(NEGATIVE).is_visible() and not page.locator(POSITIVE).is_visible()
    assert page.locator('[data-element="feedback-input-text"]').is_visible()
    assert widget_violations(page) == []

    page.click('[data-element="feedback-rate-5"]')
    assert page.locator(POSITIVE).is_visible() and not page.locator(NEGATIVE).is_visible()
    page.click('label[for="cc-answer-complete"]')
    page.fill('[data-element="feedback-input-text"]', "Chiaro e veloce")
    page.click("#cc-feedback button[type=submit]")
    wait_until(page, "() => !document.querySelector('[data-cc-feedback-thanks]').hidden")
    assert page.url == server.url + "/segnalazioni/"  # no reload, no new page
    assert "Thank you, your feedback will help us improve the service!" in page.inner_text("#cc-feedback")
    assert widget_violations(page) == []
    assert errors == []
    context.close()

    with app.app_context():
        (row,) = site_db.session.scalars(sa.select(PageRating)).all()
        assert (row.page, row.rating, row.answer, row.comment) == (
            "/segnalazioni/",
            5,
            "complete",
            "Chiaro e veloce",
        )


def test_without_javascript_the_form_works_in_two_steps(chromium: Any, site: tuple[Any, LiveServer]) -> None:
    app, server = site
    context = chromium.new_context(java_script_enabled=False, locale="en-GB")
    page = context.new_page()
    page.goto(server.url + "/segnalazioni/map")
    page.click('[data-element="feedback-rate-3"]')
    page.click("#cc-feedback button[type=submit]")
    page.wait_for_load_state()
    assert page.locator(NEGATIVE).is_visible() and not page.locator(POSITIVE).is_visible()
    page.click('label[for="cc-answer-technical_problems"]')
    page.click("#cc-feedback button[type=submit]")
    page.wait_for_load_state()
    assert "Thank you, your feedback will help us improve the service!" in page.content()
    context.close()
    with app.app_context():
        (row,) = site_db.session.scalars(sa.select(PageRating)).all()
        assert (row.page, row.rating, row.answer) == ("/segnalazioni/map", 3, "technical_problems")
