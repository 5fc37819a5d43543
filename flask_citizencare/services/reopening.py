"""A reporter says a resolved case is not solved: the one rule for the mail and the tracking page.

The resolution mail promises that replying to it, or writing on the tracking
page, reopens the case. Both paths ask :func:`why_not_reopened` and so keep the
same promise: the case is resolved (closed and rejected ones are not reopened),
it was resolved within ``CITIZENCARE_REOPEN_DAYS`` days, and fewer than
``CITIZENCARE_REOPEN_PER_DAY`` reopenings by the citizen happened in the last
24 hours (a loop of mails or a stuck finger cannot bounce a case forever).
What the citizen wrote becomes the reason, for the office, of the reopening.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from ..context import db_session
from ..domain.lifecycle import Action, Status
from ..models import Message, Report, StatusEvent
from ..models.base import utcnow
from ..storage.photos import ProcessedPhoto
from .errors import ChangedMeanwhile
from .locking import changing_case
from .reports import add_reporter_information
from .triage import reopen_by_citizen, send_reopened

#: The event's note is the start of what the citizen wrote.
NOTE_MAX = 200


def reopen_days() -> int:
    """How many days after its resolution the reporter can still reopen a case."""
    return int(current_app.config["CITIZENCARE_REOPEN_DAYS"])


def reopen_deadline(report: Report) -> datetime | None:
    """Until when writing reopens ``report``; None when it is not resolved."""
    if report.status != Status.RESOLVED.value or report.resolved_at is None:
        return None
    return report.resolved_at + timedelta(days=reopen_days())


def why_not_reopened(report: Report, now: datetime) -> str | None:
    """Why what the reporter writes now does not reopen ``report`` (for the log), or None when it does."""
    deadline = reopen_deadline(report)
    if deadline is None:
        return f"report is {report.status}"
    if deadline < now:
        return f"resolved more than {reopen_days()} days ago"
    per_day = int(current_app.config["CITIZENCARE_REOPEN_PER_DAY"])
    recent = db_session().scalar(
        sa.select(sa.func.count())
        .select_from(StatusEvent)
        .where(
            StatusEvent.report_id == report.id,
            StatusEvent.action == Action.REOPEN.value,
            StatusEvent.actor_kind == "citizen",
            StatusEvent.at > now - timedelta(hours=24),
        )
    )
    if (recent or 0) >= per_day:
        return f"already reopened {recent} times by the citizen in 24 hours"
    return None


def write_on_tracking_page(
    report: Report,
    text: str,
    photos: Sequence[ProcessedPhoto] = (),
    *,
    now: datetime | None = None,
    source: str = "web",
    email_message_id: str | None = None,
) -> tuple[Message, StatusEvent | None]:
    """The reporter adds information on the tracking page, reopening the case as the mail promised.

    The message and the reopening are committed together; the reopening's
    signal (mail to the office, auto replies) goes after the commit. A staff
    change of the case at the same instant is retried once on fresh data.
    ``source`` and ``email_message_id`` are the message's (an Open311 client's
    update is ``"api"``, its idempotency key standing in for a Message-ID).
    """
    now = now or utcnow()
    for attempt in (1, 2):
        try:
            with changing_case():
                reopens = why_not_reopened(report, now) is None
                event = reopen_by_citizen(report, text[:NOTE_MAX], now) if reopens else None
                message = add_reporter_information(
                    report, text, photos, source=source, email_message_id=email_message_id
                )
            break
        except ChangedMeanwhile:
            if attempt == 2:
                raise
            db_session().refresh(report)
    if event is not None:
        send_reopened(report, event)
    return message, event


def reopened_by_citizen(report: Report) -> StatusEvent | None:
    """The reporter's reopening, when it is the case's latest step (the tracking page says so)."""
    steps = [event for event in report.events if event.action != "message"]
    latest = steps[-1] if steps else None
    if latest is not None and latest.action == Action.REOPEN.value and latest.actor_kind == "citizen":
        return latest
    return None
