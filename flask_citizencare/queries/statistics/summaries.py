"""The summary tables' refresh: a full rebuild, or only the days changed since the last run.

``flask citizencare stats refresh`` and the refresh after a bulk load call
:func:`refresh`; it stores the aggregate of :mod:`.aggregate` per day and rolls
the days up into month rows, which :mod:`.reading` reads for whole months.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ...domain.geo import District
from ...domain.lifecycle import Status
from ...models import Report, StatusEvent, SurveyResponse
from ...models.base import utcnow
from ...models.statistics import (
    ACK_HISTOGRAM,
    AREA_COUNTS,
    DAILY_COUNTS,
    RES_HISTOGRAM,
    stats_areas,
    stats_daily,
    stats_proposals,
    stats_state,
)
from .aggregate import AREA_KEYS, KEYS, _areas_select, _as_date, _daily_select, _int, local_day
from .proposals import refresh_proposal_summary

#: Above this many changed days an incremental refresh rebuilds everything.
MAX_INCREMENTAL_DAYS = 400


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
    refresh_proposal_summary(session, timezone=timezone, districts=districts, now=now)
    if days is None or len(days) > 31:
        # Fresh statistics, or the planner may scan the whole table instead of the month rows' index.
        for table in (stats_daily, stats_areas, stats_proposals):
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
