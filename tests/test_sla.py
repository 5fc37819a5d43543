"""The service-level clock: business calendar, due times, suspension, states.

Expected values are worked out by hand in Europe/Rome local time (the comment
on each case shows the arithmetic); the properties compare the clock with
itself and with a minute-by-minute count that knows nothing of its tables.
"""

from __future__ import annotations

import functools
import time as clock
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flask_citizencare.domain.lifecycle import Channel
from flask_citizencare.domain.sla import (
    DEFAULT_HOURS,
    BusinessCalendar,
    CategoryOverride,
    DueTimes,
    SlaPolicy,
    SlaState,
    acknowledgement_due,
    due_times,
    parse_duration,
    remaining,
    resolution_due,
    sla_state,
)

ROME = ZoneInfo("Europe/Rome")
CAL = BusinessCalendar()
#: Bologna: San Petronio, 4 October, as a local holiday.
BOLOGNA = BusinessCalendar(local_holidays=frozenset({(10, 4)}))
POLICY = SlaPolicy()
H = timedelta(hours=1)
M = timedelta(minutes=1)


def rome(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=ROME)


def local(at: datetime | None) -> tuple[int, int, int, int, int] | None:
    """An instant as Rome wall time, for readable failures."""
    if at is None:
        return None
    t = at.astimezone(ROME)
    return (t.year, t.month, t.day, t.hour, t.minute)


# -- the calendar ------------------------------------------------------------------


def test_default_hours_and_holidays() -> None:
    assert CAL.hours == DEFAULT_HOURS
    assert CAL.timezone == "Europe/Rome"
    monday = date(2026, 3, 9)
    assert CAL.is_working_day(monday)
    assert not CAL.is_working_day(date(2026, 3, 7))  # Saturday
    assert not CAL.is_working_day(date(2026, 3, 8))  # Sunday
    for day in [
        "2026-01-01",
        "2026-01-06",
        "2026-04-06",
        "2025-04-25",
        "2025-05-01",
        "2026-06-02",
        "2025-08-15",
        "2024-11-01",
        "2025-12-08",
        "2025-12-25",
        "2025-12-26",
    ]:
        assert CAL.is_holiday(date.fromisoformat(day)), day
        assert not CAL.is_working_day(date.fromisoformat(day)), day
    assert not CAL.is_holiday(date(2024, 10, 4))
    assert BOLOGNA.is_holiday(date(2024, 10, 4))


@pytest.mark.parametrize(
    ("at", "is_open"),
    [
        (rome(2026, 3, 9, 7, 59), False),
        (rome(2026, 3, 9, 8, 0), True),
        (rome(2026, 3, 9, 12, 59), True),
        (rome(2026, 3, 9, 13, 0), False),  # intervals are half-open
        (rome(2026, 3, 9, 13, 59), False),
        (rome(2026, 3, 9, 14, 0), True),
        (rome(2026, 3, 9, 16, 59), True),
        (rome(2026, 3, 9, 17, 0), False),
        (rome(2026, 3, 7, 10, 0), False),  # Saturday
        (rome(2026, 4, 6, 10, 0), False),  # Easter Monday
    ],
)
def test_is_open(at: datetime, is_open: bool) -> None:
    assert CAL.is_open(at) is is_open


def test_results_are_utc_and_inputs_any_zone() -> None:
    start = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)  # 10:00 in Rome
    due = CAL.add(start, 2 * H)
    assert due.tzinfo is UTC
    assert due == rome(2026, 3, 9, 12, 0)
    new_york = ZoneInfo("America/New_York")
    assert CAL.add(start.astimezone(new_york), 2 * H) == due
    assert CAL.next_opening(rome(2026, 3, 9, 13, 30)).tzinfo is UTC
    assert CAL.clock_start(rome(2026, 3, 7, 10)).tzinfo is UTC


def test_naive_datetimes_and_negative_durations_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        CAL.add(datetime(2026, 3, 9, 10), H)
    with pytest.raises(ValueError, match="aware"):
        CAL.elapsed(rome(2026, 3, 9), datetime(2026, 3, 10))
    with pytest.raises(ValueError, match="negative"):
        CAL.add(rome(2026, 3, 9, 10), -M)


def test_zero_duration_is_the_start_of_counting() -> None:
    assert CAL.add(rome(2026, 3, 10, 10, 15), timedelta(0)) == rome(2026, 3, 10, 10, 15)
    assert CAL.add(rome(2026, 3, 10, 13, 30), timedelta(0)) == rome(2026, 3, 10, 14, 0)
    assert CAL.add(rome(2026, 3, 7, 10, 0), timedelta(0)) == rome(2026, 3, 9, 8, 0)


def test_add_lands_on_the_earliest_instant() -> None:
    # 12:00 + 1 h is due at 13:00 (the office closes then), not at 14:00.
    assert CAL.add(rome(2026, 3, 9, 12), H) == rome(2026, 3, 9, 13)
    assert CAL.add(rome(2026, 3, 9, 12), H + M) == rome(2026, 3, 9, 14, 1)
    # Outside hours counting starts at the next opening.
    assert CAL.add(rome(2026, 3, 9, 13, 30), 30 * M) == rome(2026, 3, 9, 14, 30)
    assert CAL.add(rome(2026, 3, 9, 19, 0), 30 * M) == rome(2026, 3, 10, 8, 30)


