"""The list of reports in Chromium: "Carica altre segnalazioni" appends the next page in place.

With JavaScript the next page's items join the list (no reload), the focus
moves to the first item added, and the link goes on to the following page
until there is none; the tabs are links; axe-core finds nothing below WCAG 2.1
AA, on a phone, before and after loading more.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from example_site import db as site_db
from flask_citizencare.queries.listing import PAGE_SIZE

from .browser import PHONE, LiveServer, migrated_example_app, wait_until
from .factories import create_category, create_report
from .test_browser_accessibility import violations

pytestmark = [pytest.mark.slow, pytest.mark.browser]
COUNT = 2 * PAGE_SIZE + 4
ITEMS = "document.querySelectorAll('#cc-report-items > li').length"


@pytest.fixture
def site(database_url: str, tmp_path: Path) -> Iterator[tuple[LiveServer, list[str]]]:
    with migrated_example_app(database_url, tmp_path) as app:
        with app.test_request_context():
            category = create_category(site_db.session, code="buche-l", name="Buche stradali")
            now = datetime.now(UTC)
            ids = [
                create_report(
                    site_db.session,
                    category=category,
                    title=f"Buca numero {n}",
                    created_at=now - timedelta(minutes=n),
                    due_at=now + timedelta(hours=1),
                    resolve_due_at=now + (timedelta(days=3) if n % 2 else -timedelta(days=1)),
                ).public_id
                for n in range(COUNT)
            ]
            site_db.session.commit()
        with LiveServer(app) as server:
            yield server, ids


def test_load_more_appends_in_place_and_moves_the_focus(
    chromium: Any, site: tuple[LiveServer, list[str]]
) -> None:
    server, ids = site
    context = chromium.new_context(**PHONE, locale="it-IT")
    page = context.new_page()
    page.goto(server.url + "/segnalazioni/reports")
    assert page.evaluate(ITEMS) == PAGE_SIZE
    assert violations(page) == [], "first page"
    page.evaluate("window.ccSameDocument = true")  # gone if the click navigated
    more = page.locator("#cc-load-more")
    more.focus()
    page.keyboard.press("Enter")
    wait_until(page, f"{ITEMS} === {2 * PAGE_SIZE}")
    assert page.evaluate("window.ccSameDocument") is True
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == f"Buca numero {PAGE_SIZE}"  # the first item added
    assert page.evaluate("document.activeElement.closest('li') === "
                         f"document.querySelectorAll('#cc-report-items > li')[{PAGE_SIZE}]")  # fmt: skip
    assert page.locator("#cc-reports-status").text_content()  # the change is announced
    page.locator("#cc-load-more").click()
    wait_until(page, f"{ITEMS} === {COUNT}")
    assert page.locator("#cc-load-more").count() == 0  # the last page: the link is gone
    listed = page.evaluate(
        "[...document.querySelectorAll('#cc-report-items .cc-report-list__id')].map(e => e.textContent)"
    )
    assert listed == ids  # every report once, newest first
    assert page.evaluate("document.activeElement.textContent") == f"Buca numero {2 * PAGE_SIZE}"
    assert page.locator(".cc-overdue").count() == COUNT // 2  # "in ritardo" on the late half
    assert violations(page) == [], "after loading more"
    # Each item opens its report; the tab "Mappa" is a link to the map page.
    page.locator("#cc-report-items a").first.click()
    page.wait_for_url(f"**/segnalazioni/reports/{ids[0]}")
    page.go_back()
    page.locator("#cc-tab-map").click()
    page.wait_for_url("**/segnalazioni/map")
    assert page.locator("#cc-tab-map[aria-current=page]").count() == 1
    context.close()


def test_without_javascript_the_link_opens_the_next_page(
    chromium: Any, site: tuple[LiveServer, list[str]]
) -> None:
    server, ids = site
    context = chromium.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(server.url + "/segnalazioni/reports")
    page.locator("#cc-load-more").click()
    page.wait_for_url("**cursor=*")
    assert page.locator("#cc-report-items > li").count() == PAGE_SIZE
    assert page.locator("#cc-report-items .cc-report-list__id").first.text_content() == ids[PAGE_SIZE]
    context.close()


def test_the_list_tab_follows_the_filters_chosen_on_the_map(
    chromium: Any, site: tuple[LiveServer, list[str]]
) -> None:
    server, _ids = site
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="it-IT")
    page = context.new_page()
    page.goto(server.url + "/segnalazioni/map")
    if not page.locator("#cc-f-kind-proposal").is_visible():
        page.locator("#cc-map-filters-box summary").click()
    page.locator("#cc-f-kind-proposal").check()
    wait_until(page, "document.getElementById('cc-tab-list').href.includes('kind=proposal')")
    page.locator("#cc-tab-list").click()
    page.wait_for_url("**/segnalazioni/reports?kind=proposal")
    assert page.locator("#cc-report-items > li").count() == 0  # every report here is a problem
    assert page.locator("#cc-l-kind-proposal").is_checked()
    context.close()
