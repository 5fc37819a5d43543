"""Retention and erasure of citizens' personal data (GDPR art. 5(1)(e) and art. 17).

Two use cases, one way of forgetting a reporter (:func:`_forget_reporter`):

- :func:`run_retention` (``flask citizencare retention run``, from cron): reports
  closed (resolved, closed or rejected) longer ago than
  ``CITIZENCARE_RETENTION_MONTHS`` (or the months of their category: its
  ``retention_months`` as managers set it, else its entry in
  ``CITIZENCARE_RETENTION_MONTHS_BY_CATEGORY``) lose their reporter's contact
  and their followers, in batches committed one by one, so an interrupted run
  resumes where it stopped and a second run finds nothing to do;
- :func:`erase_address` (``flask citizencare erase --email``): a data subject's
  request, everything tied to one address, whatever the state of the reports.

Forgetting a reporter blanks the contact row (name, e-mail, phone, host user
id, language) and sets its ``erased_at``: the row stays as the marker that
kills what is derived rather than stored, the survey link and the reply
address (:attr:`~..models.Report.contact_erased`, checked by the survey and by
mail ingest; the outbox writes no reply address any more). The reporter's
messages keep their words but lose what could name the sender: the author is
the neutral ``reporter`` kind, shown as "citizen" once no contact is left, and
the stored Message-ID of a mail (it often carries the sender's address or
host) becomes a hash of itself. Followers and mails in the outbox to the
forgotten addresses, sent or not, are deleted. Each report gets an ``erase``
(request) or ``retention`` event, not public, without personal data: the audit
timeline keeps that it happened, and a retention run skips the reports that
have theirs.

The public page, its public thread, the open data and the statistics do not
change: they never held personal data, and neither the report row nor its
status, times and category are touched.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta
from flask import current_app
from sqlalchemy.orm import Session

from ..domain.lifecycle import CLOSED_STATUSES
from ..models import (
    Category,
    Follower,
    Message,
    OutboxMail,
    Report,
    ReporterContact,
    StaffMember,
    StatusEvent,
    Subscription,
)
from ..models.base import utcnow

__all__ = [
    "ERASE_ACTION",
    "RETENTION_ACTION",
    "Erased",
    "due_for_retention",
    "erase_address",
    "run_retention",
]

#: The actions of the audit events an erasure on request and a retention run leave on the report;
#: the latter is also how a run knows a report is done.
ERASE_ACTION = "erase"
RETENTION_ACTION = "retention"
DEFAULT_BATCH_SIZE = 200
#: The stand-in for a Message-ID, as mail ingest writes it for mails without one.
_HASHED_ID = "<sha256.{}@citizencare.invalid>"


@dataclass
class Erased:
    """What was erased (or, in a dry run, would be): the counts and the reports' public numbers."""

    reports: list[str] = field(default_factory=list)
    #: Reporter contacts blanked (a contact already erased on request is not counted again).
    contacts: int = 0
    followers: int = 0
    unsent_mails: int = 0
    sent_mails: int = 0
    message_ids: int = 0
    notice_subscriptions: int = 0
    batches: int = 0

    def add(self, other: Erased) -> None:
        self.reports.extend(other.reports)
        for name in ("contacts", "followers", "unsent_mails", "sent_mails", "message_ids"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.notice_subscriptions += other.notice_subscriptions

    def lines(self) -> list[str]:
        """The receipt, one fact per line."""
        return [
            f"reports: {len(self.reports)}" + (f" ({', '.join(self.reports)})" if self.reports else ""),
            f"reporter contacts erased: {self.contacts}",
            f"follower and pending follow addresses removed: {self.followers}",
            f"mails not yet sent cancelled: {self.unsent_mails}",
            f"copies of sent mails removed: {self.sent_mails}",
            f"mail Message-IDs of the citizen's messages replaced by a hash: {self.message_ids}",
            f"subscriptions (notices and alerts) removed: {self.notice_subscriptions}",
        ]


# -- which reports are due --------------------------------------------------------------------


def _months(config: Mapping[str, Any]) -> tuple[int, dict[str, int]]:
    default = int(config["CITIZENCARE_RETENTION_MONTHS"])
    by_category = {
        str(code): int(m) for code, m in config["CITIZENCARE_RETENTION_MONTHS_BY_CATEGORY"].items()
    }
    return default, by_category


def _closed_since() -> sa.ScalarSelect[Any]:
    """When the report entered its current (closed) state: its last event that changed the state."""
    return (
        sa.select(sa.func.max(StatusEvent.at))
        .where(
            StatusEvent.report_id == Report.id,
            StatusEvent.to_status == Report.status,
            sa.or_(StatusEvent.from_status.is_(None), StatusEvent.from_status != StatusEvent.to_status),
        )
        .scalar_subquery()
    )


def due_for_retention(
    session: Session, now: datetime, *, after_id: int = 0, limit: int = DEFAULT_BATCH_SIZE
) -> list[int]:
    """Ids (ascending, above ``after_id``) of closed reports past retention not yet through it."""
    default, by_category = _months(current_app.config)
    closed = _closed_since()
    # The months managers set on the category win; then the configuration's by code; then the default.
    own = sorted(
        {
            months
            for months in session.scalars(sa.select(Category.retention_months).distinct())
            if months is not None
        }
    )
    windows = [
        sa.and_(Category.retention_months == months, closed < now - relativedelta(months=months))
        for months in own
    ]
    unset = Category.retention_months.is_(None)
    windows += [
        sa.and_(unset, Category.code == code, closed < now - relativedelta(months=months))
        for code, months in by_category.items()
    ]
    windows.append(
        sa.and_(unset, Category.code.not_in(list(by_category)), closed < now - relativedelta(months=default))
    )
    done = sa.select(StatusEvent.id).where(
        StatusEvent.report_id == Report.id, StatusEvent.action == RETENTION_ACTION
    )
    query = (
        sa.select(Report.id)
        .join(Category, Category.id == Report.category_id)
        .where(
            Report.id > after_id,
            Report.status.in_([s.value for s in CLOSED_STATUSES]),
            sa.or_(*windows),
            ~done.exists(),
        )
        .order_by(Report.id)
        .limit(limit)
    )
    return list(session.scalars(query))


# -- forgetting -------------------------------------------------------------------------------


def _hashed(message_id: str) -> str:
    return _HASHED_ID.format(hashlib.sha256(message_id.encode("utf-8", "replace")).hexdigest())


def _hash_message_ids(session: Session, report: Report, dry_run: bool) -> int:
    """The Message-IDs of the citizen's mails on ``report`` become hashes of themselves (dedupe works on)."""
    messages = list(
        session.scalars(
            sa.select(Message).where(
                Message.report_id == report.id,
                Message.author_kind == "reporter",
                Message.email_message_id.is_not(None),
                Message.email_message_id.not_like(_HASHED_ID.format("%")),
            )
        )
    )
    if not dry_run:
        for message in messages:
            message.email_message_id = _hashed(message.email_message_id or "")
    return len(messages)


def _delete_mails(session: Session, condition: Any, found: Erased, dry_run: bool) -> None:
    rows = session.execute(sa.select(OutboxMail.id, OutboxMail.state).where(condition)).all()
    found.unsent_mails += sum(1 for row in rows if row.state != "sent")
    found.sent_mails += sum(1 for row in rows if row.state == "sent")
    if rows and not dry_run:
        session.execute(sa.delete(OutboxMail).where(OutboxMail.id.in_([row.id for row in rows])))


def _delete_where(session: Session, model: Any, condition: Any, dry_run: bool) -> int:
    ids = list(session.scalars(sa.select(model.id).where(condition)))
    if ids and not dry_run:
        session.execute(sa.delete(model).where(model.id.in_(ids)))
    return len(ids)


def _blank(session: Session, report: Report, now: datetime) -> None:
    contact = report.contact
    if contact is None:  # nothing to erase, but the marker stops survey and reply addresses
        session.add(ReporterContact(report_id=report.id, erased_at=now))
        return
    contact.name = contact.email = contact.phone = contact.user_id = contact.locale = None
    contact.consent_at = None
    contact.erased_at = contact.erased_at or now


def _audit(session: Session, report: Report, action: str, now: datetime) -> None:
    # Added on its own, not through report.events: the report row (and its version) stays as it is.
    session.add(
        StatusEvent(
            report_id=report.id,
            at=now,
            action=action,
            from_status=report.status,
            to_status=report.status,
            actor_kind="system",
            public=False,
        )
    )


def _retain(session: Session, report: Report, now: datetime, dry_run: bool) -> Erased:
    """Forget the reporter of ``report`` and everyone following it; not committed."""
    found = Erased(reports=[report.public_id])
    found.contacts = 1 if report.contact is not None and report.contact.erased_at is None else 0
    found.message_ids = _hash_message_ids(session, report, dry_run)
    found.followers = _delete_where(session, Follower, Follower.report_id == report.id, dry_run)
    staff = sa.select(sa.func.lower(StaffMember.email)).where(StaffMember.email.is_not(None))
    citizens_mail = sa.and_(
        OutboxMail.report_id == report.id, sa.func.lower(OutboxMail.recipient).not_in(staff)
    )
    _delete_mails(session, citizens_mail, found, dry_run)
    if not dry_run:
        _blank(session, report, now)
        _audit(session, report, RETENTION_ACTION, now)
    return found


def run_retention(
    session: Session,
    *,
    now: datetime | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    dry_run: bool = False,
    after_batch: Callable[[Erased], None] | None = None,
) -> Erased:
    """Forget the reporters and followers of every report past retention; one commit per batch.

    ``after_batch`` is called with each batch's counts once it is committed
    (the command prints them). A dry run changes nothing and commits nothing.
    """
    now = now or utcnow()
    total = Erased()
    after_id = 0
    while True:
        ids = due_for_retention(session, now, after_id=after_id, limit=batch_size)
        if not ids:
            return total
        batch = Erased(batches=1)
        for report in session.scalars(sa.select(Report).where(Report.id.in_(ids)).order_by(Report.id)):
            batch.add(_retain(session, report, now, dry_run))
        if dry_run:
            session.rollback()
        else:
            session.commit()
        total.add(batch)
        total.batches += 1
        if after_batch is not None:
            after_batch(batch)
        after_id = ids[-1]


def _reports_of(session: Session, address: str) -> list[Report]:
    query = (
        sa.select(Report)
        .join(ReporterContact, ReporterContact.report_id == Report.id)
        .where(sa.func.lower(sa.func.trim(ReporterContact.email)) == address)
        .order_by(Report.id)
    )
    return list(session.scalars(query))


def erase_address(
    session: Session, email: str, *, now: datetime | None = None, dry_run: bool = False
) -> Erased:
    """Erase everything tied to ``email`` (a data subject's request); commits; idempotent.

    The reports the address filed lose their reporter (as in retention, but
    their followers stay: they are other people); the address stops following
    any report, pending confirmations included, and loses every subscription
    (service notices and alerts); mails to it in the outbox, sent or not, are deleted.
    """
    now = now or utcnow()
    address = email.strip().lower()
    found = Erased()
    for report in _reports_of(session, address):
        found.reports.append(report.public_id)
        found.contacts += 1
        found.message_ids += _hash_message_ids(session, report, dry_run)
        if not dry_run:
            _blank(session, report, now)
            _audit(session, report, ERASE_ACTION, now)
    found.followers = _delete_where(session, Follower, sa.func.lower(Follower.email) == address, dry_run)
    found.notice_subscriptions = _delete_where(
        session, Subscription, sa.func.lower(Subscription.email) == address, dry_run
    )
    _delete_mails(session, sa.func.lower(OutboxMail.recipient) == address, found, dry_run)
    if dry_run:
        session.rollback()
    else:
        session.commit()
    return found
