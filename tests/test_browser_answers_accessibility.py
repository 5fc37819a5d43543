"""WCAG 2.1 AA (axe-core, Debian's Chromium) on the official answer's pages: public, staff, admin."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from example_site import db as site_db
from flask_citizencare import state
from flask_citizencare.access import Actor
from flask_citizencare.domain.lifecycle import Role
from flask_citizencare.models import AnswerState, StaffMember
from flask_citizencare.services.answer_states import ensure_default_states
from flask_citizencare.services.proposal_answers import AnswerInput, publish_answer, save_draft
from flask_citizencare.services.staff import save_staff_member

from .browser import LiveServer, log_in, migrated_example_app
from .factories import create_category, create_office, create_report
from .test_browser_accessibility import violations

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.fixture
def site(database_url: str, tmp_path: Path) -> Iterator[tuple[LiveServer, dict[str, Any]]]:
    with migrated_example_app(database_url, tmp_path) as app:
        with app.test_request_context():
            session = site_db.session
            ensure_default_states(session())
            office = create_office(session, code="mobilita-a", name="Mobilità")
            category = create_category(
                session, code="idee-a", name="Proposte", kinds="proposal", default_office_id=office.id
            )
            proposal = create_report(
                session, category=category, kind="proposal", office_id=office.id, title="Una pista ciclabile"
            )
            session.commit()
            manager_id = state(app).user_factory(
                "responsabile", "Marco Responsabile", "marco@comune.example", "password-marco"
            )  # type: ignore[misc]
            session.commit()
            member = save_staff_member(manager_id, role="manager", display_name="Marco Responsabile")
            actor = Actor(session.get(StaffMember, member.id), frozenset({Role.MANAGER}))  # type: ignore[arg-type]
            codes = {s.code: s.id for s in session.scalars(sa.select(AnswerState))}
            save_draft(
                proposal.id, actor, AnswerInput(proposal.version, codes["accepted"], "Accolta: **grazie**.")
            )
            publish_answer(proposal.id, actor)
            session.expire_all()
            save_draft(
                proposal.id,
                actor,
                AnswerInput(
                    proposal.version,
                    codes["implemented"],
                    "Realizzata.",
                    implemented_on=date.today() - timedelta(days=1),
                    link="https://comune.example/lavori/1",
                ),
            )
            session.expire_all()
            publish_answer(proposal.id, actor)
            session.expire_all()
            save_draft(proposal.id, actor, AnswerInput(proposal.version, codes["not_accepted"], "Bozza."))
            facts = {"public_id": proposal.public_id, "state_id": codes["not_accepted"]}
        with LiveServer(app) as server:
            yield server, facts


def test_answer_pages_meet_wcag_aa(chromium: Any, site: tuple[LiveServer, dict[str, Any]]) -> None:
    server, facts = site
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="it-IT")
    page = context.new_page()
    assert page.goto(server.url + f"/segnalazioni/reports/{facts['public_id']}").status == 200
    assert page.locator(".cc-answer-badge").count() == 2  # the current answer and the earlier one
    assert page.locator(".cc-answer-badge").first.is_visible()
    assert violations(page) == [], "public page"
    log_in(page, server, "responsabile", "password-marco")
    assert page.goto(server.url + f"/segnalazioni/staff/cases/{facts['public_id']}").status == 200
    assert page.locator("[data-cc-answer-draft]").is_visible()  # the draft, marked for staff
    assert violations(page) == [], "case page"
    for path in (
        "/segnalazioni/staff/admin/answer-states",
        "/segnalazioni/staff/admin/answer-states/new",
        f"/segnalazioni/staff/admin/answer-states/{facts['state_id']}",
    ):
        assert page.goto(server.url + path).status == 200, path
        assert violations(page) == [], path
    context.close()
