"""The dashboards' proposals: filed, supported, threshold reached, answered in time or not, outcomes.

Read where the dashboard reads its other figures (:func:`.sources.choose_source`):
live from ``cc_reports`` while that is small, else from ``cc_stats_proposals``,
which ``flask citizencare stats refresh`` rebuilds whole each time (proposals
are a small share of the requests) per local day filed, category, office,
assignee, district and public flag — so a request never aggregates a large
table. One ``GROUP BY`` per breakdown, by category and by district, with the
dashboard's scope (public only, categories, the technician's offices, the
period by the day filed).

The measures, per proposal filed in the period (merged duplicates never count):

- *supported*: at least one support; *threshold*: its supports reached the
  category's threshold (``threshold_reached_at``);
- *within*: answered by the time the service level gave
  (``answered_at <= answer_due_at``); *missed*: answered after it, or not
  answered and the time has passed — the breaches. Proposals still within
  their time and unanswered are in neither;
- *accepted* and *implemented*: by the meaning of the published answer's state
  (``Report.outcome``), as shares of the answered proposals; an implemented
  proposal counts as accepted too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ...domain import statistics as st
from ...domain.geo import District
from ...domain.lifecycle import Kind, ProposalOutcome
from ...models import Report
from ...models.base import utcnow
from ...models.statistics import PROPOSAL_COUNTS, stats_proposals
from .aggregate import _area_case, _day_start, _flag, _int, _public_flag, local_day
from .figures import Scope
from .live import _report_scope

#: The counted measures, in the tables' order.
MEASURES = PROPOSAL_COUNTS


@dataclass
class ProposalRow:
    """The proposals of one category or district (``key``), or of all (``key`` None)."""

    key: Any = None
    filed: int = 0
    supported: int = 0
    threshold: int = 0
    answered: int = 0
    within: int = 0
    missed: int = 0
    accepted: int = 0
    implemented: int = 0

    @property
    def within_share(self) -> float | None:
        """Answered within the level among those whose time is up (answered, or past due)."""
        return st.share(self.within, self.within + self.missed)

    @property
    def accepted_share(self) -> float | None:
        return st.share(self.accepted, self.answered)

    @property
    def implemented_share(self) -> float | None:
        return st.share(self.implemented, self.answered)


@dataclass
class ProposalFigures:
    total: ProposalRow = field(default_factory=ProposalRow)
    by_category: list[ProposalRow] = field(default_factory=list)
    by_area: list[ProposalRow] = field(default_factory=list)


def _sums(now: datetime) -> list[sa.ColumnElement[Any]]:
    due, answered = Report.answer_due_at, Report.answered_at
    accepted = [ProposalOutcome.ACCEPTED.value, ProposalOutcome.IMPLEMENTED.value]
    flags = {
        "filed": sa.true(),
        "supported": Report.supports_count > 0,
        "threshold": Report.threshold_reached_at.is_not(None),
        "answered": answered.is_not(None),
        "within": sa.and_(due.is_not(None), answered.is_not(None), answered <= due),
        "missed": sa.and_(
            due.is_not(None),
            sa.or_(sa.and_(answered.is_not(None), answered > due), sa.and_(answered.is_(None), due < now)),
        ),
        "accepted": sa.and_(answered.is_not(None), Report.outcome.in_(accepted)),
        "implemented": sa.and_(answered.is_not(None), Report.outcome == ProposalOutcome.IMPLEMENTED.value),
    }
    return [sa.func.sum(_flag(flags[name])).label(name) for name in MEASURES]


def proposal_conditions(scope: Scope, timezone: ZoneInfo) -> list[sa.ColumnElement[bool]]:
    """The proposals a dashboard of ``scope`` counts (never merged duplicates)."""
    where = [
        Report.kind == sa.literal_column(f"'{Kind.PROPOSAL.value}'"),
        Report.duplicate_of_id.is_(None),
        *_report_scope(scope),
    ]
    if scope.since is not None:
        where.append(Report.created_at >= _day_start(scope.since, timezone))
    if scope.until is not None:
        where.append(Report.created_at < _day_start(scope.until + timedelta(days=1), timezone))
    return where


def _row(key: Any, values: Sequence[Any]) -> ProposalRow:
    return ProposalRow(key, *(_int(v) for v in values))


def proposal_figures(
    session: Session,
    scope: Scope,
    *,
    timezone: ZoneInfo,
    districts: Sequence[District | Mapping[str, Any]],
    live: bool = True,
    now: datetime | None = None,
) -> ProposalFigures:
    """The proposals' figures of a dashboard: all, by category, by district ('' elsewhere).

    ``live`` computes them from ``cc_reports``; otherwise they are read from the summary.
    """
    if not live:
        return _from_summary(session, scope)
    now = now or utcnow()
    where = proposal_conditions(scope, timezone)
    sums = _sums(now)
    by_category = sa.select(Report.category_id, *sums).where(*where).group_by(Report.category_id)
    area = _area_case(districts).label("area") if districts else None
    by_area = sa.select(area, *sums).where(*where).group_by(area).order_by(area) if area is not None else None
    return _figures(session, by_category, by_area)


def _figures(
    session: Session, by_category: sa.Select[Any], by_area: sa.Select[Any] | None
) -> ProposalFigures:
    figures = ProposalFigures()
    figures.by_category = [_row(values[0], values[1:]) for values in session.execute(by_category)]
    if not figures.by_category:
        return figures
    # The total is the sum of the categories' rows (each proposal has one category): no second scan.
    figures.total = ProposalRow(
        None, *(sum(getattr(row, name) for row in figures.by_category) for name in MEASURES)
    )
    if by_area is not None:
        figures.by_area = [_row(values[0], values[1:]) for values in session.execute(by_area)]
    return figures


def _from_summary(session: Session, scope: Scope) -> ProposalFigures:
    table = stats_proposals
    where: list[Any] = []
    if scope.public_only:
        where.append(table.c.public.is_(True))
    if scope.category_ids:
        where.append(table.c.category_id.in_(scope.category_ids))
    if scope.office_ids is not None:
        where.append(
            sa.or_(table.c.office_id.in_(scope.office_ids or {-1}), table.c.assignee_id == scope.assignee_id)
        )
    if scope.since is not None:
        where.append(table.c.day >= scope.since)
    if scope.until is not None:
        where.append(table.c.day <= scope.until)
    sums = [sa.func.sum(table.c[name]).label(name) for name in MEASURES]
    by_category = sa.select(table.c.category_id, *sums).where(*where).group_by(table.c.category_id)
    by_area = (
        sa.select(table.c.area, *sums)
        .where(*where)
        .group_by(table.c.area)
        .order_by(table.c.area)
        .having(sa.func.count() > 0)
    )
    figures = _figures(session, by_category, by_area)
    if not any(row.key for row in figures.by_area):
        figures.by_area = []  # no districts configured: every proposal is "elsewhere"
    return figures


def refresh_proposal_summary(
    session: Session,
    *,
    timezone: ZoneInfo,
    districts: Sequence[District | Mapping[str, Any]],
    now: datetime,
) -> None:
    """Rebuild ``cc_stats_proposals`` whole, in the caller's transaction (the summary refresh's)."""
    session.execute(stats_proposals.delete())
    day = local_day(session, Report.created_at, timezone).label("day")
    area = _area_case(districts).label("area")
    public = _public_flag().label("public")
    keys = (day, Report.category_id, Report.office_id, Report.assignee_id, area, public)
    select = (
        sa.select(*keys, *_sums(now))
        .where(Report.kind == sa.literal_column(f"'{Kind.PROPOSAL.value}'"), Report.duplicate_of_id.is_(None))
        .group_by(*keys)
    )
    names = ["day", "category_id", "office_id", "assignee_id", "area", "public", *MEASURES]
    session.execute(stats_proposals.insert().from_select(names, select))