def test_elapsed() -> None:
    assert CAL.elapsed(rome(2026, 3, 9, 10), rome(2026, 3, 9, 10)) == timedelta(0)
    assert CAL.elapsed(rome(2026, 3, 9, 17), rome(2026, 3, 9, 10)) == timedelta(0)
    assert CAL.elapsed(rome(2026, 3, 9, 10), rome(2026, 3, 9, 17)) == 6 * H
    assert CAL.elapsed(rome(2026, 3, 6, 16), rome(2026, 3, 9, 9)) == 2 * H  # over a weekend
    # 2026 starts on a Thursday: 261 weekdays, of which 7 are holidays (1 Jan, 6 Jan, 6 Apr, 1 May,
    # 2 Jun, 8 Dec, 25 Dec; 25 Apr, 15 Aug, 4 Oct, 1 Nov and 26 Dec fall on weekends): 254 days of 8 h.
    year = 254 * 8 * H
    assert CAL.elapsed(rome(2026, 1, 1), rome(2027, 1, 1)) == year
    before = CAL.elapsed(rome(2025, 7, 1), rome(2026, 1, 1))
    after = CAL.elapsed(rome(2027, 1, 1), rome(2027, 7, 1))
    assert CAL.elapsed(rome(2025, 7, 1), rome(2027, 7, 1)) == before + year + after


# -- when the clock starts (reference 002) ----------------------------------------------


@pytest.mark.parametrize(
    ("received", "start"),
    [
        # Non-working day: counts as made at 09:00 of the next working day.
        (rome(2026, 3, 7, 10, 0), rome(2026, 3, 9, 9, 0)),  # Saturday → Monday 09:00
        (rome(2026, 3, 8, 23, 59), rome(2026, 3, 9, 9, 0)),  # Sunday night → Monday 09:00
        (rome(2026, 4, 6, 10, 0), rome(2026, 4, 7, 9, 0)),  # Easter Monday → Tuesday 09:00
        (rome(2025, 12, 6, 10, 0), rome(2025, 12, 9, 9, 0)),  # Saturday before Mon 8 Dec → Tuesday
        (rome(2025, 8, 15, 10, 0), rome(2025, 8, 18, 9, 0)),  # Ferragosto (Friday) → Monday
        (rome(2026, 12, 25, 11, 0), rome(2026, 12, 28, 9, 0)),  # Christmas (Friday), St Stephen's, Sunday
        # Working day outside hours: the next opening.
        (rome(2026, 3, 9, 0, 1), rome(2026, 3, 9, 8, 0)),  # Monday just after midnight → 08:00
        (rome(2026, 3, 6, 18, 0), rome(2026, 3, 9, 8, 0)),  # Friday 18:00 → Monday 08:00
        (rome(2026, 3, 10, 13, 30), rome(2026, 3, 10, 14, 0)),  # Tuesday lunch break → 14:00
        (rome(2026, 3, 10, 7, 0), rome(2026, 3, 10, 8, 0)),
        (rome(2026, 3, 10, 19, 0), rome(2026, 3, 11, 8, 0)),
        (rome(2026, 12, 24, 17, 30), rome(2026, 12, 28, 8, 0)),  # 24 Dec is a working day
        # Open: now.
        (rome(2026, 3, 10, 10, 15), rome(2026, 3, 10, 10, 15)),
    ],
)
def test_clock_start(received: datetime, start: datetime) -> None:
    assert local(CAL.clock_start(received)) == local(start)


def test_clock_start_variants() -> None:
    # Without the 09:00 rule a weekend request starts at the Monday opening.
    plain = BusinessCalendar(non_working_day_start=None)
    assert plain.clock_start(rome(2026, 3, 7, 10)) == rome(2026, 3, 9, 8)
    # An office that opens at 10:00: the request counts as made at 09:00, the clock starts at 10:00.
    late = BusinessCalendar.from_config({"hours": {"mon-fri": ["10:00-16:00"]}})
    assert late.clock_start(rome(2026, 3, 7, 10)) == rome(2026, 3, 9, 10)
    # The local holiday counts as a non-working day.
    assert BOLOGNA.clock_start(rome(2024, 10, 4, 10)) == rome(2024, 10, 7, 9)
    assert CAL.clock_start(rome(2024, 10, 4, 10)) == rome(2024, 10, 4, 10)


