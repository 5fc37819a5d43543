"""``flask citizencare outbox send | dead | retry``: the mails waiting in the outbox."""

from __future__ import annotations

import os
import socket
import sys

import click
from flask.cli import AppGroup

from ..context import db_session
from ..models.base import utcnow
from ..services.mail.outbox import DeliveryRun, dead_letters, deliver_pending, retry_all_dead, retry_dead
from .jobs import job_run, recorded
from .loops import WorkerLoop

OUTBOX_SEND = "outbox send"

outbox_group = AppGroup("outbox", help="Mails waiting in the outbox.")


@outbox_group.command("send")
@recorded(OUTBOX_SEND, loop_option="loop")
@click.option(
    "--loop", is_flag=True, help="Keep running, one pass every --interval seconds (stop with SIGTERM)."
)
@click.option("--interval", default=10.0, show_default=True, help="Seconds between passes with --loop.")
@click.option("--limit", default=50, show_default=True, help="Most mails claimed per pass.")
@click.option("--worker", default=None, help="Name recorded on claimed rows [default: host:pid].")
def outbox_send(loop: bool, interval: float, limit: int, worker: str | None) -> None:
    """Deliver due mails over SMTP, with retries and backoff; safe to run on many hosts at once."""
    name = (worker or f"{socket.gethostname()}:{os.getpid()}")[:80]
    if not loop:
        click.echo(str(deliver_pending(worker=name, limit=limit)))
        return

    total = DeliveryRun()

    def one_pass() -> bool:
        nonlocal total
        with job_run(OUTBOX_SEND):
            run = deliver_pending(worker=name, limit=limit)
        total += run
        if run.sent or run.retried or run.dead:
            click.echo(str(run))
        return run.sent + run.retried + run.dead >= limit  # more may be due: no pause

    with WorkerLoop(interval) as worker_loop:
        click.echo(f"outbox worker {name}: one pass every {interval:g}s")
        worker_loop.run(one_pass)
    click.echo(f"stopped; {total}")


@outbox_group.command("dead")
@click.option("--limit", default=100, show_default=True, help="Most dead letters listed, newest first.")
def outbox_dead(limit: int) -> None:
    """List the dead letters: mails given up on (id, written, recipient, subject, attempts, last error)."""
    mails = dead_letters(db_session(), limit=limit)
    if not mails:
        click.echo("no dead letters")
        return
    for mail in mails:
        error = " ".join((mail.last_error or "-").split())
        click.echo(
            f"{mail.id}\t{mail.created_at.isoformat(timespec='seconds')}\t{mail.recipient}\t"
            f"{' '.join(mail.subject.split())}\t{mail.attempts}\t{error}"
        )


@outbox_group.command("retry")
@click.argument("ids", nargs=-1, type=click.IntRange(min=1))
@click.option("--all-dead", is_flag=True, help="Put every dead letter back in the queue.")
def outbox_retry(ids: tuple[int, ...], all_dead: bool) -> None:
    """Put dead letters back in the queue (same Message-ID); exits 1 if a given ID was not a dead letter."""
    if bool(ids) == all_dead:
        raise click.UsageError("give the IDs of dead letters, or --all-dead (not both)")
    session = db_session()
    now = utcnow()
    put_back = retry_all_dead(session, now=now) if all_dead else retry_dead(session, ids, now=now)
    click.echo(
        f"{len(put_back)} back in the queue" + (f": {' '.join(map(str, put_back))}" if put_back else "")
    )
    left = sorted(set(ids) - set(put_back))
    if left:
        click.echo(f"not dead letters, left alone: {' '.join(map(str, left))}", err=True)
        sys.exit(1)
