"""Due times and breaches: the policy's terms laid on the business calendar.

Suspension (reference 001: the term is suspended until the other office answers)
    :func:`resolution_due` takes the suspension intervals ``[(start, end)]``;
    business time inside them does not count and the calendar ceiling moves
    later by their wall-clock length. A suspension still running (``end`` None)
    pauses the clock: the due time is ``None``, unless it had already passed
    before the suspension began (a breach is not undone by suspending).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from typing import NamedTuple

from ..lifecycle import Channel
from .calendar import BusinessCalendar
from .durations import _duration_us, _from_us, _to_us
from .policy import SlaPolicy

__all__ = [
    "DueTimes",
    "SlaState",
    "Suspension",
    "acknowledgement_due",
    "due_times",
    "remaining",
    "resolution_due",
    "sla_state",
]

#: A suspension of the clock; ``end`` None means it is still suspended.
Suspension = tuple[datetime, datetime | None]


class DueTimes(NamedTuple):
    """When a case must be acknowledged and resolved (UTC); ``resolve_due`` None while paused."""

    ack_due: datetime
    resolve_due: datetime | None


class SlaState(StrEnum):
    ON_TIME = "on_time"
    DUE_SOON = "due_soon"
    BREACHED = "breached"
    #: The clock is stopped (still suspended): there is no due time.
    PAUSED = "paused"


def acknowledgement_due(
    policy: SlaPolicy,
    calendar: BusinessCalendar,
    *,
    channel: Channel | str,
    received_at: datetime,
    category_code: str | None = None,
) -> datetime:
    """Acknowledgement due time: the channel's TP after the clock start of ``received_at``."""
    terms = policy.for_category(category_code)
    return calendar.add(calendar.clock_start(received_at), terms.acknowledgement_for(channel))


def resolution_due(
    policy: SlaPolicy,
    calendar: BusinessCalendar,
    *,
    level: int,
    received_at: datetime,
    category_code: str | None = None,
    complex: bool | None = None,
    suspensions: Iterable[Suspension] = (),
    acknowledged_at: datetime | None = None,
) -> datetime | None:
    """Resolution due time (UTC), or None while the clock is paused.

    The earlier of the business-time term (TR of ``level``) and the calendar
    ceiling (7 or 40 days), both counted from the clock start of
    ``received_at``. ``complex`` None takes the category's (or policy's)
    default. With ``acknowledged_at`` the business-time term counts from the
    acknowledgement instead, as reference 002 defines TR ("from taking in
    charge to resolution"); the ceiling always counts from the request.

    Suspensions: business time inside them does not count towards the
    business term, and the ceiling moves later by their calendar length
    (reference 001: the term "is suspended until the answer arrives").
    Intervals may overlap and come in any order; parts before the clock start
    are ignored. A suspension that began after a term was reached changes
    nothing. An open suspension (``end`` None) makes a term None (paused); the
    result is None only if no term had been reached before it began.
    """
    terms = policy.for_category(category_code)
    is_complex = terms.complex if complex is None else complex
    if level not in terms.resolution and level not in terms.complex_resolution:
        raise ValueError(f"no resolution time for level {level!r}")
    start = _to_us(calendar.clock_start(received_at))
    pauses = _merge_suspensions(suspensions)
    dues: list[int] = []
    business = terms.resolution_for(level, is_complex)
    if business is not None:
        business_start = start if acknowledged_at is None else _to_us(acknowledged_at)
        due = _business_due(calendar, business_start, _duration_us(business), pauses)
        if due is not None:
            dues.append(due)
    ceiling = terms.ceiling_for(is_complex)
    if ceiling is not None:
        due = _calendar_due(calendar, start, ceiling, pauses)
        if due is not None:
            dues.append(due)
    return _from_us(min(dues)) if dues else None


def due_times(
    policy: SlaPolicy,
    calendar: BusinessCalendar,
    *,
    channel: Channel | str,
    level: int,
    received_at: datetime,
    category_code: str | None = None,
    complex: bool | None = None,
    suspensions: Iterable[Suspension] = (),
    acknowledged_at: datetime | None = None,
) -> DueTimes:
    """Both due times of a case; see :func:`acknowledgement_due` and :func:`resolution_due`.

    Suspensions only move the resolution: a case is suspended after it was
    taken in charge.
    """
    return DueTimes(
        acknowledgement_due(
            policy, calendar, channel=channel, received_at=received_at, category_code=category_code
        ),
        resolution_due(
            policy,
            calendar,
            level=level,
            received_at=received_at,
            category_code=category_code,
            complex=complex,
            suspensions=suspensions,
            acknowledged_at=acknowledged_at,
        ),
    )


def remaining(due: datetime, now: datetime, calendar: BusinessCalendar) -> timedelta:
    """Business time left until ``due``; negative (business time overdue) once past.

    Outside business hours just after a due time the result is zero although
    the due time has passed; :func:`sla_state` compares the instants.
    """
    if now <= due:
        return calendar.elapsed(now, due)
    return -calendar.elapsed(due, now)


def sla_state(
    due: datetime | None,
    now: datetime,
    calendar: BusinessCalendar,
    *,
    window: timedelta = timedelta(hours=1),
) -> SlaState:
    """``breached`` after ``due``; ``due_soon`` when it falls within the next ``window`` of
    business time (default 1 business hour; pass ``policy.due_soon``), i.e. ``due <=
    calendar.add(now, window)``, the same test a query can run on stored due times;
    ``on_time`` otherwise; ``paused`` when there is no due time (the clock is suspended).
    ``SlaState`` members equal their strings.
    """
    if due is None:
        return SlaState.PAUSED
    if now > due:
        return SlaState.BREACHED
    if due <= calendar.add(now, window):
        return SlaState.DUE_SOON
    return SlaState.ON_TIME


def _merge_suspensions(suspensions: Iterable[Suspension]) -> list[tuple[int, int | None]]:
    items: list[tuple[int, int | None]] = []
    for start, end in suspensions:
        s = _to_us(start)
        e = None if end is None else _to_us(end)
        if e is not None and e < s:
            raise ValueError(f"suspension ends before it starts: {start} → {end}")
        items.append((s, e))
    items.sort(key=lambda item: item[0])
    merged: list[tuple[int, int | None]] = []
    for s, e in items:
        if merged:
            last_start, last_end = merged[-1]
            if last_end is None or s <= last_end:
                merged[-1] = (last_start, None if last_end is None or e is None else max(last_end, e))
                continue
        merged.append((s, e))
    return merged


def _business_due(
    calendar: BusinessCalendar, start: int, duration: int, pauses: Sequence[tuple[int, int | None]]
) -> int | None:
    """When ``duration`` of business time outside ``pauses`` has run from ``start``; None if paused."""
    t = start
    left = duration
    for s, e in pauses:
        if e is not None and e <= t:
            continue
        running = calendar._elapsed_us(t, s)
        if running >= left:
            break
        left -= running
        if e is None:
            return None
        t = max(t, e)
    return calendar._add_us(t, left)


def _calendar_due(
    calendar: BusinessCalendar, start: int, ceiling: timedelta, pauses: Sequence[tuple[int, int | None]]
) -> int | None:
    """The ceiling from ``start`` on the wall clock, moved later by the suspensions before it."""
    due = _to_us(calendar.calendar_add(_from_us(start), ceiling))
    for s, e in pauses:
        if e is not None and e <= start:
            continue
        s = max(s, start)
        if s >= due:
            break
        if e is None:
            return None
        due += e - s
    return due