# -- holidays, by hand ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("calendar", "start", "duration", "due"),
    [
        # Christmas 2026: Thu 24 Dec 15-17 (2 h); Fri 25, Sat 26, Sun 27 closed; Mon 28 08-12 (4 h).
        (CAL, rome(2026, 12, 24, 15), 6 * H, rome(2026, 12, 28, 12)),
        # Christmas 2025: Wed 24 Dec 16-17 (1 h); Thu 25, Fri 26, weekend; Mon 29 08-13 (5 h).
        (CAL, rome(2025, 12, 24, 16), 6 * H, rome(2025, 12, 29, 13)),
        # New Year 2026 (Thursday): Wed 31 Dec 16-17 (1 h); Fri 2 Jan 08-09 (1 h).
        (CAL, rome(2025, 12, 31, 16), 2 * H, rome(2026, 1, 2, 9)),
        # Epiphany 2026 (Tuesday): Mon 5 Jan 16-17; Wed 7 Jan 08-09.
        (CAL, rome(2026, 1, 5, 16), 2 * H, rome(2026, 1, 7, 9)),
        # Easter Monday 2026-04-06: Fri 3 Apr 16-17 (60 min); Tue 7 Apr 08:00-08:30 (30 min).
        (CAL, rome(2026, 4, 3, 16), 90 * M, rome(2026, 4, 7, 8, 30)),
        # 25 April 2025 (Friday): Thu 24 16:30-17 (0.5 h); Mon 28: 08-13 (5 h), 14-16:30 (2.5 h).
        (CAL, rome(2025, 4, 24, 16, 30), 8 * H, rome(2025, 4, 28, 16, 30)),
        # 1 May 2025 (Thursday): Wed 30 Apr 12-13, 14-17 (4 h); Fri 2 May 08-10 (2 h).
        (CAL, rome(2025, 4, 30, 12), 6 * H, rome(2025, 5, 2, 10)),
        # 2 June 2026 (Tuesday): Mon 1 Jun 16:45-17 (15 min); Wed 3 Jun 08:00-08:30.
        (CAL, rome(2026, 6, 1, 16, 45), 45 * M, rome(2026, 6, 3, 8, 30)),
        # 15 August 2025 (Friday): Thu 14 16-17 (1 h); Mon 18 08-13 (5 h).
        (CAL, rome(2025, 8, 14, 16), 6 * H, rome(2025, 8, 18, 13)),
        # 1 November 2024 (Friday): Thu 31 Oct 16-17; Mon 4 Nov 08-09.
        (CAL, rome(2024, 10, 31, 16), 2 * H, rome(2024, 11, 4, 9)),
        # 8 December 2025 (Monday): Fri 5 Dec 16:30-17; Tue 9 Dec 08:00-08:30.
        (CAL, rome(2025, 12, 5, 16, 30), H, rome(2025, 12, 9, 8, 30)),
        # San Petronio, Bologna, Fri 4 Oct 2024: Thu 3 Oct 16-17; Mon 7 Oct 08-13.
        (BOLOGNA, rome(2024, 10, 3, 16), 6 * H, rome(2024, 10, 7, 13)),
        # ... which elsewhere is an ordinary Friday.
        (CAL, rome(2024, 10, 3, 16), 6 * H, rome(2024, 10, 4, 13)),
        # The holidays package's Bologna (subdiv BO) has the same patron saint.
        (BusinessCalendar(subdiv="BO"), rome(2024, 10, 3, 16), 6 * H, rome(2024, 10, 7, 13)),
    ],
)
def test_add_across_holidays(
    calendar: BusinessCalendar, start: datetime, duration: timedelta, due: datetime
) -> None:
    assert local(calendar.add(start, duration)) == local(due)
    assert calendar.elapsed(start, due) == duration


def test_one_off_closures() -> None:
    closed = BusinessCalendar.from_config({"local_holidays": ["2026-08-14", "10-04"]})
    assert closed.is_holiday(date(2026, 8, 14))
    assert not closed.is_holiday(date(2027, 8, 14))
    assert closed.is_holiday(date(2024, 10, 4)) and closed.is_holiday(date(2030, 10, 4))
    # Thu 13 Aug 2026 16-17; Fri 14 closed; Mon 17 08-09.
    assert closed.add(rome(2026, 8, 13, 16), 2 * H) == rome(2026, 8, 17, 9)
    leap = BusinessCalendar(local_holidays=frozenset({(2, 29)}))
    assert leap.is_holiday(date(2028, 2, 29))
    assert leap.is_working_day(date(2027, 3, 1))


# -- daylight saving time (last Sunday of March and of October) ------------------------------


def test_dst_spring_forward() -> None:
    # Sun 29 Mar 2026: 02:00 CET → 03:00 CEST. Fri 27 Mar 16-17 (1 h), Mon 30 Mar 08-13 (5 h).
    due = CAL.add(rome(2026, 3, 27, 16), 6 * H)
    assert due == rome(2026, 3, 30, 13)
    assert due == datetime(2026, 3, 30, 11, 0, tzinfo=UTC)  # CEST, UTC+2
    assert CAL.elapsed(rome(2026, 3, 27, 8), rome(2026, 3, 30, 17)) == 16 * H
    assert CAL.calendar_add(rome(2026, 3, 27, 10), timedelta(days=7)) == datetime(2026, 4, 3, 8, tzinfo=UTC)


def test_dst_fall_back() -> None:
    # Sun 25 Oct 2026: 03:00 CEST → 02:00 CET. Fri 23 Oct 16-17, Mon 26 Oct 08-13.
    due = CAL.add(rome(2026, 10, 23, 16), 6 * H)
    assert due == rome(2026, 10, 26, 13)
    assert due == datetime(2026, 10, 26, 12, 0, tzinfo=UTC)  # CET, UTC+1
    assert CAL.elapsed(rome(2026, 10, 23, 8), rome(2026, 10, 26, 17)) == 16 * H


