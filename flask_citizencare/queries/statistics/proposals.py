"""The dashboards' proposals: filed, supported, threshold reached, answered in time or not, outcomes.

Live aggregates over ``cc_reports`` (proposals are a small share of the
requests, and these figures need no summary table): one ``GROUP BY`` per
breakdown, by category and by district, with the dashboard's scope (public
only, categories, the technician's offices, the period by the day filed).

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
from .aggregate import _area_case, _day_start, _flag, _int
from .figures import Scope
from .live import _report_scope

#: The counted measures, in the tables' order.
MEASURES = ("filed", "supported", "threshold", "answered", "within", "missed", "accepted", "implemented")


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
    now: datetime | None = None,
) -> ProposalFigures:
    """The proposals' figures of a dashboard: all, by category, by district ('' elsewhere)."""
    now = now or utcnow()
    where = proposal_conditions(scope, timezone)
    sums = _sums(now)
    figures = ProposalFigures()
    by_category = sa.select(Report.category_id, *sums).where(*where).group_by(Report.category_id)
    figures.by_category = [_row(values[0], values[1:]) for values in session.execute(by_category)]
    if not figures.by_category:
        return figures
    # The total is the sum of the categories' rows (each proposal has one category): no second scan.
    figures.total = ProposalRow(
        None, *(sum(getattr(row, name) for row in figures.by_category) for name in MEASURES)
    )
    if districts:
        area = _area_case(districts).label("area")
        rows = session.execute(sa.select(area, *sums).where(*where).group_by(area).order_by(area))
        figures.by_area = [_row(values[0], values[1:]) for values in rows]
    return figures
