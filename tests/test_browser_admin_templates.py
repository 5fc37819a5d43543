"""WCAG 2.1 AA checks with axe-core on the response templates screens and the audit trail."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from example_site import db as site_db
from flask_citizencare import state
from flask_citizencare.models import CannedReply
from flask_citizencare.services.staff import save_staff_member

from .browser import LiveServer, log_in, migrated_example_app
from .factories import create_category
from .test_browser_accessibility import violations

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.fixture
def site(database_url: str, tmp_path: Path) -> Iterator[tuple[LiveServer, int]]:
    with migrated_example_app(database_url, tmp_path) as app:
        with app.test_request_context():
            category = create_category(site_db.session, code="buche-t", name="Buche stradali")
            template = CannedReply(
                code="presa-in-carico",
                title="Presa in carico",
                body="La segnalazione {numero} è presa in carico.",
                language="it",
                category_id=category.id,
                status="acknowledged",
                auto_send=True,
            )
            site_db.session.add(template)
            site_db.session.commit()
            template_id = template.id
            user_id = state(app).user_factory(
                "responsabile", "Marco Responsabile", "marco@comune.example", "password-marco"
            )  # type: ignore[misc]
            site_db.session.commit()
            save_staff_member(user_id, role="manager", display_name="Marco Responsabile")
        with LiveServer(app) as server:
            yield server, template_id


def test_templates_and_audit_pages_meet_wcag_aa(chromium: Any, site: tuple[LiveServer, int]) -> None:
    server, template_id = site
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="it-IT")
    page = context.new_page()
    log_in(page, server, "responsabile", "password-marco")
    page.goto(server.url + f"/segnalazioni/staff/admin/templates/{template_id}")
    page.fill("#title", "Presa in carico (strade)")
    page.locator("form.cc-form button[type=submit]").click()
    page.wait_for_load_state()
    for path in (
        "/segnalazioni/staff/admin/templates",
        "/segnalazioni/staff/admin/templates/new",
        f"/segnalazioni/staff/admin/templates/{template_id}",
        "/segnalazioni/staff/admin/audit",
    ):
        page.goto(server.url + path)
        assert violations(page) == [], path
    page.goto(server.url + "/segnalazioni/staff/admin/templates/new")
    page.fill("#body", "Gentile {nome}")
    page.locator("form.cc-form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#cc-error-summary").is_visible()
    assert violations(page) == [], "template form with errors"
    context.close()