def test_dst_inside_opening_hours() -> None:
    # A service open every day all day, and one open on Sunday nights, across the changes.
    always = BusinessCalendar(hours=(((0, 1440),),) * 7, country=None)
    assert always.elapsed(rome(2026, 3, 28), rome(2026, 3, 30)) == 47 * H
    assert always.elapsed(rome(2026, 10, 24), rome(2026, 10, 26)) == 49 * H
    assert always.add(rome(2026, 3, 29, 1, 30), H) == rome(2026, 3, 29, 3, 30)
    nights = BusinessCalendar(hours=((),) * 6 + (((60, 240),),), country=None)
    assert nights.elapsed(rome(2026, 3, 29), rome(2026, 3, 30)) == 2 * H  # 01:00-04:00 lasts 2 h
    assert nights.elapsed(rome(2026, 10, 25), rome(2026, 10, 26)) == 4 * H  # ... and 4 h
    assert nights.elapsed(rome(2026, 10, 18), rome(2026, 10, 19)) == 3 * H
    # Opening at 02:30, a time that does not exist on 29 March: it opens when the clocks jump.
    gap = BusinessCalendar(hours=((),) * 6 + (((150, 300),),), country=None)
    assert gap.next_opening(rome(2026, 3, 29)) == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    assert gap.elapsed(rome(2026, 3, 29), rome(2026, 3, 30)) == 2 * H


# -- policies and due times ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("channel", "received", "due"),
    [
        (Channel.WEB, rome(2026, 3, 6, 16, 50), rome(2026, 3, 9, 8, 20)),  # Fri 10 min + Mon 20 min
        (Channel.PHONE, rome(2026, 3, 9, 12, 0), rome(2026, 3, 9, 14, 30)),  # 60 min + 30 min after lunch
        (Channel.EMAIL, rome(2026, 3, 9, 16, 30), rome(2026, 3, 10, 8, 15)),  # 30 min + 15 min
        (Channel.API, rome(2026, 3, 9, 10, 0), rome(2026, 3, 9, 10, 30)),
        (Channel.COUNTER, rome(2026, 3, 9, 10, 0), rome(2026, 3, 9, 10, 30)),
        (Channel.LETTER, rome(2026, 3, 9, 10, 0), rome(2026, 3, 10, 10, 0)),  # one business day
        (Channel.FAX, rome(2026, 3, 9, 10, 0), rome(2026, 3, 10, 10, 0)),
        (Channel.WEB, rome(2026, 3, 7, 10, 0), rome(2026, 3, 9, 9, 30)),  # Saturday: from Monday 09:00
        ("phone", rome(2026, 4, 3, 16, 0), rome(2026, 4, 7, 8, 30)),  # Easter Monday in between
    ],
)
def test_acknowledgement_due(channel: Channel | str, received: datetime, due: datetime) -> None:
    got = acknowledgement_due(POLICY, CAL, channel=channel, received_at=received)
    assert local(got) == local(due)


@pytest.mark.parametrize(
    ("level", "received", "due"),
    [
        (1, rome(2026, 3, 9, 10), rome(2026, 3, 9, 17)),  # 10-13, 14-17
        (2, rome(2026, 3, 9, 10), rome(2026, 3, 10, 10)),  # 6 h on Monday, 2 h on Tuesday
        (1, rome(2026, 3, 7, 10), rome(2026, 3, 9, 16)),  # Saturday: Monday 09-13, 14-16
        (2, rome(2026, 3, 6, 18), rome(2026, 3, 9, 17)),  # Friday evening: Monday 08-13, 14-17
    ],
)
def test_resolution_due_by_level(level: int, received: datetime, due: datetime) -> None:
    assert local(resolution_due(POLICY, CAL, level=level, received_at=received)) == local(due)


def test_due_times() -> None:
    times = due_times(POLICY, CAL, channel=Channel.PHONE, level=2, received_at=rome(2026, 3, 9, 12))
    assert isinstance(times, DueTimes)
    ack, resolve = times
    assert ack == rome(2026, 3, 9, 14, 30)
    assert resolve == rome(2026, 3, 10, 12)  # Mon 12-13, 14-17 (4 h); Tue 08-12 (4 h)
    assert ack.tzinfo is UTC and resolve.tzinfo is UTC


def test_calendar_ceiling_beats_a_long_business_term() -> None:
    policy = SlaPolicy.from_config({"categories": {"lighting": {"resolution": {1: "80h"}}}})
    received = rome(2026, 3, 9, 10)

    # 80 business hours = 10 business days → Mon 23 Mar 10:00; the 7 calendar days end Mon 16 Mar 10:00.
    def due(policy: SlaPolicy, level: int, code: str) -> datetime | None:
        return resolution_due(policy, CAL, level=level, received_at=received, category_code=code)

    assert due(policy, 1, "lighting") == rome(2026, 3, 16, 10)
    no_cap = SlaPolicy.from_config(
        {"categories": {"lighting": {"resolution": {1: "80h"}, "ceiling_simple": None}}}
    )
    assert due(no_cap, 1, "lighting") == rome(2026, 3, 23, 10)
    # Other categories and levels keep the defaults.
    assert due(policy, 1, "roads") == rome(2026, 3, 9, 17)
    assert due(policy, 2, "lighting") == rome(2026, 3, 10, 10)


def test_ceiling_counts_wall_clock_days_across_dst() -> None:
    policy = SlaPolicy(resolution={1: 200 * H})
    # Fri 27 Mar 10:00 CET + 7 days = Fri 3 Apr 10:00 CEST (167 real hours later).
    due = resolution_due(policy, CAL, level=1, received_at=rome(2026, 3, 27, 10))
    assert due == datetime(2026, 4, 3, 8, 0, tzinfo=UTC)
    # Counted from the clock start: a Saturday request counts from Monday 09:00.
    due = resolution_due(policy, CAL, level=1, received_at=rome(2026, 3, 7, 10))
    assert local(due) == (2026, 3, 16, 9, 0)


