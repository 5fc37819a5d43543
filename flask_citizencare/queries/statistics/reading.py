"""A dashboard's figures, read from the summary tables or from the live aggregate.

Both sources have the same columns, so one reading serves them: the summary
tables (with month roll-ups for whole months), or in live mode the SELECTs of
:mod:`.aggregate` as sub-queries, refined by the exact percentiles of :mod:`.live`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ...domain import statistics as st
from ...domain.geo import District
from ...models.base import utcnow
from ...models.statistics import (
    ACK_HISTOGRAM,
    AREA_COUNTS,
    DAILY_COUNTS,
    RES_HISTOGRAM,
    stats_areas,
    stats_daily,
)
from .aggregate import _areas_select, _as_date, _daily_select, _int
from .figures import MEDIAN, P90, Figures, Row, Scope, Times
from .live import _exact_times, _report_scope
from .sources import LIVE_MAX_REPORTS, choose_source
from .summaries import _next_month


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
