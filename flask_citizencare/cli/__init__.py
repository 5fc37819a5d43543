"""``flask citizencare ...`` commands."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup

from ..config import PREFIX, SETTINGS
from ..context import app_object
from ..database import migrate

citizencare_cli = AppGroup("citizencare", help="Citizen care: database, demo data, settings.")


@citizencare_cli.group("db")
def db_group() -> None:
    """The extension's own migrations (version table alembic_version_citizencare)."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Create or update the cc_ tables (and PostGIS, on PostgreSQL)."""
    migrate.upgrade(app_object(), revision)
    click.echo(f"citizencare schema at {migrate.current_revision(app_object())}")


@db_group.command("downgrade")
@click.argument("revision", default="-1")
def db_downgrade(revision: str) -> None:
    """Step the cc_ tables back (``base`` removes them all)."""
    migrate.downgrade(app_object(), revision)


@db_group.command("current")
def db_current() -> None:
    """Print the applied revision and the newest one shipped."""
    applied = migrate.current_revision(app_object())
    click.echo(f"applied: {applied or 'none'}; newest: {migrate.head_revision()}")


@db_group.command("check")
def db_check() -> None:
    """Exit 1 if the database and the models differ (run after upgrade)."""
    differences = migrate.pending_differences(app_object())
    for difference in differences:
        click.echo(repr(difference))
    if differences:
        sys.exit(1)
    click.echo("models and database agree")


@db_group.command("revision")
@click.option("-m", "--message", required=True)
def db_revision(message: str) -> None:
    """Write a new migration from the model changes (for developers of the extension)."""
    from alembic import command

    with migrate.alembic_config(app_object()) as config:
        command.revision(config, message=message, autogenerate=True)


@citizencare_cli.group("storage")
def storage_group() -> None:
    """Photo storage maintenance."""


@storage_group.command("sweep")
@click.option("--dry-run", is_flag=True, help="Only list what would be removed.")
@click.option(
    "--staged-age", default=3600, show_default=True, help="Seconds after which a staged file is stale."
)
def storage_sweep(dry_run: bool, staged_age: int) -> None:
    """Remove orphan photo files and stale staged uploads; report rows whose file is missing.

    Exits 1 when a photo row points to a missing file, so cron mails someone.
    """
    from ..context import db_session, state
    from ..services.photos import sweep

    cc = state()
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


@citizencare_cli.group("staff")
def staff_group() -> None:
    """Staff members and their roles (the default role loader reads them)."""


@staff_group.command("add")
@click.argument("user_id")
@click.option("--role", type=click.Choice(["operator", "technician", "manager", "admin"]), required=True)
@click.option(
    "--name",
    "display_name",
    required=True,
    help="Name shown to colleagues and, for technicians, to citizens.",
)
@click.option("--email", default=None)
@click.option("--office", "offices", multiple=True, help="Office code; repeat for several.")
def staff_add(
    user_id: str, role: str, display_name: str, email: str | None, offices: tuple[str, ...]
) -> None:
    """Give the host user USER_ID a staff role (or change it)."""
    from ..services.staff import save_staff_member

    try:
        member = save_staff_member(
            user_id, role=role, display_name=display_name, email=email, office_codes=offices
        )
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    office_list = ", ".join(o.code for o in member.offices) or "-"
    click.echo(f"{member.user_id}: {member.display_name}, {member.role}, {office_list}")


@staff_group.command("remove")
@click.argument("user_id")
def staff_remove(user_id: str) -> None:
    """Take the staff role away (the member's past actions keep their name)."""
    from ..services.staff import deactivate_staff_member

    if not deactivate_staff_member(user_id):
        raise click.ClickException(f"no active staff member with user id {user_id}")
    click.echo(f"{user_id}: removed")


@staff_group.command("list")
def staff_list() -> None:
    """Active staff members."""
    import sqlalchemy as sa

    from ..context import db_session
    from ..models import StaffMember

    for member in db_session().scalars(
        sa.select(StaffMember)
        .where(StaffMember.active.is_(True))
        .order_by(StaffMember.role, StaffMember.display_name)
    ):
        offices = ", ".join(o.code for o in member.offices) or "-"
        click.echo(
            f"{member.user_id}\t{member.role}\t{member.display_name}\t{member.email or '-'}\t{offices}"
        )


