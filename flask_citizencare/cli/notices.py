"""``flask citizencare notices sweep``: the mails of service notices that fall due with time."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ..context import app_object
from ..models.base import utcnow
from ..services.notice_mails import sweep
from .jobs import recorded

notices_group = AppGroup("notices", help="Service notices.")


@notices_group.command("sweep")
@recorded("notices sweep")
def notices_sweep() -> None:
    """Queue the notice mails now due: planned works' first mails and reminders, and any owed
    mail not yet written (run from cron every few minutes; safe to run on many hosts at once)."""
    app = app_object()
    with app.test_request_context(base_url=app.config["CITIZENCARE_SITE_URL"]):
        run = sweep(utcnow())
    click.echo(str(run))
