"""The citizens' form suggests in a real browser: "Did you mean …?" and "Is it one of these?" as the
report is written and the pin is moved (js/similar-proposals.js and js/report-form.js under the CSP)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from example_site import db as site_db
from flask_citizencare.models import Category
from flask_citizencare.models.base import utcnow

from .browser import LiveServer, console_errors, migrated_example_app, script_errors, wait_until
from .factories import create_report
from .suggest_history import train_small_model

pytestmark = [pytest.mark.slow, pytest.mark.browser]

# Near the Due Torri (Bologna), inside the demo city.
LON, LAT = 11.3466, 44.4940
HINT = "[data-cc-suggest-category]"
DUPLICATES = "[data-cc-suggest-duplicates]"


@pytest.fixture
def site(database_url: str, tmp_path: Path) -> Iterator[tuple[LiveServer, dict[str, Any]]]:
    with migrated_example_app(database_url, tmp_path, CITIZENCARE_REPORT_FLOW="single") as app:
        train_small_model(app)
        with app.app_context():
            session = site_db.session

            def category(code: str) -> Category:
                return session.scalar(sa.select(Category).where(Category.code == code))

            lights, roads = category("illuminazione"), category("buche-strade")
            now = utcnow()
            lamp = create_report(
                session,
                category=lights,
                lon=LON + 0.0002,
                lat=LAT,
                received_at=now,
                public_id=f"{now.year}-990001",
                title="Lampione spento davanti al civico 3",
                description="Il lampione in strada è spento da giorni, la sera è tutto buio.",
            )
            session.commit()
            known = {"lights": lights.id, "roads": roads.id, "lamp": lamp.public_id}
        with LiveServer(app) as server:
            yield server, known


def metres(lon_a: float, lat_a: float, lon_b: float, lat_b: float) -> float:
    dx = math.radians(lon_b - lon_a) * math.cos(math.radians((lat_a + lat_b) / 2))
    return 6_371_000 * math.hypot(dx, math.radians(lat_b - lat_a))


def listed(page: Any, number: str) -> bool:
    return bool(
        page.evaluate(
            "(n) => !document.querySelector('[data-cc-suggest-duplicates]').hidden"
            " && !!document.querySelector(`[data-cc-duplicate='${n}']`)",
            number,
        )
    )


def test_the_form_suggests_the_category_and_the_reports_near_the_pin(
    chromium: Any, site: tuple[LiveServer, dict[str, Any]]
) -> None:
    server, known = site
    context = chromium.new_context(locale="en-GB")
    page = context.new_page()
    errors = console_errors(page)
    page.goto(server.url + "/segnalazioni/new")
    assert page.locator("#cc-suggest").count() == 1

    # Filed under roads, written about a lamp: the form offers street lighting; the citizen decides.
    page.select_option("#category", str(known["roads"]))
    page.fill("#title", "Lampione spento")
    page.fill("#description", "il lampione davanti a casa è spento da giorni")
    wait_until(page, f"() => !document.querySelector('{HINT}').hidden")
    assert "Street lighting" in page.locator("[data-cc-suggest-text]").inner_text()
    assert page.input_value("#category") == str(known["roads"])
    page.click("[data-cc-suggest-button]")
    assert page.input_value("#category") == str(known["lights"])
    assert page.locator("[data-cc-suggest-status]").inner_text() == "Category changed to “Street lighting”."
    assert page.evaluate(f"() => document.querySelector('{HINT}').hidden")

    # No point yet: nothing nearby. The point typed in: the open lamp a few metres away is offered.
    assert page.evaluate(f"() => document.querySelector('{DUPLICATES}').hidden")
    page.fill("#lat", str(LAT))
    page.fill("#lon", str(LON))
    page.press("#lon", "Tab")  # "change"
    wait_until(page, "(n) => !!document.querySelector(`[data-cc-duplicate='${n}']`)", known["lamp"])
    link = page.locator(f"[data-cc-duplicate='{known['lamp']}'] a.cc-similar__support")
    assert link.get_attribute("href") == f"/segnalazioni/reports/{known['lamp']}#cc-follow"

    # The pin moved away with the arrow keys (no "change" event): the hints follow it, and come back.
    page.locator(".leaflet-marker-icon").focus()
    presses = 0
    while metres(LON, LAT, float(page.input_value("#lon")), float(page.input_value("#lat"))) < 600:
        page.keyboard.press("ArrowRight")
        presses += 1
        assert presses < 400, "the pin does not move"
    wait_until(page, f"() => document.querySelector('{DUPLICATES}').hidden")
    for _press in range(presses):
        page.keyboard.press("ArrowLeft")
    assert metres(LON, LAT, float(page.input_value("#lon")), float(page.input_value("#lat"))) < 50
    wait_until(page, "(n) => !!document.querySelector(`[data-cc-duplicate='${n}']`)", known["lamp"])
    assert listed(page, known["lamp"])

    # (The map's tiles answer 404 here: no network.) No script error, nothing the CSP refused.
    assert script_errors(errors) == []
    context.close()
