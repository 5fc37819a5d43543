"""``flask citizencare retention run`` and ``flask citizencare erase``: forgetting citizens (GDPR)."""

from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext

from ..context import db_session
from ..services.retention import DEFAULT_BATCH_SIZE, Erased, erase_address, run_retention
from .jobs import recorded

retention_group = AppGroup("retention", help="Retention of the citizens' personal data.")


@retention_group.command("run")
@recorded("retention run")
@click.option("--dry-run", is_flag=True, help="Only count what would be erased; change nothing.")
@click.option("--batch-size", default=DEFAULT_BATCH_SIZE, show_default=True, type=click.IntRange(1, 10_000))
def retention_run(dry_run: bool, batch_size: int) -> None:
    """Erase reporters' contacts and followers of reports closed for CITIZENCARE_RETENTION_MONTHS (cron).

    Each batch is committed on its own: an interrupted run resumes where it
    stopped, and a second run finds nothing to do. The reports, their public
    threads and the statistics stay.
    """
    verb = "would erase" if dry_run else "erased"

    def progress(batch: Erased) -> None:
        click.echo(
            f"batch: {verb} {len(batch.reports)} report(s), {batch.contacts} contact(s), "
            f"{batch.followers} follower(s), {batch.unsent_mails + batch.sent_mails} mail(s)"
        )

    total = run_retention(db_session(), batch_size=batch_size, dry_run=dry_run, after_batch=progress)
    click.echo(f"retention {'dry run' if dry_run else 'run'}: {total.batches} batch(es)")
    for line in total.lines():
        click.echo(f"  {line}")


@click.command("erase")
@click.option("--email", required=True, help="The address whose data are to be erased.")
@click.option("--dry-run", is_flag=True, help="Only show what would be erased; change nothing.")
@with_appcontext
def erase(email: str, dry_run: bool) -> None:
    """Erase everything tied to an e-mail address (a data subject's request) and print a receipt.

    Idempotent: a second run erases nothing. The reports stay, without their
    reporter; their timeline records that an erasure happened.
    """
    if "@" not in email or len(email) > 254:
        raise click.BadParameter("give an e-mail address", param_hint="--email")
    found = erase_address(db_session(), email, dry_run=dry_run)
    click.echo(f"{'would erase (dry run)' if dry_run else 'erased'} for {email.strip().lower()}:")
    for line in found.lines():
        click.echo(f"  {line}")
