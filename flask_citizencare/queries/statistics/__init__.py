"""Dashboard figures: from the summary tables, or live from ``cc_reports`` on small databases."""

from .aggregate import (
    LIVE_MAX_REPORTS,
    SOURCES,
    Figures,
    RefreshResult,
    Row,
    Scope,
    Times,
    choose_source,
    count_up_to,
    dashboard,
    exact_times,
    last_refresh,
    local_day,
    refresh,
)

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
