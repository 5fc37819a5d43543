"""B4: with the tiles failing (the browser tests' tile URL points nowhere) every map says so and
draws the municipality's area, its districts and its points on a plain background."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from example_site import db as site_db

from .browser import LiveServer, migrated_example_app, wait_until
from .factories import create_category, create_office, create_report
from .test_browser_accessibility import violations

pytestmark = [pytest.mark.slow, pytest.mark.browser]

MESSAGE = "Map not available: type the address or coordinates"
SHOWN = (
    "() => { const m = document.querySelector('[data-cc-map-unavailable]');"
    " return !!m && m.offsetHeight > 0; }"
)
DISTRICTS = "() => document.querySelectorAll('.cc-map-district-label').length"


@pytest.fixture
def site(database_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    with migrated_example_app(database_url, tmp_path) as app:
        with app.app_context():
            office = create_office(site_db.session, code="strade-m", name="Manutenzione strade")
            category = create_category(
                site_db.session,
                code="buche-m",
                name="Buche stradali",
                group="Strade",
                default_office_id=office.id,
            )
            create_report(site_db.session, category=category, is_public=True, lat=44.4949, lon=11.3426)
            site_db.session.commit()
        with LiveServer(app) as server:
            yield server


def test_the_area_is_served_as_cacheable_geojson(site: LiveServer, chromium: Any) -> None:
    context = chromium.new_context()
    response = context.request.get(site.url + "/segnalazioni/map/area.geojson")
    assert response.status == 200
    assert response.headers["content-type"].startswith("application/geo+json")
    assert "public" in response.headers["cache-control"] and response.headers.get("etag")
    data = json.loads(response.body())
    kinds = [f["properties"]["kind"] for f in data["features"]]
    assert kinds[0] == "area" and kinds.count("district") >= 1
    context.close()


def test_the_form_map_without_tiles_says_so_and_still_takes_a_pin(chromium: Any, site: LiveServer) -> None:
    context = chromium.new_context(locale="en-GB", extra_http_headers={"Accept-Language": "en"})
    page = context.new_page()
    # The model's first step (conditions), then the map of the second.
    page.goto(site.url + "/segnalazioni/new")
    page.check("#consent")
    page.locator("form", has=page.locator("#consent")).locator("button[type=submit]").click()
    page.wait_for_url("**/new/data")
    wait_until(page, SHOWN)
    message = page.locator("[data-cc-map-unavailable]")
    assert message.inner_text() == MESSAGE
    assert message.get_attribute("role") == "status"
    assert page.locator("#cc-map.cc-map--no-tiles").count() == 1
    wait_until(page, DISTRICTS + " > 0")
    assert page.locator("#cc-map path.leaflet-interactive, #cc-map svg path").count() >= 2

    page.locator("#cc-map").click(position={"x": 150, "y": 120})
    lat, lon = float(page.input_value("#lat")), float(page.input_value("#lon"))
    assert 44.42 < lat < 44.56 and 11.23 < lon < 11.43
    assert page.locator("#cc-map .leaflet-marker-icon").count() == 1
    assert violations(page) == []
    context.close()


def test_the_public_map_without_tiles_draws_districts_and_points(chromium: Any, site: LiveServer) -> None:
    context = chromium.new_context(locale="en-GB", extra_http_headers={"Accept-Language": "en"})
    page = context.new_page()
    page.goto(site.url + "/segnalazioni/map")
    wait_until(page, SHOWN)
    assert page.locator("[data-cc-map-unavailable]").inner_text() == MESSAGE
    wait_until(page, DISTRICTS + " > 0")
    wait_until(page, "() => document.querySelectorAll('#cc-map-area .leaflet-marker-icon').length > 0")
    assert violations(page) == []
    context.close()
