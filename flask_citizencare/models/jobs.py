"""When each scheduled command last ran: written by the commands, read by the metrics and ``doctor``."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime

#: The commands a scheduler runs, as recorded (and labelled in the metrics).
SCHEDULED = (
    "sla sweep",
    "stats refresh",
    "notices sweep",
    "alerts send",
    "alerts digest",
    "retention run",
    "storage sweep",
    "suggest train",
    "outbox send",
    "mail ingest",
)

#: Longest error text kept: the first lines of what went wrong, not a whole trace.
JOB_ERROR_MAX = 500


class JobRun(Base):
    """One row per command (``sla sweep``, ``outbox send`` ...), updated in place at every run.

    No personal data: the name, three times, and the failure's message cut to
    :data:`JOB_ERROR_MAX` characters (it is never shown on a public page).
    """

    __tablename__ = "cc_job_runs"

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    last_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_succeeded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(sa.String(JOB_ERROR_MAX))