def test_complex_requests() -> None:
    received = rome(2026, 3, 9, 10)
    # Only the 40-day ceiling by default: Mon 9 Mar + 40 days = Sat 18 Apr, 10:00 (CEST by then).
    due = resolution_due(POLICY, CAL, level=1, received_at=received, complex=True)
    assert local(due) == (2026, 4, 18, 10, 0)
    # A business term for complex cases at level 2: 40 business hours = 5 business days → Mon 16 Mar.
    policy = SlaPolicy.from_config({"complex_resolution": {"2": "40h"}})
    assert resolution_due(policy, CAL, level=2, received_at=received, complex=True) == rome(2026, 3, 16, 10)
    due = resolution_due(policy, CAL, level=1, received_at=received, complex=True)
    assert local(due) == (2026, 4, 18, 10, 0)
    # A category whose cases are complex unless the caller says otherwise.
    works = SlaPolicy.from_config({"categories": {"works": {"complex": True, "ceiling_complex": "30d"}}})
    assert local(resolution_due(works, CAL, level=1, received_at=received, category_code="works")) == (
        2026,
        4,
        8,
        10,
        0,
    )
    assert resolution_due(
        works, CAL, level=1, received_at=received, category_code="works", complex=False
    ) == rome(2026, 3, 9, 17)


def test_unknown_level_and_channel() -> None:
    with pytest.raises(ValueError, match="level 3"):
        resolution_due(POLICY, CAL, level=3, received_at=rome(2026, 3, 9, 10))
    with pytest.raises(ValueError, match="channel"):
        acknowledgement_due(POLICY, CAL, channel="pigeon", received_at=rome(2026, 3, 9, 10))


# -- suspension -------------------------------------------------------------------------------


MONDAY = rome(2026, 3, 9, 10)  # level 1 due without suspension: Mon 17:00


def due_with(*suspensions: tuple[datetime, datetime | None], received: datetime = MONDAY) -> datetime | None:
    return resolution_due(POLICY, CAL, level=1, received_at=received, suspensions=suspensions)


def test_suspension_pushes_by_the_business_time_inside_it() -> None:
    assert due_with() == rome(2026, 3, 9, 17)
    # Suspended Mon 11:00 → Tue 11:00 holds 8 business hours: 1 h before, 5 h after (Tue 11-13, 14-17).
    assert due_with((rome(2026, 3, 9, 11), rome(2026, 3, 10, 11))) == rome(2026, 3, 10, 17)
    # Overlapping intervals in any order are merged: 11:00-15:00 holds 3 business hours.
    assert due_with(
        (rome(2026, 3, 9, 12), rome(2026, 3, 9, 15)), (rome(2026, 3, 9, 11), rome(2026, 3, 9, 12, 30))
    ) == rome(2026, 3, 10, 11)
    # Suspension before the request, or after the due time was reached, changes nothing.
    assert due_with((rome(2026, 3, 6, 9), rome(2026, 3, 6, 12))) == rome(2026, 3, 9, 17)
    assert due_with((rome(2026, 3, 9, 17, 30), rome(2026, 3, 10, 12))) == rome(2026, 3, 9, 17)
    # Only the part after the clock start counts: 10:00-11:00, so 1 h later, Tue 09:00.
    assert due_with((rome(2026, 3, 9, 9), rome(2026, 3, 9, 11))) == rome(2026, 3, 10, 9)


def test_suspension_over_closed_hours_does_not_push() -> None:
    friday = rome(2026, 3, 13, 14)  # Fri 14-17 (3 h) + Mon 08-11 (3 h)
    assert due_with(received=friday) == rome(2026, 3, 16, 11)
    assert due_with((rome(2026, 3, 13, 17), rome(2026, 3, 16, 8)), received=friday) == rome(2026, 3, 16, 11)


def test_still_suspended_is_paused() -> None:
    assert due_with((rome(2026, 3, 9, 11), None)) is None
    times = due_times(
        POLICY, CAL, channel="web", level=1, received_at=MONDAY, suspensions=[(rome(2026, 3, 9, 11), None)]
    )
    assert times.ack_due == rome(2026, 3, 9, 10, 30)
    assert times.resolve_due is None
    # A due time already passed is not undone by suspending afterwards.
    assert due_with((rome(2026, 3, 9, 18), None)) == rome(2026, 3, 9, 17)
    # Resumed: counting goes on from the end.
    assert due_with((rome(2026, 3, 9, 11), rome(2026, 3, 9, 12)), (rome(2026, 3, 9, 16), None)) is None


def test_suspension_moves_the_calendar_ceiling() -> None:
    # Complex: 40 days → Sat 18 Apr 10:00; suspended 5 calendar days → Thu 23 Apr 10:00.
    pause = (rome(2026, 3, 20, 12), rome(2026, 3, 25, 12))
    due = resolution_due(POLICY, CAL, level=1, received_at=MONDAY, complex=True, suspensions=[pause])
    assert local(due) == (2026, 4, 23, 10, 0)
    paused = resolution_due(
        POLICY, CAL, level=1, received_at=MONDAY, complex=True, suspensions=[(rome(2026, 3, 20, 12), None)]
    )
    assert paused is None


