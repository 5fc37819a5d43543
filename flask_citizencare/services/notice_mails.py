"""The mails of service notices: who gets them, and each one exactly once.

**When** is :mod:`~flask_citizencare.domain.notices.schedule`: the first
mail, notified steps, the reminder of planned works, the end. The mails due
at once (publication, a step) are written by :func:`queue_notice_mails`
inside the service's own transaction (:mod:`.notices`); those due later (the
first mail of works published early, the reminder) by :func:`sweep`
(``flask citizencare notices sweep``, from cron every few minutes), which
also catches up on anything owed and not yet written.

**Who**: confirmed, not unsubscribed subscriptions of topic ``notices`` that
were confirmed by the time the mail became due (no mail about the past),
and that match the notice (:func:`matches`):

- a subscription to one notice (``notice_id``) matches only that notice;
- otherwise every filter the subscription has must match (no filter: every
  notice): ``categories`` — one of the notice's categories is among them;
  ``services`` — one of the notice's service names is among them (compared
  without case); an area (``district`` or circle) — the notice names that
  district, or its area intersects the subscription's. A notice with no
  area and no district is not about a place, so it reaches no area
  subscription (staff draw the whole municipality, or choose every
  district, for a notice that concerns everybody).

**Exactly once**: a :class:`~flask_citizencare.models.SubscriptionMail` row
(subscription, ``notice:<id>:<key>``) is inserted first, with ``ON CONFLICT
DO NOTHING`` on its unique pair, and the mail is written only if that insert
made a row. Two sweeps at once (or a sweep and a publication) cannot both
make it: on PostgreSQL the second insert waits for the first transaction and
then finds the row; SQLite lets one writer at a time.

The mails carry the notice's text, its page's link and the subscription's
one-click unsubscribe link (body and ``List-Unsubscribe`` /
``List-Unsubscribe-Post``); no tracking pixel, no per-recipient link other
than the unsubscribe one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from flask import url_for
from flask_babel import force_locale
from geoalchemy2.shape import to_shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, selectinload

from ..context import db_session, state
from ..domain.notices.lifecycle import FINAL, NoticeKind
from ..domain.notices.schedule import NoticeFacts, Owed, StepFacts, owed
from ..i18n import gettext as _
from ..models import NoticeUpdate, OutboxMail, ServiceNotice, Subscription, SubscriptionMail
from ..models.base import utcnow
from .mail.notify import mail_links, write_mail
from .subscriptions import headers_for

__all__ = ["SweepRun", "facts_of", "matches", "queue_notice_mails", "recipients_of", "sweep"]

log = logging.getLogger(__name__)

_mails = cast(sa.Table, SubscriptionMail.__table__)
#: Notices the sweep still looks at after they ended (a catch-up for mails owed at their end).
ENDED_KEPT = timedelta(days=2)


@dataclass(frozen=True)
class SweepRun:
    notices: int
    mails: int

    def __str__(self) -> str:
        return f"{self.mails} mail(s) queued for {self.notices} notice(s)"


def facts_of(notice: ServiceNotice) -> NoticeFacts:
    return NoticeFacts(
        kind=notice.kind,
        status=notice.status,
        starts_at=notice.starts_at,
        published_at=notice.published_at,
        ended_at=notice.ended_at,
        steps=tuple(StepFacts(u.id, u.status, u.at, u.notify) for u in notice.updates),
    )


# -- who -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Place:
    """What :func:`matches` compares, read once per notice."""

    notice_id: int
    categories: frozenset[int]
    services: frozenset[str]
    districts: frozenset[str]
    area: BaseGeometry | None


def _place(notice: ServiceNotice) -> _Place:
    return _Place(
        notice_id=notice.id,
        categories=frozenset(c.id for c in notice.categories),
        services=frozenset(s.casefold() for s in notice.services or []),
        districts=frozenset(notice.districts or []),
        area=to_shape(notice.area) if notice.area is not None else None,
    )


def matches(row: Subscription, place: _Place) -> bool:
    """Whether the notices subscription ``row`` wants the notice (see the module's description)."""
    if row.notice_id is not None:
        return row.notice_id == place.notice_id
    if row.categories and not place.categories & set(row.categories):
        return False
    if row.services and not place.services & {s.casefold() for s in row.services}:
        return False
    if row.district is not None or row.area is not None:
        if row.district is not None and row.district in place.districts:
            return True
        if place.area is None or row.area is None:
            return False
        return bool(place.area.intersects(to_shape(row.area)))
    return True


def recipients_of(session: Session, notice: ServiceNotice) -> list[Subscription]:
    """The active notices subscriptions that match ``notice``, oldest first."""
    place = _place(notice)
    rows = session.scalars(
        sa.select(Subscription)
        .where(
            Subscription.topic == "notices",
            Subscription.confirmed_at.is_not(None),
            Subscription.unsubscribed_at.is_(None),
            sa.or_(Subscription.notice_id.is_(None), Subscription.notice_id == notice.id),
        )
        .order_by(Subscription.id)
    )
    return [row for row in rows if matches(row, place)]


# -- exactly once -----------------------------------------------------------------


def _claim(session: Session, subscription_id: int, key: str, notice_id: int) -> int | None:
    """Insert the (subscription, key) record; its id, or None when it was already there."""
    table = _mails
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(table)
        .values(subscription_id=subscription_id, key=key, notice_id=notice_id, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["subscription_id", "key"])
        .returning(table.c.id)
    )
    found = session.execute(statement).scalar()
    return int(found) if found is not None else None


