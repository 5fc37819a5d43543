"""A manager sets a category up in Chromium; a citizen files in it; the case lands where the rules say.

The whole back office in one journey: a category with two extra questions, a
routing rule whose area is drawn on the map, the category's own service level,
the preview of the form; then a citizen's report, routed to the area's office
with the acknowledgement due time the manager set.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from shapely.geometry import shape

from example_site import db as site_db
from flask_citizencare import state
from flask_citizencare.models import Category, Office, Report, RoutingRuleRecord
from flask_citizencare.services import sla
from flask_citizencare.services.staff import save_staff_member

from .browser import PHONE, LiveServer, accept_conditions, log_in, migrated_example_app
from .factories import create_category, create_office
from .test_browser_accessibility import violations

pytestmark = [pytest.mark.slow, pytest.mark.browser]

ADMIN = "/segnalazioni/staff/admin"


@pytest.fixture
def site(database_url: str, tmp_path: Path) -> Iterator[tuple[LiveServer, Any]]:
    with migrated_example_app(database_url, tmp_path) as app:
        with app.test_request_context():
            create_office(site_db.session, code="strade-centro", name="Strade del centro")
            create_office(site_db.session, code="strade-nord", name="Strade del nord")
            site_db.session.commit()
            user_id = state(app).user_factory(
                "responsabile", "Marta Responsabile", "marta@comune.example", "password-marta"
            )  # type: ignore[misc]
            site_db.session.commit()
            save_staff_member(user_id, role="manager", display_name="Marta Responsabile")
            admin_id = state(app).user_factory(
                "amministratore", "Aldo Amministratore", "aldo@comune.example", "password-aldo"
            )  # type: ignore[misc]
            site_db.session.commit()
            save_staff_member(admin_id, role="admin", display_name="Aldo Amministratore")
        with LiveServer(app) as server:
            yield server, app


def test_a_manager_sets_up_a_category_and_a_citizen_report_reaches_the_right_office(
    chromium: Any, site: tuple[LiveServer, Any]
) -> None:
    server, app = site
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="it-IT")
    page = context.new_page()
    log_in(page, server, "responsabile", "password-marta")

    # 1. The category.
    page.goto(server.url + ADMIN + "/categories/new")
    page.fill("#code", "marciapiedi")
    page.fill("#name_it", "Marciapiedi dissestati")
    page.fill("#name_en", "Broken pavements")
    page.select_option("#default_office", label="Strade del centro")
    page.click("form.cc-form button[type=submit]")
    page.wait_for_load_state()
    with app.app_context():
        category = site_db.session.scalar(sa.select(Category).where(Category.code == "marciapiedi"))
        assert category is not None and category.active
        category_id = category.id
        site_db.session.remove()

    # 2. Two extra questions: a required list and a number.
    questions = f"{server.url}{ADMIN}/categories/{category_id}/questions"
    page.goto(questions + "/new")
    page.fill("#key", "lato")
    page.select_option("#type", "singlevaluelist")
    page.fill("#label_it", "Lato della strada")
    page.check("#required")
    page.fill("#choice_0_value", "pari")
    page.fill("#choice_0_label_it", "Numeri civici pari")
    page.fill("#choice_1_value", "dispari")
    page.fill("#choice_1_label_it", "Numeri civici dispari")
    page.click("button[name=save]")
    page.wait_for_load_state()
    page.goto(questions + "/new")
    page.fill("#key", "larghezza")
    page.select_option("#type", "number")
    page.fill("#label_it", "Larghezza della buca in metri")
    page.fill("#label_en", "Width of the hole in metres")
    page.click("button[name=save]")
    page.wait_for_load_state()
    assert violations(page) == [], "questions page"

    # 3. The preview in English: the untranslated question is marked as shown in Italian.
    page.goto(f"{server.url}{ADMIN}/categories/{category_id}/preview?lang=en")
    preview = page.content()
    assert "Width of the hole in metres" in preview and "Lato della strada" in preview
    assert page.locator(".cc-badge--fallback").count() >= 1
    assert violations(page) == [], "preview"

    # 4. A routing rule for the category, its area drawn on the map (north of the centre).
    page.goto(server.url + ADMIN + "/routing/new")
    page.select_option("#category", label="Marciapiedi dissestati")
    page.locator("input[name=place][value=area]").check()
    drawing = page.locator("#cc-routing-draw-map")
    drawing.wait_for(state="visible")
    box = drawing.bounding_box()
    assert box is not None
    for x, y in ((0.3, 0.1), (0.7, 0.1), (0.7, 0.4), (0.3, 0.4)):
        drawing.click(position={"x": box["width"] * x, "y": box["height"] * y})
    area = json.loads(page.input_value("#area"))
    assert area["type"] == "Polygon" and len(area["coordinates"][0]) == 5
    page.select_option("#office", label="Strade del nord")
    page.click("form.cc-form button[type=submit]")
    page.wait_for_load_state()
    assert violations(page) == [], "routing rules"

    # 5. The category's own acknowledgement term: two business hours on the web.
    page.goto(server.url + ADMIN + "/service-levels")
    field = page.locator(f"#ack-web-{category_id}")
    field.locator("xpath=ancestor::details").locator("summary").click()
    field.fill("2h")
    field.locator("xpath=ancestor::form").locator("button[type=submit]:not([name=reset])").click()
    page.wait_for_load_state()
    context.close()

    # 6. A citizen files a report inside the drawn area (without JavaScript: coordinates typed).
    inside = shape(area).representative_point()
    citizen = chromium.new_context(**PHONE, java_script_enabled=False, locale="it-IT")
    form = citizen.new_page()
    form.goto(server.url + "/segnalazioni/new")
    accept_conditions(form)
    form.select_option("#category", label="Marciapiedi dissestati")
    form.fill("#title", "Marciapiede sollevato dalle radici")
    form.fill("#description", "Le radici del platano hanno sollevato le lastre: si inciampa.")
    form.select_option(f"[name=q_{category_id}_lato]", "pari")
    form.fill(f"[name=q_{category_id}_larghezza]", "0,8")
    form.fill("#lat", f"{inside.y:.6f}")
    form.fill("#lon", f"{inside.x:.6f}")
    form.fill("#email", "giulia.verdi@example.org")
    form.click(".cc-step-buttons button[type=submit]")  # step 2: "Avanti"
    form.wait_for_url("**/segnalazioni/new/summary")
    form.click(".cc-step-buttons button[type=submit]")  # step 3: "Invia"
    form.wait_for_url("**/segnalazioni/sent/**")
    citizen.close()

    # 7. Routed by the area rule, with the manager's term on the business calendar.
    with app.test_request_context():
        report = site_db.session.scalar(sa.select(Report).where(Report.category_id == category_id))
        assert report is not None
        office = site_db.session.get(Office, report.office_id)
        assert office is not None and office.code == "strade-nord"
        assert report.answers == {"lato": "pari", "larghezza": 0.8}
        calendar = sla.calendar()
        expected = calendar.add(calendar.clock_start(report.received_at), timedelta(hours=2))
        assert report.ack_due_at == expected
        site_db.session.remove()


def test_every_admin_page_meets_wcag_aa(chromium: Any, site: tuple[LiveServer, Any]) -> None:
    """The admin pages the other browser tests do not visit, as an administrator sees them (all of it)."""
    server, app = site
    with app.test_request_context():
        office = site_db.session.scalar(sa.select(Office).where(Office.code == "strade-nord"))
        assert office is not None
        category = create_category(
            site_db.session,
            code="lampioni-j",
            name="Lampioni",
            default_office_id=office.id,
            questions=[
                {"key": "palo", "type": "string", "label": {"it": "Numero del palo"}},
                {
                    "key": "guasto",
                    "type": "singlevaluelist",
                    "label": {"it": "Che cosa succede?"},
                    "required": True,
                    "choices": [{"value": "spento", "label": {"it": "Spento"}}],
                },
            ],
        )
        site_db.session.add(RoutingRuleRecord(position=1, category_id=category.id, office_id=office.id))
        site_db.session.commit()
        category_id, office_id = category.id, office.id
        rule_id = site_db.session.scalar(sa.select(RoutingRuleRecord.id))
        site_db.session.remove()
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="it-IT")
    page = context.new_page()
    log_in(page, server, "amministratore", "password-aldo")
    questions = f"/categories/{category_id}/questions"
    for path in (
        "/staff",
        "/offices",
        "/offices/new",
        f"/offices/{office_id}",
        questions,
        questions + "/new",
        questions + "/guasto/edit",
        f"/categories/{category_id}/preview?lang=ca",
        "/routing",
        "/routing/new",
        f"/routing/{rule_id}",
        f"/routing?category={category_id}&lat=44.4949&lon=11.3426",
        "/audit",
        "/audit?subject_type=category",
    ):
        page.goto(server.url + ADMIN + path)
        assert page.locator("h1").count() == 1, path
        assert violations(page) == [], path
    # A form sent back with errors, on a screen no other test sends one.
    page.goto(server.url + ADMIN + questions + "/new")
    page.click("button[name=save]")
    page.wait_for_load_state()
    assert page.locator("#cc-error-summary").count() == 1
    assert violations(page) == [], "question form with errors"
    context.close()
