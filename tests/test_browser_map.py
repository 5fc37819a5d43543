"""The public map in Debian's Chromium: markers and clusters from the real API, the list, filters, URL."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask
from geoalchemy2.shape import to_shape

from example_site import db as site_db
from flask_citizencare.demo import load_demo
from flask_citizencare.domain.lifecycle import CLOSED_STATUSES
from flask_citizencare.domain.notices.lifecycle import is_current
from flask_citizencare.models import Category, Report, ServiceNotice
from flask_citizencare.queries.notices import published
from flask_citizencare.queries.reports import public_reports_filter

from .browser import PHONE, LiveServer, accept_conditions, migrated_example_app, wait_until
from .test_browser_accessibility import violations

pytestmark = [pytest.mark.slow, pytest.mark.browser]
MAP = "/segnalazioni/map"
DEMO_REPORTS = 120
NOW = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)


@pytest.fixture
def site(database_url: str, tmp_path: Path) -> Iterator[tuple[LiveServer, Flask]]:
    with migrated_example_app(database_url, tmp_path) as app:
        with app.app_context():
            load_demo(DEMO_REPORTS, seed=7, now=NOW)
        with LiveServer(app) as server:
            yield server, app


def public_reports(app: Flask, *conditions: Any) -> list[tuple[str, float, float, str]]:
    """(public id, lon, lat, status) of the public reports with a place, newest first."""
    with app.app_context():
        rows = site_db.session.execute(
            sa.select(Report.public_id, Report.point, Report.status)
            .where(public_reports_filter(), Report.point.is_not(None), *conditions)
            .order_by(Report.created_at.desc(), Report.id.desc())
        ).all()
        return [(r.public_id, to_shape(r.point).x, to_shape(r.point).y, r.status) for r in rows]


def loaded(page: Any, after: int = 0) -> int:
    """Wait until the map finished a load after the ``after``-th one; the number of loads."""
    wait_until(
        page, "n => Number(document.getElementById('cc-map-area').getAttribute('data-loads') || 0) > n", after
    )
    return int(page.get_attribute("#cc-map-area", "data-loads"))


def listed(page: Any) -> list[str]:
    return [text.strip() for text in page.locator("#cc-map-list .cc-report-list__id").all_inner_texts()]


def url_args(page: Any) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def test_map_shows_the_reports_and_the_list_follows_the_filters(
    chromium: Any, site: tuple[LiveServer, Flask]
) -> None:
    server, app = site
    everything = public_reports(app)
    assert len(everything) > 50
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="it-IT")
    page = context.new_page()
    # Zoom 10 holds the whole municipality: every public report is in view, as points (well under the cap).
    page.goto(server.url + MAP + "?lat=44.49&lon=11.33&zoom=10")
    count = loaded(page)
    summary = page.inner_text("#cc-map-summary")
    assert str(len(everything)) in summary, summary
    assert listed(page) == [r[0] for r in everything[:50]]
    # Points are on the map, grouped in the browser where they crowd; groups count every point.
    pins = page.locator(".leaflet-marker-pane .cc-marker .cc-pin").count()
    grouped = sum(
        int(re.sub(r"\D", "", t) or 0)
        for t in page.locator(".leaflet-marker-pane .cc-bubble > [aria-hidden]").all_inner_texts()
    )
    assert pins + grouped == len(everything)
    assert page.locator(".cc-marker--counted").count() == 0  # no server clusters below the cap
    # The view is in the address bar, with the filters.
    assert url_args(page)["zoom"] == ["10"]

    # The filters are folded while none is chosen: the visitor opens them.
    assert not page.is_visible("#cc-f-group-closed")
    page.click("#cc-map-filters-box summary")
    # Closed reports only: markers, list and URL change together.
    page.check("#cc-f-group-closed")
    count = loaded(page, count)
    closed = public_reports(app, Report.status.in_([s.value for s in CLOSED_STATUSES]))
    assert 0 < len(closed) < len(everything)
    assert url_args(page)["group"] == ["closed"]
    assert listed(page) == [r[0] for r in closed[:50]]
    assert str(len(closed)) in page.inner_text("#cc-map-summary")
    badges = page.locator("#cc-map-list .cc-status").evaluate_all("els => els.map(e => e.className)")
    assert badges and all(re.search(r"cc-status--(resolved|closed|rejected)$", b) for b in badges)

    # And one category: the grouped select.
    with app.app_context():
        category = site_db.session.scalars(
            sa.select(Category).join(Report).where(public_reports_filter()).order_by(Category.code)
        ).first()
        assert category is not None
        code, label = category.code, category.label("it")
    page.select_option("#cc-f-category", code)
    loaded(page, count)
    chosen = public_reports(
        app, Report.status.in_([s.value for s in CLOSED_STATUSES]), Report.category_id == category.id
    )
    assert url_args(page)["category"] == [code]
    assert listed(page) == [r[0] for r in chosen[:50]]
    metas = page.locator("#cc-map-list .cc-report-list__meta").all_inner_texts()
    assert all(label in meta for meta in metas)

    # A shared URL opens the same view and filters; the form shows them.
    shared = page.url
    other = context.new_page()
    other.goto(shared)
    loaded(other)
    assert other.is_visible("#cc-f-group-closed")  # filters chosen: shown open
    assert other.is_checked("#cc-f-group-closed")
    assert other.input_value("#cc-f-category") == code
    assert listed(other) == listed(page)
    assert violations(other) == []
    context.close()


def test_crowded_views_get_server_clusters_that_zoom_in(
    chromium: Any, site: tuple[LiveServer, Flask]
) -> None:
    server, app = site
    everything = public_reports(app)
    app.config["CITIZENCARE_API_MAX_LIMIT"] = 30  # fewer than the reports in view: the server counts them
    try:
        context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="it-IT")
        page = context.new_page()
        page.goto(server.url + MAP + "?lat=44.49&lon=11.33&zoom=10")
        count = loaded(page)
        bubbles = page.locator(".cc-marker--counted")
        assert bubbles.count() > 0
        counted = sum(int(re.sub(r"\D", "", t)) for t in bubbles.locator("[aria-hidden]").all_inner_texts())
        assert counted == len(everything)
        # The list still shows the newest reports in view (a second request, never clustered).
        assert listed(page) == [r[0] for r in everything[:30]]
        assert str(len(everything)) in page.inner_text("#cc-map-summary")
        # A cluster is a keyboard button: Enter zooms in.
        biggest = max(
            range(bubbles.count()),
            key=lambda i: int(re.sub(r"\D", "", bubbles.nth(i).locator("[aria-hidden]").inner_text())),
        )
        bubbles.nth(biggest).focus()
        page.keyboard.press("Enter")
        loaded(page, count)
        assert int(url_args(page)["zoom"][0]) > 10
        assert violations(page) == []
        context.close()
    finally:
        app.config["CITIZENCARE_API_MAX_LIMIT"] = 2000


def _isolated(reports: list[tuple[str, float, float, str]]) -> list[tuple[str, float, float, str]]:
    """Reports with no other within ~150 m: alone on the map at close zoom."""

    def far(a: tuple[str, float, float, str]) -> bool:
        return all(a is b or math.hypot(a[1] - b[1], a[2] - b[2]) > 0.002 for b in reports)

    return [r for r in reports if far(r)]


def test_a_marker_leads_to_its_report_by_mouse_and_keyboard(
    chromium: Any, site: tuple[LiveServer, Flask]
) -> None:
    server, app = site
    alone = _isolated(public_reports(app))
    assert len(alone) >= 2
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="it-IT")
    page = context.new_page()

    public_id, lon, lat, _status = alone[0]
    page.goto(server.url + MAP + f"?lat={lat}&lon={lon}&zoom=17")
    loaded(page)
    marker = page.locator(f'.leaflet-marker-icon[title^="{public_id} "]')
    marker.click()
    page.locator(".leaflet-popup .cc-popup a").click()
    page.wait_for_url(f"**/segnalazioni/reports/{public_id}")
    assert public_id in page.content()

    public_id, lon, lat, _status = alone[1]
    page.goto(server.url + MAP + f"?lat={lat}&lon={lon}&zoom=17")
    loaded(page)
    page.locator(f'.leaflet-marker-icon[title^="{public_id} "]').focus()
    page.keyboard.press("Enter")  # opens the popup; its link takes the focus
    wait_until(page, "() => document.activeElement && document.activeElement.closest('.cc-popup') !== null")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/segnalazioni/reports/{public_id}")
    context.close()


def test_current_notices_areas_are_drawn_and_open_their_notice(
    chromium: Any, site: tuple[LiveServer, Flask]
) -> None:
    server, app = site
    with app.app_context():
        rows = site_db.session.scalars(sa.select(ServiceNotice).where(published()).order_by(ServiceNotice.id))
        notices = [n for n in rows if n.area is not None and is_current(n.status)]
        assert notices, "the demo data has current works with an area"
        notice = notices[0]
        centre = to_shape(notice.area).representative_point()
        title = notice.title
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="it-IT")
    page = context.new_page()
    page.goto(server.url + MAP + f"?lat={centre.y}&lon={centre.x}&zoom=16")
    loaded(page)
    wait_until(page, "() => document.querySelectorAll('path.cc-notice-area').length > 0")
    assert page.locator("#cc-map-legend a[href$='/status']").count() == 1
    page.locator("path.cc-notice-area").first.click(force=True)
    popup = page.locator(".leaflet-popup")
    assert title in popup.inner_text()
    link = popup.locator(f"a[href$='/status/{notice.id}']")
    assert link.count() == 1, popup.inner_html()
    link.click()
    page.wait_for_url(f"**/segnalazioni/status/{notice.id}")
    context.close()


def test_phone_stacks_the_list_below_the_map_and_reports_here(
    chromium: Any, site: tuple[LiveServer, Flask]
) -> None:
    server, _app = site
    context = chromium.new_context(**PHONE, locale="it-IT")
    page = context.new_page()
    page.goto(server.url + MAP + "?lat=44.4949&lon=11.3426&zoom=14")
    loaded(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    map_box = page.locator("#cc-map-area").bounding_box()
    list_box = page.locator("#cc-map-list").bounding_box()
    assert map_box and list_box and map_box["width"] >= 300
    assert list_box["y"] >= map_box["y"] + map_box["height"]
    assert violations(page) == []
    # "Report a problem here" opens the form with the pin at the map's centre.
    page.click("#cc-report-here")
    page.wait_for_url("**/segnalazioni/new?**")
    accept_conditions(page)  # the model's first step; the pin comes along to the second
    assert abs(float(page.input_value("#lat")) - 44.4949) < 1e-4
    assert abs(float(page.input_value("#lon")) - 11.3426) < 1e-4
    context.close()


def test_bad_filter_in_the_address_is_explained(chromium: Any, site: tuple[LiveServer, Flask]) -> None:
    server, _app = site
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="it-IT")
    page = context.new_page()
    response = page.goto(server.url + MAP + "?since=ieri")
    assert response is not None and response.status == 400
    assert page.locator("#cc-error-summary").is_visible()
    assert page.get_attribute("#cc-f-since", "aria-invalid") == "true"
    assert violations(page) == []
    context.close()


def _dashboard_now(page: Any) -> tuple[int, int]:
    """(open, closed) of the "now" row of the dashboard's status table, as the visitor reads it."""
    cells = page.locator("table[data-table=status] tbody tr").first.locator("td").all_inner_texts()
    return int(re.sub(r"\D", "", cells[0])), int(re.sub(r"\D", "", cells[1]))


