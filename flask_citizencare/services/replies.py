"""Reply by mail: a citizen's answer to one of our mails goes into the report's thread.

:func:`ingest_message` takes one raw RFC 822 message (what ``flask citizencare
mail ingest`` reads from an MTA pipe, a Maildir or an mbox) and:

- reads it with :func:`~..domain.mail.parse_incoming`; machine mail (bounces,
  auto-replies, loops), mail for no report of ours, forged reply addresses,
  unreadable mail, mail for a report that does not exist and mail for a report
  whose reporter's personal data were erased (retention or a request: its
  reply address is dead) are logged and ignored (``ignored:<reason>``),
  changing nothing;
- skips a redelivery: the mail's Message-ID is stored on the message
  (``Message.email_message_id``, unique), a mail without one is known by a hash
  of its bytes (``duplicate``);
- posts the citizen's words, with the photos among the attachments (anything
  that is not a photo is left out silently, as are photos beyond
  ``CITIZENCARE_MAX_PHOTOS`` for the report), as a private reporter message
  with source ``email`` (``posted``);
- reopens a resolved report, back to the technician who resolved it, when it
  was resolved within ``CITIZENCARE_REOPEN_DAYS`` and fewer than
  ``CITIZENCARE_REOPEN_PER_DAY`` reopenings by mail happened in the last 24
  hours (``reopened``; the rule is :mod:`.reopening`'s, shared with the
  tracking page). Closed and rejected reports, and reports resolved longer
  ago, only get the message.

The message and the reopening are committed together.

Settings (read with defaults, so a host need not set them):

``CITIZENCARE_REPLY_SECRET``
    key of the reply-address tokens; default derived from ``SECRET_KEY``;
``CITIZENCARE_REPLY_LOCAL``
    local part of the reply addresses (``risposte``);
``CITIZENCARE_REOPEN_DAYS``
    how long after resolution a reply reopens the case (30);
``CITIZENCARE_REOPEN_PER_DAY``
    most reopenings by mail per report in 24 hours (3).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app

from ..context import db_session
from ..domain.lifecycle import Status
from ..domain.mail import Incoming, parse_incoming
from ..models import Message, Report
from ..models.base import utcnow
from ..storage.photos import PhotoRejected, ProcessedPhoto, process_photo
from .errors import ChangedMeanwhile
from .locking import changing_case
from .mail.reply_addresses import reply_domain, reply_local, reply_secret
from .reopening import why_not_reopened
from .reports import add_reporter_information
from .triage import reopen_by_citizen, send_reopened

__all__ = ["IngestResult", "ingest_message"]

log = logging.getLogger(__name__)
#: Longest text kept from one mail (the tracking page's limit for added information).
TEXT_MAX = 5000
#: Longest Message-ID the column takes; longer ones are stored as a hash.
MESSAGE_ID_MAX = 250
#: The event note is the start of the citizen's mail.
NOTE_MAX = 200


@dataclass(frozen=True)
class IngestResult:
    """What happened to one mail: ``posted``, ``reopened``, ``duplicate`` or ``ignored:<reason>``."""

    status: str
    report_id: int | None = None
    #: The thread message created (``posted`` and ``reopened`` only).
    message_id: int | None = None
    #: Why, for the log and the command's output (e.g. the header that made it automatic).
    detail: str | None = None

    @property
    def changed(self) -> bool:
        return self.status in ("posted", "reopened")

    def __str__(self) -> str:
        where = f" report {self.report_id}" if self.report_id is not None else ""
        why = f" ({self.detail})" if self.detail else ""
        return f"{self.status}{where}{why}"


def _dedupe_key(incoming: Incoming, raw: bytes) -> str:
    """The Message-ID, or (missing or too long for the column) a hash standing in for it."""
    if incoming.message_id and len(incoming.message_id) <= MESSAGE_ID_MAX:
        return incoming.message_id
    basis = incoming.message_id.encode("utf-8", "replace") if incoming.message_id else raw
    return f"<sha256.{hashlib.sha256(basis).hexdigest()}@citizencare.invalid>"


def _photos(incoming: Incoming, room: int) -> list[ProcessedPhoto]:
    """The attachments that are photos, processed, at most ``room`` of them; the rest is dropped."""
    config = current_app.config
    photos: list[ProcessedPhoto] = []
    # Attachments are named by position: a file name may carry the citizen's name.
    for position, attachment in enumerate(incoming.attachments, start=1):
        if len(photos) >= room:
            log.info("attachment %s left out: no room for more photos on the report", position)
            break
        try:
            photos.append(
                process_photo(
                    attachment.data,
                    max_bytes=config["CITIZENCARE_PHOTO_MAX_BYTES"],
                    max_pixels=config["CITIZENCARE_PHOTO_MAX_PIXELS"],
                )
            )
        except PhotoRejected as rejected:
            log.info("attachment %s is not a photo we take: %s", position, rejected.reason)
    return photos


def _ignored(reason: str, report_id: int | None, detail: str | None) -> IngestResult:
    log.info("reply by mail ignored (%s) for report %s: %s", reason, report_id, detail)
    return IngestResult(f"ignored:{reason}", report_id, detail=detail)


def ingest_message(raw: bytes, *, now: datetime | None = None) -> IngestResult:
    """Post one incoming mail into its report's thread, reopening a recently resolved report.

    Needs an application context. Nothing is written unless the result is
    ``posted`` or ``reopened``. A concurrent staff change of the report is
    retried once; other database errors propagate (the caller should have the
    mail delivered again later).
    """
    now = now or utcnow()
    config = current_app.config
    max_photos = int(config.get("CITIZENCARE_MAX_PHOTOS", 5))
    incoming = parse_incoming(
        raw,
        secret=reply_secret(),
        domain=reply_domain(),
        local=reply_local(),
        max_attachments=max_photos * 2,
        max_attachment_bytes=max_photos * int(config.get("CITIZENCARE_PHOTO_MAX_BYTES", 10 * 1024 * 1024)),
    )
    if incoming.ignored_reason is not None or incoming.report_id is None:
        return _ignored(incoming.ignored_reason or "no_target", None, incoming.detail)
    for attempt in (1, 2):
        try:
            with changing_case():  # a reopening set on the report must not linger in the session
                return _post(incoming, raw, now, max_photos)
        except ChangedMeanwhile:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _post(incoming: Incoming, raw: bytes, now: datetime, max_photos: int) -> IngestResult:
    session = db_session()
    report_id = incoming.report_id
    report = session.get(Report, report_id)
    if report is None:
        return _ignored("unknown_report", report_id, "no such report")
    if report.contact_erased:
        return _ignored("erased", report_id, "the reporter's personal data were erased")
    key = _dedupe_key(incoming, raw)
    if session.scalar(sa.select(Message.id).where(Message.email_message_id == key)) is not None:
        log.info("reply by mail %s for report %s already posted", key, report_id)
        return IngestResult("duplicate", report_id, detail=key)

    text = incoming.text[:TEXT_MAX].strip()
    photos = _photos(incoming, max(max_photos - len(report.photos), 0))
    if not text and not photos:
        return _ignored("empty", report_id, "no text of the citizen's and no photo")

    why_not = why_not_reopened(report, now)
    event = reopen_by_citizen(report, text[:NOTE_MAX], now) if why_not is None else None
    if why_not is not None and report.status == Status.RESOLVED.value:
        log.info("reply by mail for report %s does not reopen it: %s", report_id, why_not)
    try:
        # One commit for the message and the reopening made above on the same session.
        message = add_reporter_information(report, text, photos, source="email", email_message_id=key)
    except sa.exc.IntegrityError:
        session.rollback()
        if session.scalar(sa.select(Message.id).where(Message.email_message_id == key)) is None:
            raise
        return IngestResult("duplicate", report_id, detail=key)  # delivered twice at the same time
    if event is not None:
        send_reopened(report, event)
        log.info("report %s reopened by a reply by mail", report_id)
        return IngestResult("reopened", report_id, message.id)
    log.info("reply by mail posted on report %s", report_id)
    return IngestResult("posted", report_id, message.id)
