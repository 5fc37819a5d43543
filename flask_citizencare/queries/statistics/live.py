"""What only live mode computes from ``cc_reports``: the scope as conditions, exact percentiles.

Live, percentiles are exact (two rows fetched with ``ORDER BY ... LIMIT 2
OFFSET k``, portable to SQLite, which has no ``percentile_cont``); from the
summary they are interpolated in the histogram buckets of
:mod:`flask_citizencare.domain.statistics` (within 26 % of the true value).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ...domain import statistics as st
from ...models import Report
from ..reports import public_reports_filter
from .aggregate import _day_start, _int, _seconds
from .figures import MEDIAN, P90, Figures, Scope, Times


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
