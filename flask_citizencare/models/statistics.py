"""Dashboard summary tables: per-day counts and duration histograms, refreshed by a command.

``flask citizencare stats refresh`` fills them (see :mod:`flask_citizencare.queries.statistics`);
the dashboards read them instead of scanning every report. They are plain
Core tables: nothing but that command writes them, and their many histogram
columns (one per bucket of :mod:`flask_citizencare.domain.statistics`) are
made in a loop.
"""

from __future__ import annotations

import sqlalchemy as sa

from ..domain.statistics import BUCKETS
from .base import Base, UTCDateTime

#: Count columns of ``cc_stats_daily``; keyed rows are summed over days by the dashboards.
DAILY_COUNTS = (
    # Reports received that day (the cohort), by their status now.
    "received",
    "open_now",
    "closed_now",
    # Reports resolved that day (the trend's second line).
    "resolved_on",
    # Acknowledgement: measured, with a due time, within the due time.
    "ack_n",
    "ack_due_n",
    "ack_met",
    # Resolution (from acknowledgement, reference 002): measured, with a due time, within it.
    "res_n",
    "res_due_n",
    "res_met",
    # Survey answers of the cohort.
    "survey_n",
    "promoters",
    "detractors",
    "knowledge_sum",
    "resolved_sum",
)
ACK_HISTOGRAM = tuple(f"ack_h{i}" for i in range(BUCKETS))
RES_HISTOGRAM = tuple(f"res_h{i}" for i in range(BUCKETS))
AREA_COUNTS = ("received", "open_now", "closed_now")


def _counts(names: tuple[str, ...]) -> list[sa.Column[int]]:
    return [sa.Column(name, sa.Integer, nullable=False, server_default="0") for name in names]


#: One row per local day × category × office × assignee × public flag, and the same per month.
stats_daily = sa.Table(
    "cc_stats_daily",
    Base.metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    #: A local day, or the first day of a month on the month's roll-up row.
    sa.Column("day", sa.Date, nullable=False),
    #: Whether the row sums a whole month (the dashboards read months wherever a period covers them).
    sa.Column("month", sa.Boolean, nullable=False),
    sa.Column("category_id", sa.Integer, nullable=False),
    sa.Column("office_id", sa.Integer),
    sa.Column("assignee_id", sa.Integer),
    sa.Column("public", sa.Boolean, nullable=False),
    *_counts(DAILY_COUNTS),
    *_counts(ACK_HISTOGRAM),
    *_counts(RES_HISTOGRAM),
    sa.Index("ix_cc_stats_daily_month_day", "month", "day"),
)

#: One row per local day × category × office × area (CITIZENCARE_DISTRICTS) × public flag, and per month.
stats_areas = sa.Table(
    "cc_stats_areas",
    Base.metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    #: A local day, or the first day of a month on the month's roll-up row.
    sa.Column("day", sa.Date, nullable=False),
    #: Whether the row sums a whole month (the dashboards read months wherever a period covers them).
    sa.Column("month", sa.Boolean, nullable=False),
    sa.Column("category_id", sa.Integer, nullable=False),
    sa.Column("office_id", sa.Integer),
    #: District name; empty for reports elsewhere (or without a place).
    sa.Column("area", sa.String(100), nullable=False),
    sa.Column("public", sa.Boolean, nullable=False),
    *_counts(AREA_COUNTS),
    sa.Index("ix_cc_stats_areas_month_day", "month", "day"),
)

#: The proposals' measures (``queries.statistics.proposals.MEASURES``), rebuilt whole at every refresh
#: (proposals are a small share of the requests): one row per local day filed × category × office ×
#: assignee × area × public flag. ``missed`` counts the answers overdue at the refresh.
PROPOSAL_COUNTS = (
    "filed",
    "supported",
    "threshold",
    "answered",
    "within",
    "missed",
    "accepted",
    "implemented",
)
stats_proposals = sa.Table(
    "cc_stats_proposals",
    Base.metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("category_id", sa.Integer, nullable=False),
    sa.Column("office_id", sa.Integer),
    sa.Column("assignee_id", sa.Integer),
    sa.Column("area", sa.String(100), nullable=False),
    sa.Column("public", sa.Boolean, nullable=False),
    *_counts(PROPOSAL_COUNTS),
    sa.Index("ix_cc_stats_proposals_day", "day"),
)

#: When the summary was last refreshed; one row.
stats_state = sa.Table(
    "cc_stats_state",
    Base.metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    #: Figures include every change before this instant (the start of the last refresh).
    sa.Column("as_of", UTCDateTime, nullable=False),
    sa.Column("refreshed_at", UTCDateTime, nullable=False),
    sa.Column("full", sa.Boolean, nullable=False),
)
