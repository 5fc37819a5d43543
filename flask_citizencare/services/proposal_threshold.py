"""A proposal's supports reach its category's threshold: the municipality must answer, by a date.

Called by :mod:`.supports` inside the transaction that adds the support that
made the count reach ``Category.supports_threshold``. The first time only:
``threshold_reached_at`` stays once set, so withdrawals that bring the count
below the threshold later undo nothing, and a second support that finds the
columns set does nothing here.

The answer term is ``N`` working days on the business calendar in force
(:func:`.sla.calendar`, the one every service level uses), ``N`` being the
category's ``answer_days`` or ``CITIZENCARE_PROPOSAL_ANSWER_DAYS``; see
:meth:`~flask_citizencare.domain.sla.BusinessCalendar.add_working_days`.

The columns are written with a Core ``UPDATE ... WHERE threshold_reached_at IS
NULL``, like the supports counter, and without bumping ``Report.version``:
the threshold is not a staff edit, so a staff member working on the case at
that moment is not refused with "changed meanwhile" (their update writes only
the columns they changed), and of two supports racing to the threshold only
the one whose ``UPDATE`` matched records it.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from ..domain.supports import answer_days, crosses_threshold
from ..models import Category, Report, StatusEvent
from . import sla
from .mail.support_mail import queue_threshold_reached

__all__ = ["THRESHOLD_ACTION", "answer_due", "record_threshold"]

#: The action of the public step "the proposal reached its threshold" in the history.
THRESHOLD_ACTION = "threshold_reached"


def answer_due(category: Category | None, reached_at: datetime) -> datetime:
    """When the municipality must have answered a proposal of ``category`` that reached its threshold."""
    default = int(current_app.config["CITIZENCARE_PROPOSAL_ANSWER_DAYS"])
    days = answer_days(category.answer_days if category is not None else None, default)
    return sla.calendar().add_working_days(reached_at, days)


def record_threshold(session: Session, report: Report, supports: int, now: datetime) -> StatusEvent | None:
    """If ``supports`` (the count just written) reaches the threshold for the first time, record it.

    Sets ``threshold_reached_at`` and ``answer_due_at``, adds the public step
    and queues the office's mail; the step, or None when nothing happened.
    Not committed. ``report`` is expired afterwards, so it reads the new
    columns back.
    """
    category = session.get(Category, report.category_id)
    threshold = category.supports_threshold if category is not None else None
    if not crosses_threshold(supports, threshold, reached_before=False):
        return None
    assert threshold is not None
    due = answer_due(category, now)
    table = cast(sa.Table, Report.__table__)
    result = session.execute(
        sa.update(table)
        .where(table.c.id == report.id, table.c.threshold_reached_at.is_(None))
        .values(threshold_reached_at=now, answer_due_at=due)
    )
    session.expire(report, ["threshold_reached_at", "answer_due_at"])
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None  # reached before (the first time only)
    event = StatusEvent(
        report_id=report.id,
        action=THRESHOLD_ACTION,
        from_status=report.status,
        to_status=report.status,
        actor_kind="system",
        public=True,
        data={"supports": supports, "threshold": threshold},
        at=now,
    )
    session.add(event)
    queue_threshold_reached(session, report, supports, threshold)
    return event
