"""FixMyStreet's ``servicerequestupdates``: the public steps of public cases, in a time window.

An update is a public step of a public, not merged case, other than its
filing: a :class:`~..models.StatusEvent` (``e<id>``) or a public answer of
staff (:class:`~..models.Message`, ``m<id>``; its status is the case's state
at that time). What the citizen wrote is never in one: a step's text is its
:attr:`~..models.StatusEvent.public_note` (staff's), a message is only ever
a public one of staff. At most :data:`UPDATES_MAX`, the oldest first: a
client that gets that many asks again from the last one's time.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..domain.open311.statuses import UpdateStatus, update_status
from ..models import Message, Office, Report, StatusEvent

UPDATES_MAX = 1000
#: Steps that are not updates: the filing itself, and the messages (listed as messages).
_NOT_UPDATES = ("submit", "message")


@dataclass(frozen=True)
class Update:
    update_id: str
    service_request_id: str
    status: UpdateStatus
    at: datetime
    description: str


def _public_case() -> sa.ColumnElement[bool]:
    return sa.and_(Report.is_public.is_(True), Report.duplicate_of_id.is_(None))


def updates_between(session: Session, start: datetime, end: datetime) -> list[Update]:
    """The updates from ``start`` to ``end`` (both included), oldest first, at most 1,000."""
    external = sa.func.coalesce(Office.external, sa.false())
    events = session.execute(
        sa.select(
            StatusEvent.id,
            Report.public_id,
            StatusEvent.to_status,
            StatusEvent.action,
            StatusEvent.at,
            StatusEvent.public_note,
            external,
        )
        .join(Report, Report.id == StatusEvent.report_id)
        .outerjoin(Office, Office.id == Report.office_id)
        .where(
            _public_case(),
            StatusEvent.public.is_(True),
            StatusEvent.action.not_in(_NOT_UPDATES),
            StatusEvent.at.between(start, end),
        )
        .order_by(StatusEvent.at, StatusEvent.id)
        .limit(UPDATES_MAX)
    ).all()
    messages = session.execute(
        sa.select(Message.id, Report.id, Report.public_id, Message.created_at, Message.body, external)
        .join(Report, Report.id == Message.report_id)
        .outerjoin(Office, Office.id == Report.office_id)
        .where(
            _public_case(),
            Message.visibility == "public",
            Message.author_kind.in_(("staff", "system")),
            Message.created_at.between(start, end),
        )
        .order_by(Message.created_at, Message.id)
        .limit(UPDATES_MAX)
    ).all()
    found = [
        Update(
            f"e{row[0]}",
            row[1],
            update_status(row[2], duplicate=row[3] == "merge", external_office=bool(row[6])),
            row[4],
            row[5] or "",
        )
        for row in events
    ]
    states = _states(session, {row[1] for row in messages})
    for message_id, report_id, public_id, at, body, is_external in messages:
        found.append(
            Update(
                f"m{message_id}",
                public_id,
                update_status(_state_at(states.get(report_id, []), at), external_office=bool(is_external)),
                at,
                body,
            )
        )
    found.sort(key=lambda update: (update.at, update.update_id))
    return found[:UPDATES_MAX]


def _states(session: Session, report_ids: set[int]) -> dict[int, list[tuple[datetime, str]]]:
    """Each case's states over time, from its steps."""
    states: dict[int, list[tuple[datetime, str]]] = {}
    if not report_ids:
        return states
    rows = session.execute(
        sa.select(StatusEvent.report_id, StatusEvent.at, StatusEvent.to_status)
        .where(StatusEvent.report_id.in_(report_ids))
        .order_by(StatusEvent.report_id, StatusEvent.at, StatusEvent.id)
    )
    for report_id, at, status in rows:
        states.setdefault(report_id, []).append((at, status))
    return states


def _state_at(history: list[tuple[datetime, str]], at: datetime) -> str:
    """The state after the last step at or before ``at`` (``new`` before any)."""
    index = bisect.bisect_right([moment for moment, _ in history], at)
    return history[index - 1][1] if index else "new"
