"""Dashboard figures: from the summary tables, or live from ``cc_reports`` on small databases.

One aggregate defines every per-day figure (:func:`_daily_select`,
:func:`_areas_select`). ``flask citizencare stats refresh`` stores its result
in ``cc_stats_daily``/``cc_stats_areas``; in live mode the dashboards read
the same SELECT as a sub-query instead of the table, so both sources count
alike by construction. Percentiles differ: live they are exact (two rows
fetched with ``ORDER BY ... LIMIT 2 OFFSET k``, portable to SQLite, which has
no ``percentile_cont``); from the summary they are interpolated in the
histogram buckets of :mod:`.domain.statistics` (within 26 % of the true value).

A report belongs to the day it was created (local date, the
``since``/``until`` of :mod:`.public_filters`); the trend's "resolved" line
counts reports by the day they were resolved.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..config import SETTINGS
from ..domain import statistics as st
from ..domain.geo import District, as_districts
from ..domain.lifecycle import OPEN_STATUSES, Status
from ..domain.satisfaction import DETRACTOR_MAX, PROMOTER_MIN
from ..models import Report, StatusEvent, SurveyResponse
from ..models.base import utcnow
from ..models.statistics import (
    ACK_HISTOGRAM,
    AREA_COUNTS,
    DAILY_COUNTS,
    RES_HISTOGRAM,
    stats_areas,
    stats_daily,
    stats_state,
)
from .reports import public_reports_filter

log = logging.getLogger(__name__)

SOURCES = ("auto", "live", "summary")
#: ``auto`` without a summary computes live up to this many reports (CITIZENCARE_DASHBOARD_LIVE_MAX_REPORTS).
LIVE_MAX_REPORTS: int = SETTINGS["DASHBOARD_LIVE_MAX_REPORTS"].default
#: Above this many changed days an incremental refresh rebuilds everything.
MAX_INCREMENTAL_DAYS = 400
MEDIAN, P90 = 0.5, 0.9
KEYS = ("day", "category_id", "office_id", "assignee_id", "public")
AREA_KEYS = ("day", "category_id", "office_id", "area", "public")


@dataclass(frozen=True)
class Scope:
    """Which reports a dashboard counts, and over which days (local dates, both included)."""

    public_only: bool = True
    category_ids: tuple[int, ...] = ()
    since: date | None = None
    until: date | None = None
    #: Technicians: their offices' cases and the ones assigned to them (``None``: everything).
    office_ids: frozenset[int] | None = None
    assignee_id: int | None = None


@dataclass
class Times:
    """Median and 90th percentile of a duration, in seconds, and how many cases were measured."""

    count: int = 0
    median: float | None = None
    p90: float | None = None


@dataclass
class Row:
    """One line of a breakdown table (by category, office, area or technician)."""

    key: Any
    received: int = 0
    open: int = 0
    closed: int = 0
    resolved: int = 0
    resolve: Times = field(default_factory=Times)
    res_met: int = 0
    res_due: int = 0
    backlog: int = 0

    @property
    def within_sla(self) -> float | None:
        return st.share(self.res_met, self.res_due)


@dataclass
class Figures:
    """Everything a dashboard shows; ``as_of`` is ``None`` for live figures.

    ``preparing``: read from a summary that has never been refreshed (the
    figures are all zero until ``stats refresh`` runs).
    """

    as_of: datetime | None
    today: date
    preparing: bool = False
    open_now: int = 0
    closed_now: int = 0
    received: int = 0
    open: int = 0
    closed: int = 0
    by_category: list[Row] = field(default_factory=list)
    by_office: list[Row] = field(default_factory=list)
    by_area: list[Row] = field(default_factory=list)
    by_assignee: list[Row] = field(default_factory=list)
    acknowledge: Times = field(default_factory=Times)
    resolve: Times = field(default_factory=Times)
    ack_met: int = 0
    ack_due: int = 0
    res_met: int = 0
    res_due: int = 0
    backlog: list[int] = field(default_factory=lambda: [0] * len(st.AGE_BUCKETS))
    trend: list[tuple[date, int, int]] = field(default_factory=list)
    survey_count: int = 0
    nps: float | None = None
    knowledge: float | None = None
    resolved_score: float | None = None

    @property
    def ack_within(self) -> float | None:
        return st.share(self.ack_met, self.ack_due)

    @property
    def res_within(self) -> float | None:
        return st.share(self.res_met, self.res_due)


# -- SQL building blocks ------------------------------------------------------------------------------


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _utc_offsets(timezone: ZoneInfo, first_year: int, last_year: int) -> list[tuple[datetime, int]]:
    """``(from_utc, offset_seconds)`` of every offset change in the years, newest first."""
    changes: list[tuple[datetime, int]] = []
    moment = datetime(first_year, 1, 1, tzinfo=UTC)
    end = datetime(last_year + 1, 1, 1, tzinfo=UTC)
    offset = int(moment.astimezone(timezone).utcoffset().total_seconds())  # type: ignore[union-attr]
    changes.append((datetime(1, 1, 1, tzinfo=UTC), offset))
    while moment < end:
        step = moment + timedelta(days=1)
        after = int(step.astimezone(timezone).utcoffset().total_seconds())  # type: ignore[union-attr]
        if after != offset:
            low, high = moment, step  # the change lies in (low, high]: find its minute
            while high - low > timedelta(minutes=1):
                middle = low + (high - low) / 2
                if int(middle.astimezone(timezone).utcoffset().total_seconds()) == offset:  # type: ignore[union-attr]
                    low = middle
                else:
                    high = middle
            changes.append((high.replace(second=0, microsecond=0), after))
            offset = after
        moment = step
    return changes[::-1]


def local_day(session: Session, column: Any, timezone: ZoneInfo) -> sa.ColumnElement[Any]:
    """The local date of a UTC timestamp column, in SQL on both databases.

    PostgreSQL converts with ``AT TIME ZONE``; SQLite knows no time zones, so
    the offset is picked from the zone's changes over the years around today.
    """
    if _is_postgres(session):
        return sa.cast(sa.func.timezone(timezone.key, column), sa.Date)
    year = datetime.now(UTC).year
    whens = [
        (
            column >= sa.literal_column(f"'{start:%Y-%m-%d %H:%M:%S}'", sa.String),
            sa.literal_column(f"'{offset:+d} seconds'", sa.String),
        )
        for start, offset in _utc_offsets(timezone, year - 30, year + 2)
    ]
    return sa.func.date(column, sa.case(*whens, else_=sa.literal_column("'+0 seconds'", sa.String)))


def _seconds(session: Session, later: Any, earlier: Any) -> sa.ColumnElement[float]:
    if _is_postgres(session):
        return sa.cast(sa.extract("epoch", later - earlier), sa.Float)
    return (sa.func.julianday(later) - sa.func.julianday(earlier)) * 86400.0


def _bucket(seconds: sa.ColumnElement[float]) -> sa.ColumnElement[int]:
    whens: list[tuple[Any, Any]] = [(seconds.is_(None), sa.literal_column("-1", sa.Integer))]
    whens += [
        (seconds < sa.literal_column(repr(edge), sa.Float), sa.literal_column(str(index), sa.Integer))
        for index, edge in enumerate(st.EDGES)
    ]
    return sa.case(*whens, else_=sa.literal_column(str(len(st.EDGES)), sa.Integer))


_ONE, _ZERO = sa.literal_column("1", sa.Integer), sa.literal_column("0", sa.Integer)


def _flag(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    return sa.case((condition, _ONE), else_=_ZERO)


def _public_flag() -> sa.ColumnElement[bool]:
    return sa.case((public_reports_filter(), sa.true()), else_=sa.false())


def _area_case(districts: Sequence[District | Mapping[str, Any]]) -> sa.ColumnElement[str]:
    """District name of a report's point (the first district whose box holds it); '' elsewhere.

    ``districts`` as parsed (``state().settings.districts``) or as the setting's entries.
    """
    lon, lat = sa.func.ST_X(Report.point), sa.func.ST_Y(Report.point)
    whens = []
    for district in as_districts(districts):
        min_lon, min_lat, max_lon, max_lat = district.bounds
        whens.append((sa.and_(lon.between(min_lon, max_lon), lat.between(min_lat, max_lat)), district.name))
    if not whens:
        return sa.literal("")
    return sa.case(*whens, else_="")


def _daily_select(
    session: Session,
    timezone: ZoneInfo,
    now: datetime,
    where: Iterable[sa.ColumnElement[bool]] = (),
    days: Sequence[date] | None = None,
) -> sa.Select[Any]:
    """Per key (:data:`KEYS`) sums of every ``cc_stats_daily`` column, for the reports matching ``where``.

    ``days`` limits the result to those local days (an incremental refresh).
    """
    where = list(where)
    created_day = local_day(session, Report.created_at, timezone)
    resolved_day = local_day(session, Report.resolved_at, timezone)
    ack_s = _seconds(session, Report.acknowledged_at, Report.received_at)
    res_s = _seconds(session, Report.resolved_at, Report.acknowledged_at)
    open_statuses = [s.value for s in OPEN_STATUSES]
    survey = SurveyResponse.__table__
    zero = _ZERO
    null_bucket = sa.literal_column("-1", sa.Integer)

    def due(done: Any, due_at: Any) -> sa.ColumnElement[bool]:
        return sa.and_(due_at.is_not(None), sa.or_(done.is_not(None), due_at < now))

    def met(done: Any, due_at: Any) -> sa.ColumnElement[bool]:
        return sa.and_(due_at.is_not(None), done.is_not(None), done <= due_at)

    cohort_where = list(where)
    resolved_where = [*where, Report.resolved_at.is_not(None)]
    if days is not None:
        first = _day_start(min(days), timezone)
        cohort_where += [Report.created_at >= first, created_day.in_(days)]
        resolved_where += [Report.resolved_at >= first, resolved_day.in_(days)]
    dims = [Report.category_id, Report.office_id, Report.assignee_id, _public_flag().label("public")]
    cohort = (
        sa.select(
            created_day.label("day"),
            *dims,
            _ONE.label("received"),
            _flag(Report.status.in_(open_statuses)).label("open_now"),
            _flag(Report.status.not_in(open_statuses)).label("closed_now"),
            zero.label("resolved_on"),
            _flag(Report.acknowledged_at.is_not(None)).label("ack_n"),
            _flag(due(Report.acknowledged_at, Report.ack_due_at)).label("ack_due_n"),
            _flag(met(Report.acknowledged_at, Report.ack_due_at)).label("ack_met"),
            _flag(sa.and_(Report.resolved_at.is_not(None), Report.acknowledged_at.is_not(None))).label(
                "res_n"
            ),
            _flag(due(Report.resolved_at, Report.resolve_due_at)).label("res_due_n"),
            _flag(met(Report.resolved_at, Report.resolve_due_at)).label("res_met"),
            _flag(survey.c.id.is_not(None)).label("survey_n"),
            _flag(survey.c.recommend >= PROMOTER_MIN).label("promoters"),
            _flag(survey.c.recommend <= DETRACTOR_MAX).label("detractors"),
            sa.func.coalesce(survey.c.knowledge, 0).label("knowledge_sum"),
            sa.func.coalesce(survey.c.resolved, 0).label("resolved_sum"),
            _bucket(ack_s).label("ack_b"),
            sa.case((Report.acknowledged_at.is_(None), None), else_=_bucket(res_s)).label("res_b"),
        )
        .select_from(Report.__table__.outerjoin(survey, survey.c.report_id == Report.id))
        .where(*cohort_where)
    )
    resolved = sa.select(
        resolved_day.label("day"),
        *dims,
        *(zero.label(name) for name in DAILY_COUNTS[:3]),
        _ONE.label("resolved_on"),
        *(zero.label(name) for name in DAILY_COUNTS[4:]),
        null_bucket.label("ack_b"),
        null_bucket.label("res_b"),
    ).where(*resolved_where)
    rows = sa.union_all(cohort, resolved).subquery("rows")
    columns = [rows.c[name] for name in KEYS]
    sums = [sa.false().label("month"), *(sa.func.sum(rows.c[name]).label(name) for name in DAILY_COUNTS)]
    sums += [
        sa.func.sum(_flag(rows.c.ack_b == sa.literal_column(str(i), sa.Integer))).label(name)
        for i, name in enumerate(ACK_HISTOGRAM)
    ]
    sums += [
        sa.func.sum(_flag(rows.c.res_b == sa.literal_column(str(i), sa.Integer))).label(name)
        for i, name in enumerate(RES_HISTOGRAM)
    ]
    # Ordered by day, so one day's rows share a few pages (the backlog reads 90 days of them).
    return sa.select(*columns, *sums).group_by(*columns).order_by(rows.c.day)


def _areas_select(
    session: Session,
    timezone: ZoneInfo,
    districts: Sequence[District | Mapping[str, Any]],
    where: Iterable[sa.ColumnElement[bool]] = (),
    days: Sequence[date] | None = None,
) -> sa.Select[Any]:
    """Per key (:data:`AREA_KEYS`) counts of the reports received, open and closed."""
    where = list(where)
    created_day = local_day(session, Report.created_at, timezone)
    if days is not None:
        where += [Report.created_at >= _day_start(min(days), timezone), created_day.in_(days)]
    open_statuses = [s.value for s in OPEN_STATUSES]
    rows = (
        sa.select(
            created_day.label("day"),
            Report.category_id,
            Report.office_id,
            _area_case(districts).label("area"),
            _public_flag().label("public"),
            _flag(Report.status.in_(open_statuses)).label("open_now"),
        )
        .where(*where)
        .subquery("rows")
    )
    columns = [rows.c[name] for name in AREA_KEYS]
    return (
        sa.select(
            *columns,
            sa.false().label("month"),
            sa.func.count().label("received"),
            sa.func.sum(rows.c.open_now).label("open_now"),
            sa.func.sum(1 - rows.c.open_now).label("closed_now"),
        )
        .group_by(*columns)
        .order_by(rows.c.day)
    )


def _day_start(day: date, timezone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=timezone).astimezone(UTC)


# -- refresh ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RefreshResult:
    full: bool
    #: Days recomputed (-1: all of them).
    days: int
    #: Rows in the summary tables afterwards.
    rows: int
    as_of: datetime


def last_refresh(session: Session) -> datetime | None:
    """The instant the summary's figures are as of, or ``None`` if it was never refreshed."""
    return session.scalar(sa.select(stats_state.c.as_of).order_by(stats_state.c.id.desc()).limit(1))


