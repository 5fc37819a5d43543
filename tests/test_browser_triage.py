"""An operator's morning in a real browser: breached cases first, take one in charge, assign, escalate;
then the technician resolves it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from example_site import db as site_db
from flask_citizencare import state
from flask_citizencare.models import Report
from flask_citizencare.services.staff import save_staff_member

from .browser import LiveServer, log_in, migrated_example_app
from .factories import create_category, create_office, create_report

pytestmark = [pytest.mark.slow, pytest.mark.browser]
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


@pytest.fixture
def office_site(database_url: str, tmp_path: Path) -> Iterator[tuple[LiveServer, str]]:
    with migrated_example_app(database_url, tmp_path) as app:
        with app.test_request_context():
            roads = create_office(site_db.session, code="strade-m", name="Manutenzione strade")
            category = create_category(
                site_db.session, code="buche-m", name="Buche stradali", default_office_id=roads.id
            )
            create_report(
                site_db.session,
                category=category,
                title="Buca in orario",
                due_at=datetime(2099, 1, 1, tzinfo=UTC),
            )
            late = create_report(
                site_db.session,
                category=category,
                title="Buca dimenticata",
                due_at=datetime(2026, 1, 2, 9, tzinfo=UTC),
            )
            site_db.session.commit()
            factory = state(app).user_factory
            assert factory is not None
            operator_id = factory("operatrice", "Olga Operatrice", "olga@comune.example", "password-olga")
            technician_id = factory("tecnico", "Tino Tecnico", "tino@comune.example", "password-tino")
            site_db.session.commit()
            save_staff_member(operator_id, role="operator", display_name="Olga Operatrice")
            save_staff_member(
                technician_id, role="technician", display_name="Tino Tecnico", office_codes=["strade-m"]
            )
            late_id = late.public_id
        with LiveServer(app) as server:
            yield server, late_id


def test_operator_morning_then_technician_resolves(
    chromium: Any, office_site: tuple[LiveServer, str]
) -> None:
    server, late_id = office_site
    context = chromium.new_context(**DESKTOP, locale="it-IT")
    page = context.new_page()
    log_in(page, server, "operatrice", "password-olga")
    assert "Buca in orario" in page.content() and "Buca dimenticata" in page.content()

    # Keyboard only: open the filters, choose "overdue", apply.
    page.locator("details.cc-filters summary").focus()
    page.keyboard.press("Enter")
    page.locator("#sla").focus()
    page.select_option("#sla", "breached")
    page.locator(".cc-filter-form button[type=submit]").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**sla=breached**")
    assert "Buca dimenticata" in page.content() and "Buca in orario" not in page.content()

    page.locator("tr", has_text="Buca dimenticata").locator("a").first.click()
    page.wait_for_url(f"**/segnalazioni/staff/cases/{late_id}")
    page.click(".cc-action--acknowledge button[type=submit]")
    page.wait_for_url(f"**/segnalazioni/staff/cases/{late_id}")
    assert "Presa in carico" in page.locator(".cc-facts").first.inner_text()

    page.select_option(".cc-action--assign select[name=office]", label="Manutenzione strade")
    page.click(".cc-action--assign button[type=submit]")
    page.wait_for_url(f"**/segnalazioni/staff/cases/{late_id}")
    page.select_option(".cc-action--escalate select[name=office]", label="Manutenzione strade")
    page.click(".cc-action--escalate button[type=submit]")
    page.wait_for_url(f"**/segnalazioni/staff/cases/{late_id}")
    assert "livello 2" in page.locator(".cc-kicker").inner_text().lower()
    assert page.locator(".cc-action--resolve").count() == 0  # only the assigned staff resolve
    context.close()

    context = chromium.new_context(**DESKTOP, locale="it-IT")
    page = context.new_page()
    log_in(page, server, "tecnico", "password-tino")
    page.goto(server.url + f"/segnalazioni/staff/cases/{late_id}")
    page.fill(".cc-action--resolve textarea[name=public_reply]", "Buca chiusa con asfalto a freddo.")
    page.click(".cc-action--resolve button[type=submit]")
    page.wait_for_url(f"**/segnalazioni/staff/cases/{late_id}")
    assert "Risolta" in page.locator(".cc-facts").first.inner_text()
    public_id = page.locator(".cc-kicker").inner_text().split()[1]
    page.goto(server.url + f"/segnalazioni/reports/{public_id}")
    assert "Buca chiusa con asfalto a freddo." in page.content()
    context.close()

    with server.app.app_context():
        report = site_db.session.scalar(sa.select(Report).where(Report.public_id == late_id))
        assert report is not None and (report.status, report.level) == ("resolved", 2)
        assert [e.action for e in report.events] == ["submit", "acknowledge", "assign", "escalate", "resolve"]
        assert site_db.session.scalar(sa.select(sa.func.count()).select_from(Report)) == 2
