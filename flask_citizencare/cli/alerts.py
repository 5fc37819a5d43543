"""``flask citizencare alerts send | digest``: local alerts by mail (the outbox delivers them)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ..context import db_session
from ..domain.alerts import DIGEST_LOOKBACK, INSTANT_LOOKBACK
from ..models.base import utcnow
from ..queries.alerts import alert_items
from ..services.alert_mails import send_digests, send_instant_alerts
from .jobs import recorded

alerts_group = AppGroup(
    "alerts",
    help=(
        "Local alerts: mails about new public reports and proposal updates near the subscribers. "
        "Both commands only write into the outbox (`flask citizencare outbox send` delivers) and are "
        "safe to run twice or on several hosts at once: every mail goes exactly once."
    ),
)


@alerts_group.command("send")
@recorded("alerts send")
def alerts_send() -> None:
    """Instant alerts: one mail per new public report, proposal or proposal answer and matching
    instant subscription. Run it every few minutes (cron or a timer); it looks back two days, so
    news older than that when it first runs is not mailed."""
    session = db_session()
    now = utcnow()
    run = send_instant_alerts(session, alert_items(session, since=now - INSTANT_LOOKBACK), now=now)
    click.echo(str(run))


@alerts_group.command("digest")
@recorded("alerts digest")
def alerts_digest() -> None:
    """Daily and weekly digests: one mail per subscription and period (the municipality's day; the
    ISO week, sent on the week's first run), grouping by category what is new since its last
    digest. Run it once a day, e.g. at 07:00; a second run the same day sends nothing more."""
    session = db_session()
    now = utcnow()
    run = send_digests(session, alert_items(session, since=now - DIGEST_LOOKBACK), now=now)
    click.echo(str(run))
