"""Semantic duplicates near a point, and the record of what staff did with the suggestions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_citizencare import signals
from flask_citizencare.access import Actor
from flask_citizencare.context import db_session
from flask_citizencare.domain.lifecycle import Role
from flask_citizencare.models import Category, Office, Report, StaffMember, SuggestionRecord
from flask_citizencare.services.cases import Classification, classify
from flask_citizencare.services.errors import InvalidInput
from flask_citizencare.services.suggestion_records import (
    acceptance,
    apply_suggestion,
    dismiss_suggestion,
    note_shown,
)
from flask_citizencare.services.suggestions import Query, for_report, suggest

from .factories import create_report
from .suggest_history import train_small_model

LON, LAT = 11.3430, 44.4990  # a corner in Bologna
#: About 20 m north, and about a kilometre away.
NEAR_LAT = LAT + 0.00018
FAR_LAT = LAT + 0.009
_numbers = count(1)


def _category(session: Any, code: str) -> Category:
    return session.scalar(sa.select(Category).where(Category.code == code))


def _operator(session: Any) -> Actor:
    member = session.scalar(sa.select(StaffMember).where(StaffMember.role == "operator").limit(1))
    return Actor(member, frozenset({Role.OPERATOR, Role.CITIZEN}))


def _open_report(
    session: Any, code: str, title: str, description: str, lat: float = LAT, **fields: Any
) -> Report:
    return create_report(
        session,
        category=_category(session, code),
        title=title,
        description=description,
        lon=LON,
        lat=lat,
        received_at=datetime.now(UTC) - timedelta(days=1),
        public_id=f"2099-{next(_numbers):06d}",  # the demo history holds the year's numbers
        **fields,
    )


@pytest.fixture
def trained(app: Flask) -> Flask:
    train_small_model(app)
    return app


def test_duplicates_are_found_by_meaning_across_categories_and_ranked(trained: Flask) -> None:
    app = trained
    with app.test_request_context():
        session = db_session()
        lamp = _open_report(session, "illuminazione", "Lampione spento", "Il lampione all'angolo è spento.")
        far = _open_report(session, "illuminazione", "Lampione spento", "Il lampione è spento.", lat=FAR_LAT)
        wall = _open_report(session, "graffiti", "Scritte sul muro", "Hanno imbrattato la facciata.")
        session.commit()
        found = suggest(
            session,
            Query(
                title="Luce pubblica non funziona",
                description="All'incrocio la luce non si accende, di sera è buio.",  # no word shared
                category_id=_category(session, "segnaletica").id,  # the citizen chose another category
                lon=LON,
                lat=NEAR_LAT,
            ),
        )
        ids = [hint.report.id for hint in found.duplicates]
        assert lamp.id in ids and far.id not in ids
        first = found.duplicates[0]
        assert first.report.id == lamp.id
        assert 15 < first.distance_m < 25 and first.similarity > 0.2
        assert 0 < first.score <= 1 and 0.9 < first.age_days < 1.1
        if wall.id in ids:
            assert ids.index(wall.id) > ids.index(lamp.id)


def test_the_public_form_sees_only_public_unmerged_reports_by_their_public_words(trained: Flask) -> None:
    app = trained
    with app.test_request_context():
        session = db_session()
        shown = _open_report(session, "illuminazione", "Lampione spento", "Il lampione all'angolo è spento.")
        hidden = _open_report(
            session, "illuminazione", "Lampione spento", "Lampione spento sotto casa mia.", is_public=False
        )
        merged = _open_report(
            session,
            "illuminazione",
            "Lampione spento",
            "Lampione spento qui.",
            duplicate_of_id=shown.id,
            status="rejected",
            reject_reason="Duplicate",
        )
        redacted = _open_report(
            session,
            "illuminazione",
            "Lampione spento davanti a Mario Rossi",
            "Lampione spento, chiamatemi al 333 1234567.",
            public_title="Segnalazione moderata",
            public_description="Testo non pubblicato.",
        )
        session.commit()
        query = Query(
            title="Lampione spento", description="Il lampione non si accende.", lon=LON, lat=NEAR_LAT
        )
        staff = {hint.report.id: hint for hint in suggest(session, query).duplicates}
        public = {hint.report.id: hint for hint in suggest(session, query, public=True).duplicates}
        staff_ids, public_ids = set(staff), set(public)
        assert {shown.id, hidden.id} <= staff_ids
        assert shown.id in public_ids
        assert hidden.id not in public_ids and merged.id not in public_ids and merged.id not in staff_ids
        # The redacted one is compared on its public words, which share nothing with the query.
        assert redacted.id in staff_ids
        assert (
            redacted.id not in public_ids
            or public[redacted.id].similarity < staff[redacted.id].similarity / 2
        )


def test_bad_points_are_refused_and_empty_text_suggests_nothing(trained: Flask) -> None:
    with trained.test_request_context():
        session = db_session()
        for lon, lat in ((float("nan"), LAT), (LON, float("inf")), (200.0, LAT), (LON, None)):
            with pytest.raises(InvalidInput):
                suggest(session, Query(title="Lampione", lon=lon, lat=lat))
        assert not suggest(session, Query(title="  ", description="\x00")).categories
        long = suggest(session, Query(title="lampione spento " * 5000, description="\x00" * 10_000))
        assert long.best_category is not None and long.best_category.code == "illuminazione"


def test_shown_applied_dismissed_and_changed_by_hand_are_recorded(trained: Flask) -> None:
    app = trained
    accepted: list[dict[str, Any]] = []

    def listen(sender: Flask, **extra: Any) -> None:
        accepted.append(extra)

    with app.test_request_context(), signals.suggestion_accepted.connected_to(listen):
        session = db_session()
        actor = _operator(session)
        wrong = _category(session, "graffiti")
        lamp = _open_report(
            session, "graffiti", "Lampione spento", "Il lampione della piazza è spento da giorni."
        )
        other = _open_report(session, "graffiti", "Lampione spento", "Lampione spento in via Roma, al buio.")
        third = _open_report(session, "graffiti", "Lampione spento", "La luce del lampione non funziona.")
        session.commit()
        for report in (lamp, other, third):
            found = for_report(session, report, actor=actor, language="it")
            assert found.best_category is not None and found.best_category.code == "illuminazione"
            note_shown(session, report, found)
        session.commit()
        rows = session.scalars(sa.select(SuggestionRecord).where(SuggestionRecord.field == "category")).all()
        assert len(rows) == 3 and {r.decision for r in rows} == {None}
        lights = _category(session, "illuminazione")

        with pytest.raises(InvalidInput):  # only what was suggested can be applied this way
            apply_suggestion(actor, lamp.id, "category", wrong.id, lamp.version)
        with pytest.raises(InvalidInput):
            apply_suggestion(actor, lamp.id, "category", 10**20, lamp.version)
        report = apply_suggestion(actor, lamp.id, "category", lights.id, lamp.version)
        assert report.category_id == lights.id
        assert accepted and accepted[0]["field"] == "category" and accepted[0]["value_id"] == lights.id
        assert accepted[0]["automatic"] is False

        dismiss_suggestion(actor, other.id, "category")
        third = session.get(Report, third.id)
        classify(
            actor, third.id, Classification(third.version, category_id=_category(session, "segnaletica").id)
        )

        decided = {
            r.report_id: (r.decision, r.decided_id, r.actor_id)
            for r in session.scalars(sa.select(SuggestionRecord).where(SuggestionRecord.field == "category"))
        }
        assert decided[lamp.id] == ("accepted", lights.id, actor.staff.id)
        assert decided[other.id] == ("rejected", None, actor.staff.id)
        assert decided[third.id][0] == "rejected"
        figures = acceptance(session, since=datetime.now(UTC) - timedelta(hours=1))
        assert figures["category"] == (1, 3)
        assert acceptance(session, since=datetime.now(UTC) + timedelta(hours=1))["category"] == (0, 0)
        office_ids = [session.scalar(sa.select(Office.id).where(Office.code == "urp"))]
        assert acceptance(session, since=datetime.now(UTC) - timedelta(hours=1), office_ids=office_ids)[
            "category"
        ] == (0, 0)
        with pytest.raises(InvalidInput):  # decided: nothing left to dismiss
            dismiss_suggestion(actor, other.id, "category")