def _changed_days(session: Session, since: datetime, timezone: ZoneInfo) -> set[date]:
    """Local days whose rows a change after ``since`` may have moved."""
    changed = sa.select(Report.id).where(Report.updated_at >= since)
    answered = sa.select(SurveyResponse.report_id).where(SurveyResponse.answered_at >= since)
    ids = sa.union(changed, answered).subquery()
    days: set[date] = set()
    for column in (Report.created_at, Report.resolved_at):
        query = (
            sa.select(local_day(session, column, timezone))
            .distinct()
            .where(Report.id.in_(sa.select(ids.c[0])), column.is_not(None))
        )
        days.update(_as_date(d) for d in session.scalars(query))
    # A reopened report lost its resolved_at: its old resolution day is in the events.
    events = (
        sa.select(local_day(session, StatusEvent.at, timezone))
        .distinct()
        .where(StatusEvent.report_id.in_(sa.select(ids.c[0])), StatusEvent.to_status == Status.RESOLVED.value)
    )
    days.update(_as_date(d) for d in session.scalars(events))
    return days


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def refresh(
    session: Session,
    *,
    timezone: ZoneInfo,
    districts: Sequence[District | Mapping[str, Any]],
    full: bool = False,
    now: datetime | None = None,
) -> RefreshResult:
    """Rebuild the summary: everything, or only the days touched since the last refresh.

    Runs in the caller's transaction (commit it); readers see the old figures until then.
    """
    now = now or utcnow()
    previous = None if full else last_refresh(session)
    days: list[date] | None = None
    if previous is not None:
        changed = _changed_days(session, previous, timezone)
        days = sorted(changed) if len(changed) <= MAX_INCREMENTAL_DAYS else None
    if days is None:
        session.execute(stats_daily.delete())
        session.execute(stats_areas.delete())
    elif days:
        for chunk in _chunks(days, 200):
            session.execute(stats_daily.delete().where(~stats_daily.c.month, stats_daily.c.day.in_(chunk)))
            session.execute(stats_areas.delete().where(~stats_areas.c.month, stats_areas.c.day.in_(chunk)))
    if days is None or days:
        daily = _daily_select(session, timezone, now, days=days)
        areas = _areas_select(session, timezone, districts, days=days)
        targets = (
            (stats_daily, KEYS, (*DAILY_COUNTS, *ACK_HISTOGRAM, *RES_HISTOGRAM), daily),
            (stats_areas, AREA_KEYS, AREA_COUNTS, areas),
        )
        for table, keys, counts, select in targets:
            session.execute(table.insert().from_select([*keys, "month", *counts], select))
        if days is None:
            first, last = session.execute(
                sa.select(sa.func.min(stats_daily.c.day), sa.func.max(stats_daily.c.day))
            ).one()
            months = _months_between(_as_date(first), _as_date(last)) if first is not None else []
        else:
            months = sorted({day.replace(day=1) for day in days})
        for table, keys, counts, _select in targets:
            _roll_up(session, table, keys, counts, months)
    if days is None or len(days) > 31:
        # Fresh statistics, or the planner may scan the whole table instead of the month rows' index.
        for table in (stats_daily, stats_areas):
            session.execute(sa.text(f"ANALYZE {table.name}"))
    rows = sum(
        _int(session.scalar(sa.select(sa.func.count()).select_from(table)))
        for table in (stats_daily, stats_areas)
    )
    session.execute(stats_state.delete())
    session.execute(stats_state.insert().values(as_of=now, refreshed_at=utcnow(), full=days is None))
    return RefreshResult(full=days is None, days=len(days) if days is not None else -1, rows=rows, as_of=now)


