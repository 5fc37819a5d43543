"""Dashboard figures: from the summary tables, or live from ``cc_reports`` on small databases.

One aggregate defines every per-day figure (:mod:`.aggregate`). ``flask
citizencare stats refresh`` (:mod:`.summaries`) stores its result in
``cc_stats_daily``/``cc_stats_areas``; in live mode the dashboards read the
same SELECT as a sub-query instead of the table, so both sources count alike by
construction (:mod:`.reading`; :mod:`.sources` picks the source). Percentiles
differ: live they are exact (:mod:`.live`); from the summary they are
interpolated in the histogram buckets of :mod:`flask_citizencare.domain.statistics`.

A report belongs to the day it was created (local date, the ``since``/``until``
of :mod:`flask_citizencare.queries.filters`); the trend's "resolved" line
counts reports by the day they were resolved.
"""

from .aggregate import local_day
from .figures import Figures, Row, Scope, Times
from .live import exact_times
from .proposals import ProposalFigures, ProposalRow, proposal_figures
from .reading import dashboard
from .sources import LIVE_MAX_REPORTS, SOURCES, choose_source, count_up_to
from .summaries import RefreshResult, last_refresh, refresh

__all__ = [
    "LIVE_MAX_REPORTS",
    "SOURCES",
    "Figures",
    "ProposalFigures",
    "ProposalRow",
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
    "proposal_figures",
    "refresh",
]