@citizencare_cli.group("sla")
def sla_group() -> None:
    """Service levels."""


@sla_group.command("sweep")
def sla_sweep() -> None:
    """Mark cases past their due time, send `sla_breached` and queue reminders to staff (run from cron)."""
    from ..models.base import utcnow
    from ..services.sla import sweep

    app = app_object()
    with app.test_request_context(base_url=app.config["CITIZENCARE_SITE_URL"]):
        breached = sweep(utcnow())
    click.echo(f"{len(breached)} case(s) newly overdue")
    for report in breached:
        click.echo(f"  {report.public_id}")


@citizencare_cli.command("doctor")
def doctor() -> None:
    """Check the set-up: database, spatial support, schema, photo folder, the host's migrations.

    Exits 1 when something needs doing; each line says what.
    """
    from .doctor import run_checks

    checks = run_checks(app_object())
    width = max(len(check.name) for check in checks)
    for check in checks:
        click.echo(f"{'ok' if check.ok else 'PROBLEM':<7}  {check.name:<{width}}  {check.detail}")
    if not all(check.ok for check in checks):
        sys.exit(1)


@citizencare_cli.command("settings")
def settings() -> None:
    """List every CITIZENCARE_ setting with its current value."""
    for name, setting in SETTINGS.items():
        value = current_app.config.get(PREFIX + name)
        shown = "***" if "PASSWORD" in name and value else repr(value)
        click.echo(f"{PREFIX}{name} = {shown}\n    {setting.help}")


def _register_feature_commands() -> None:
    from .bulk_load import after_bulk_load_command
    from .catalogue import catalogue_group
    from .demo import demo_data_command
    from .map import map_group
    from .retention import erase, retention_group
    from .stats import stats_group

    citizencare_cli.add_command(demo_data_command)
    citizencare_cli.add_command(after_bulk_load_command)
    citizencare_cli.add_command(catalogue_group)
    citizencare_cli.add_command(stats_group)
    citizencare_cli.add_command(map_group)
    citizencare_cli.add_command(retention_group)
    citizencare_cli.add_command(erase)


_register_feature_commands()


@citizencare_cli.group("outbox")
def outbox_group() -> None:
    """Mails waiting in the outbox."""


@outbox_group.command("send")
@click.option(
    "--loop", is_flag=True, help="Keep running, one pass every --interval seconds (stop with SIGTERM)."
)
@click.option("--interval", default=10.0, show_default=True, help="Seconds between passes with --loop.")
@click.option("--limit", default=50, show_default=True, help="Most mails claimed per pass.")
@click.option("--worker", default=None, help="Name recorded on claimed rows [default: host:pid].")
def outbox_send(loop: bool, interval: float, limit: int, worker: str | None) -> None:
    """Deliver due mails over SMTP, with retries and backoff; safe to run on many hosts at once."""
    import os
    import signal
    import socket
    import time

    from ..services.mail.outbox import DeliveryRun, deliver_pending

    worker = (worker or f"{socket.gethostname()}:{os.getpid()}")[:80]
    if not loop:
        click.echo(str(deliver_pending(worker=worker, limit=limit)))
        return

    stopping = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    total = DeliveryRun()
    click.echo(f"outbox worker {worker}: one pass every {interval:g}s")
    try:
        while not stopping:
            run = deliver_pending(worker=worker, limit=limit)
            total += run
            if run.sent or run.retried or run.dead:
                click.echo(str(run))
            if run.sent + run.retried + run.dead >= limit:
                continue  # more may be due: no pause
            wake = time.monotonic() + interval
            while not stopping and time.monotonic() < wake:
                time.sleep(min(0.2, max(wake - time.monotonic(), 0)))
    except KeyboardInterrupt:
        pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    click.echo(f"stopped; {total}")


