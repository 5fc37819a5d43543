"""Gauges read from the database at scrape time: outbox, open cases, breaches, scheduled commands.

One cheap query each, nothing kept in the process, so every worker answers
the same and multiprocess mode needs nothing more. When the database does
not answer, the scrape still does: ``citizencare_database_up 0`` and no
database gauges. No label carries personal data: states, statuses, levels
and command names only.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy.engine import Connection, Engine

from ..domain.lifecycle import LEVELS, OPEN_STATUSES
from ..models import OutboxMail, Report
from ..models.jobs import SCHEDULED, JobRun

_OPEN = sorted(s.value for s in OPEN_STATUSES)
#: The job whose last success is the last IMAP poll.
MAIL_JOB = "mail ingest"


class DatabaseCollector:
    """A Prometheus collector; ``now`` is the instant the ages and breaches are measured at."""

    def __init__(self, engine: Engine, now: datetime) -> None:
        self.engine = engine
        self.now = now

    def collect(self) -> Iterator[Any]:
        up = GaugeMetricFamily("citizencare_database_up", "1 when the scrape could read the database.")
        try:
            with self.engine.connect() as connection:
                families = list(self._read(connection))
        except sa.exc.SQLAlchemyError:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families

    def _read(self, connection: Connection) -> Iterator[Any]:
        yield from self._outbox(connection)
        yield self._open_cases(connection)
        yield self._breaches(connection)
        yield from self._jobs(connection)

    def _outbox(self, connection: Connection) -> Iterator[Any]:
        rows = connection.execute(
            sa.select(OutboxMail.state, sa.func.count(), sa.func.min(OutboxMail.created_at))
            .where(OutboxMail.state.in_(("pending", "dead")))
            .group_by(OutboxMail.state)
        ).all()
        by_state = {state: (count, oldest) for state, count, oldest in rows}
        pending, oldest = by_state.get("pending", (0, None))
        yield _gauge("citizencare_outbox_pending", "Mails waiting in the outbox to be sent.", pending)
        age = (self.now - oldest).total_seconds() if oldest is not None else 0.0
        yield _gauge(
            "citizencare_outbox_oldest_pending_age_seconds",
            "Age of the oldest mail waiting in the outbox (0: none waiting).",
            max(age, 0.0),
        )
        yield _gauge(
            "citizencare_outbox_dead_letters",
            "Mails the outbox gave up on (dead letters), until someone retries or removes them.",
            by_state.get("dead", (0, None))[0],
        )

    def _open_cases(self, connection: Connection) -> Any:
        rows = dict(
            connection.execute(
                sa.select(Report.status, sa.func.count())
                .where(Report.status.in_(_OPEN))
                .group_by(Report.status)
            ).all()
        )
        family = GaugeMetricFamily(
            "citizencare_open_cases", "Open reports and proposals by status.", labels=("status",)
        )
        for status in _OPEN:
            family.add_metric([status], rows.get(status, 0))
        return family

    def _breaches(self, connection: Connection) -> Any:
        rows = dict(
            connection.execute(
                sa.select(Report.level, sa.func.count())
                .where(Report.status.in_(_OPEN), Report.due_at.is_not(None), Report.due_at < self.now)
                .group_by(Report.level)
            ).all()
        )
        family = GaugeMetricFamily(
            "citizencare_sla_breaches",
            "Open cases past their service-level due time (acknowledgement or resolution), by level.",
            labels=("level",),
        )
        for level in LEVELS:
            family.add_metric([str(level)], rows.get(level, 0))
        return family

    def _jobs(self, connection: Connection) -> Iterator[Any]:
        runs = {run.name: run for run in connection.execute(sa.select(JobRun.__table__)).all()}
        families = {
            "last_started_at": GaugeMetricFamily(
                "citizencare_job_last_start_timestamp_seconds",
                "When each scheduled command last started (Unix time; 0: never).",
                labels=("job",),
            ),
            "last_succeeded_at": GaugeMetricFamily(
                "citizencare_job_last_success_timestamp_seconds",
                "When each scheduled command last succeeded (Unix time; 0: never).",
                labels=("job",),
            ),
            "last_failed_at": GaugeMetricFamily(
                "citizencare_job_last_failure_timestamp_seconds",
                "When each scheduled command last failed (Unix time; 0: never).",
                labels=("job",),
            ),
        }
        for name in SCHEDULED:
            run = runs.get(name)
            for column, family in families.items():
                family.add_metric([name], _timestamp(getattr(run, column, None)))
        yield from families.values()
        mail = runs.get(MAIL_JOB)
        yield _gauge(
            "citizencare_mail_last_poll_timestamp_seconds",
            "When `mail ingest` last read the mailbox successfully (Unix time; 0: never).",
            _timestamp(mail.last_succeeded_at if mail is not None else None),
        )


def _gauge(name: str, documentation: str, value: float) -> Any:
    return GaugeMetricFamily(name, documentation, value=value)


def _timestamp(at: datetime | None) -> float:
    return at.timestamp() if at is not None else 0.0
