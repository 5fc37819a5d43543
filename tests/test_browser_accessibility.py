"""WCAG 2.1 AA checks with axe-core in Debian's Chromium, on the pages citizens and staff use."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from example_site import db as site_db
from flask_citizencare import state
from flask_citizencare.models import AnswerState, ProposalAnswer
from flask_citizencare.services.staff import save_staff_member
from flask_citizencare.services.surveys import survey_token

from .browser import PHONE, LiveServer, log_in, migrated_example_app
from .factories import create_category, create_office, create_report

pytestmark = [pytest.mark.slow, pytest.mark.browser]
AXE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text()
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture
def site(database_url: str, tmp_path: Path) -> Iterator[tuple[LiveServer, dict[str, Any]]]:
    with migrated_example_app(database_url, tmp_path) as app:
        with app.test_request_context():
            office = create_office(site_db.session, code="strade-a", name="Manutenzione strade")
            category = create_category(
                site_db.session,
                code="buche-a",
                name="Buche stradali",
                group="Strade",
                default_office_id=office.id,
                help_text="Buche e dissesti della carreggiata.",
            )
            report = create_report(site_db.session, category=category, title="Buca in via Saragozza")
            done = datetime.now(UTC)
            finished = create_report(
                site_db.session,
                category=category,
                title="Lampione riparato",
                status="resolved",
                acknowledged_at=done,
                resolved_at=done,
            )
            # A proposal with supports and a published answer, and one awaiting its answer (/proposals).
            answered = create_report(
                site_db.session,
                category=category,
                kind="proposal",
                title="Una panchina al parco",
                supports_count=42,
                answered_at=done,
                outcome="accepted",
            )
            state_id = site_db.session.scalar(sa.select(AnswerState.id).order_by(AnswerState.position))
            site_db.session.add(
                ProposalAnswer(report_id=answered.id, state_id=state_id, body="Sì", published_at=done)
            )
            create_report(
                site_db.session, category=category, kind="proposal", title="Più alberi in via Irnerio"
            )
            site_db.session.commit()
            survey = survey_token(finished)
            user_id = state(app).user_factory(
                "operatrice", "Olga Operatrice", "olga@comune.example", "password-olga"
            )  # type: ignore[misc]
            site_db.session.commit()
            save_staff_member(user_id, role="operator", display_name="Olga Operatrice")
            manager_id = state(app).user_factory(
                "responsabile", "Marco Responsabile", "marco@comune.example", "password-marco"
            )  # type: ignore[misc]
            site_db.session.commit()
            save_staff_member(manager_id, role="manager", display_name="Marco Responsabile")
            facts = {
                "public_id": report.public_id,
                "token": report.tracking_token,
                "id": report.id,
                "survey": survey,
            }
        with LiveServer(app) as server:
            yield server, facts


def violations(page: Any) -> list[str]:
    # Evaluated through the DevTools protocol, which the pages' Content-Security-Policy does not
    # govern (a <script> tag added to the page would be refused: it has no nonce).
    page.evaluate(AXE)
    result = page.evaluate(
        "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}}).then(r => r.violations.map("
        "v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).slice(0, 3).join(' | ')))",
        WCAG_AA,
    )
    return list(result)


def test_citizen_pages_meet_wcag_aa(chromium: Any, site: tuple[LiveServer, dict[str, Any]]) -> None:
    server, facts = site
    context = chromium.new_context(**PHONE, locale="it-IT")
    page = context.new_page()
    for path in (
        "/segnalazioni/",
        "/segnalazioni/new",
        f"/segnalazioni/reports/{facts['public_id']}",
        f"/segnalazioni/track/{facts['token']}",
        "/segnalazioni/privacy",
        "/segnalazioni/map",
        "/segnalazioni/reports",
        "/segnalazioni/proposals",
        "/segnalazioni/proposals?sort=supported&answered=true",
        "/segnalazioni/proposals?sort=nope",
        "/segnalazioni/dashboard",
        "/segnalazioni/opendata/",
        f"/segnalazioni/reports/{facts['public_id']}/follow/sent",
        "/segnalazioni/status",
        "/segnalazioni/subscriptions/notices",
        "/segnalazioni/subscriptions/alerts",
    ):
        page.goto(server.url + path)
        assert violations(page) == [], path
    # The three steps of the report (the model's flow), each with its errors too.
    next_button = ".cc-step-buttons button[type=submit]"
    page.goto(server.url + "/segnalazioni/new")
    page.click(next_button)  # the privacy checkbox not ticked
    page.wait_for_load_state()
    assert page.locator("#cc-error-summary").is_visible()
    assert violations(page) == [], "step 1 with errors"
    page.check("#consent")
    page.click(next_button)
    page.wait_for_url("**/segnalazioni/new/data")
    assert violations(page) == [], "step 2"
    page.click(next_button)  # an empty form: the error summary and field errors
    page.wait_for_load_state()
    assert page.locator("#cc-error-summary").is_visible()
    assert violations(page) == [], "step 2 with errors"
    page.select_option("#category", index=1)
    page.fill("#title", "Lampione spento")
    page.fill("#description", "Il lampione davanti al civico 3 è spento da una settimana.")
    page.fill("#lat", "44.4936")
    page.fill("#lon", "11.3301")
    page.fill("#email", "giulia.verdi@example.org")
    page.click(next_button)
    page.wait_for_url("**/segnalazioni/new/summary")
    assert violations(page) == [], "step 3"
    context.close()


def test_staff_pages_meet_wcag_aa(chromium: Any, site: tuple[LiveServer, dict[str, Any]]) -> None:
    server, facts = site
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="it-IT")
    page = context.new_page()
    log_in(page, server, "operatrice", "password-olga")
    for path in (
        "/segnalazioni/staff/",
        f"/segnalazioni/staff/reports/{facts['id']}",
        "/segnalazioni/staff/intake",
        "/segnalazioni/staff/knowledge?q=buca",
        "/segnalazioni/staff/canned",
        "/segnalazioni/staff/service-levels",
        "/segnalazioni/staff/admin/service-levels",
        "/segnalazioni/staff/admin/calendar",
        "/segnalazioni/staff/dashboard",
        "/segnalazioni/staff/preferences",
        "/segnalazioni/staff/notices",
        "/segnalazioni/staff/notices/new",
        "/segnalazioni/mine",
    ):
        page.goto(server.url + path)
        assert violations(page) == [], path
    context.close()


def test_service_levels_and_calendar_forms_meet_wcag_aa(
    chromium: Any, site: tuple[LiveServer, dict[str, Any]]
) -> None:
    server, _facts = site
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="it-IT")
    page = context.new_page()
    log_in(page, server, "responsabile", "password-marco")
    for path in ("/segnalazioni/staff/admin/service-levels", "/segnalazioni/staff/admin/calendar"):
        page.goto(server.url + path)
        assert violations(page) == [], path
    page.fill("#hours-0-0-end", "25:00")
    page.locator("form.cc-form button[type=submit]").first.click()  # Save
    page.wait_for_load_state()
    assert page.locator("#cc-error-summary").is_visible()
    assert violations(page) == [], "calendar with an error"
    page.goto(server.url + "/segnalazioni/staff/admin/service-levels")
    page.fill("#ack_web", "5 parsecs")
    page.locator("form:has(input[name=what]) button[type=submit]").first.click()
    page.wait_for_load_state()
    assert page.locator("#cc-error-summary").is_visible()
    assert violations(page) == [], "service levels with an error"
    context.close()


def test_survey_with_errors_meets_wcag_aa(chromium: Any, site: tuple[LiveServer, dict[str, Any]]) -> None:
    server, facts = site
    context = chromium.new_context(**PHONE, locale="it-IT")
    page = context.new_page()
    page.goto(server.url + f"/segnalazioni/survey/{facts['survey']}")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#cc-error-summary").is_visible()
    assert violations(page) == []
    context.close()
