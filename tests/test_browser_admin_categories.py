"""The categories administration in Debian's Chromium: axe-core WCAG 2.1 AA, and the urgent notice with JS."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from example_site import db as site_db
from flask_citizencare import state
from flask_citizencare.services.staff import save_staff_member

from .browser import PHONE, LiveServer, accept_conditions, log_in, migrated_example_app
from .factories import create_category, create_office, create_report
from .test_browser_accessibility import violations

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.fixture
def site(database_url: str, tmp_path: Path) -> Iterator[tuple[LiveServer, dict[str, Any]]]:
    with migrated_example_app(database_url, tmp_path) as app:
        with app.test_request_context():
            office = create_office(site_db.session, code="strade-a", name="Manutenzione strade")
            potholes = create_category(
                site_db.session,
                code="buche-a",
                name="Buche stradali",
                group="Strade",
                default_office_id=office.id,
                urgent_notice="Pericolo immediato? Chiama il 112.",
            )
            lamps = create_category(
                site_db.session,
                code="lampioni-a",
                name="Lampioni",
                group="Strade",
                urgent_notice="Palo pericolante? Chiama la Polizia locale.",
            )
            create_category(site_db.session, code="verde-a", name="Verde", group="Ambiente")
            create_report(site_db.session, category=potholes)
            site_db.session.commit()
            user_id = state(app).user_factory(
                "responsabile", "Marta Responsabile", "marta@comune.example", "password-marta"
            )  # type: ignore[misc]
            site_db.session.commit()
            save_staff_member(user_id, role="manager", display_name="Marta Responsabile")
            facts = {"potholes": potholes.id, "lamps": lamps.id}
        with LiveServer(app) as server:
            yield server, facts


def test_the_admin_pages_meet_wcag_aa(chromium: Any, site: tuple[LiveServer, dict[str, Any]]) -> None:
    server, facts = site
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="it-IT")
    page = context.new_page()
    log_in(page, server, "responsabile", "password-marta")
    base = server.url + "/segnalazioni/staff/admin/categories"
    for path in ("", "/new", f"/{facts['potholes']}", f"/{facts['lamps']}/deactivate"):
        page.goto(base + path)
        assert page.locator("h1").count() == 1, path
        assert violations(page) == [], path
    # Move a category down without JS-specific help: a plain form post
    page.goto(base)
    page.click(f"#category-{facts['potholes']} button[value=down]")
    page.wait_for_load_state()
    assert violations(page) == [], "after moving"
    # A form with errors: the summary and the fields' errors
    page.goto(base + "/new")
    page.fill("#duplicate_radius_m", "-5")
    page.click("form.cc-form button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#cc-error-summary").is_visible()
    assert violations(page) == [], "form with errors"
    context.close()


def test_the_form_shows_the_urgent_notice_of_the_chosen_category(
    chromium: Any, site: tuple[LiveServer, dict[str, Any]]
) -> None:
    server, facts = site
    context = chromium.new_context(**PHONE, locale="it-IT")
    page = context.new_page()
    page.goto(server.url + "/segnalazioni/new")
    accept_conditions(page)
    notice = page.locator("#cc-urgent-notice")
    assert not notice.is_visible()
    assert page.locator("#cc-urgent-list").get_attribute("open") is None  # folded away with JS
    page.select_option("#category", str(facts["potholes"]))
    assert notice.is_visible() and notice.inner_text() == "Pericolo immediato? Chiama il 112."
    page.select_option("#category", str(facts["lamps"]))
    assert notice.inner_text() == "Palo pericolante? Chiama la Polizia locale."
    assert violations(page) == []
    context.close()
