"""Local alerts by mail: instant ones per piece of news, and daily or weekly digests.

A sweep, not a signal: ``flask citizencare alerts send`` (every few minutes
from cron or a timer) and ``flask citizencare alerts digest`` (once a day)
are given the news of a recent window — public reports and proposals, and
published answers to public proposals, read by
:func:`flask_citizencare.queries.alerts.alert_items` under the one public
rule — and match it against every confirmed, not unsubscribed subscription
of topic ``reports`` (reports, kind ``issue``) or ``proposals`` (proposals
and their answers), on its place (circle, district or drawn area; none: the
whole municipality) and categories (:class:`~flask_citizencare.domain.alerts.AlertPlace`).
A report that becomes public late (after moderation) is news when it does; one
hidden or merged in the meantime is not, since it is no longer in the window's
public rows.

Exactly once: each mail is recorded as a
:class:`~flask_citizencare.models.SubscriptionMail` whose unique
(subscription, key) pair is written in the same transaction as the outbox
row — ``report:<id>`` or ``answer:<id>`` for a piece of news, and
``digest:<period>`` for the digest of a day (``2026-12-04``) or ISO week
(``2026-W49``), whose items are recorded under their own keys too so that no
later digest repeats them. A second run, or one running at the same time on
another host, finds the keys taken (or fails on the unique constraint and
rolls that subscription back): nothing goes twice. One transaction per
subscription keeps those short.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import url_for
from flask_babel import force_locale
from geoalchemy2.shape import to_shape
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..context import state
from ..domain.alerts import (
    DIGEST_FREQUENCIES,
    DIGEST_LOOKBACK,
    DIGEST_MAX_ITEMS,
    INSTANT,
    INSTANT_LOOKBACK,
    AlertItem,
    AlertPlace,
    digest_period,
)
from ..i18n import gettext as _
from ..i18n import ngettext
from ..labels import public_status_label
from ..models import Subscription, SubscriptionMail
from ..models.base import utcnow
from .mail.notify import mail_links, unsubscribe_headers, write_mail
from .subscriptions import unsubscribe_url as subscription_link

__all__ = [
    "AlertRun",
    "send_digests",
    "send_instant_alerts",
    "subscription_unsubscribe_url",
]

#: Topics this module mails (``notices`` has its own mails).
TOPICS = ("reports", "proposals")


@dataclass
class AlertRun:
    """What one run did: mails written, subscriptions looked at, mails left to another run."""

    mails: int = 0
    subscriptions: int = 0
    already_sent: int = 0

    def __str__(self) -> str:
        return (
            f"{self.mails} mails written for {self.subscriptions} subscriptions"
            f" ({self.already_sent} already sent by another run)"
        )


def subscription_unsubscribe_url(subscription: Subscription) -> str:
    """The one-click unsubscribe link of ``subscription`` (call inside :func:`.mail.notify.mail_links`)."""
    return subscription_link(subscription)


def _language(locale: str | None) -> str:
    languages = state().settings.languages
    return locale if locale in languages else languages[0]


def place_of(subscription: Subscription) -> AlertPlace | None:
    """Where the subscription looks; None when its district is no longer configured (no mails
    rather than mails about the whole municipality)."""
    geometry = to_shape(subscription.area) if subscription.area is not None else None
    if geometry is None and subscription.district:
        found = next((d for d in state().settings.districts if d.name == subscription.district), None)
        if found is None:
            return None
        geometry = found.area.geometry
    return AlertPlace.build(
        categories=subscription.categories or (),
        centre_lat=subscription.centre_lat,
        centre_lon=subscription.centre_lon,
        radius_m=subscription.radius_m,
        geometry=geometry,
    )


def _subscriptions(session: Session, frequencies: Sequence[str]) -> list[Subscription]:
    return list(
        session.scalars(
            sa.select(Subscription)
            .where(
                Subscription.topic.in_(TOPICS),
                Subscription.frequency.in_(frequencies),
                Subscription.confirmed_at.is_not(None),
                Subscription.unsubscribed_at.is_(None),
            )
            .order_by(Subscription.id)
        )
    )


def _sent_keys(session: Session, subscription_id: int, keys: Iterable[str]) -> set[str]:
    wanted = sorted(set(keys))
    if not wanted:
        return set()
    return set(
        session.scalars(
            sa.select(SubscriptionMail.key).where(
                SubscriptionMail.subscription_id == subscription_id, SubscriptionMail.key.in_(wanted)
            )
        )
    )


def _news_for(subscription: Subscription, items: Sequence[AlertItem], since: datetime) -> list[AlertItem]:
    """The items that are news for ``subscription``: its topic, after it was confirmed, from ``since``,
    in its place and categories."""
    place = place_of(subscription)
    if place is None:
        return []
    confirmed = subscription.confirmed_at
    assert confirmed is not None
    return [
        item
        for item in items
        if item.topic == subscription.topic
        and item.since >= confirmed
        and item.at >= since
        and place.matches(lon=item.lon, lat=item.lat, category_id=item.category_id)
    ]


def _item_values(item: AlertItem, language: str) -> dict[str, Any]:
    """What a mail tells of one item: the public page's facts and its link (inside ``mail_links``)."""
    return {
        "kind": item.kind,
        "number": item.number,
        "title": item.title,
        "category": item.category_label(language),
        "status": public_status_label(item.status),
        "answer_state": item.answer_label(language) if item.kind == "answer" else None,
        "address": item.address,
        "url": url_for("citizencare.public.report", public_id=item.number, _external=True),
    }


