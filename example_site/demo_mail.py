"""The demo's mail catcher and its "demo mailbox" page: the mails the outbox sent, readable in the browser.

Why this way: the outbox stays exactly as in production (rows written by the
services, delivered over SMTP by ``outbox send``); only the SMTP server is a
toy. ``flask site demo-mail`` starts aiosmtpd on loopback, which stores every
message it receives into a Maildir (``SITE_DEMO_MAILDIR``, default
``instance/demo-mail``), and in the same process runs the outbox worker against
it every few seconds. The page ``/demo/mailbox`` (only with ``SITE_DEMO_MAILBOX``,
which ``make demo`` sets; 404 otherwise) lists that Maildir and shows each mail's
text with its links clickable, so the survey and follow-confirmation links can
be tried. A Maildir needs no table, survives restarts and is safe for one
writer and many readers.
"""

from __future__ import annotations

import mailbox
import re
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import click
from flask import Blueprint, abort, current_app, render_template
from flask.typing import ResponseReturnValue
from markupsafe import Markup, escape

blueprint = Blueprint("demo", __name__, url_prefix="/demo")

#: Mails listed on the page, newest first.
PAGE_SIZE = 200
_URL = re.compile(r"https?://[^\s<>\"']+")


def maildir_path() -> Path:
    configured = current_app.config.get("SITE_DEMO_MAILDIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "demo-mail"


class MaildirHandler:
    """aiosmtpd handler: every message received goes into the Maildir."""

    def __init__(self, path: Path) -> None:
        self.path = path
        mailbox.Maildir(str(path), create=True)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        box = mailbox.Maildir(str(self.path), create=True)
        box.add(bytes(envelope.original_content or envelope.content))
        return "250 Message accepted for delivery"


@dataclass(frozen=True)
class DemoMail:
    key: str
    subject: str
    recipient: str
    date: str
    text: str

    @property
    def text_with_links(self) -> Markup:
        """The text, escaped, with every address made a link."""
        out, last = [], 0
        for match in _URL.finditer(self.text):
            url = match.group(0).rstrip(".,;:)")
            out.append(escape(self.text[last : match.start()]))
            out.append(Markup('<a href="{0}">{0}</a>').format(url))
            last = match.start() + len(url)
        out.append(escape(self.text[last:]))
        return Markup("").join(out)


def _read(key: str, raw: bytes) -> DemoMail:
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    part = message.get_body(preferencelist=("plain", "html"))
    text = part.get_content() if part is not None else ""
    return DemoMail(
        key=key,
        subject=str(message.get("Subject", "")),
        recipient=str(message.get("To", "")),
        date=str(message.get("Date", "")),
        text=text,
    )


def read_mails() -> list[DemoMail]:
    path = maildir_path()
    if not path.is_dir():
        return []
    box = mailbox.Maildir(str(path), create=False)
    entries = []
    for key in box.keys():
        file = path / ("new" if (path / "new" / key).exists() else "cur") / key
        try:
            entries.append((file.stat().st_mtime, key))
        except FileNotFoundError:
            continue
    entries.sort(reverse=True)
    return [_read(key, box.get_bytes(key)) for _, key in entries[:PAGE_SIZE]]


def _enabled() -> None:
    if not current_app.config.get("SITE_DEMO_MAILBOX"):
        abort(404)


@blueprint.get("/mailbox")
def mailbox_page() -> ResponseReturnValue:
    _enabled()
    return render_template("comune/demo_mailbox.html", mails=read_mails())


@blueprint.get("/mailbox/<key>")
def mail_page(key: str) -> ResponseReturnValue:
    _enabled()
    if not re.fullmatch(r"[A-Za-z0-9._-]{1,200}", key):
        abort(404)
    path = maildir_path()
    box = mailbox.Maildir(str(path), create=False) if path.is_dir() else None
    try:
        raw = box.get_bytes(key) if box is not None else None
    except KeyError:
        raw = None
    if raw is None:
        abort(404)
    return render_template("comune/demo_mail.html", mail=_read(key, raw))


@click.command("demo-mail")
@click.option("--port", default=8025, show_default=True, help="Loopback port of the mail catcher.")
@click.option("--interval", default=3.0, show_default=True, help="Seconds between outbox passes.")
def demo_mail_command(port: int, interval: float) -> None:
    """The demo's mail catcher on 127.0.0.1 and the outbox worker delivering into it (stop with SIGTERM)."""
    # Optional: aiosmtpd comes with the test extras, which `make demo` installs.
    from aiosmtpd.controller import Controller

    from flask_citizencare.cli.loops import WorkerLoop
    from flask_citizencare.services.mail.outbox import deliver_pending

    path = maildir_path()
    controller = Controller(MaildirHandler(path), hostname="127.0.0.1", port=port)
    controller.start()
    config = current_app.config
    config.update(
        CITIZENCARE_SMTP_HOST="127.0.0.1",
        CITIZENCARE_SMTP_PORT=port,
        CITIZENCARE_SMTP_STARTTLS=False,
        CITIZENCARE_SMTP_SSL=False,
        CITIZENCARE_SMTP_USERNAME=None,
    )
    click.echo(f"demo mail catcher on 127.0.0.1:{port}, writing into {path}")
    try:
        with WorkerLoop(interval) as loop:
            loop.run(lambda: deliver_pending(worker="demo-mail", limit=50).sent >= 50)
    finally:
        controller.stop()
