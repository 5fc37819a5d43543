"""``flask citizencare demo-data``: demo catalogue, staff and reports (made by :mod:`..demo`)."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from flask.cli import with_appcontext

from ..context import state
from ..demo import load_demo
from ..storage.local import photo_location


@click.command("demo-data")
@click.option(
    "--reports",
    "count",
    type=click.IntRange(min=0),
    default=1000,
    show_default=True,
    help="How many demo reports of this seed should exist.",
)
@click.option(
    "--seed", type=int, default=1, show_default=True, help="Same seed, same reports (tracking tokens aside)."
)
@click.option(
    "--now",
    type=click.DateTime(formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"]),
    default=None,
    help="Moment (UTC) the histories stop at, for reproducible data sets; default: now.",
)
@with_appcontext
def demo_data_command(count: int, seed: int, now: datetime | None) -> None:
    """Load demo categories, offices, staff and reports (idempotent)."""
    summary = load_demo(count, seed, now=now.replace(tzinfo=UTC) if now else None, echo=click.echo)
    if summary.added:
        click.echo(
            f"Added {summary.added:,} reports, {summary.events:,} status events, "
            f"{summary.messages:,} messages, {summary.contacts:,} contacts, "
            f"{summary.supports:,} supports in {summary.seconds:.1f} s "
            f"({summary.rate:,.0f} reports/s)."
        )
    else:
        click.echo(f"Nothing to add: {summary.after:,} demo reports of seed {seed} are already there.")
    if summary.notices:
        click.echo(
            f"Added {summary.notices} service notices (a current incident, planned works, one resolved)."
        )
    if summary.after_load is not None:
        click.echo(
            f"Tables analysed and dashboard summary built in {summary.after_load.seconds:.1f} s "
            f"(figures as of {summary.after_load.as_of:%Y-%m-%d %H:%M:%S} UTC)."
        )
    click.echo(
        f"Demo reports of seed {seed}: {summary.after:,}. Offices: {summary.offices}, "
        f"categories: {summary.categories}, staff: {summary.staff}."
    )
    click.echo(f"Photos are stored in {photo_location(state().photo_store)} (CITIZENCARE_PHOTO_DIR).")
    click.echo("")
    width = max(len(u) for u, _, _ in summary.accounts)
    click.echo(f"{'username':<{width}}  {'role':<10}  password")
    click.echo(f"{'-' * width}  {'-' * 10}  {'-' * 24}")
    for username, role, password in summary.accounts:
        click.echo(f"{username:<{width}}  {role:<10}  {password}")
    if not summary.host_accounts:
        click.echo("")
        click.echo(
            "No user_factory hook is registered, so no login accounts were made: staff rows point to "
            "host user ids 'demo:<username>'. Create those accounts in the host site (or register "
            "CitizenCare.user_factory and run this again)."
        )