@outbox_group.command("dead")
@click.option("--limit", default=100, show_default=True, help="Most dead letters listed, newest first.")
def outbox_dead(limit: int) -> None:
    """List the dead letters: mails given up on (id, written, recipient, subject, attempts, last error)."""
    from ..context import db_session
    from ..services.mail.outbox import dead_letters

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
    from ..context import db_session
    from ..models.base import utcnow
    from ..services.mail.outbox import retry_all_dead, retry_dead

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


@citizencare_cli.group("mail")
def mail_group() -> None:
    """Replies by mail from citizens."""


#: sysexits EX_TEMPFAIL: an MTA keeps the mail and delivers it again later.
EX_TEMPFAIL = 75
#: sysexits EX_DATAERR: the message itself is refused (too large); an MTA returns it to the sender.
EX_DATAERR = 65


def _read_at_most(stream: Any, limit: int) -> bytes | None:
    """The stream's bytes, or ``None`` when there are more than ``limit`` (only ``limit + 1`` are read)."""
    data = stream.read(limit + 1)
    return None if len(data) > limit else bytes(data)


def _too_large(label: str, size: int | None, limit: int) -> None:
    what = f"{size} bytes" if size is not None else f"more than {limit} bytes"
    click.echo(
        f"{label}: refused: {what}, over CITIZENCARE_MAIL_MAX_BYTES ({limit}); left unread where it is",
        err=True,
    )


def _maildir_unseen(box: Any, key: str) -> tuple[bool, int]:
    """Whether the message is still unseen, and its size, from its file name and size (not read)."""
    import os

    subpath = box._lookup(key)  # "new/<name>" or "cur/<name>:2,<flags>"
    flags = subpath.rpartition(":2,")[2] if ":2," in subpath else ""
    return "S" not in flags, os.path.getsize(os.path.join(box._path, subpath))