def test_bad_suspension() -> None:
    with pytest.raises(ValueError, match="ends before"):
        due_with((rome(2026, 3, 9, 12), rome(2026, 3, 9, 11)))


def test_resolution_from_acknowledgement() -> None:
    # Reference 002 measures TR from taking in charge: acknowledged Mon 15:00 → 15-17, Tue 08-12.
    due = resolution_due(POLICY, CAL, level=1, received_at=MONDAY, acknowledged_at=rome(2026, 3, 9, 15))
    assert due == rome(2026, 3, 10, 12)


# -- remaining time and state ---------------------------------------------------------------------


DUE = rome(2026, 3, 9, 17)


@pytest.mark.parametrize(
    ("now", "left", "state"),
    [
        (rome(2026, 3, 9, 10), 6 * H, "on_time"),
        (rome(2026, 3, 9, 15, 59), H + M, "on_time"),
        (rome(2026, 3, 9, 16), H, "due_soon"),
        (rome(2026, 3, 9, 16, 45), 15 * M, "due_soon"),
        (DUE, timedelta(0), "due_soon"),
        (rome(2026, 3, 9, 18), timedelta(0), "breached"),  # past, though no business time has run
        (rome(2026, 3, 10, 9), -H, "breached"),
        (rome(2026, 3, 6, 16, 30), 30 * M + 8 * H, "on_time"),  # Friday 16:30-17:00 and all Monday
    ],
)
def test_remaining_and_state(now: datetime, left: timedelta, state: str) -> None:
    assert remaining(DUE, now, CAL) == left
    assert sla_state(DUE, now, CAL) == state


def test_state_details() -> None:
    # Friday 16:30 with a due time of Monday 08:30: one business hour left, so due soon.
    assert sla_state(rome(2026, 3, 9, 8, 30), rome(2026, 3, 6, 16, 30), CAL) is SlaState.DUE_SOON
    assert sla_state(None, rome(2026, 3, 9, 10), CAL) == "paused"
    assert sla_state(DUE, rome(2026, 3, 9, 15), CAL, window=2 * H) == "due_soon"
    # "Due soon" means due by the end of the next business hour, the bound a query uses:
    # at 12:00 that is 13:00, so a ceiling falling at 13:30 (lunch break) is not yet due soon.
    assert sla_state(rome(2026, 3, 9, 13), rome(2026, 3, 9, 12), CAL) == "due_soon"
    assert sla_state(rome(2026, 3, 9, 13, 30), rome(2026, 3, 9, 12), CAL) == "on_time"
    names: list[str] = [SlaState.ON_TIME, SlaState.DUE_SOON, SlaState.BREACHED, SlaState.PAUSED]
    assert names == ["on_time", "due_soon", "breached", "paused"]  # members are their strings


# -- configuration --------------------------------------------------------------------------------


def test_defaults_from_empty_config() -> None:
    assert BusinessCalendar.from_config({}) == CAL
    assert BusinessCalendar.from_config(None) == CAL
    assert SlaPolicy.from_config({}) == POLICY
    assert POLICY.acknowledgement_for("web") == 30 * M
    assert POLICY.acknowledgement_for(Channel.EMAIL) == 45 * M
    assert POLICY.acknowledgement_for(Channel.PHONE) == 90 * M
    assert POLICY.resolution_for(1, False) == 6 * H
    assert POLICY.resolution_for(2, False) == 8 * H
    assert POLICY.resolution_for(1, True) is None
    assert POLICY.ceiling_for(False) == timedelta(days=7)
    assert POLICY.ceiling_for(True) == timedelta(days=40)
    assert set(POLICY.acknowledgement) == set(Channel)


