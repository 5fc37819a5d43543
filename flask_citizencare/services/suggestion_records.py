"""What was suggested for a case and what staff did with it: the measure of the suggestions in real use.

A suggestion is recorded when staff see it and it differs from the case's
current category or office (when it agrees there is nothing to decide). It is
decided once: ``accepted`` when someone applies it (the workspace's button, or
choosing the same value by other means), ``rejected`` when someone dismisses
it or chooses another value. Cases that move on without anyone touching the
field stay undecided and count for neither. The staff dashboard shows the share
accepted (:func:`acceptance`).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from .. import signals
from ..access import Actor
from ..context import app_object, db_session
from ..domain.lifecycle import Action
from ..i18n import gettext as _
from ..models import Report, StaffMember, SuggestionRecord
from ..models.base import utcnow
from .cases import Classification, classify
from .errors import InvalidInput, NotFound
from .suggestions import Suggestions
from .triage import ActionInput, apply_action, load_case

FIELDS = ("category", "office")


def _pending(session: Session, report_id: int, field: str) -> SuggestionRecord | None:
    return session.scalar(
        sa.select(SuggestionRecord)
        .where(
            SuggestionRecord.report_id == report_id,
            SuggestionRecord.field == field,
            SuggestionRecord.decision.is_(None),
        )
        .order_by(SuggestionRecord.id.desc())
        .limit(1)
    )


def note_shown(session: Session, report: Report, suggestions: Suggestions) -> None:
    """Record the best category and office shown for ``report`` where they differ from its own.

    Not committed: the caller's transaction keeps it.
    """
    if not suggestions.available:
        return
    assert suggestions.version is not None
    for field, best, current in (
        ("category", suggestions.best_category, report.category_id),
        ("office", suggestions.best_office, report.office_id),
    ):
        if best is None or best.id == current:
            continue
        row = _pending(session, report.id, field)
        if row is None:
            session.add(
                SuggestionRecord(
                    report_id=report.id,
                    field=field,
                    suggested_id=best.id,
                    score=best.score,
                    model_version=suggestions.version,
                    created_at=utcnow(),
                )
            )
        elif row.suggested_id != best.id or row.model_version != suggestions.version:
            row.suggested_id, row.score, row.model_version = best.id, best.score, suggestions.version


def _field(field: str) -> str:
    if field not in FIELDS:
        raise NotFound(_("There is no such suggestion."))
    return field


def apply_suggestion(
    actor: Actor, report_id: int, field: str, value_id: int, expected_version: int
) -> Report:
    """Apply the suggested ``value_id`` to the case's ``field``, through the usual service; marks it accepted.

    Only the value suggested (the pending record's) can be applied this way: a
    forged id is refused. The change itself is the classification or the
    assignment staff would make by hand, with the same checks.
    """
    field = _field(field)
    session = db_session()
    load_case(session, actor, report_id)
    row = _pending(session, report_id, field)
    if row is None or row.suggested_id != value_id:
        session.rollback()
        raise InvalidInput(_("This suggestion is no longer current: look at the case again."))
    session.rollback()  # the services below open their own transaction
    if field == "category":
        report = classify(
            actor, report_id, Classification(expected_version=expected_version, category_id=value_id)
        )
    else:
        report = apply_action(
            actor,
            report_id,
            Action.ASSIGN,
            ActionInput(expected_version=expected_version, office_id=value_id),
        )
    # The receivers below decided the record when the change was signalled; a value already the
    # case's (nothing changed) is decided here.
    _decide(session, report_id, field, value_id, actor.staff.id)
    signals.suggestion_accepted.send(
        app_object(), report=report, field=field, value_id=value_id, actor=actor.staff, automatic=False
    )
    return report


def dismiss_suggestion(actor: Actor, report_id: int, field: str) -> None:
    """Staff say the suggestion is wrong: recorded as rejected."""
    field = _field(field)
    session = db_session()
    load_case(session, actor, report_id)
    row = _pending(session, report_id, field)
    if row is None:
        session.rollback()
        raise InvalidInput(_("This suggestion is no longer current: look at the case again."))
    row.decision, row.decided_at, row.actor_id = "rejected", utcnow(), actor.staff.id
    session.commit()


def _decide(session: Session, report_id: int, field: str, value_id: int | None, actor_id: int | None) -> None:
    row = _pending(session, report_id, field)
    if row is None:
        return
    row.decision = "accepted" if value_id is not None and value_id == row.suggested_id else "rejected"
    row.decided_id = value_id
    row.decided_at = utcnow()
    row.actor_id = actor_id
    session.commit()


def _staff_id(actor: Any) -> int | None:
    return actor.id if isinstance(actor, StaffMember) else None


def _on_updated(sender: Flask, report: Report, changes: dict[str, Any] | None = None, **extra: Any) -> None:
    changes = changes or {}
    session = db_session()
    if "category" in changes:
        _decide(session, report.id, "category", report.category_id, _staff_id(extra.get("actor")))
    if "office" in changes:
        _decide(session, report.id, "office", report.office_id, _staff_id(extra.get("actor")))


def _on_assigned(sender: Flask, report: Report, **extra: Any) -> None:
    _decide(db_session(), report.id, "office", report.office_id, _staff_id(extra.get("actor")))


def connect_receivers() -> None:
    """Let a change of category or office made by other means decide the pending suggestion (idempotent)."""
    signals.report_updated.connect(_on_updated, weak=False)
    signals.report_assigned.connect(_on_assigned, weak=False)


def acceptance(
    session: Session,
    *,
    since: datetime,
    until: datetime | None = None,
    office_ids: Collection[int] | None = None,
) -> dict[str, tuple[int, int]]:
    """``{field: (accepted, decided)}`` for the suggestions decided in ``[since, until)``.

    ``office_ids``: only cases of those offices (a technician's scope).
    """
    where: list[sa.ColumnElement[bool]] = [
        SuggestionRecord.decision.is_not(None),
        SuggestionRecord.decided_at >= since,
    ]
    if until is not None:
        where.append(SuggestionRecord.decided_at < until)
    query = sa.select(
        SuggestionRecord.field,
        sa.func.count().filter(SuggestionRecord.decision == "accepted"),
        sa.func.count(),
    ).where(*where)
    if office_ids is not None:
        query = query.join(Report, Report.id == SuggestionRecord.report_id).where(
            Report.office_id.in_(list(office_ids))
        )
    rows = session.execute(query.group_by(SuggestionRecord.field)).all()
    found = {field: (int(accepted), int(decided)) for field, accepted, decided in rows}
    return {field: found.get(field, (0, 0)) for field in FIELDS}
