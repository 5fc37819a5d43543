"""``flask citizencare sla sweep``: cases past their due time; ``sla recompute``: due times after a change."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ..context import app_object, db_session
from ..models.base import utcnow
from ..services.sla import sweep
from ..services.sla_settings import BATCH_SIZE, request_recompute, run_recompute
from .jobs import recorded

sla_group = AppGroup("sla", help="Service levels.")


@sla_group.command("sweep")
@recorded("sla sweep")
def sla_sweep() -> None:
    """Mark cases past their due time, send `sla_breached` and queue reminders to staff (run from cron)."""
    app = app_object()
    with app.test_request_context(base_url=app.config["CITIZENCARE_SITE_URL"]):
        breached = sweep(utcnow())
    click.echo(f"{len(breached)} case(s) newly overdue")
    for report in breached:
        click.echo(f"  {report.public_id}")


@sla_group.command("recompute")
@click.option(
    "--request",
    "request_new",
    is_flag=True,
    help="Ask for a new recompute first (e.g. after changing CITIZENCARE_SLA_CALENDAR or _POLICY).",
)
@click.option("--force", is_flag=True, help="Take over a recompute another process seems to be running.")
@click.option("--batch-size", default=BATCH_SIZE, show_default=True, type=click.IntRange(1, 10_000))
def sla_recompute(request_new: bool, force: bool, batch_size: int) -> None:
    """Recompute the open cases' due times after a change of service levels or calendar (run from cron)."""
    app = app_object()
    with app.app_context():
        if request_new:
            session = db_session()
            request_recompute(session, utcnow())
            session.commit()
        job = run_recompute(batch_size=batch_size, force=force)
    if job is None:
        click.echo("Nothing to recompute: the service levels and the calendar were never changed on screen.")
    elif not job.done:
        click.echo(f"Another process is recomputing: {job.processed} of {job.total} open cases so far.")
    else:
        cases = "case" if job.total == 1 else "cases"
        click.echo(f"Done: {job.changed} of {job.total} open {cases} changed due time.")
