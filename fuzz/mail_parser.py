"""Fuzz the mail parser: everything ``mail ingest`` runs on an incoming message before the database.

For any bytes:

- :func:`~flask_citizencare.domain.mail.parse_incoming` returns an
  :class:`Incoming` whose ``ignored_reason`` is one of the documented codes,
  with ``report_id`` set exactly when the mail is accepted; an ``unreadable``
  verdict names one of the parser's own reasons, never an exception its
  last-resort ``except`` caught (that is a bug hidden as "unreadable": a
  citizen's reply silently lost);
- every text it gives (sender, subject, words, Message-ID, detail, attachment
  names and types) is a ``str`` that PostgreSQL and the drivers take: no NUL,
  no lone surrogate; attachment names carry no path or control characters, and
  the attachments respect the count and size limits;
- the public pieces it is made of (reply address lookup, classification of
  auto-replies and bounces, the citizen's words with quotes and signatures
  stripped, attachments, HTML to text) never raise on the parsed message.

Run: ``python -m fuzz.mail_parser CORPUS_DIR tests/mail -max_total_time=60``.
"""

from __future__ import annotations

import re

from fuzz.runner import fuzz, instrumented_imports

with instrumented_imports(__name__, ["flask_citizencare.domain.mail", "email", "html"]):
    import email
    import email.policy

    from flask_citizencare.domain import mail

#: The secret, domain and mailbox the fixtures in tests/mail are addressed with (report 123).
SECRET = b"test-secret"
DOMAIN = "segnalazioni.comune.example"
LOCAL = "risposte"
MAX_ATTACHMENTS = 3
MAX_ATTACHMENT_BYTES = 64 * 1024

REASONS = frozenset({"unreadable", "loop", "bounce", "automatic", "forged", "no_target"})
#: The ``detail`` of the parser's own "unreadable" verdicts (anything else came from its ``except``).
_UNREADABLE = re.compile(r"no headers|damaged headers|no sender|damaged MIME: \w+Defect")


def _text(value: object, what: str) -> None:
    """``value`` is a str a database column takes: no NUL, encodable as UTF-8."""
    if not isinstance(value, str):
        raise AssertionError(f"{what} is {type(value).__name__}, not str")
    if "\x00" in value:
        raise AssertionError(f"{what} contains NUL: {value[:80]!r}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise AssertionError(f"{what} is not valid text ({exc}): {value[:80]!r}") from None


def check(data: bytes) -> None:
    """Parse ``data`` as an incoming mail; raise if the parser breaks its contract."""
    incoming = mail.parse_incoming(
        data,
        secret=SECRET,
        domain=DOMAIN,
        local=LOCAL,
        max_attachments=MAX_ATTACHMENTS,
        max_attachment_bytes=MAX_ATTACHMENT_BYTES,
    )
    _check_incoming(incoming)
    message = email.message_from_bytes(data)
    report_id = mail.find_reply_target(message, SECRET, DOMAIN, LOCAL)
    if report_id is not None and (not isinstance(report_id, int) or report_id < 1):
        raise AssertionError(f"reply target {report_id!r}")
    verdict = mail.is_automatic(message)
    if verdict is not None:
        _text(verdict, "is_automatic")
    _text(mail.reply_text(message), "reply_text")
    for attachment in mail.attachments(
        message, max_count=MAX_ATTACHMENTS, max_total_bytes=MAX_ATTACHMENT_BYTES
    ):
        _text(attachment.filename, "attachment name")
    # The text transformations on their own: any str in, a str out (NUL is the decoders' job, above).
    text = data.decode("utf-8", "replace")
    for transformed in (mail.html_to_text(text), mail.strip_quotes(text)):
        if not isinstance(transformed, str):
            raise AssertionError(f"text transformation gave {type(transformed).__name__}")


def _check_incoming(incoming: mail.Incoming) -> None:
    if not isinstance(incoming, mail.Incoming):
        raise AssertionError(f"parse_incoming gave {type(incoming).__name__}")
    reason = incoming.ignored_reason
    if reason is None:
        if not isinstance(incoming.report_id, int) or incoming.report_id < 1:
            raise AssertionError(f"accepted without a report: {incoming.report_id!r}")
        if incoming.sender is None:
            raise AssertionError("accepted without a sender")
    else:
        if reason not in REASONS:
            raise AssertionError(f"undocumented reason {reason!r}")
        if incoming.report_id is not None:
            raise AssertionError(f"ignored ({reason}) but report_id {incoming.report_id}")
    if reason == "unreadable" and not _UNREADABLE.fullmatch(incoming.detail or ""):
        raise AssertionError(f"the parser's last-resort except made it unreadable: {incoming.detail}")
    for value, what in (
        (incoming.sender, "sender"),
        (incoming.message_id, "Message-ID"),
        (incoming.detail, "detail"),
    ):
        if value is not None:
            _text(value, what)
    _text(incoming.subject, "subject")
    _text(incoming.text, "text")
    if len(incoming.attachments) > MAX_ATTACHMENTS:
        raise AssertionError(f"{len(incoming.attachments)} attachments")
    if sum(len(a.data) for a in incoming.attachments) > MAX_ATTACHMENT_BYTES:
        raise AssertionError("attachments beyond the size limit")
    for attachment in incoming.attachments:
        _text(attachment.filename, "attachment name")
        _text(attachment.content_type, "attachment type")
        if not attachment.filename or re.search(r"[/\\\x00-\x1f\x7f]", attachment.filename):
            raise AssertionError(f"unsafe attachment name {attachment.filename!r}")
        if not isinstance(attachment.data, bytes) or not attachment.data:
            raise AssertionError("attachment without bytes")


if __name__ == "__main__":
    fuzz(check)
