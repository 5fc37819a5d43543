"""Record the runs of the scheduled commands in ``cc_job_runs``, each in a transaction of its own.

The record is written beside the command's own work, not inside it: a command
that fails and rolls back still leaves its failure here, and a command's
result never waits for (or fails with) its record. Concurrent runs of one
command (``outbox send`` on many hosts) only overwrite each other's times.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import sqlalchemy as sa

from ..models.jobs import JOB_ERROR_MAX, JobRun

Event = Literal["started", "succeeded", "failed"]


def record(engine: sa.Engine, name: str, event: Event, at: datetime, error: str | None = None) -> None:
    """Set ``last_<event>_at`` of the command ``name`` (and ``last_error`` when it failed)."""
    values: dict[str, object] = {f"last_{event}_at": at}
    if event == "failed":
        values["last_error"] = " ".join((error or "").split())[:JOB_ERROR_MAX] or None
    update = sa.update(JobRun).where(JobRun.name == name).values(**values)
    try:
        with engine.begin() as connection:
            if connection.execute(update).rowcount:
                return
            connection.execute(sa.insert(JobRun).values(name=name, **values))
    except sa.exc.IntegrityError:  # another run inserted the row meanwhile
        with engine.begin() as connection:
            connection.execute(update)