def test_calendar_from_config() -> None:
    calendar = BusinessCalendar.from_config(
        {
            "timezone": "Europe/Rome",
            "hours": {
                "mon-thu": ["08:00-13:00", "14:00-17:00"],
                "fri": ["08:00-13:00"],
                "sat": ["09:00-12:00"],
            },
            "country": "IT",
            "local_holidays": ["10-04", (12, 7), "2026-08-14", date(2026, 12, 24)],
            "non_working_day_start": "09:30",
        }
    )
    assert calendar.hours[4] == ((480, 780),)
    assert calendar.hours[5] == ((540, 720),)
    assert calendar.hours[6] == ()
    assert calendar.local_holidays == {(10, 4), (12, 7)}
    assert calendar.closures == {date(2026, 8, 14), date(2026, 12, 24)}
    assert calendar.is_open(rome(2026, 3, 7, 10))  # Saturday morning
    assert calendar.clock_start(rome(2026, 3, 8, 10)) == rome(2026, 3, 9, 9, 30)
    numbered = BusinessCalendar.from_config({"hours": {0: ["08:00-24:00"], "Sunday": ["10:00-11:00"]}})
    assert numbered.hours[0] == ((480, 1440),)
    assert numbered.hours[6] == ((600, 660),)
    assert BusinessCalendar.from_config({"country": None}).is_working_day(date(2026, 4, 6))


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"hour": {}}, "unknown calendar setting"),
        ({"hours": {"mon": ["13:00-08:00"]}}, "ends before"),
        ({"hours": {"mon": ["08:00-13:00", "12:00-17:00"]}}, "overlap"),
        ({"hours": {"lun": ["08:00-13:00"]}}, "unknown weekday"),
        ({"hours": {"mon-fri": ["08:00-13:00"], "fri": ["14:00-17:00"]}}, "twice"),
        ({"hours": {"mon": "08:00-13:00"}}, "list of intervals"),
        ({"hours": {"mon": ["8-13"]}}, "time of day"),
        ({"hours": {}}, "no opening hours"),
        ({"timezone": "Europe/Atlantis"}, "unknown time zone"),
        ({"country": "XX"}, "holidays"),
        ({"subdiv": "ZZ"}, "holidays"),
        ({"local_holidays": ["02-30"]}, "local holiday"),
        ({"local_holidays": "10-04"}, "must be a list"),
        ({"non_working_day_start": "25:00"}, "time of day"),
    ],
)
def test_calendar_config_errors(config: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        BusinessCalendar.from_config(config)


def test_policy_from_config() -> None:
    policy = SlaPolicy.from_config(
        {
            "acknowledgement": {"letter": "16h", "web": timedelta(minutes=20)},
            "resolution": {"2": "1d"},
            "ceiling_simple": "10d",
            "ceiling_complex": None,
            "due_soon": "30m",
            "categories": {"noise": {"acknowledgement": {"phone": "1h"}, "resolution": {1: None}}},
        }
    )
    assert policy.acknowledgement_for("letter") == 16 * H
    assert policy.acknowledgement_for("web") == 20 * M
    assert policy.acknowledgement_for("email") == 45 * M  # kept
    assert policy.resolution == {1: 6 * H, 2: timedelta(days=1)}
    assert policy.ceiling_simple == timedelta(days=10)
    assert policy.ceiling_complex is None
    assert policy.due_soon == 30 * M
    assert policy.categories["noise"] == CategoryOverride(
        acknowledgement={Channel.PHONE: H}, resolution={1: None}
    )
    noise = policy.for_category("noise")
    assert noise.acknowledgement_for("phone") == H
    assert noise.acknowledgement_for("web") == 20 * M
    assert noise.resolution_for(1, False) is None and noise.resolution_for(2, False) == timedelta(days=1)
    assert policy.for_category("other") is policy and policy.for_category(None) is policy
    # Level 1 of "noise" has only the 10-day ceiling.
    due = resolution_due(policy, CAL, level=1, received_at=MONDAY, category_code="noise")
    assert local(due) == (2026, 3, 19, 10, 0)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"acknowledgment": {}}, "unknown service-level setting"),
        ({"acknowledgement": {"web": 30}}, "string like"),
        ({"acknowledgement": {"pigeon": "1h"}}, "unknown channel"),
        ({"acknowledgement": {"web": None}}, "needs a duration"),
        ({"resolution": {"first": "6h"}}, "not a number"),
        ({"resolution": {1: "6 hours and a bit"}}, "cannot read the duration"),
        ({"ceiling_simple": "-7d"}, "cannot read"),
        ({"complex": "yes"}, "True or False"),
        ({"categories": {"roads": {"resolutoin": {}}}}, "unknown setting"),
        ({"categories": {"roads": {"resolution": {1: "x"}}}}, r"categories\['roads'\]"),
        ({"categories": ["roads"]}, "category codes"),
    ],
)
def test_policy_config_errors(config: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SlaPolicy.from_config(config)


@pytest.mark.parametrize(
    ("text", "duration"),
    [
        ("30m", 30 * M),
        ("30 min", 30 * M),
        ("45 minutes", 45 * M),
        ("1h30m", 90 * M),
        ("6h", 6 * H),
        ("8 hours", 8 * H),
        ("1.5h", 90 * M),
        ("7d", timedelta(days=7)),
        ("40 days", timedelta(days=40)),
        ("90s", 90 * timedelta(seconds=1)),
        (timedelta(hours=2), 2 * H),
    ],
)
def test_parse_duration(text: str | timedelta, duration: timedelta) -> None:
    assert parse_duration(text) == duration


@pytest.mark.parametrize("text", ["", "30", "h", "30x", "1h 30", 30])
def test_parse_duration_errors(text: object) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)  # type: ignore[arg-type]


def test_direct_construction_is_validated() -> None:
    with pytest.raises(ValueError, match="7 weekdays"):
        BusinessCalendar(hours=DEFAULT_HOURS[:5])
    with pytest.raises(ValueError, match="within one day"):
        BusinessCalendar(hours=(((480, 1500),),) * 7)
    with pytest.raises(ValueError, match="negative"):
        SlaPolicy(resolution={1: -H})
    with pytest.raises(ValueError):
        SlaPolicy(acknowledgement={"pigeon": H})  # type: ignore[dict-item]
    assert hash(CAL) == hash(BusinessCalendar())


# -- speed ----------------------------------------------------------------------------------------


def test_long_spans_are_fast() -> None:
    start = rome(2026, 3, 2, 10)
    CAL.add(start, 320 * H)
    CAL.elapsed(start, rome(2027, 3, 2, 10))  # warm the two years' tables
    began = clock.perf_counter()
    for _ in range(1000):
        due = CAL.add(start, 320 * H)  # 40 business days
        spent = CAL.elapsed(start, rome(2027, 3, 2, 10))  # a year
    per_call = (clock.perf_counter() - began) / 2000
    assert local(due) == (2026, 4, 28, 10, 0)  # Easter Monday 6 April is skipped
    assert spent > 240 * 8 * H
    assert per_call < 1e-3, f"{per_call * 1e6:.0f} µs per call"


