"""Which mails a notice owes and when (domain/notices/schedule.py): tables, summer time included."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from flask_citizencare.domain.notices.schedule import (
    NoticeFacts,
    StepFacts,
    first_at,
    owed,
    reminder_at,
)

ROME = ZoneInfo("Europe/Rome")
DAY = timedelta(days=1)


def rome(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=ROME)  # type: ignore[misc]


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def planned(starts_at: datetime, published_at: datetime, **changes: object) -> NoticeFacts:
    facts = NoticeFacts(
        kind="planned",
        status="scheduled",
        starts_at=starts_at,
        published_at=published_at,
        steps=(StepFacts(1, "scheduled", published_at, True),),
    )
    return replace(facts, **changes)  # type: ignore[arg-type]


def keys(facts: NoticeFacts, now: datetime) -> list[str]:
    return [mail.key for mail in owed(facts, now, ROME)]


# -- the day before, in the municipality's zone -------------------------------------


@pytest.mark.parametrize(
    ("starts_at", "expected"),
    [
        # Summer time begins on Sunday 29 March 2026 (02:00 CET -> 03:00 CEST).
        (rome(2026, 3, 29, 9, 0), utc(2026, 3, 28, 7, 0)),  # the day before is still CET (+1)
        (rome(2026, 3, 30, 9, 0), utc(2026, 3, 29, 6, 0)),  # the day before is the change day, CEST
        (rome(2026, 3, 29, 0, 30), utc(2026, 3, 28, 7, 0)),  # 23:30 UTC on the 28th: a Rome day of the 29th
        # Summer time ends on Sunday 25 October 2026 (03:00 CEST -> 02:00 CET).
        (rome(2026, 10, 25, 10, 0), utc(2026, 10, 24, 6, 0)),  # the day before is still CEST (+2)
        (rome(2026, 10, 26, 10, 0), utc(2026, 10, 25, 7, 0)),  # the day before is the change day, CET
        (
            rome(
                2026,
                10,
                25,
                2,
                30,
            ),
            utc(2026, 10, 24, 6, 0),
        ),  # an ambiguous hour of the change day
        (utc(2026, 7, 1, 22, 30), utc(2026, 7, 1, 6, 0)),  # 00:30 of 2 July in Rome: the day before is 1 July
    ],
)
def test_the_reminder_is_at_eight_on_the_local_day_before(starts_at: datetime, expected: datetime) -> None:
    at = reminder_at(starts_at, ROME)
    assert at == expected
    assert (at.astimezone(ROME).hour, at.astimezone(ROME).minute) == (8, 0)
    assert at.astimezone(ROME).date() == starts_at.astimezone(ROME).date() - DAY


# -- the first mail of planned works ----------------------------------------------------

START = rome(2026, 11, 20, 8, 0)


@pytest.mark.parametrize(
    ("days_ahead", "first_days_ahead"),
    [
        (40, 30),  # published early: the first mail waits until 30 days before
        (31, 30),
        (30, 30),
        (20, 20),  # within the window: at once (between 30 and 15 days ahead)
        (15, 15),
        (10, 10),  # late: at once
        (0, 0),
    ],
)
def test_the_first_mail_goes_30_days_ahead_at_most(days_ahead: int, first_days_ahead: int) -> None:
    facts = planned(START, START - days_ahead * DAY)
    first = first_at(facts)
    assert first == START - first_days_ahead * DAY
    assert keys(facts, first - timedelta(seconds=1)) == []  # type: ignore[operator]
    assert keys(facts, first) == ["first"]  # type: ignore[arg-type]


def test_published_early_enough_the_first_mail_is_at_least_15_days_ahead() -> None:
    for days in range(15, 120):
        first = first_at(planned(START, START - days * DAY))
        assert first is not None and timedelta(days=15) <= START - first <= timedelta(days=30)


@pytest.mark.parametrize(
    ("published_before", "now_before", "expected"),
    [
        (40 * DAY, 35 * DAY, []),
        (40 * DAY, 29 * DAY, ["first"]),
        (
            40 * DAY,
            timedelta(hours=23),
            ["first", "reminder:2026-11-20"],
        ),  # the reminder at 08:00 the day before
        (20 * DAY, timedelta(hours=25), ["first"]),  # 07:00 the day before: not yet
        (10 * DAY, timedelta(hours=1), ["first", "reminder:2026-11-20"]),
        (
            timedelta(hours=12),
            timedelta(hours=1),
            ["first"],
        ),  # published after 08:00 the day before: no reminder
        (0 * DAY, 0 * DAY, ["first"]),  # published as it starts
    ],
)
def test_what_planned_works_owe_over_time(
    published_before: timedelta, now_before: timedelta, expected: list[str]
) -> None:
    assert keys(planned(START, START - published_before), START - now_before) == expected


def test_no_reminder_once_the_works_began_or_were_cancelled() -> None:
    facts = planned(START, START - 20 * DAY)
    later = START + timedelta(hours=1)
    assert keys(facts, later) == ["first"]  # started: a late reminder is no use
    begun = replace(facts, status="in_progress")
    assert keys(begun, START - timedelta(hours=2)) == ["first"]
    cancelled = replace(
        facts,
        status="cancelled",
        ended_at=START - 2 * DAY,
        steps=(*facts.steps, StepFacts(2, "cancelled", START - 2 * DAY, True)),
    )
    assert keys(cancelled, START + DAY) == ["first", "end"]
    assert owed(cancelled, START + DAY, ROME)[-1].step_id == 2


def test_works_cancelled_before_anyone_was_told_tell_nobody() -> None:
    facts = planned(
        START,
        START - 60 * DAY,
        status="cancelled",
        ended_at=START - 50 * DAY,
    )
    assert keys(facts, START + DAY) == []


def test_a_completed_notice_owes_first_reminder_and_end() -> None:
    facts = planned(START, START - 40 * DAY)
    steps = (
        *facts.steps,
        StepFacts(2, "in_progress", START, False),
        StepFacts(3, "in_progress", START + DAY, True),  # news staff chose to mail
        StepFacts(4, "completed", START + 2 * DAY, True),
    )
    done = replace(facts, status="completed", ended_at=START + 2 * DAY, steps=steps)
    assert keys(done, START + 3 * DAY) == ["first", "update:3", "end"]
    # The reminder went while the works were scheduled; the state now has no say over the past:
    # the sweep's record keeps it, and nothing new is owed once over.
    scheduled = replace(facts, status="scheduled")
    assert keys(scheduled, START - timedelta(hours=20)) == ["first", "reminder:2026-11-20"]


def test_moving_the_start_redates_the_first_mail_and_the_reminder() -> None:
    published = START - 40 * DAY
    facts = planned(START, published)
    assert keys(facts, START - 29 * DAY) == ["first"]
    # Moved 20 days later before the first mail went: the first mail waits for the new window.
    moved = replace(facts, starts_at=START + 20 * DAY)
    assert keys(moved, START - 29 * DAY) == []
    assert keys(moved, START - 9 * DAY) == ["first"]
    # Moved after the reminder went: the new start date has its own reminder.
    later = replace(facts, starts_at=START + 7 * DAY)
    assert keys(later, START + 6 * DAY + timedelta(hours=1)) == ["first", "reminder:2026-11-27"]


def test_a_start_moved_across_the_summer_time_change_keeps_the_local_day() -> None:
    facts = planned(rome(2026, 10, 26, 7, 0), rome(2026, 10, 1, 12, 0))
    assert keys(facts, utc(2026, 10, 25, 6, 59)) == ["first"]  # 07:59 CET on the 25th
    assert keys(facts, utc(2026, 10, 25, 7, 0)) == ["first", "reminder:2026-10-26"]


# -- incidents ----------------------------------------------------------------------


def test_an_incident_mails_on_publication_each_notified_step_and_resolution() -> None:
    opened = utc(2026, 3, 29, 0, 30)
    steps = (
        StepFacts(10, "investigating", opened, True),
        StepFacts(11, "identified", opened + timedelta(hours=1), False),
        StepFacts(12, "monitoring", opened + timedelta(hours=2), True),
        StepFacts(13, "resolved", opened + timedelta(hours=3), True),
    )
    facts = NoticeFacts("incident", "investigating", opened - timedelta(hours=1), opened, None, steps[:1])
    assert keys(facts, opened) == ["first"]
    going = replace(facts, status="monitoring", steps=steps[:3])
    assert keys(going, opened + timedelta(hours=2)) == ["first", "update:12"]
    resolved = replace(going, status="resolved", ended_at=opened + timedelta(hours=3), steps=steps)
    mails = owed(resolved, opened + timedelta(hours=3), ROME)
    assert [(m.key, m.step_id) for m in mails] == [("first", None), ("update:12", 12), ("end", 13)]
    assert [m.at for m in mails] == sorted(m.at for m in mails)


def test_a_draft_owes_nothing() -> None:
    facts = NoticeFacts("incident", "draft", utc(2026, 1, 1), None)
    assert keys(facts, utc(2026, 2, 1)) == []