def _subject(item: AlertItem, category: str) -> str:
    if item.kind == "answer":
        return _("Proposal %(number)s near you has an answer", number=item.number)
    if item.topic == "proposals":
        return _("New proposal %(number)s near you: %(category)s", number=item.number, category=category)
    return _("New report %(number)s near you: %(category)s", number=item.number, category=category)


def _write(
    session: Session,
    subscription: Subscription,
    *,
    template: str,
    language: str,
    subject: str,
    values: dict[str, Any],
    unsubscribe_url: str | None,
    keys: Sequence[str],
) -> None:
    mail = write_mail(
        session,
        None,
        template=template,
        recipient=subscription.email,
        language=language,
        subject=subject,
        values={**values, "unsubscribe_url": unsubscribe_url},
        headers=unsubscribe_headers(unsubscribe_url) if unsubscribe_url else None,
    )
    session.flush()
    for key in keys:
        session.add(SubscriptionMail(subscription_id=subscription.id, key=key, outbox_id=mail.id))


def _commit_once(session: Session, run: AlertRun, written: int) -> None:
    """Commit one subscription's mails; a key another run took first rolls them all back."""
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        run.already_sent += written
    else:
        run.mails += written


def send_instant_alerts(
    session: Session, items: Sequence[AlertItem], *, now: datetime | None = None
) -> AlertRun:
    """One mail per item and matching instant subscription not yet told about it; committed per
    subscription. ``items``: :func:`flask_citizencare.queries.alerts.alert_items` of a recent window."""
    now = now or utcnow()
    run = AlertRun()
    subscriptions = _subscriptions(session, (INSTANT,))
    for subscription in subscriptions:
        run.subscriptions += 1
        news = _news_for(subscription, items, since=now - INSTANT_LOOKBACK)
        if not news:
            continue
        try:
            sent = _sent_keys(session, subscription.id, (item.key for item in news))
            fresh = [item for item in news if item.key not in sent]
            language = _language(subscription.locale)
            with mail_links(), force_locale(language):
                unsubscribe_url = subscription_unsubscribe_url(subscription)
                for item in fresh:
                    values = _item_values(item, language)
                    _write(
                        session,
                        subscription,
                        template="alert",
                        language=language,
                        subject=_subject(item, values["category"]),
                        values={"item": values, "topic": subscription.topic},
                        unsubscribe_url=unsubscribe_url,
                        keys=(item.key,),
                    )
        except IntegrityError:
            # The flush of a key another run had just committed.
            session.rollback()
            run.already_sent += 1
            continue
        _commit_once(session, run, len(fresh))
    return run


def _groups(items: Sequence[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Items grouped by category label, groups and items in a stable order."""
    by_category: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for values in items:
        by_category[values["category"]].append(values)
    return sorted(by_category.items(), key=lambda group: group[0].casefold())


def _digest_subject(frequency: str, topic: str, count: int) -> str:
    if topic == "proposals":
        if frequency == "weekly":
            return ngettext(
                "This week's proposals near you: %(num)d update",
                "This week's proposals near you: %(num)d updates",
                count,
            )
        return ngettext(
            "Today's proposals near you: %(num)d update", "Today's proposals near you: %(num)d updates", count
        )
    if frequency == "weekly":
        return ngettext(
            "This week's reports near you: %(num)d new report",
            "This week's reports near you: %(num)d new reports",
            count,
        )
    return ngettext(
        "Today's reports near you: %(num)d new report", "Today's reports near you: %(num)d new reports", count
    )


def send_digests(session: Session, items: Sequence[AlertItem], *, now: datetime | None = None) -> AlertRun:
    """One digest per daily or weekly subscription and period, of the news since its last digest.

    The period (:func:`~flask_citizencare.domain.alerts.digest_period`) is
    today's date for daily subscriptions and this ISO week for weekly ones: run
    daily, a weekly subscription gets its digest on the first run of each week.
    Without news no mail goes, and the subscription's ``digested_until`` moves
    on all the same. ``items``: :func:`flask_citizencare.queries.alerts.alert_items`
    since ``now - DIGEST_LOOKBACK``.
    """
    now = now or utcnow()
    zone = state().settings.zone
    run = AlertRun()
    for subscription in _subscriptions(session, DIGEST_FREQUENCIES):
        run.subscriptions += 1
        period_key = f"digest:{digest_period(subscription.frequency, now, zone)}"
        if _sent_keys(session, subscription.id, (period_key,)):
            continue
        since = max(subscription.digested_until or subscription.confirmed_at or now, now - DIGEST_LOOKBACK)
        news = _news_for(subscription, items, since=since)
        sent = _sent_keys(session, subscription.id, (item.key for item in news))
        fresh = [item for item in news if item.key not in sent]
        written = 0
        try:
            if fresh:
                language = _language(subscription.locale)
                shown = fresh[:DIGEST_MAX_ITEMS]
                with mail_links(), force_locale(language):
                    entries = [_item_values(item, language) for item in shown]
                    unsubscribe_url = subscription_unsubscribe_url(subscription)
                    _write(
                        session,
                        subscription,
                        template="alert_digest",
                        language=language,
                        subject=_digest_subject(subscription.frequency, subscription.topic, len(fresh)),
                        values={
                            "frequency": subscription.frequency,
                            "topic": subscription.topic,
                            "groups": _groups(entries),
                            "count": len(fresh),
                            "more": len(fresh) - len(shown),
                            "map_url": url_for("citizencare.map.index", _external=True),
                        },
                        unsubscribe_url=unsubscribe_url,
                        keys=(period_key, *(item.key for item in fresh)),
                    )
                written = 1
            subscription.digested_until = now
            session.flush()
        except IntegrityError:
            session.rollback()
            run.already_sent += 1
            continue
        _commit_once(session, run, written)
    return run
