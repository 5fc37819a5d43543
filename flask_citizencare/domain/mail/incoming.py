"""One incoming mail read whole: which report it answers, or why it is ignored.

:func:`parse_incoming` is what ``flask citizencare mail ingest`` calls for each
raw message. It never raises: it says which report the mail is for, or why it is
ignored (``ignored_reason``):

``unreadable``
    not a mail at all, or truncated (MIME boundaries missing), or no sender;
``loop``
    our own mail coming back (:data:`~.classification.LOOP_HEADER`), or more than
    :data:`~.classification.MAX_RECEIVED` ``Received`` headers;
``bounce``
    delivery status notifications, MAILER-DAEMON/postmaster, empty Return-Path,
    PEC non-delivery receipts;
``automatic``
    out-of-office and other auto-replies (RFC 3834 ``Auto-Submitted``,
    ``Precedence``, Microsoft and other vendors' headers, well-known subjects),
    PEC acceptance/delivery receipts;
``forged``
    addressed to our reply mailbox but no token verifies;
``no_target``
    no reply address of ours among To, Cc, Delivered-To, X-Original-To.

``report_id`` is set only for accepted mail (``ignored_reason is None``), so a
caller that checks ``report_id`` alone can never attach an auto-reply.

It puts together the modules beside it (:mod:`.addresses`, :mod:`.classification`,
:mod:`.text`, :mod:`.mime`) and reads the attachments itself.
"""

from __future__ import annotations

import email
import email.errors
import mimetypes
import re
from dataclasses import dataclass, replace
from email.message import Message

from .addresses import _is_ours, _recipient_addresses, _sender, find_reply_target
from .classification import _classify_automatic
from .mime import _disposition, _filename, _header, _part_bytes, _safe_walk, _storable
from .text import reply_text

__all__ = ["Attachment", "Incoming", "attachments", "parse_incoming"]

DEFAULT_MAX_ATTACHMENTS = 5
DEFAULT_MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024


# --------------------------------------------------------------------------- attachments


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes


def _is_attachment(part: Message) -> bool:
    if part.is_multipart():
        return False
    disposition = _disposition(part)
    if disposition == "attachment" or _filename(part) is not None:
        return True
    return part.get_content_maintype() == "image"


def _safe_filename(name: str | None, content_type: str, index: int) -> str:
    if name:
        name = name.replace("\\", "/").rsplit("/", 1)[-1]
        name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip().lstrip(".")
    if not name:
        extension = mimetypes.guess_extension(content_type) or ".bin"
        name = f"allegato-{index}{extension}"
    return name[:200]


def _collect_attachments(
    message: Message, max_count: int, max_total_bytes: int
) -> tuple[list[Attachment], int]:
    found: list[Attachment] = []
    dropped = 0
    total = 0
    for part in _safe_walk(message):
        if not _is_attachment(part):
            continue
        data = _part_bytes(part)
        if not data:
            continue
        if len(found) >= max_count or total + len(data) > max_total_bytes:
            dropped += 1
            continue
        content_type = _storable(part.get_content_type())
        found.append(
            Attachment(_safe_filename(_filename(part), content_type, len(found) + 1), content_type, data)
        )
        total += len(data)
    return found, dropped


def attachments(
    message: Message,
    *,
    max_count: int = DEFAULT_MAX_ATTACHMENTS,
    max_total_bytes: int = DEFAULT_MAX_ATTACHMENT_BYTES,
) -> list[Attachment]:
    """Files sent with the reply (named parts, ``attachment`` parts, inline images), within the limits.

    Parts are taken in order; one that would go past ``max_count`` or
    ``max_total_bytes`` is left out (a smaller one after it may still fit).
    """
    return _collect_attachments(message, max_count, max_total_bytes)[0]


# --------------------------------------------------------------------------- the whole message


@dataclass(frozen=True)
class Incoming:
    """What one raw incoming mail means for the ingest command."""

    report_id: int | None
    ignored_reason: str | None
    sender: str | None = None
    subject: str = ""
    text: str = ""
    attachments: tuple[Attachment, ...] = ()
    message_id: str | None = None
    #: Human-readable why (for the log), e.g. ``"Auto-Submitted: auto-replied"``.
    detail: str | None = None
    #: Attachments left out by the count and size limits.
    attachments_dropped: int = 0

    @property
    def accepted(self) -> bool:
        return self.ignored_reason is None


_TRUNCATION_DEFECTS = (
    email.errors.StartBoundaryNotFoundDefect,
    email.errors.CloseBoundaryNotFoundDefect,
    email.errors.MultipartInvariantViolationDefect,
    email.errors.NoBoundaryInMultipartDefect,
)


def _unreadable(message: Message) -> str | None:
    if not message.keys():
        return "no headers"
    for part in _safe_walk(message):
        for defect in getattr(part, "defects", []):
            if isinstance(defect, _TRUNCATION_DEFECTS):
                return f"damaged MIME: {type(defect).__name__}"
            if isinstance(defect, email.errors.MissingHeaderBodySeparatorDefect) and part is message:
                return "damaged headers"
    if _sender(message) is None:
        return "no sender"
    return None


def _message_id(message: Message) -> str | None:
    value = _header(message, "Message-ID")
    return value[:998] or None


def parse_incoming(
    raw: bytes,
    *,
    secret: bytes,
    domain: str,
    local: str,
    max_attachments: int = DEFAULT_MAX_ATTACHMENTS,
    max_attachment_bytes: int = DEFAULT_MAX_ATTACHMENT_BYTES,
) -> Incoming:
    """Read one raw mail: which report it answers, or why it is ignored. Never raises on bad input."""
    try:
        return _parse(raw, secret, domain, local, max_attachments, max_attachment_bytes)
    except Exception as exc:  # a mail we cannot read must not stop the ingest of the others
        return Incoming(
            report_id=None, ignored_reason="unreadable", detail=f"{type(exc).__name__}: {exc}"[:200]
        )


def _parse(
    raw: bytes, secret: bytes, domain: str, local: str, max_attachments: int, max_attachment_bytes: int
) -> Incoming:
    if not isinstance(raw, bytes | bytearray):
        raise TypeError("raw must be bytes")
    message = email.message_from_bytes(bytes(raw))
    problem = _unreadable(message)
    if problem is not None:
        return Incoming(report_id=None, ignored_reason="unreadable", detail=problem)

    found, dropped = _collect_attachments(message, max_attachments, max_attachment_bytes)
    read = Incoming(
        report_id=None,
        ignored_reason=None,
        sender=_sender(message),
        subject=_header(message, "Subject"),
        text=reply_text(message),
        attachments=tuple(found),
        message_id=_message_id(message),
        attachments_dropped=dropped,
    )
    verdict = _classify_automatic(message)
    if verdict is not None:
        return replace(read, ignored_reason=verdict[0], detail=verdict[1])

    report_id = find_reply_target(message, secret, domain, local)
    if report_id is not None:
        return replace(read, report_id=report_id)
    ours = [addr for addr in _recipient_addresses(message) if _is_ours(addr, domain, local)]
    if ours:
        return replace(read, ignored_reason="forged", detail=f"bad reply address {ours[0][:120]}")
    return replace(read, ignored_reason="no_target", detail="no reply address of ours")
