"""``flask citizencare sla sweep``: cases past their due time (run from cron)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ..context import app_object
from ..models.base import utcnow
from ..services.sla import sweep

sla_group = AppGroup("sla", help="Service levels.")


@sla_group.command("sweep")
def sla_sweep() -> None:
    """Mark cases past their due time, send `sla_breached` and queue reminders to staff (run from cron)."""
    app = app_object()
    with app.test_request_context(base_url=app.config["CITIZENCARE_SITE_URL"]):
        breached = sweep(utcnow())
    click.echo(f"{len(breached)} case(s) newly overdue")
    for report in breached:
        click.echo(f"  {report.public_id}")