def _months_between(first: date, last: date) -> list[date]:
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = _next_month(month)
    return months


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _roll_up(
    session: Session, table: sa.Table, keys: Sequence[str], counts: Sequence[str], months: Sequence[date]
) -> None:
    """Replace the month rows of ``months`` by the sums of their day rows."""
    others = [table.c[k] for k in keys if k != "day"]
    for chunk in _chunks(months, 200):
        session.execute(table.delete().where(table.c.month, table.c.day.in_(chunk)))
    for month in months:
        select = (
            sa.select(
                sa.literal(month, sa.Date).label("day"),
                *others,
                sa.true().label("month"),
                *(sa.func.sum(table.c[c]) for c in counts),
            )
            .where(~table.c.month, table.c.day >= month, table.c.day < _next_month(month))
            .group_by(*others)
        )
        session.execute(table.insert().from_select([*keys, "month", *counts], select))


def _chunks(values: Sequence[date], size: int) -> Iterable[Sequence[date]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


# -- reading ------------------------------------------------------------------------------------------


def _report_scope(scope: Scope) -> list[sa.ColumnElement[bool]]:
    """Conditions on ``cc_reports`` for the non-time parts of a scope."""
    conditions: list[sa.ColumnElement[bool]] = []
    if scope.public_only:
        conditions.append(public_reports_filter())
    if scope.category_ids:
        conditions.append(Report.category_id.in_(scope.category_ids))
    if scope.office_ids is not None:
        conditions.append(
            sa.or_(Report.office_id.in_(scope.office_ids or {-1}), Report.assignee_id == scope.assignee_id)
        )
    return conditions


def _table_scope(table: Any, scope: Scope, *, has_assignee: bool = True) -> list[Any]:
    conditions: list[Any] = []
    if scope.public_only:
        conditions.append(table.c.public.is_(True))
    if scope.category_ids:
        conditions.append(table.c.category_id.in_(scope.category_ids))
    if scope.office_ids is not None:
        offices = table.c.office_id.in_(scope.office_ids or {-1})
        conditions.append(
            sa.or_(offices, table.c.assignee_id == scope.assignee_id) if has_assignee else offices
        )
    return conditions


def _span(table: Any, since: date | None, until: date | None, *, today: date, rollup: bool) -> list[Any]:
    """Rows counting the local days ``[since, until]`` once: month roll-ups for whole months, days elsewhere.

    ``None`` is an open end. No report is created after today, so a period
    reaching today covers the current month whole.
    """
    day = table.c.day
    if not rollup:
        return [c for c in (since and day >= since, until and day <= until) if c is not None]
    if until is not None and until >= today:
        until = None
    first_whole = None if since is None else since if since.day == 1 else _next_month(since)
    if until is None:
        end_whole = None
    elif _next_month(until) - timedelta(days=1) == until:
        end_whole = _next_month(until)
    else:
        end_whole = until.replace(day=1)
    if first_whole is not None and end_whole is not None and first_whole >= end_whole:
        return [~table.c.month, day >= since, day <= until]
    months = [table.c.month]
    days = []
    if first_whole is not None:
        months.append(day >= first_whole)
        days.append(sa.and_(day >= since, day < first_whole))
    if end_whole is not None:
        months.append(day < end_whole)
        days.append(sa.and_(day >= end_whole, day <= until))
    if not days:
        return months
    return [sa.or_(sa.and_(*months), sa.and_(~table.c.month, sa.or_(*days)))]


def _int(value: Any) -> int:
    return int(value or 0)


def dashboard(
    session: Session,
    scope: Scope,
    *,
    timezone: ZoneInfo,
    districts: Sequence[District | Mapping[str, Any]],
    source: str = "auto",
    live_max_reports: int = LIVE_MAX_REPORTS,
    staff: bool = False,
    now: datetime | None = None,
) -> Figures:
    """The figures of a dashboard, from the source :func:`choose_source` picks."""
    now = now or utcnow()
    live, as_of = choose_source(session, source, live_max_reports=live_max_reports)
    if live:
        where = _report_scope(scope)
        daily: Any = _daily_select(session, timezone, now, where).subquery("daily")
        areas: Any = _areas_select(session, timezone, districts, where).subquery("areas")
        # The scope is already applied inside; the outer conditions only add the period.
        outer = Scope(public_only=False, since=scope.since, until=scope.until)
        as_of = None
    else:
        daily, areas, outer = stats_daily, stats_areas, scope
    today = now.astimezone(timezone).date()
    figures = Figures(as_of=as_of, today=today, preparing=not live and as_of is None)
    rollup = not live
    dims = _table_scope(daily, outer)
    in_period = [*dims, *_span(daily, scope.since, scope.until, today=today, rollup=rollup)]
    all_time = [*dims, *_span(daily, None, None, today=today, rollup=rollup)]

    sums = [sa.func.sum(daily.c[name]) for name in (*DAILY_COUNTS, *ACK_HISTOGRAM, *RES_HISTOGRAM)]
    total = dict(
        zip(
            (*DAILY_COUNTS, *ACK_HISTOGRAM, *RES_HISTOGRAM),
            session.execute(sa.select(*sums).where(*in_period)).one(),
            strict=True,
        )
    )
    total = {k: _int(v) for k, v in total.items()}
    figures.received, figures.open, figures.closed = total["received"], total["open_now"], total["closed_now"]
    figures.ack_met, figures.ack_due = total["ack_met"], total["ack_due_n"]
    figures.res_met, figures.res_due = total["res_met"], total["res_due_n"]
    figures.acknowledge = _histogram_times([total[n] for n in ACK_HISTOGRAM])
    figures.resolve = _histogram_times([total[n] for n in RES_HISTOGRAM])
    figures.survey_count = total["survey_n"]
    if figures.survey_count:
        figures.nps = st.net_promoter_score(total["promoters"], total["detractors"], figures.survey_count)
        figures.knowledge = total["knowledge_sum"] / figures.survey_count
        figures.resolved_score = total["resolved_sum"] / figures.survey_count

    now_open, now_closed = session.execute(
        sa.select(sa.func.sum(daily.c.open_now), sa.func.sum(daily.c.closed_now)).where(*all_time)
    ).one()
    figures.open_now, figures.closed_now = _int(now_open), _int(now_closed)

    figures.by_category = _breakdown(session, daily, daily.c.category_id, in_period, histogram=False)
    figures.by_office = _breakdown(session, daily, daily.c.office_id, in_period, histogram=True)
    area_rows = session.execute(
        sa.select(areas.c.area, *(sa.func.sum(areas.c[n]) for n in AREA_COUNTS))
        .where(
            *_table_scope(areas, outer, has_assignee=False),
            *_span(areas, scope.since, scope.until, today=today, rollup=rollup),
        )
        .group_by(areas.c.area)
        .order_by(areas.c.area)
    )
    figures.by_area = [Row(key=a, received=_int(r), open=_int(o), closed=_int(c)) for a, r, o, c in area_rows]

    recent = today - timedelta(days=st.AGE_BUCKETS[-1][0] - 1)
    backlog_days = session.execute(
        sa.select(daily.c.day, sa.func.sum(daily.c.open_now))
        .where(*dims, ~daily.c.month, daily.c.day >= recent, daily.c.open_now > 0)
        .group_by(daily.c.day)
    )
    for day, count in backlog_days:
        figures.backlog[st.age_bucket(_as_date(day), today)] += _int(count)
    figures.backlog[-1] += figures.open_now - sum(figures.backlog)

    months = st.months_back(today, 12)
    trend = {month: [0, 0] for month in months}
    trend_days = session.execute(
        sa.select(daily.c.day, sa.func.sum(daily.c.received), sa.func.sum(daily.c.resolved_on))
        .where(*dims, *_span(daily, months[0], None, today=today, rollup=rollup))
        .group_by(daily.c.day)
    )
    for day, received, resolved in trend_days:
        month = _as_date(day).replace(day=1)
        if month in trend:
            trend[month][0] += _int(received)
            trend[month][1] += _int(resolved)
    figures.trend = [(month, received, resolved) for month, (received, resolved) in trend.items()]

    if staff:
        figures.by_assignee = _breakdown(session, daily, daily.c.assignee_id, in_period, histogram=True)
        backlog: dict[Any, Any] = dict(
            session.execute(
                sa.select(daily.c.assignee_id, sa.func.sum(daily.c.open_now))
                .where(*all_time)
                .group_by(daily.c.assignee_id)
            ).all()
        )
        for row in figures.by_assignee:
            row.backlog = _int(backlog.get(row.key))
        office_backlog: dict[Any, Any] = dict(
            session.execute(
                sa.select(daily.c.office_id, sa.func.sum(daily.c.open_now))
                .where(*all_time)
                .group_by(daily.c.office_id)
            ).all()
        )
        for row in figures.by_office:
            row.backlog = _int(office_backlog.get(row.key))

    if live:
        _exact_times(session, figures, scope, timezone, staff=staff)
    return figures


def choose_source(session: Session, source: str, *, live_max_reports: int) -> tuple[bool, datetime | None]:
    """``(live, as_of)``: whether a dashboard computes live, and the summary's "as of" otherwise.

    ``live`` and ``summary`` are what they say. ``auto`` reads the summary once
    it has been refreshed; before that it computes live only while
    ``cc_reports`` is small (at most ``live_max_reports`` rows, counted with a
    bounded scan that stops after that many), since live figures take seconds
    over a large table. A large table without a summary gets the empty summary
    (``Figures.preparing``) and a warning in the log: a request never
    aggregates a large table, nor refreshes the summary.
    """
    if source == "live":
        return True, None
    as_of = last_refresh(session)
    if as_of is not None or source == "summary":
        if as_of is None:
            _warn_no_summary()
        return False, as_of
    if count_up_to(session, live_max_reports + 1) <= live_max_reports:
        return True, None
    _warn_no_summary()
    return False, None


def count_up_to(session: Session, limit: int) -> int:
    """How many reports there are, counting no further than ``limit``."""
    first = sa.select(sa.literal_column("1")).select_from(Report.__table__).limit(limit).subquery()
    return _int(session.scalar(sa.select(sa.func.count()).select_from(first)))


def _warn_no_summary() -> None:
    log.warning(
        "The dashboards have no summary yet and show no figures: run 'flask citizencare stats refresh' "
        "(and schedule it, e.g. every 5 minutes)."
    )


def _histogram_times(counts: Sequence[int]) -> Times:
    return Times(
        count=sum(counts),
        median=st.histogram_percentile(counts, MEDIAN),
        p90=st.histogram_percentile(counts, P90),
    )


def _breakdown(session: Session, daily: Any, key: Any, where: list[Any], *, histogram: bool) -> list[Row]:
    columns = [
        sa.func.sum(daily.c[n])
        for n in ("received", "open_now", "closed_now", "res_n", "res_met", "res_due_n")
    ]
    if histogram:
        columns += [sa.func.sum(daily.c[n]) for n in RES_HISTOGRAM]
    rows = []
    for values in session.execute(sa.select(key, *columns).where(*where).group_by(key)):
        numbers = [_int(v) for v in values[1:]]
        row = Row(
            key=values[0],
            received=numbers[0],
            open=numbers[1],
            closed=numbers[2],
            resolved=numbers[3],
            res_met=numbers[4],
            res_due=numbers[5],
        )
        if histogram:
            row.resolve = _histogram_times(numbers[6:])
        if row.received or row.resolved:
            rows.append(row)
    return rows


def _exact_times(
    session: Session, figures: Figures, scope: Scope, timezone: ZoneInfo, *, staff: bool
) -> None:
    """Live mode: replace the histogram estimates by exact percentiles."""
    where = _report_scope(scope)
    if scope.since is not None:
        where.append(Report.created_at >= _day_start(scope.since, timezone))
    if scope.until is not None:
        where.append(Report.created_at < _day_start(scope.until + timedelta(days=1), timezone))
    ack = _seconds(session, Report.acknowledged_at, Report.received_at)
    res = _seconds(session, Report.resolved_at, Report.acknowledged_at)
    figures.acknowledge = exact_times(session, ack, [*where, Report.acknowledged_at.is_not(None)])
    res_where = [*where, Report.acknowledged_at.is_not(None), Report.resolved_at.is_not(None)]
    figures.resolve = exact_times(session, res, res_where)
    for row in figures.by_office:
        row.resolve = exact_times(session, res, [*res_where, _equals(Report.office_id, row.key)])
    if staff:
        for row in figures.by_assignee:
            row.resolve = exact_times(session, res, [*res_where, _equals(Report.assignee_id, row.key)])


def _equals(column: Any, value: Any) -> sa.ColumnElement[bool]:
    return column.is_(None) if value is None else column == value  # type: ignore[no-any-return]


def exact_times(session: Session, duration: Any, where: list[Any]) -> Times:
    """Exact median and 90th percentile: a count, then two rows per percentile."""
    count = _int(session.scalar(sa.select(sa.func.count()).select_from(Report).where(*where)))
    times = Times(count=count)
    if not count:
        return times
    values = []
    for share in (MEDIAN, P90):
        offset, weight = st.percentile_positions(count, share)
        pair = [
            float(v)
            for v in session.scalars(
                sa.select(duration.label("d"))
                .where(*where)
                .order_by(sa.literal_column("d"))
                .limit(2)
                .offset(offset)
            )
        ]
        low = pair[0]
        high = pair[1] if len(pair) > 1 else low
        values.append(low + (high - low) * weight)
    times.median, times.p90 = values
    return times


__all__ = [
    "LIVE_MAX_REPORTS",
    "SOURCES",
    "Figures",
    "RefreshResult",
    "Row",
    "Scope",
    "Times",
    "choose_source",
    "count_up_to",
    "dashboard",
    "exact_times",
    "last_refresh",
    "local_day",
    "refresh",
]