@mail_group.command("ingest")
@click.option(
    "--maildir",
    type=click.Path(exists=True, file_okay=False),
    default=None,
    help="Process every unseen message of this Maildir, then mark it seen (moved to cur/ with flag S).",
)
@click.option(
    "--mbox",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="Process every message of this mbox.",
)
@click.option(
    "--delete", is_flag=True, help="With --maildir: delete processed messages instead of marking them."
)
@click.option(
    "--imap",
    is_flag=True,
    help="Process every message of CITIZENCARE_IMAP_FOLDER on CITIZENCARE_IMAP_HOST, then move it "
    "to CITIZENCARE_IMAP_DONE_FOLDER (or delete it).",
)
@click.option(
    "--loop",
    is_flag=True,
    help="With --imap: keep polling every CITIZENCARE_IMAP_POLL_SECONDS (stop with SIGTERM).",
)
def mail_ingest(maildir: str | None, mbox: str | None, delete: bool, imap: bool, loop: bool) -> None:
    """Put citizens' replies into their reports' threads (reopening recently resolved reports).

    Without options one RFC 822 message is read from standard input, as an MTA
    pipe delivers it (e.g. a Postfix alias ``risposte: "|flask citizencare mail
    ingest"``). One line is printed per message. Ignored mail (bounces,
    auto-replies, forged or unknown addresses) exits 0, so the MTA does not
    bounce it; a failure (database down, settings missing) exits 75, so the MTA
    retries later.

    With --maildir, processed messages (ignored ones included) are moved to
    cur/ with the Seen flag, or deleted with --delete; a message that failed
    stays unseen for the next run, and messages already seen are skipped. An
    mbox is left as it is: running it again only finds duplicates.

    With --imap, handled messages leave the folder (moved or deleted) and a
    message that failed stays there for the next poll; exit 75 if one failed or
    the server could not be reached, 1 for wrong settings or credentials.
    With --loop, an unreachable server is logged and tried again at the next poll.

    A message over CITIZENCARE_MAIL_MAX_BYTES is never read whole (its size is
    known first, or at most the limit and one byte are read): a line says so
    and it is left where it is, as it is, for a person to look at (no reply
    needs that much; a mailbox is not ours to throw mail away from). From
    stdin it is refused with exit 65, so the MTA returns it to its sender;
    otherwise the command exits 65 after the other messages, unless one failed (75).
    """
    import mailbox

    from ..services.mail.ingest import ingest_message

    if sum((maildir is not None, mbox is not None, imap)) > 1:
        raise click.UsageError("give one of --maildir, --mbox and --imap")
    if delete and maildir is None:
        raise click.UsageError("--delete goes with --maildir")
    if loop and not imap:
        raise click.UsageError("--loop goes with --imap")

    def ingest(label: str, raw: bytes) -> bool:
        try:
            result = ingest_message(raw)
        except Exception as exc:
            click.echo(f"{label}: failed ({type(exc).__name__}: {exc})", err=True)
            return False
        click.echo(f"{label}: {result}")
        return True

    limit = int(app_object().config["CITIZENCARE_MAIL_MAX_BYTES"])
    failed = refused = 0
    if imap:
        _poll_imap(ingest, loop, limit)
    elif maildir is not None:
        box = mailbox.Maildir(maildir, create=False)
        for key in sorted(box.keys()):
            unseen, size = _maildir_unseen(box, key)
            if not unseen:
                continue
            if size > limit:
                _too_large(key, size, limit)
                refused += 1
                continue
            message = box.get_message(key)
            if not ingest(key, box.get_bytes(key)):
                failed += 1
            elif delete:
                box.discard(key)
            else:
                message.set_subdir("cur")
                message.add_flag("S")
                box[key] = message
    elif mbox is not None:
        box_file = mailbox.mbox(mbox, create=False)
        try:
            for key in box_file.keys():
                with box_file.get_file(key) as handle:
                    raw = _read_at_most(handle, limit)
                if raw is None:
                    _too_large(str(key), None, limit)
                    refused += 1
                elif not ingest(str(key), raw):
                    failed += 1
        finally:
            box_file.close()
    else:
        raw = _read_at_most(sys.stdin.buffer, limit)
        if raw is None:
            _too_large("stdin", None, limit)
            refused += 1
        elif not ingest("stdin", raw):
            failed += 1
    if failed:
        sys.exit(EX_TEMPFAIL)
    if refused:
        sys.exit(EX_DATAERR)


class _TempFail(click.ClickException):
    exit_code = EX_TEMPFAIL


def _poll_imap(ingest: Callable[[str, bytes], bool], loop: bool, limit: int) -> None:
    """``mail ingest --imap [--loop]``: one poll, or one every CITIZENCARE_IMAP_POLL_SECONDS."""
    import signal
    import time

    from ..context import db_session
    from ..services.mail.imap import ImapSettings, ImapUnavailable, poll

    app = app_object()
    settings = ImapSettings.from_config(app.config)
    sizes = {"max_bytes": limit, "too_large": lambda label, size: _too_large(label, size, limit)}
    if not loop:
        try:
            result = poll(settings, ingest, **sizes)  # type: ignore[arg-type]
        except ImapUnavailable as exc:
            raise _TempFail(str(exc)) from None
        if result.failed:
            sys.exit(EX_TEMPFAIL)
        if result.too_large:
            sys.exit(EX_DATAERR)
        return

    interval = float(app.config.get("CITIZENCARE_IMAP_POLL_SECONDS") or 60)
    stopping = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    click.echo(f"polling {settings.folder} of {settings.where} every {interval:g}s")
    try:
        while not stopping:
            try:
                result = poll(settings, ingest, stopping=lambda: stopping, **sizes)  # type: ignore[arg-type]
                if result.handled or result.failed:
                    click.echo(str(result))
            except ImapUnavailable as exc:
                click.echo(f"{exc}; trying again in {interval:g}s", err=True)
            db_session().close()  # give the connection back: the next poll may be minutes away
            wake = time.monotonic() + interval
            while not stopping and time.monotonic() < wake:
                time.sleep(min(0.2, max(wake - time.monotonic(), 0)))
    except KeyboardInterrupt:
        pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    click.echo("stopped")
