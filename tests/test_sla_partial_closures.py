"""Part-day closures of the business calendar (24 December from 13:00): pure domain, no database."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from flask_citizencare.domain.sla import BusinessCalendar

ROME = ZoneInfo("Europe/Rome")
H = timedelta(hours=1)
EVE = date(2026, 12, 24)  # a Thursday; 25 and 26 are national holidays, 27 a Sunday


def rome(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=ROME)


def test_afternoon_closure_from_config() -> None:
    calendar = BusinessCalendar.from_config({"local_holidays": ["2026-12-24 13:00-17:00", "2026-08-14"]})
    assert calendar.partial_closures == {(EVE, 780, 1020)}
    assert calendar.closures == {date(2026, 8, 14)}
    assert calendar.is_working_day(EVE) and not calendar.is_holiday(EVE)
    assert calendar.is_open(rome(2026, 12, 24, 12, 59))
    assert not calendar.is_open(rome(2026, 12, 24, 14, 30))
    # Thu 24 Dec 12:00 + 2 h: 12-13 that morning, then 08-09 of Monday 28 December.
    assert calendar.add(rome(2026, 12, 24, 12), 2 * H) == rome(2026, 12, 28, 9)
    assert calendar.elapsed(rome(2026, 12, 24, 8), rome(2026, 12, 24, 18)) == 5 * H
    # A year later the afternoon is open again (the closure is one-off).
    assert calendar.is_open(rome(2027, 12, 24, 15))
    # The request made that afternoon starts at the next opening (a working day: no 09:00 rule).
    assert calendar.clock_start(rome(2026, 12, 24, 15)) == rome(2026, 12, 28, 8)


def test_closure_in_the_middle_of_an_interval_splits_it() -> None:
    calendar = BusinessCalendar(partial_closures=frozenset({(date(2026, 3, 10), 600, 660)}))  # Tue 10-11
    assert calendar.is_open(rome(2026, 3, 10, 9, 59)) and not calendar.is_open(rome(2026, 3, 10, 10, 30))
    assert calendar.is_open(rome(2026, 3, 10, 11))
    assert calendar.elapsed(rome(2026, 3, 10), rome(2026, 3, 11)) == 7 * H
    assert calendar.add(rome(2026, 3, 10, 9), 2 * H) == rome(2026, 3, 10, 12)


def test_closure_covering_all_the_hours_closes_the_day() -> None:
    calendar = BusinessCalendar.from_config(
        {"local_holidays": ["2026-03-10 08:00-13:00", "2026-03-10 13:00-18:00"]}
    )
    assert calendar.is_holiday(date(2026, 3, 10)) and not calendar.is_working_day(date(2026, 3, 10))
    # A request made on that Tuesday counts as made at 09:00 of Wednesday (the charter's rule).
    assert calendar.clock_start(rome(2026, 3, 10, 10)) == rome(2026, 3, 11, 9)


def test_closures_on_closed_hours_change_nothing() -> None:
    plain = BusinessCalendar()
    calendar = BusinessCalendar(partial_closures=frozenset({(date(2026, 3, 10), 1080, 1440)}))  # 18-24
    start, end = rome(2026, 1, 1), rome(2027, 1, 1)
    assert calendar.elapsed(start, end) == plain.elapsed(start, end)


def test_long_spans_stay_fast_with_many_closures() -> None:
    closures = frozenset((date(2026, 1, 1) + timedelta(days=d), 780, 1020) for d in range(0, 365, 3))
    calendar = BusinessCalendar(partial_closures=closures)
    for years in range(1, 6):
        due = calendar.add(rome(2026, 1, 2, 9), timedelta(hours=1500 * years))
        assert calendar.elapsed(rome(2026, 1, 2, 9), due) == timedelta(hours=1500 * years)


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ("2026-02-30 13:00-17:00", "closure"),
        ("2026-12-24 13:00", "opening interval"),
        ("2026-12-24 17:00-13:00", "ends before"),
        ("2026-12-24 25:00-26:00", "time of day"),
        ("12-24 13:00-17:00", "closure"),
    ],
)
def test_bad_partial_closures(item: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        BusinessCalendar.from_config({"local_holidays": [item]})


def test_direct_construction_is_checked() -> None:
    with pytest.raises(ValueError, match="within one day"):
        BusinessCalendar(partial_closures=frozenset({(EVE, 900, 1500)}))
