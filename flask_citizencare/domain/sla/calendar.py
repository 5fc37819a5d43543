"""Business time: when the office works, and the clock's arithmetic over its opening hours.

Everything here is plain Python (``zoneinfo`` and the ``holidays`` package);
the models and views store and show what these functions compute.

Business time
    :class:`BusinessCalendar` knows the weekly opening hours in local wall-clock
    time (default Monday–Friday 08:00–13:00 and 14:00–17:00, Europe/Rome), the
    national holidays (``holidays.country_holidays``), recurring local holidays
    such as the patron saint (San Petronio, 4 October, in Bologna; note that the
    ``holidays`` package lists 4 October, St Francis, as national from 2026 on)
    and one-off closures, whole days (14 August) or part of a day (24 December
    from 13:00: ``"2026-12-24 13:00-17:00"``).
    Each local calendar year is turned once into a sorted table of opening
    intervals in UTC with running totals, so :meth:`~BusinessCalendar.add` and
    :meth:`~BusinessCalendar.elapsed` are a couple of binary searches whatever
    the span (a year-long ``elapsed`` does not walk day by day, let alone minute
    by minute). Wall-clock hours are converted to UTC day by day, so daylight
    saving changes are exact: no timedelta is ever added to a local time.

Instants
    Every function takes aware datetimes in any zone and refuses naive ones.
    Every instant it returns is an aware datetime **in UTC** (what the database
    stores); :meth:`BusinessCalendar.to_local` gives the local time for display.
    Opening intervals are half-open: at 13:00 the office is closed, at 14:00 it
    is open.

The clock of a case (reference 002, the help-desk charter)
    A request made on a non-working day (weekend, holiday) counts as made at
    **09:00** of the next working day; one made on a working day outside hours
    starts the clock at the next opening (13:30 → 14:00, 19:00 → 08:00 of the
    next working day). So the first business hour (08:00–09:00) of a Monday is
    not counted for a Saturday request but is counted for a Friday-evening one:
    that is what the charter says, and :meth:`BusinessCalendar.clock_start`
    applies it literally (``non_working_day_start=None`` switches it off).

The calendar's settings (weekly hours, holidays, the 09:00 rule) are read here
too, by :meth:`BusinessCalendar.from_config`: they describe nothing else.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_lib

from .durations import _duration_us, _from_us, _to_us

__all__ = ["DEFAULT_HOURS", "BusinessCalendar"]

#: An opening interval of one day: minutes after local midnight, ``[start, end)``, end at most 24:00.
Interval = tuple[int, int]

DAY_MINUTES: Final = 24 * 60
_MORNING: Final[Interval] = (8 * 60, 13 * 60)
_AFTERNOON: Final[Interval] = (14 * 60, 17 * 60)
#: Opening hours by weekday (Monday first): reference 002.
DEFAULT_HOURS: Final[tuple[tuple[Interval, ...], ...]] = ((_MORNING, _AFTERNOON),) * 5 + ((), ())

_SECOND_US: Final = 1_000_000
#: Consecutive years without a single opening hour after which the clock gives up.
_MAX_EMPTY_YEARS: Final = 8


@dataclass(frozen=True, slots=True)
class _Year:
    """One local calendar year of a calendar: its opening intervals in UTC microseconds."""

    starts: list[int]
    ends: list[int]
    #: ``cum[i]`` is the business time before interval ``i``; ``cum[-1]`` the year's total.
    cum: list[int]
    closed: frozenset[date]

    @property
    def total(self) -> int:
        return self.cum[-1]

    def business(self, t: int) -> int:
        """Business time from the start of the year to ``t`` (an instant of this year)."""
        i = bisect_right(self.starts, t) - 1
        if i < 0:
            return 0
        return self.cum[i] + min(t, self.ends[i]) - self.starts[i]


@dataclass(frozen=True, slots=True)
class BusinessCalendar:
    """When the office works: weekly hours, time zone, national and local holidays.

    ``hours`` has seven entries (Monday first), each a sorted tuple of
    non-overlapping ``(start, end)`` minutes after local midnight (end up to
    1440, i.e. 24:00). ``local_holidays`` are recurring ``(month, day)`` pairs
    (29 February only counts in leap years); ``closures`` are one-off dates
    (for instance the days the charter lets the help desk close each year);
    ``partial_closures`` are one-off ``(date, start, end)`` hours closed on an
    otherwise working day, in minutes after local midnight (24 December
    13:00–17:00 is ``(date(2026, 12, 24), 780, 1020)``); a day whose opening
    hours they cover entirely counts as closed.
    ``country``/``subdiv`` select the ``holidays`` package's calendar
    (``None`` country: no national holidays). ``non_working_day_start`` is the
    charter's 09:00 rule in minutes after midnight (``None``: a request made on
    a non-working day starts the clock at the next opening like any other).

    Instances are immutable, hashable and safe to share between threads; each
    keeps a per-year cache of its opening intervals.
    """

    hours: tuple[tuple[Interval, ...], ...] = DEFAULT_HOURS
    timezone: str = "Europe/Rome"
    country: str | None = "IT"
    subdiv: str | None = None
    local_holidays: frozenset[tuple[int, int]] = frozenset()
    closures: frozenset[date] = frozenset()
    partial_closures: frozenset[tuple[date, int, int]] = frozenset()
    non_working_day_start: int | None = 9 * 60
    _tz: ZoneInfo = field(init=False, repr=False, compare=False)
    _years: dict[int, _Year] = field(init=False, repr=False, compare=False, default_factory=dict)
    _partial: dict[date, tuple[Interval, ...]] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        hours = tuple(tuple((int(s), int(e)) for s, e in day) for day in self.hours)
        if len(hours) != 7:
            raise ValueError(f"hours must list the 7 weekdays (Monday first), got {len(hours)}")
        for day in hours:
            previous_end = 0
            for start, end in day:
                if not 0 <= start < end <= DAY_MINUTES:
                    raise ValueError(f"opening interval {_fmt_interval((start, end))} is not within one day")
                if start < previous_end:
                    raise ValueError(f"opening intervals must be sorted and not overlap: {_fmt_day(day)}")
                previous_end = end
        if not any(hours):
            raise ValueError("the calendar has no opening hours at all")
        object.__setattr__(self, "hours", hours)
        local = frozenset((int(m), int(d)) for m, d in self.local_holidays)
        object.__setattr__(self, "local_holidays", local)
        for month, day_of_month in self.local_holidays:
            date(2000, month, day_of_month)  # a leap year: ValueError for 31 April, 30 February...
        object.__setattr__(self, "closures", frozenset(self.closures))
        partial = frozenset((day, int(s), int(e)) for day, s, e in self.partial_closures)
        for when, start, end in partial:
            if not isinstance(when, date) or isinstance(when, datetime):
                raise ValueError(f"a partial closure needs a date, not {when!r}")
            if not 0 <= start < end <= DAY_MINUTES:
                raise ValueError(f"closure {when} {_fmt_interval((start, end))} is not within one day")
        object.__setattr__(self, "partial_closures", partial)
        by_day: dict[date, list[Interval]] = {}
        for when, start, end in sorted(partial):
            by_day.setdefault(when, []).append((start, end))
        object.__setattr__(self, "_partial", {d: tuple(v) for d, v in by_day.items()})
        if self.non_working_day_start is not None and not 0 <= self.non_working_day_start < DAY_MINUTES:
            raise ValueError("non_working_day_start must be a time of day")
        try:
            zone = ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {self.timezone!r}") from None
        object.__setattr__(self, "_tz", zone)
        if self.country is not None:
            try:
                holidays_lib.country_holidays(self.country, subdiv=self.subdiv)
            except NotImplementedError as exc:
                raise ValueError(f"holidays: {exc}") from None
        elif self.subdiv is not None:
            raise ValueError("subdiv needs a country")

    # -- configuration -----------------------------------------------------

    @classmethod
    def from_config(cls, mapping: Mapping[str, Any] | None = None) -> BusinessCalendar:
        """Build from plain settings; missing keys keep the defaults.

        Keys (all optional):

        - ``timezone``: IANA name, default ``"Europe/Rome"``;
        - ``hours``: ``{"mon-fri": ["08:00-13:00", "14:00-17:00"], "sat": ["09:00-12:00"]}``;
          keys are weekday names (``mon``…``sun``, full English names too), ranges of
          them (``"mon-fri"``) or numbers 0–6 (Monday 0); days not listed are closed;
        - ``country`` (``"IT"``, or None for no national holidays) and ``subdiv``
          (a province code of the ``holidays`` package, e.g. ``"BO"``, which adds its patron saint);
        - ``local_holidays``: recurring ``"10-04"`` or ``(10, 4)``, one-off ``"2026-08-14"``
          or :class:`~datetime.date` items, and one-off part-day closures
          ``"2026-12-24 13:00-17:00"`` (the office closes at 13:00 that day);
        - ``non_working_day_start``: ``"09:00"`` (the charter's rule) or None.

        Raises :class:`ValueError` with a readable message on anything else.
        """
        config = dict(mapping or {})
        unknown = set(config) - {
            "timezone",
            "hours",
            "country",
            "subdiv",
            "local_holidays",
            "non_working_day_start",
        }
        if unknown:
            raise ValueError(f"unknown calendar setting(s): {', '.join(sorted(map(str, unknown)))}")
        kwargs: dict[str, Any] = {}
        if "timezone" in config:
            kwargs["timezone"] = str(config["timezone"])
        if "hours" in config:
            kwargs["hours"] = _parse_week(config["hours"])
        if "country" in config:
            kwargs["country"] = None if config["country"] is None else str(config["country"])
        if "subdiv" in config:
            kwargs["subdiv"] = None if config["subdiv"] is None else str(config["subdiv"])
        if "local_holidays" in config:
            kwargs["local_holidays"], kwargs["closures"], kwargs["partial_closures"] = _parse_holidays(
                config["local_holidays"]
            )
        if "non_working_day_start" in config:
            value = config["non_working_day_start"]
            kwargs["non_working_day_start"] = None if value is None else _parse_clock(value, allow_24=False)
        return cls(**kwargs)

    # -- days ----------------------------------------------------------------

    @property
    def tz(self) -> ZoneInfo:
        return self._tz

    def to_local(self, at: datetime) -> datetime:
        """``at`` in the calendar's time zone (for display)."""
        _to_us(at)
        return at.astimezone(self._tz)

    def is_holiday(self, day: date) -> bool:
        """National holiday, local holiday or closure (whatever the weekday)."""
        return day in self._year(day.year).closed

    def is_working_day(self, day: date) -> bool:
        """The office opens on ``day``: its weekday has hours and it is not a holiday."""
        return bool(self.hours[day.weekday()]) and not self.is_holiday(day)

    def next_working_day(self, day: date) -> date:
        """The first working day after ``day``."""
        for _ in range(366 * _MAX_EMPTY_YEARS):
            day += timedelta(days=1)
            if self.is_working_day(day):
                return day
        raise ValueError(f"no working day in the {_MAX_EMPTY_YEARS} years after {day}")

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """The close of the ``days``-th working day after the local day of ``start`` (UTC).

        Terms in working days ("answer within 30 working days") count whole
        days, as legal terms do: the day of ``start`` itself does not count,
        and the term runs until the office closes on the last day (its last
        opening interval's end, partial closures included). ``days`` 0 gives
        the close of ``start``'s own day if it is a working day, else of the
        next working day.
        """
        if days < 0:
            raise ValueError("days must not be negative")
        day = start.astimezone(self._tz).date()
        if days == 0 and not self.is_working_day(day):
            day = self.next_working_day(day)
        for _ in range(days):
            day = self.next_working_day(day)
        hours = self.hours[day.weekday()]
        if day in self._partial:
            hours = _subtract(hours, self._partial[day]) or hours
        return _from_us(self._wall_us(day, hours[-1][1]))

    def national_holidays(self, year: int, language: str | None = None) -> list[tuple[date, str]]:
        """The ``holidays`` package's holidays of ``year`` for the calendar's country, by date.

        ``language`` is a locale such as ``"en"`` or ``"it"``: the names are in the
        first language the package offers for the country that matches it, else in
        Italian when offered, else in the package's default language.
        """
        if self.country is None:
            return []
        offered = holidays_lib.country_holidays(self.country, subdiv=self.subdiv).supported_languages
        wanted = None
        for candidate in (language, "it"):
            if candidate:
                prefix = candidate.split("_")[0]
                wanted = next((lang for lang in offered if lang.split("_")[0] == prefix), None)
                if wanted:
                    break
        table = holidays_lib.country_holidays(self.country, subdiv=self.subdiv, years=year, language=wanted)
        return sorted((d, str(name)) for d, name in table.items() if d.year == year)

    # -- instants ------------------------------------------------------------

    def is_open(self, at: datetime) -> bool:
        t = _to_us(at)
        year = self._year(self._year_of(t))
        i = bisect_right(year.starts, t) - 1
        return i >= 0 and t < year.ends[i]

    def next_opening(self, at: datetime) -> datetime:
        """``at`` itself (in UTC) if the office is open then, else the next opening."""
        return _from_us(self._next_open_us(_to_us(at)))

    def clock_start(self, received: datetime) -> datetime:
        """When the service-level clock of a request received at ``received`` starts.

        On a working day: ``received`` if the office is open, else the next
        opening (13:30 → 14:00; 19:00 → 08:00 of the next working day). On a
        non-working day (weekend, holiday) the request counts as made at
        ``non_working_day_start`` (09:00) of the next working day, or at that
        day's next opening if it opens later than that.
        """
        t = _to_us(received)
        if self.non_working_day_start is None:
            return _from_us(self._next_open_us(t))
        day = received.astimezone(self._tz).date()
        if self.is_working_day(day):
            return _from_us(self._next_open_us(t))
        deemed = self._wall_us(self.next_working_day(day), self.non_working_day_start)
        return _from_us(self._next_open_us(deemed))

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The instant (UTC) when ``duration`` of business time has elapsed after ``start``.

        Counting begins at ``start`` if the office is open, else at the next
        opening. The result is the *earliest* such instant, so it may be the
        end of an interval (12:00 + 1 h → 13:00, not 14:00). A zero duration
        gives the counting start, ``next_opening(start)``.
        """
        return _from_us(self._add_us(_to_us(start), _duration_us(duration)))

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Business time between two instants; zero if ``end <= start``."""
        return timedelta(microseconds=self._elapsed_us(_to_us(start), _to_us(end)))

    def calendar_add(self, start: datetime, span: timedelta) -> datetime:
        """``start`` plus ``span`` of calendar time on the local wall clock (UTC result).

        Seven days after 10:00 is 10:00 a week later even across a change of
        daylight saving time. A wall time that does not exist (the spring
        gap) becomes the first instant after the gap.
        """
        _to_us(start)
        local = start.astimezone(self._tz).replace(tzinfo=None) + span
        return _from_us(self._naive_to_us(local))

    # -- internals -----------------------------------------------------------

    def _year_of(self, t: int) -> int:
        return _from_us(t).astimezone(self._tz).year

    def _year(self, year: int) -> _Year:
        cached = self._years.get(year)
        if cached is not None:
            return cached
        closed = self._closed_dates(year)
        starts: list[int] = []
        ends: list[int] = []
        cum = [0]
        day = date(year, 1, 1)
        one_day = timedelta(days=1)
        while day.year == year:
            if day not in closed:
                hours = self.hours[day.weekday()]
                if day in self._partial:
                    hours = _subtract(hours, self._partial[day])
                for start_minute, end_minute in hours:
                    start = self._wall_us(day, start_minute)
                    end = self._wall_us(day, end_minute)
                    if ends and start < ends[-1]:  # only when a daylight-saving fold folds hours together
                        start = ends[-1]
                    if end <= start:
                        continue
                    starts.append(start)
                    ends.append(end)
                    cum.append(cum[-1] + end - start)
            day += one_day
        built = _Year(starts, ends, cum, closed)
        self._years[year] = built
        return built

    def _closed_dates(self, year: int) -> frozenset[date]:
        days: set[date] = set()
        if self.country is not None:
            national = holidays_lib.country_holidays(self.country, subdiv=self.subdiv, years=year)
            days.update(d for d in national if d.year == year)
        for month, day_of_month in self.local_holidays:
            try:
                days.add(date(year, month, day_of_month))
            except ValueError:  # 29 February of a common year
                pass
        days.update(d for d in self.closures if d.year == year)
        for day, closed in self._partial.items():
            if day.year == year and not _subtract(self.hours[day.weekday()], closed):
                days.add(day)  # closed for all its opening hours: a closed day (the 09:00 rule applies)
        return frozenset(days)

    def _wall_us(self, day: date, minute: int) -> int:
        """The instant of local ``day`` at ``minute`` after midnight (1440 is the next midnight)."""
        return self._naive_to_us(datetime.combine(day, time()) + timedelta(minutes=minute))

    def _naive_to_us(self, local: datetime) -> int:
        """Local wall time → instant; the earlier one when repeated, the end of the gap when skipped."""
        us = _to_us(local.replace(tzinfo=self._tz, fold=0))
        if _from_us(us).astimezone(self._tz).replace(tzinfo=None) == local:
            return us
        # Skipped by a daylight-saving jump: the first instant whose wall time is not earlier.
        # fold=1 reads it with the offset after the jump (an instant before it), fold=0 with the
        # one before (an instant after it); transitions fall on whole seconds.
        low = _to_us(local.replace(tzinfo=self._tz, fold=1)) // _SECOND_US
        high = -(-us // _SECOND_US)
        while high - low > 1:
            middle = (low + high) // 2
            if _from_us(middle * _SECOND_US).astimezone(self._tz).replace(tzinfo=None) >= local:
                high = middle
            else:
                low = middle
        return high * _SECOND_US

    def _next_open_us(self, t: int) -> int:
        number = self._year_of(t)
        year = self._year(number)
        i = bisect_right(year.starts, t) - 1
        if i >= 0 and t < year.ends[i]:
            return t
        if i + 1 < len(year.starts):
            return year.starts[i + 1]
        for _ in range(_MAX_EMPTY_YEARS):
            number += 1
            year = self._year(number)
            if year.starts:
                return year.starts[0]
        raise ValueError(f"no opening hours in the {_MAX_EMPTY_YEARS} years after {_from_us(t)}")

    def _add_us(self, t: int, duration: int) -> int:
        if duration == 0:
            return self._next_open_us(t)
        number = self._year_of(t)
        year = self._year(number)
        target = year.business(t) + duration
        empty = 0
        while target > year.total:
            target -= year.total
            empty = empty + 1 if year.total == 0 else 0
            if empty >= _MAX_EMPTY_YEARS:
                raise ValueError(f"no opening hours in the {_MAX_EMPTY_YEARS} years after {_from_us(t)}")
            number += 1
            year = self._year(number)
        i = bisect_left(year.cum, target) - 1
        return year.starts[i] + target - year.cum[i]

    def _elapsed_us(self, a: int, b: int) -> int:
        if b <= a:
            return 0
        first, last = self._year_of(a), self._year_of(b)
        if first == last:
            year = self._year(first)
            return year.business(b) - year.business(a)
        year = self._year(first)
        total = year.total - year.business(a)
        for number in range(first + 1, last):
            total += self._year(number).total
        return total + self._year(last).business(b)


# -- reading the settings ---------------------------------------------------------

_WEEKDAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEKDAY_NAMES: Final = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_CLOCK = re.compile(r"\s*(\d{1,2})[:.](\d{2})\s*")


def _parse_clock(value: object, *, allow_24: bool) -> int:
    """``"08:30"`` (or a :class:`~datetime.time`) → minutes after midnight."""
    if isinstance(value, time):
        return value.hour * 60 + value.minute
    match = _CLOCK.fullmatch(str(value))
    if match is None:
        raise ValueError(f"cannot read the time of day {value!r} (write e.g. '08:30')")
    hour, minute = int(match.group(1)), int(match.group(2))
    if minute >= 60 or hour > 24 or (hour == 24 and (minute or not allow_24)):
        raise ValueError(f"{value!r} is not a time of day")
    return hour * 60 + minute


def _parse_interval(value: object) -> Interval:
    if isinstance(value, str):
        parts = value.split("-")
        if len(parts) != 2:
            raise ValueError(f"cannot read the opening interval {value!r} (write e.g. '08:00-13:00')")
        start, end = parts
    elif isinstance(value, Sequence) and len(value) == 2:
        start, end = value
    else:
        raise ValueError(f"cannot read the opening interval {value!r} (write e.g. '08:00-13:00')")
    interval = (_parse_clock(start, allow_24=False), _parse_clock(end, allow_24=True))
    if interval[0] >= interval[1]:
        raise ValueError(f"opening interval {value!r} ends before it starts")
    return interval


def _weekday(key: object) -> int:
    if isinstance(key, int) and not isinstance(key, bool) and 0 <= key <= 6:
        return key
    text = str(key).strip().lower()
    if text in _WEEKDAYS:
        return _WEEKDAYS.index(text)
    if text in _WEEKDAY_NAMES:
        return _WEEKDAY_NAMES.index(text)
    raise ValueError(f"unknown weekday {key!r} (use mon…sun, or 0–6 with Monday 0)")


def _parse_week(value: object) -> tuple[tuple[Interval, ...], ...]:
    if not isinstance(value, Mapping):
        raise ValueError("hours must map weekdays to lists of intervals, e.g. {'mon-fri': ['08:00-13:00']}")
    week: list[list[Interval] | None] = [None] * 7
    for key, intervals in value.items():
        if isinstance(key, str) and "-" in key:
            first, last = (_weekday(k) for k in key.split("-", 1))
            if last < first:
                raise ValueError(f"weekday range {key!r} runs backwards")
            days = range(first, last + 1)
        else:
            days = range(_weekday(key), _weekday(key) + 1)
        if isinstance(intervals, str) or not isinstance(intervals, Iterable):
            raise ValueError(f"hours[{key!r}] must be a list of intervals such as ['08:00-13:00']")
        parsed = sorted(_parse_interval(v) for v in intervals)
        for day in days:
            if week[day] is not None:
                raise ValueError(f"weekday {_WEEKDAYS[day]} is given twice in hours")
            week[day] = parsed
    return tuple(tuple(day or ()) for day in week)


def _parse_holidays(
    value: object,
) -> tuple[frozenset[tuple[int, int]], frozenset[date], frozenset[tuple[date, int, int]]]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ValueError("local_holidays must be a list such as ['10-04', '2026-08-14']")
    recurring: set[tuple[int, int]] = set()
    dated: set[date] = set()
    partial: set[tuple[date, int, int]] = set()
    for item in value:
        if isinstance(item, str) and " " in item.strip():
            partial.add(_parse_partial(item))
            continue
        if isinstance(item, datetime):
            raise ValueError(f"local holiday {item!r} must be a date, not a datetime")
        if isinstance(item, date):
            dated.add(item)
            continue
        try:
            if isinstance(item, str):
                parts = [int(p) for p in item.strip().split("-")]
                if len(parts) == 3:
                    dated.add(date(*parts))
                    continue
                if len(parts) != 2:
                    raise ValueError
                month, day = parts
            elif isinstance(item, Sequence) and len(item) == 2:
                month, day = int(item[0]), int(item[1])
            else:
                raise ValueError
            date(2000, month, day)
        except (TypeError, ValueError):
            raise ValueError(
                f"cannot read the local holiday {item!r} (write 'MM-DD' for every year or 'YYYY-MM-DD')"
            ) from None
        recurring.add((month, day))
    return frozenset(recurring), frozenset(dated), frozenset(partial)


def _parse_partial(item: str) -> tuple[date, int, int]:
    """``"2026-12-24 13:00-17:00"`` → ``(date(2026, 12, 24), 780, 1020)``."""
    day_text, _, hours_text = item.strip().partition(" ")
    try:
        parts = [int(p) for p in day_text.split("-")]
        if len(parts) != 3:
            raise ValueError
        day = date(*parts)
    except (TypeError, ValueError):
        raise ValueError(f"cannot read the closure {item!r} (write e.g. '2026-12-24 13:00-17:00')") from None
    start, end = _parse_interval(hours_text.strip())
    return day, start, end


def _subtract(hours: Sequence[Interval], closed: Sequence[Interval]) -> tuple[Interval, ...]:
    """The parts of ``hours`` outside every interval of ``closed`` (both sorted lists of intervals)."""
    remaining = list(hours)
    for c_start, c_end in closed:
        kept: list[Interval] = []
        for start, end in remaining:
            if end <= c_start or c_end <= start:
                kept.append((start, end))
                continue
            if start < c_start:
                kept.append((start, c_start))
            if c_end < end:
                kept.append((c_end, end))
        remaining = kept
    return tuple(remaining)


def _fmt_interval(interval: Interval) -> str:
    (sh, sm), (eh, em) = divmod(interval[0], 60), divmod(interval[1], 60)
    return f"{sh:02d}:{sm:02d}-{eh:02d}:{em:02d}"


def _fmt_day(day: Sequence[Interval]) -> str:
    return ", ".join(_fmt_interval(i) for i in day)
