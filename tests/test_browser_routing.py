"""The routing rules screen in Debian's Chromium: drawing an area by clicking the map, the test box's map,
and axe-core WCAG 2.1 AA on its pages."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from shapely.geometry import shape

from example_site import db as site_db
from flask_citizencare import state
from flask_citizencare.models import RoutingRuleRecord
from flask_citizencare.services.staff import save_staff_member

from .browser import LiveServer, log_in, migrated_example_app
from .factories import create_category, create_office
from .test_browser_accessibility import violations

pytestmark = [pytest.mark.slow, pytest.mark.browser]
BASE = "/segnalazioni/staff/admin/routing"


@pytest.fixture
def site(database_url: str, tmp_path: Path) -> Iterator[tuple[LiveServer, dict[str, Any]]]:
    with migrated_example_app(database_url, tmp_path) as app:
        with app.test_request_context():
            roads = create_office(site_db.session, code="strade-r", name="Manutenzione strade")
            lights = create_office(site_db.session, code="luci-r", name="Illuminazione pubblica")
            category = create_category(
                site_db.session, code="buche-r", name="Buche stradali", default_office_id=roads.id
            )
            site_db.session.commit()
            user_id = state(app).user_factory(
                "responsabile", "Marco Responsabile", "marco@comune.example", "password-marco"
            )  # type: ignore[misc]
            site_db.session.commit()
            save_staff_member(user_id, role="manager", display_name="Marco Responsabile")
            facts = {"category": category.id, "lights": lights.id, "roads": roads.id}
        with LiveServer(app) as server:
            yield server, {**facts, "app": app}


def test_a_manager_draws_an_area_and_tests_it(chromium: Any, site: tuple[LiveServer, dict[str, Any]]) -> None:
    server, facts = site
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="it-IT")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, server, "responsabile", "password-marco")
    page.goto(server.url + BASE)
    assert violations(page) == [], "list"
    page.goto(server.url + BASE + "/new")
    assert page.locator("#cc-routing-draw-map").is_visible()
    assert violations(page) == [], "new"
    page.locator("#cc-routing-draw-map").scroll_into_view_if_needed()
    box = page.locator("#cc-routing-draw-map").bounding_box()
    assert box is not None
    for dx, dy in ((0.3, 0.3), (0.7, 0.3), (0.7, 0.7), (0.3, 0.7)):
        page.mouse.click(box["x"] + box["width"] * dx, box["y"] + box["height"] * dy)
    area = json.loads(page.input_value("#area"))
    assert area["type"] == "Polygon" and len(area["coordinates"][0]) == 5
    assert page.is_checked("#place-2")
    page.click("#cc-routing-undo")
    assert len(json.loads(page.input_value("#area"))["coordinates"][0]) == 4
    page.select_option("#category", str(facts["category"]))
    page.select_option("#office", str(facts["lights"]))
    page.click("form.cc-form button[type=submit]")
    page.wait_for_load_state()
    assert page.url.endswith(BASE)
    with facts["app"].app_context():
        rule = site_db.session.scalar(sa.select(RoutingRuleRecord))
        assert rule is not None and rule.area is not None and rule.office_id == facts["lights"]
        rule_id = rule.id
        inside = shape(rule.area).representative_point()
        site_db.session.remove()
    # The test box: a click on its map fills the latitude and longitude (typed over to be inside).
    page.select_option("#category", str(facts["category"]))
    page.locator("#cc-routing-test-map").scroll_into_view_if_needed()
    box = page.locator("#cc-routing-test-map").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.4)
    assert page.input_value("#lat") and page.input_value("#lon")
    page.fill("#lat", f"{inside.y:.6f}")
    page.fill("#lon", f"{inside.x:.6f}")
    page.click("section.cc-routing-test button[type=submit]")
    page.wait_for_load_state()
    assert "Illuminazione pubblica" in page.inner_text(".cc-routing-answer")
    assert violations(page) == [], "answer"
    page.goto(server.url + f"{BASE}/{rule_id}")
    assert violations(page) == [], "edit with history"
    page.fill("#area", "")
    page.click("form.cc-form button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#cc-error-summary").is_visible()
    assert violations(page) == [], "form with errors"
    assert errors == []
    context.close()
