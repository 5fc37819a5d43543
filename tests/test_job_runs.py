"""The scheduled commands record their runs in cc_job_runs (started, succeeded, failed)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask

from flask_citizencare.models import JobRun

from .host import host_db


def _row(app: Flask, name: str) -> JobRun | None:
    with app.app_context():
        host_db.session.expire_all()
        return host_db.session.execute(sa.select(JobRun).where(JobRun.name == name)).scalar_one_or_none()


def test_a_successful_run_is_recorded(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["citizencare", "sla", "sweep"])
    assert result.exit_code == 0, result.output
    row = _row(app, "sla sweep")
    assert row is not None
    assert row.last_started_at is not None and row.last_succeeded_at is not None
    assert row.last_succeeded_at >= row.last_started_at
    assert row.last_failed_at is None


def test_a_second_run_updates_the_same_row(app: Flask) -> None:
    runner = app.test_cli_runner()
    assert runner.invoke(args=["citizencare", "stats", "refresh"]).exit_code == 0
    first = _row(app, "stats refresh")
    assert first is not None and first.last_succeeded_at is not None
    earlier = first.last_succeeded_at
    assert runner.invoke(args=["citizencare", "stats", "refresh"]).exit_code == 0
    second = _row(app, "stats refresh")
    assert second is not None and second.last_succeeded_at is not None
    assert second.last_succeeded_at >= earlier
    with app.app_context():
        assert host_db.session.scalar(sa.select(sa.func.count()).select_from(JobRun)) == 1


def test_a_failed_run_keeps_its_error(app: Flask) -> None:
    # --imap without a server configured fails: the failure and its message are recorded.
    result = app.test_cli_runner().invoke(args=["citizencare", "mail", "ingest", "--imap"])
    assert result.exit_code != 0
    row = _row(app, "mail ingest")
    assert row is not None
    assert row.last_failed_at is not None and row.last_succeeded_at is None
    assert row.last_error