def _api_count(page: Any, query: str) -> int:
    """How many reports the map API finds for ``query``: points, or the sum of its clusters' counts."""
    answer = page.evaluate(
        "q => fetch('/segnalazioni/api/reports.geojson?' + q).then(r => r.json())", query + "&limit=2000"
    )
    assert answer["next"] is None
    if answer["clustered"]:
        return sum(f["properties"]["count"] for f in answer["features"])
    return len(answer["features"])


def _placeless(app: Flask, *conditions: Any) -> tuple[int, int]:
    """(open, closed) public reports without a place (digital services): counted, but not on a map."""
    with app.app_context():
        statuses = site_db.session.scalars(
            sa.select(Report.status).where(public_reports_filter(), Report.point.is_(None), *conditions)
        ).all()
    closed = sum(1 for status in statuses if status in CLOSED_STATUSES)
    return len(statuses) - closed, closed


def test_dashboard_tables_equal_the_api_numbers(chromium: Any, site: tuple[LiveServer, Flask]) -> None:
    """The dashboard's open/closed figures are the map API's counts plus the reports without a place."""
    server, app = site
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="it-IT")
    page = context.new_page()
    page.goto(server.url + "/segnalazioni/dashboard")
    open_now, closed_now = _dashboard_now(page)
    open_placeless, closed_placeless = _placeless(app)
    assert open_now + closed_now == len(public_reports(app)) + open_placeless + closed_placeless
    assert _api_count(page, "group=open") + open_placeless == open_now
    assert _api_count(page, "group=closed") + closed_placeless == closed_now

    # The visitor picks a category in the dashboard's filter form: the table and the API still agree.
    with app.app_context():
        code, category_id = site_db.session.execute(
            sa.select(Category.code, Category.id)
            .join(Report, Report.category_id == Category.id)
            .where(public_reports_filter(), Report.point.is_not(None))
            .group_by(Category.code, Category.id)
            .order_by(sa.func.count().desc())
        ).first()
    page.select_option("#dash-category", code)
    page.locator("form:has(#dash-category) button[type=submit]").click()
    page.wait_for_url(f"**category={code}**")
    open_in_category, closed_in_category = _dashboard_now(page)
    in_category = Report.category_id == category_id
    open_placeless, closed_placeless = _placeless(app, in_category)
    assert 0 < open_in_category + closed_in_category < open_now + closed_now
    assert _api_count(page, f"group=open&category={code}") + open_placeless == open_in_category
    assert _api_count(page, f"group=closed&category={code}") + closed_placeless == closed_in_category
    context.close()