# -- the mail ------------------------------------------------------------------------


def _subject(notice: ServiceNotice, mail: Owed, title: str) -> str:
    planned = notice.kind == NoticeKind.PLANNED.value
    if mail.what == "first":
        return (
            _("Planned works: %(title)s", title=title)
            if planned
            else _("Service notice: %(title)s", title=title)
        )
    if mail.what == "reminder":
        return _("Works start tomorrow: %(title)s", title=title)
    if mail.what == "end":
        if notice.status == "cancelled":
            return _("Works cancelled: %(title)s", title=title)
        if planned:
            return _("Works completed: %(title)s", title=title)
        return _("Resolved: %(title)s", title=title)
    return _("Update: %(title)s", title=title)


def _write(
    session: Session, row: Subscription, notice: ServiceNotice, mail: Owed, step: NoticeUpdate | None
) -> OutboxMail:
    languages = state().settings.languages
    language = row.locale if row.locale in languages else languages[0]
    with mail_links(), force_locale(language):
        title = notice.title_in(language)
        unsubscribe_url, headers = headers_for(row)
        values: dict[str, Any] = {
            "what": mail.what,
            "notice": notice,
            "title": title,
            "body": notice.body_in(language),
            "step_body": step.body_in(language) if step is not None else "",
            "step_status": step.status if step is not None else notice.status,
            "notice_url": url_for("citizencare.notices.notice", notice_id=notice.id, _external=True),
            "unsubscribe_url": unsubscribe_url,
            "follows_notice": row.notice_id is not None,
        }
        subject = _subject(notice, mail, title)
    return write_mail(
        session,
        None,
        template=f"notice_{mail.what}",
        files="notice",
        recipient=row.email,
        language=language,
        subject=subject,
        values=values,
        headers=headers,
    )


def queue_notice_mails(session: Session, notice: ServiceNotice, now: datetime | None = None) -> int:
    """Write every mail ``notice`` owes by ``now`` that no subscription got yet (not committed)."""
    now = now or utcnow()
    due = owed(facts_of(notice), now, state().settings.zone)
    if not due:
        return 0
    rows = recipients_of(session, notice)
    if not rows:
        return 0
    steps = {u.id: u for u in notice.updates}
    written = 0
    for mail in due:
        step = steps.get(mail.step_id) if mail.step_id is not None else None
        for row in rows:
            assert row.confirmed_at is not None
            if row.confirmed_at > mail.at:
                continue
            record = _claim(session, row.id, f"notice:{notice.id}:{mail.key}", notice.id)
            if record is None:
                continue
            outbox = _write(session, row, notice, mail, step)
            session.flush()
            session.execute(sa.update(_mails).where(_mails.c.id == record).values(outbox_id=outbox.id))
            written += 1
    return written


def _sweep_ids(session: Session, now: datetime) -> list[int]:
    return list(
        session.scalars(
            sa.select(ServiceNotice.id)
            .where(
                ServiceNotice.status != "draft",
                sa.or_(
                    ServiceNotice.status.not_in([s.value for s in FINAL]),
                    ServiceNotice.ended_at >= now - ENDED_KEPT,
                ),
            )
            .order_by(ServiceNotice.id)
        )
    )


def sweep(now: datetime | None = None) -> SweepRun:
    """Queue what the published notices owe by ``now``; one transaction per notice, committed."""
    session = db_session()
    now = now or utcnow()
    ids = _sweep_ids(session, now)
    session.commit()
    total = 0
    for notice_id in ids:
        try:
            notice = session.scalar(
                sa.select(ServiceNotice)
                .where(ServiceNotice.id == notice_id)
                .options(selectinload(ServiceNotice.categories), selectinload(ServiceNotice.updates))
            )
            if notice is None:
                continue
            total += queue_notice_mails(session, notice, now)
            session.commit()
        except BaseException:
            session.rollback()
            raise
    return SweepRun(len(ids), total)
