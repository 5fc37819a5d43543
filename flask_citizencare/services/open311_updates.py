"""A citizen's update sent by an Open311 client (FixMyStreet's ``servicerequestupdates`` POST).

It is what the reporter writes on the tracking page
(:func:`.reopening.write_on_tracking_page`): a private message of the
reporter's in the case's thread that reopens a recently resolved case the way
the mail promises. Only the client that filed the case may post the
reporter's words on it: a key cannot speak for another client's citizens.
An ``Idempotency-Key`` stands in for the message's Message-ID: sent again, it
gets the first message back.
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ..context import db_session
from ..models import ApiSubmission, Message, Report
from .reopening import write_on_tracking_page


class UpdateRefused(ValueError):
    """``code``: ``unknown`` (no such public case), ``not_yours`` (another client's case)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _message_key(api_key_id: int, idempotency_key: str) -> str:
    digest = hashlib.sha256(f"{api_key_id}\n{idempotency_key}".encode()).hexdigest()
    return f"<o311.{digest}@citizencare.invalid>"


def public_case(public_id: str) -> Report | None:
    """The public, not merged case numbered ``public_id``."""
    return db_session().scalar(
        sa.select(Report)
        # Loaded now: adding the message reads them, and a lazy load would flush it half-made.
        .options(selectinload(Report.photos), selectinload(Report.messages))
        .where(Report.public_id == public_id, Report.is_public.is_(True), Report.duplicate_of_id.is_(None))
    )


def post_update(api_key_id: int, public_id: str, text: str, idempotency_key: str | None = None) -> Message:
    """Add the reporter's ``text`` to the case the client filed; commits. See the module's docstring."""
    session = db_session()
    report = public_case(public_id)
    if report is None:
        raise UpdateRefused("unknown")
    filed_by = session.scalar(sa.select(ApiSubmission.api_key_id).where(ApiSubmission.report_id == report.id))
    if filed_by != api_key_id or report.contact_erased:
        raise UpdateRefused("not_yours")
    key = _message_key(api_key_id, idempotency_key) if idempotency_key is not None else None
    if key is not None:
        earlier = session.scalar(sa.select(Message).where(Message.email_message_id == key))
        if earlier is not None:
            return earlier
    try:
        message, _event = write_on_tracking_page(report, text, source="api", email_message_id=key)
    except sa.exc.IntegrityError:
        session.rollback()
        earlier = session.scalar(sa.select(Message).where(Message.email_message_id == key)) if key else None
        if earlier is None:
            raise
        return earlier
    return message
