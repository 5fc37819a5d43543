"""``flask citizencare mail ingest``: citizens' replies by mail, from an MTA pipe, a mailbox or IMAP."""

from __future__ import annotations

import mailbox
import os
import sys
from collections.abc import Callable
from typing import Any

import click
from flask.cli import AppGroup

from ..context import app_object, db_session
from ..services.mail.imap import ImapSettings, ImapUnavailable, poll
from ..services.replies import ingest_message
from .jobs import job_run, recorded
from .loops import WorkerLoop

MAIL_INGEST = "mail ingest"

mail_group = AppGroup("mail", help="Replies by mail from citizens.")


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
    subpath = box._lookup(key)  # "new/<name>" or "cur/<name>:2,<flags>"
    flags = subpath.rpartition(":2,")[2] if ":2," in subpath else ""
    return "S" not in flags, os.path.getsize(os.path.join(box._path, subpath))


@mail_group.command("ingest")
@recorded(MAIL_INGEST, loop_option="loop")
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
    worker_loop = WorkerLoop(interval)

    def one_pass() -> bool:
        try:
            with job_run(MAIL_INGEST):  # one run per poll: its last success is the last poll
                result = poll(
                    settings,
                    ingest,
                    stopping=lambda: worker_loop.stopping,
                    **sizes,  # type: ignore[arg-type]
                )
                if result.handled or result.failed:
                    click.echo(str(result))
        except ImapUnavailable as exc:
            click.echo(f"{exc}; trying again in {interval:g}s", err=True)
        db_session().close()  # give the connection back: the next poll may be minutes away
        return False

    with worker_loop:
        click.echo(f"polling {settings.folder} of {settings.where} every {interval:g}s")
        worker_loop.run(one_pass)
    click.echo("stopped")
