"""Which mails a service notice owes its subscribers, and from when: plain functions of the
notice's facts and the time.

Each mail has a ``key`` (unique per subscription, so it goes once, see
:class:`~flask_citizencare.models.SubscriptionMail`) and the time ``at`` it
became due; a subscription gets a mail only if it was confirmed by then (no
mail about the past for a new subscriber).

**Incidents**: ``first`` on publication; ``update:<id>`` for each later step
staff chose to notify; ``end`` on resolution.

**Planned works**: ``first`` between 30 and 15 days before the start — at
:data:`FIRST_NOTICE` (30 days) before it when published earlier than that,
else at publication (so at least 15 days ahead when published early enough,
and at once when published later; never more than 30 days ahead);
``reminder:<start date>`` on the day before the start (see
:func:`reminder_at`); ``update:<id>`` for a notified step once the first mail
has gone; ``end`` on completion or cancellation, if the first mail had gone
(works cancelled before anyone was told tell nobody).

Moving the start re-dates what is not sent yet: the first mail's time
follows the new start, and the reminder of the new start date is a new key,
so a start moved after its reminder went gets one more reminder. A reminder
is owed only while the works are still scheduled and before they start, and
only if the first mail came before the reminder's time (a notice published
the day before, or later, has its first mail as the only warning).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .lifecycle import NoticeKind, NoticeStatus, is_final

__all__ = [
    "FIRST_NOTICE",
    "REMINDER_TIME",
    "NoticeFacts",
    "Owed",
    "StepFacts",
    "first_at",
    "owed",
    "reminder_at",
]

#: Planned works: the first mail goes this long before the start at the earliest.
FIRST_NOTICE = timedelta(days=30)
#: Local wall-clock time of the reminder, on the day before the start.
REMINDER_TIME = time(8, 0)


@dataclass(frozen=True)
class StepFacts:
    """One published step (``NoticeUpdate``)."""

    id: int
    status: str
    at: datetime
    notify: bool


@dataclass(frozen=True)
class NoticeFacts:
    """What the schedule needs to know of a notice (times aware, any zone)."""

    kind: str
    status: str
    starts_at: datetime
    published_at: datetime | None
    ended_at: datetime | None = None
    #: The published steps, oldest first; the first is the publication.
    steps: Sequence[StepFacts] = field(default_factory=tuple)


@dataclass(frozen=True)
class Owed:
    """A mail the notice owes: its key, what it tells, since when, the step it is about."""

    key: str
    what: str  # "first", "update", "reminder", "end"
    at: datetime
    step_id: int | None = None


def first_at(facts: NoticeFacts) -> datetime | None:
    """When the first mail is due; None while the notice is not published."""
    if facts.published_at is None:
        return None
    if NoticeKind(facts.kind) is NoticeKind.INCIDENT:
        return facts.published_at
    return max(facts.published_at, facts.starts_at - FIRST_NOTICE)


def start_date(starts_at: datetime, zone: ZoneInfo) -> date:
    """The calendar day the works start on, in the municipality's zone."""
    return starts_at.astimezone(zone).date()


def reminder_at(starts_at: datetime, zone: ZoneInfo) -> datetime:
    """:data:`REMINDER_TIME` on the calendar day before the start's day, in ``zone`` (an aware time).

    Built from the local date and wall-clock time, so a change of summer time
    between the two days moves nothing (the day before a start on 29 March is
    28 March at 08:00 CET, on 25 October it is 24 October at 08:00 CEST).
    """
    day = start_date(starts_at, zone) - timedelta(days=1)
    return datetime.combine(day, REMINDER_TIME, tzinfo=zone)


def owed(facts: NoticeFacts, now: datetime, zone: ZoneInfo) -> list[Owed]:
    """Every mail ``facts`` owes by ``now``, in the order they became due."""
    first = first_at(facts)
    if first is None or facts.status == NoticeStatus.DRAFT.value:
        return []
    mails: list[Owed] = []
    ended = facts.ended_at if is_final(facts.status) else None
    first_went = first <= now and (ended is None or first <= ended)
    if first_went:
        mails.append(Owed("first", "first", first))
    publication = facts.steps[0].id if facts.steps else None
    for step in facts.steps:
        if step.id == publication or not step.notify or is_final(step.status) or step.at > now:
            continue
        if first_went and step.at >= first:
            mails.append(Owed(f"update:{step.id}", "update", step.at, step.id))
    if NoticeKind(facts.kind) is NoticeKind.PLANNED and first_went and ended is None:
        remind = reminder_at(facts.starts_at, zone)
        if facts.status == NoticeStatus.SCHEDULED.value and first < remind <= now < facts.starts_at:
            day = start_date(facts.starts_at, zone).isoformat()
            mails.append(Owed(f"reminder:{day}", "reminder", remind))
    if ended is not None and first_went and ended <= now:
        last = next((s.id for s in reversed(facts.steps) if is_final(s.status)), None)
        mails.append(Owed("end", "end", ended, last))
    return sorted(mails, key=lambda m: m.at)
