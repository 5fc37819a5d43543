"""What a dashboard shows: the scope it counts and the figures it gets back.

Plain data, computed by :mod:`.reading` from the summary tables or live; the
dashboard blueprint renders them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from ...domain import statistics as st

MEDIAN, P90 = 0.5, 0.9


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
