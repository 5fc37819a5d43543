"""Who hears about a report: its reporter and the people following it by e-mail.

Anyone may follow a public report with double opt-in: :func:`request_follow`
writes an unconfirmed :class:`~flask_citizencare.models.Follower` and queues a
confirmation mail with a signed link that expires after
``CITIZENCARE_FOLLOW_CONFIRM_DAYS``; :func:`confirm_follow` sets
``confirmed_at``. :func:`~.mail.recipients.recipients` is the one place that
decides who gets the mail of an event, and :func:`unsubscribe` takes one
address off one report.

A reporter who unsubscribed is remembered as a ``Follower`` row with the
reporter's address and ``unsubscribed_at`` set; such a row is never a
recipient and silences the reporter's own mails. Only a valid
unsubscribe link (or a confirmed follow request from that address) writes or
clears it, so nobody can silence a reporter by typing their address into the
follow form.

Signed tokens (:mod:`~flask_citizencare.tokens`, each kind under its own
key) name the address by a keyed hash, never in clear, so the links do not put
addresses into web server logs.

Which mails carry the one-click unsubscribe link (body and ``List-Unsubscribe``
with ``List-Unsubscribe-Post``, RFC 8058): every mail about a report to the
reporter (the received mail and the resolved mail with its survey link
included) and to followers. Unsubscribing stops every mail about that report
to that address, private messages from the office included: the tracking page
still shows them. The confirmation mail has none: the address is not
subscribed yet, and ignoring the mail keeps it so. Staff mails have none
either: staff switch them in their preferences page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..access import publicly_visible
from ..context import db_session
from ..models import Follower, OutboxMail, Report
from ..models.base import utcnow
from ..tokens import ExpiredToken, InvalidToken, Purpose, same, sign, verify
from .mail.notify import queue_follow_confirmation
from .mail.recipients import (
    address_key,
    confirm_days,
    followers_of,
    normalise,
    reporter_address,
    supporters_of,
)

#: Confirmation mails for one address and one report within :data:`RESEND_WINDOW`.
MAX_CONFIRMATIONS_PER_REPORT = 2
#: Unconfirmed follow requests one address may have open at once (all reports together).
MAX_PENDING_PER_ADDRESS = 5
RESEND_WINDOW = timedelta(hours=24)
_TOKEN_MAX = 300


class FollowLinkError(Exception):
    """A confirmation or unsubscribe link that cannot be used; ``expired`` for a genuine but old one."""

    def __init__(self, expired: bool = False) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


# -- following ------------------------------------------------------------------


def confirm_token(follower: Follower) -> str:
    return sign(Purpose.FOLLOW_CONFIRM, {"f": follower.id, "a": address_key(follower.email)})


def _recent_confirmations(session: Session, report_id: int, address: str, now: datetime) -> int:
    return int(
        session.scalar(
            sa.select(sa.func.count(OutboxMail.id)).where(
                OutboxMail.template == "follow_confirm",
                OutboxMail.report_id == report_id,
                OutboxMail.recipient == address,
                OutboxMail.created_at >= now - RESEND_WINDOW,
            )
        )
        or 0
    )


def _pending_elsewhere(session: Session, address: str, report_id: int, now: datetime) -> int:
    """Unconfirmed requests of ``address`` on other reports whose link still works."""
    return int(
        session.scalar(
            sa.select(sa.func.count(Follower.id)).where(
                Follower.email == address,
                Follower.confirmed_at.is_(None),
                Follower.unsubscribed_at.is_(None),
                Follower.report_id != report_id,
                Follower.created_at >= now - timedelta(days=confirm_days()),
            )
        )
        or 0
    )


def request_follow(report: Report, address: str, language: str, *, now: datetime | None = None) -> bool:
    """Ask to follow a public report; commits. True when a confirmation mail was queued.

    The caller shows the same page whatever this returns, so nobody learns
    whether an address already follows. No mail goes out when the address
    already follows, when it was sent :data:`MAX_CONFIRMATIONS_PER_REPORT`
    confirmations for this report in the last day, or when it has
    :data:`MAX_PENDING_PER_ADDRESS` unconfirmed requests on other reports.
    """
    if not publicly_visible(report):
        raise ValueError("only reports with a public page can be followed")
    session = db_session()
    now = now or utcnow()
    address = normalise(address)
    row = session.scalar(
        sa.select(Follower).where(Follower.report_id == report.id, Follower.email == address)
    )
    if row is not None and row.confirmed_at is not None and not row.opted_out:
        return False  # follows already
    if _recent_confirmations(session, report.id, address, now) >= MAX_CONFIRMATIONS_PER_REPORT:
        return False
    if row is None:
        if _pending_elsewhere(session, address, report.id, now) >= MAX_PENDING_PER_ADDRESS:
            return False
        row = Follower(report_id=report.id, email=address, locale=language, created_at=now)
        session.add(row)
        session.flush()
    else:
        row.locale = language
    queue_follow_confirmation(session, report, row, language, confirm_token(row))
    session.commit()
    return True


def follower_for_confirmation(token: str) -> Follower:
    """The follow request a confirmation token names; :class:`FollowLinkError` otherwise."""
    try:
        payload: Any = verify(
            Purpose.FOLLOW_CONFIRM, token, max_age=confirm_days() * 86400, max_length=_TOKEN_MAX
        )
    except ExpiredToken:
        raise FollowLinkError(expired=True) from None
    except InvalidToken:
        raise FollowLinkError() from None
    if not isinstance(payload, dict):
        raise FollowLinkError()
    follower_id, key = payload.get("f"), payload.get("a")
    if isinstance(follower_id, bool) or not isinstance(follower_id, int) or not isinstance(key, str):
        raise FollowLinkError()
    row = db_session().get(Follower, follower_id)
    if row is None or not same(address_key(row.email), key):
        raise FollowLinkError()
    return row


def confirm_follow(token: str, language: str, *, now: datetime | None = None) -> Report:
    """Confirm the follow request of ``token`` (idempotent); commits. The report now followed.

    Raises :class:`FollowLinkError` for a tampered, unknown or expired link,
    and for a report that no longer has a public page.
    """
    session = db_session()
    row = follower_for_confirmation(token)
    report = session.get(Report, row.report_id)
    if report is None or not publicly_visible(report):
        raise FollowLinkError()
    if row.confirmed_at is None:
        row.confirmed_at = now or utcnow()
        row.unsubscribed_at = None  # a reporter who had unsubscribed follows again
        row.locale = language
        session.commit()
    return report


def follow_master(session: Session, duplicate: Report, master: Report, now: datetime) -> None:
    """After a merge, the duplicate's reporter and confirmed followers hear about the master case.

    An address that unsubscribed from the master stays unsubscribed; an
    unconfirmed request on the master is confirmed (the person agreed to
    mail about the same problem). Not committed.
    """
    wanted: dict[str, str | None] = {}
    reporter = reporter_address(duplicate)
    if reporter is not None and duplicate.contact is not None:
        wanted[reporter] = duplicate.contact.locale
    for row in followers_of(session, duplicate.id):
        if row.confirmed_at is not None and not row.opted_out:
            wanted.setdefault(normalise(row.email), row.locale)
    if not wanted:
        return
    existing = {normalise(row.email): row for row in followers_of(session, master.id)}
    for address, locale in wanted.items():
        found = existing.get(address)
        if found is None:
            session.add(Follower(report_id=master.id, email=address, locale=locale, confirmed_at=now))
        elif found.confirmed_at is None and not found.opted_out:
            found.confirmed_at = now


# -- unsubscribing --------------------------------------------------------------


@dataclass(frozen=True)
class Subscription:
    """What an unsubscribe token names: a report and the keyed hash of an address."""

    report: Report
    key: str


def subscription_for(token: str) -> Subscription:
    """The report and address an unsubscribe token names; :class:`FollowLinkError` if tampered."""
    try:
        payload: Any = verify(Purpose.UNSUBSCRIBE, token, max_length=_TOKEN_MAX)
    except InvalidToken:
        raise FollowLinkError() from None
    if not isinstance(payload, dict):
        raise FollowLinkError()
    report_id, key = payload.get("r"), payload.get("a")
    if isinstance(report_id, bool) or not isinstance(report_id, int) or not isinstance(key, str):
        raise FollowLinkError()
    report = db_session().get(Report, report_id)
    if report is None:
        raise FollowLinkError()
    return Subscription(report, key)


def unsubscribe(token: str) -> Report:
    """Take the token's address off the token's report; commits; idempotent.

    A follower row is deleted; the reporter's address, and a supporter's
    (whose support stays), get the row with ``unsubscribed_at`` set, which
    stops their mails about this report.
    """
    session = db_session()
    subscription = subscription_for(token)
    report, key = subscription.report, subscription.key
    reporter = reporter_address(report)
    marker: tuple[str, str | None] | None = None  # the address to remember as unsubscribed, its locale
    if reporter is not None and same(address_key(reporter), key):
        marker = (reporter, report.contact.locale if report.contact is not None else None)
    else:
        for support in supporters_of(session, report.id):
            if support.email and same(address_key(support.email), key):
                marker = (normalise(support.email), support.locale)
                break
    marked = False
    for row in followers_of(session, report.id):
        if not same(address_key(row.email), key):
            continue
        if marker is not None and row.opted_out:
            marked = True
        else:
            session.delete(row)
    if marker is not None and not marked:
        session.flush()  # the deletion first: (report, address) is unique
        address, locale = marker
        session.add(Follower(report_id=report.id, email=address, locale=locale, unsubscribed_at=utcnow()))
    session.commit()
    return report
