"""The one aggregate behind every per-day figure, as SQL portable to PostgreSQL and SQLite.

:func:`_daily_select` and :func:`_areas_select` count per day and key;
``flask citizencare stats refresh`` (:mod:`.summaries`) stores their result in
``cc_stats_daily``/``cc_stats_areas``, and live mode (:mod:`.reading`) reads the
same SELECT as a sub-query instead of the table, so both sources count alike by
construction. Also the small SQL helpers they share (local dates of UTC
timestamps, durations, histogram buckets).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ...domain import statistics as st
from ...domain.geo import District, as_districts
from ...domain.lifecycle import OPEN_STATUSES
from ...domain.satisfaction import DETRACTOR_MAX, PROMOTER_MIN
from ...models import Report, SurveyResponse
from ...models.statistics import ACK_HISTOGRAM, DAILY_COUNTS, RES_HISTOGRAM
from ..reports import public_reports_filter

KEYS = ("day", "category_id", "office_id", "assignee_id", "public")
AREA_KEYS = ("day", "category_id", "office_id", "area", "public")


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


def _as_date(value: Any) -> date:
    """A day read back from SQL (SQLite's ``date()`` gives text)."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _int(value: Any) -> int:
    """A count read back from SQL (the ``SUM`` of no rows is ``NULL``)."""
    return int(value or 0)
