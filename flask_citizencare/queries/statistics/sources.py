"""Where a dashboard reads its figures: the summary tables, or live from a small ``cc_reports``."""

from __future__ import annotations

import logging
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ...config import SETTINGS
from ...models import Report
from .aggregate import _int
from .summaries import last_refresh

log = logging.getLogger(__name__)

SOURCES = ("auto", "live", "summary")
#: ``auto`` without a summary computes live up to this many reports (CITIZENCARE_DASHBOARD_LIVE_MAX_REPORTS).
LIVE_MAX_REPORTS: int = SETTINGS["DASHBOARD_LIVE_MAX_REPORTS"].default


def choose_source(session: Session, source: str, *, live_max_reports: int) -> tuple[bool, datetime | None]:
    """``(live, as_of)``: whether a dashboard computes live, and the summary's "as of" otherwise.

    ``live`` and ``summary`` are what they say. ``auto`` reads the summary once
    it has been refreshed; before that it computes live only while
    ``cc_reports`` is small (at most ``live_max_reports`` rows, counted with a
    bounded scan that stops after that many), since live figures take seconds
    over a large table. A large table without a summary gets the empty summary
    (``Figures.preparing``) and a warning in the log: a request never
    aggregates a large table, nor refreshes the summary.
    """
    if source == "live":
        return True, None
    as_of = last_refresh(session)
    if as_of is not None or source == "summary":
        if as_of is None:
            _warn_no_summary()
        return False, as_of
    if count_up_to(session, live_max_reports + 1) <= live_max_reports:
        return True, None
    _warn_no_summary()
    return False, None


def count_up_to(session: Session, limit: int) -> int:
    """How many reports there are, counting no further than ``limit``."""
    first = sa.select(sa.literal_column("1")).select_from(Report.__table__).limit(limit).subquery()
    return _int(session.scalar(sa.select(sa.func.count()).select_from(first)))


def _warn_no_summary() -> None:
    log.warning(
        "The dashboards have no summary yet and show no figures: run 'flask citizencare stats refresh' "
        "(and schedule it, e.g. every 5 minutes)."
    )
