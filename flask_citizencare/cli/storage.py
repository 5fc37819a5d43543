"""``flask citizencare storage sweep``: photo files without a row, rows without a file."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from ..context import db_session, state
from ..services.drafts import purge_expired
from ..services.photos import sweep
from .jobs import recorded

storage_group = AppGroup("storage", help="Photo storage maintenance.")


@storage_group.command("sweep")
@recorded("storage sweep")
@click.option("--dry-run", is_flag=True, help="Only list what would be removed.")
@click.option(
    "--staged-age", default=3600, show_default=True, help="Seconds after which a staged file is stale."
)
def storage_sweep(dry_run: bool, staged_age: int) -> None:
    """Remove expired report drafts, orphan photo files and stale staged uploads; report missing files.

    Exits 1 when a photo row points to a missing file, so cron mails someone.
    """
    cc = state()
    expired = purge_expired(db_session(), dry_run=dry_run)
    click.echo(f"{'would remove' if dry_run else 'removed'} {len(expired)} file(s) of expired report drafts")
    result = sweep(cc.photo_store, db_session(), staged_age_seconds=staged_age, dry_run=dry_run)
    verb = "would remove" if dry_run else "removed"
    click.echo(
        f"{verb} {len(result.removed_orphans)} orphan file(s), {len(result.removed_staged)} stale upload(s)"
    )
    if result.published_staged:
        verb = "would publish" if dry_run else "published"
        click.echo(f"{verb} {len(result.published_staged)} committed photo file(s) left staged by a failure")
    for photo_id, key in result.missing:
        click.echo(f"missing file {key} of photo {photo_id}", err=True)
    if result.missing:
        sys.exit(1)
