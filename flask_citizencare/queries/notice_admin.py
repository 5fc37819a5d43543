"""Service notices as the back office reads them: every notice (drafts too), the mails each caused,
and how many people are subscribed.

The staff list groups notices in four views: ``draft`` (never published),
``current`` (published, under way: an incident being worked on, works in
progress), ``scheduled`` (planned works announced, not begun) and ``ended``
(resolved, completed, cancelled). The figures are counts only: no address of a
subscriber leaves this module.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from ..domain.notices.lifecycle import FINAL, NoticeKind, NoticeStatus
from ..models import OutboxMail, ServiceNotice, Subscription, SubscriptionMail

#: The views of the staff list, in the order the page offers them.
VIEWS = ("draft", "current", "scheduled", "ended")
TOPICS = ("notices", "reports", "proposals")
FREQUENCIES = ("instant", "daily", "weekly")
#: Rows a page of the staff list holds.
PAGE_SIZE = 50


def _view_condition(view: str) -> sa.ColumnElement[bool]:
    if view == "draft":
        return ServiceNotice.status == NoticeStatus.DRAFT.value
    if view == "scheduled":
        return ServiceNotice.status == NoticeStatus.SCHEDULED.value
    if view == "ended":
        return ServiceNotice.status.in_([s.value for s in FINAL])
    if view == "current":
        return ServiceNotice.status.not_in(
            [NoticeStatus.DRAFT.value, NoticeStatus.SCHEDULED.value, *[s.value for s in FINAL]]
        )
    raise ValueError(view)


@dataclass(frozen=True)
class NoticePage:
    notices: list[ServiceNotice]
    #: Mails recorded per notice id (only those with any).
    mails: dict[int, int]
    has_more: bool


def staff_notices(
    session: Session, *, view: str | None = None, kind: str | None = None, page: int = 1
) -> NoticePage:
    """Notices newest first (by creation), optionally of one view and kind; ``page`` counts from 1."""
    query = sa.select(ServiceNotice)
    if view is not None:
        query = query.where(_view_condition(view))
    if kind is not None:
        query = query.where(ServiceNotice.kind == NoticeKind(kind).value)
    query = (
        query.order_by(ServiceNotice.created_at.desc(), ServiceNotice.id.desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE + 1)
    )
    found = list(session.scalars(query))
    notices = found[:PAGE_SIZE]
    return NoticePage(notices, mails_per_notice(session, [n.id for n in notices]), len(found) > PAGE_SIZE)


def staff_notice(session: Session, notice_id: int) -> ServiceNotice | None:
    """Any notice, a draft too, with its categories and steps."""
    return session.scalar(
        sa.select(ServiceNotice)
        .where(ServiceNotice.id == notice_id)
        .options(selectinload(ServiceNotice.categories), selectinload(ServiceNotice.updates))
    )


def mails_per_notice(session: Session, notice_ids: Sequence[int]) -> dict[int, int]:
    if not notice_ids:
        return {}
    rows = session.execute(
        sa.select(SubscriptionMail.notice_id, sa.func.count())
        .where(SubscriptionMail.notice_id.in_(list(notice_ids)))
        .group_by(SubscriptionMail.notice_id)
    )
    return {int(notice_id): int(count) for notice_id, count in rows if notice_id is not None}


@dataclass(frozen=True)
class MailFigures:
    """The mails subscribers got (or will get) about one notice, by the state of their delivery."""

    total: int = 0
    delivered: int = 0
    waiting: int = 0
    failed: int = 0
    #: Recorded, but their outbox row is gone (cleaned up): delivery unknown.
    unknown: int = 0


def notice_mail_figures(session: Session, notice_id: int) -> MailFigures:
    rows = session.execute(
        sa.select(OutboxMail.state, sa.func.count())
        .select_from(SubscriptionMail)
        .outerjoin(OutboxMail, OutboxMail.id == SubscriptionMail.outbox_id)
        .where(SubscriptionMail.notice_id == notice_id)
        .group_by(OutboxMail.state)
    )
    counts: dict[str | None, int] = {state: int(count) for state, count in rows}
    return MailFigures(
        total=sum(counts.values()),
        delivered=counts.get("sent", 0),
        waiting=counts.get("pending", 0),
        failed=counts.get("dead", 0),
        unknown=counts.get(None, 0),
    )


@dataclass(frozen=True)
class SubscriberFigures:
    """Active subscriptions (confirmed, not unsubscribed): ``counts[topic][frequency]``."""

    counts: dict[str, dict[str, int]]

    def by_topic(self, topic: str) -> int:
        return sum(self.counts.get(topic, {}).values())

    def by_frequency(self, frequency: str) -> int:
        return sum(row.get(frequency, 0) for row in self.counts.values())

    @property
    def total(self) -> int:
        return sum(self.by_topic(topic) for topic in TOPICS)


def subscriber_figures(session: Session) -> SubscriberFigures:
    rows = session.execute(
        sa.select(Subscription.topic, Subscription.frequency, sa.func.count())
        .where(Subscription.confirmed_at.is_not(None), Subscription.unsubscribed_at.is_(None))
        .group_by(Subscription.topic, Subscription.frequency)
    )
    counts: dict[str, dict[str, int]] = {topic: {f: 0 for f in FREQUENCIES} for topic in TOPICS}
    for topic, frequency, count in rows:
        counts.setdefault(topic, {})[frequency] = int(count)
    return SubscriberFigures(counts)