# -- properties -----------------------------------------------------------------------------------

#: 2024-01-01 to 2030-12-31, in minutes.
BASE = datetime(2024, 1, 1, tzinfo=UTC)
SPAN_MINUTES = int((datetime(2031, 1, 1, tzinfo=UTC) - BASE) / M)
#: Days where mistakes would hide: changes of daylight saving time, holidays, year ends.
SPECIAL_DAYS = [
    rome(2024, 3, 31),
    rome(2024, 10, 27),
    rome(2025, 3, 30),
    rome(2025, 10, 26),
    rome(2026, 3, 29),
    rome(2026, 10, 25),
    rome(2027, 3, 28),
    rome(2027, 10, 31),
    rome(2025, 12, 24),
    rome(2026, 12, 31),
    rome(2026, 4, 6),
    rome(2025, 4, 25),
    rome(2025, 8, 15),
    rome(2024, 10, 4),
    rome(2025, 6, 2),
]

instants = st.one_of(
    st.integers(0, SPAN_MINUTES).map(lambda m: BASE + m * M),
    st.tuples(st.sampled_from(SPECIAL_DAYS), st.integers(-3 * 24 * 60, 3 * 24 * 60)).map(
        lambda p: (p[0] + p[1] * M).astimezone(UTC)
    ),
)
#: Up to 60 business days of 8 hours, in minutes.
durations = st.integers(0, 60 * 8 * 60).map(lambda m: m * M)
calendars = st.sampled_from([CAL, BOLOGNA])


@settings(max_examples=300, deadline=None)
@given(calendars, instants, durations)
def test_elapsed_inverts_add(calendar: BusinessCalendar, start: datetime, duration: timedelta) -> None:
    due = calendar.add(start, duration)
    assert due >= start
    assert calendar.elapsed(start, due) == duration
    if duration > timedelta(0):
        assert calendar.is_open(due - timedelta(microseconds=1))
    else:
        assert due == calendar.next_opening(start)
        assert calendar.is_open(due)


@settings(max_examples=200, deadline=None)
@given(instants, durations, durations)
def test_add_is_monotonic_in_the_duration(start: datetime, d1: timedelta, d2: timedelta) -> None:
    d1, d2 = sorted((d1, d2))
    assert CAL.add(start, d1) <= CAL.add(start, d2)


@settings(max_examples=200, deadline=None)
@given(instants, instants, durations)
def test_add_is_monotonic_in_the_start(s1: datetime, s2: datetime, duration: timedelta) -> None:
    s1, s2 = sorted((s1, s2))
    assert CAL.add(s1, duration) <= CAL.add(s2, duration)


@settings(max_examples=200, deadline=None)
@given(instants, instants, instants)
def test_elapsed_is_additive(a: datetime, b: datetime, c: datetime) -> None:
    a, b, c = sorted((a, b, c))
    assert CAL.elapsed(a, b) + CAL.elapsed(b, c) == CAL.elapsed(a, c)
    assert CAL.elapsed(c, a) == timedelta(0)


@settings(max_examples=200, deadline=None)
@given(calendars, instants)
def test_clock_start_is_an_opening(calendar: BusinessCalendar, received: datetime) -> None:
    start = calendar.clock_start(received)
    assert start >= received
    assert calendar.is_open(start)
    day = received.astimezone(ROME).date()
    if calendar.is_working_day(day):
        assert start == calendar.next_opening(received)
        assert calendar.elapsed(received, start) == timedelta(0)
    else:
        # The charter's 09:00: the next working day's first business hour (08:00-09:00) is not counted.
        assert start.astimezone(ROME).time() == time(9, 0)
        assert calendar.elapsed(received, start) == H
        assert calendar.next_opening(received) == start - H


# A minute-by-minute count that knows only wall-clock rules, on a calendar also open on
# Sunday nights (01:00-04:00, across the change of time) and Sunday mornings.
NIGHTS = BusinessCalendar(
    hours=(*DEFAULT_HOURS[:6], ((60, 240), (600, 720))), local_holidays=frozenset({(10, 4)})
)


@functools.cache
def italian_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("IT", years=year))


def open_by_wall_clock(calendar: BusinessCalendar, at: datetime) -> bool:
    wall = at.astimezone(ROME)
    day = wall.date()
    if day in italian_holidays(day.year) or (day.month, day.day) in calendar.local_holidays:
        return False
    minute = wall.hour * 60 + wall.minute
    return any(start <= minute < end for start, end in calendar.hours[day.weekday()])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SPECIAL_DAYS), st.integers(-2 * 24 * 60, 2 * 24 * 60), st.integers(0, 3 * 24 * 60))
def test_elapsed_matches_a_minute_by_minute_count(day: datetime, offset: int, length: int) -> None:
    start = (day + offset * M).astimezone(UTC)
    end = start + length * M
    minutes = sum(open_by_wall_clock(NIGHTS, start + n * M) for n in range(length))
    assert NIGHTS.elapsed(start, end) == minutes * M
    assert NIGHTS.is_open(start) is open_by_wall_clock(NIGHTS, start)
