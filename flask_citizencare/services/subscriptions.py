"""Citizens' subscriptions by e-mail: service notices and local alerts, with double opt-in.

:func:`subscribe` checks what is asked (:class:`SubscriptionRequest`), writes
an unconfirmed :class:`~flask_citizencare.models.Subscription` and queues a
confirmation mail with a signed link (:attr:`~.tokens.Purpose.SUBSCRIPTION_CONFIRM`)
that expires after ``CITIZENCARE_SUBSCRIPTION_CONFIRM_DAYS``;
:func:`confirm` sets ``confirmed_at``. Every mail a subscription then gets
carries its one-click unsubscribe link (body, and ``List-Unsubscribe`` with
``List-Unsubscribe-Post``, RFC 8058): :func:`unsubscribe` ends that
subscription, :func:`unsubscribe_all` every subscription of the address.

What may be asked, by topic:

- ``notices``: every notice (no filter), or those of some ``categories``, of
  some ``services`` (the free names notices give), or of an area (a
  ``district`` or a circle of 50 to 5000 m around a point inside the
  municipality); or one notice (``notice_id``, "follow this notice");
- ``reports``: new public reports in an area and/or of some categories, at
  least one of the two, ``instant`` or in a ``daily``/``weekly`` digest;
- ``proposals``: proposals in a district.

The same address asking the same thing again gets no second row: a
confirmed subscription stays as it is, a waiting one gets its confirmation
mail again within the limits. The page shown is the same in every case
(:class:`Outcome` is for the caller's logs and tests, not for the page), so
nobody learns what an address is subscribed to — where someone lives, for a
district. Limits per address: ``CITIZENCARE_SUBSCRIPTIONS_PER_ADDRESS``
subscriptions (confirmed or waiting with a live link) and
``CITIZENCARE_SUBSCRIPTION_CONFIRMATIONS_PER_DAY`` confirmation mails in 24
hours; the views add the rate limits per client address and per e-mail
address (``RATELIMIT_SUBSCRIBE_*``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app, url_for
from flask_babel import force_locale
from geoalchemy2.shape import from_shape
from sqlalchemy.orm import Session

from ..context import db_session, state
from ..domain.notices.areas import AreaError, circle, districts_area
from ..i18n import gettext as _
from ..models import Category, OutboxMail, ServiceNotice, Subscription
from ..models.base import utcnow
from ..parsing import InputError, check_text
from ..tokens import ExpiredToken, InvalidToken, Purpose, same, sign, verify
from .errors import InvalidInput
from .mail.notify import mail_links, unsubscribe_headers, write_mail
from .mail.recipients import address_key, normalise
from .service_names import ServiceNamesError, service_names

__all__ = [
    "Outcome",
    "SubscriptionLinkError",
    "SubscriptionRequest",
    "confirm",
    "confirm_token",
    "subscribe",
    "subscription_for_unsubscribe",
    "summary",
    "unsubscribe",
    "unsubscribe_all",
    "unsubscribe_token",
    "unsubscribe_url",
]

TOPICS = ("notices", "reports", "proposals")
FREQUENCIES = ("instant", "daily", "weekly")
#: Confirmation mails one subscription gets in :data:`WINDOW`.
MAX_CONFIRMATIONS_PER_SUBSCRIPTION = 3
WINDOW = timedelta(hours=24)
CATEGORIES_MAX = 50
CONFIRM_TEMPLATE = "subscription_confirm"
_TOKEN_MAX = 300


class Outcome(StrEnum):
    """What :func:`subscribe` did (the page says the same thing for all of them)."""

    SENT = "sent"  # a new subscription, its confirmation mail queued
    RESENT = "resent"  # the same request was waiting: its confirmation mail again
    ALREADY = "already"  # the same subscription is confirmed: nothing to do
    LIMITED = "limited"  # a per-address limit: no row, no mail


class SubscriptionLinkError(Exception):
    """A confirmation or unsubscribe link that cannot be used; ``expired`` for a genuine but old one."""

    def __init__(self, expired: bool = False) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


@dataclass(frozen=True)
class SubscriptionRequest:
    """What a form asks for (see the module's description for what each topic allows)."""

    topic: str = "notices"
    frequency: str = "instant"
    notice_id: int | None = None
    categories: Sequence[int] = ()
    services: Sequence[str] = ()
    district: str | None = None
    centre_lat: float | None = None
    centre_lon: float | None = None
    radius_m: int | None = None


@dataclass(frozen=True)
class _Clean:
    topic: str
    frequency: str
    notice_id: int | None
    categories: list[int]
    services: list[str]
    district: str | None
    circle: tuple[float, float, int] | None

    def same_as(self, row: Subscription) -> bool:
        centre = (row.centre_lat, row.centre_lon, row.radius_m) if row.radius_m is not None else None
        return (
            row.topic == self.topic
            and row.frequency == self.frequency
            and row.notice_id == self.notice_id
            and sorted(row.categories or []) == self.categories
            and sorted(s.casefold() for s in row.services or [])
            == sorted(s.casefold() for s in self.services)
            and row.district == self.district
            and centre == self.circle
        )


# -- settings -----------------------------------------------------------------


def confirm_days() -> float:
    return float(current_app.config.get("CITIZENCARE_SUBSCRIPTION_CONFIRM_DAYS") or 7)


def _per_address() -> int:
    return int(current_app.config.get("CITIZENCARE_SUBSCRIPTIONS_PER_ADDRESS") or 20)


def _confirmations_per_day() -> int:
    return int(current_app.config.get("CITIZENCARE_SUBSCRIPTION_CONFIRMATIONS_PER_DAY") or 5)


def _language(locale: str | None) -> str:
    languages = state().settings.languages
    return locale if locale in languages else languages[0]


# -- checking -------------------------------------------------------------------


def check_address(address: str) -> str:
    """The address, normalised; :class:`InvalidInput` when it is not one a mail can go to."""
    if not isinstance(address, str) or len(address) > 254:
        raise InvalidInput(_("Enter a valid e-mail address, such as name@example.org."))
    try:
        check_text(address, multiline=False)
        checked = validate_email(address.strip(), check_deliverability=False)
    except (InputError, EmailNotValidError):
        raise InvalidInput(_("Enter a valid e-mail address, such as name@example.org.")) from None
    return normalise(checked.normalized)


def _categories(session: Session, ids: Sequence[int], topic: str) -> list[int]:
    wanted = set()
    for value in ids:
        if not isinstance(value, int) or isinstance(value, bool):
            raise InvalidInput(_("Choose the categories from the list."))
        wanted.add(value)
    if len(wanted) > CATEGORIES_MAX:
        raise InvalidInput(_("Choose the categories from the list."))
    if not wanted:
        return []
    found = set(
        session.scalars(sa.select(Category.id).where(Category.id.in_(wanted), Category.active.is_(True)))
    )
    if found != wanted:
        raise InvalidInput(_("Choose the categories from the list."))
    return sorted(wanted)


def _services(given: Sequence[str]) -> list[str]:
    try:
        return service_names(given)
    except ServiceNamesError:
        raise InvalidInput(_("Choose the services from the list.")) from None


def _district(name: str | None) -> str | None:
    if name is None or not str(name).strip():
        return None
    name = str(name).strip()
    if name not in {d.name for d in state().settings.districts}:
        raise InvalidInput(_("Choose the district from the list."))
    return name


def _circle(request: SubscriptionRequest) -> tuple[float, float, int] | None:
    parts = (request.centre_lat, request.centre_lon, request.radius_m)
    if all(p is None for p in parts):
        return None
    lat, lon, radius = parts
    if lat is None or lon is None:
        raise InvalidInput(_("Give the place the circle is around: an address or its coordinates."))
    if radius is None or isinstance(radius, bool):
        raise InvalidInput(_("Choose the circle's radius, between 50 and 5000 metres."))
    if not (isinstance(lat, int | float) and isinstance(lon, int | float)) or not (
        math.isfinite(lat) and math.isfinite(lon)
    ):
        raise InvalidInput(_("Give the place the circle is around: an address or its coordinates."))
    try:
        radius = int(radius)
        circle(float(lat), float(lon), radius)
    except (AreaError, ValueError, OverflowError):
        raise InvalidInput(_("Choose the circle's radius, between 50 and 5000 metres.")) from None
    if not state().settings.area.contains(float(lon), float(lat)):
        raise InvalidInput(_("The place is outside the municipality: choose one inside it."))
    return (round(float(lat), 6), round(float(lon), 6), radius)


def clean(session: Session, request: SubscriptionRequest) -> _Clean:
    """``request`` checked and normalised; raises :class:`InvalidInput` in the user's language."""
    if request.topic not in TOPICS:
        raise InvalidInput(_("Choose what you want to receive."))
    if request.frequency not in FREQUENCIES:
        raise InvalidInput(_("Choose how often you want to receive the alerts."))
    categories = _categories(session, request.categories, request.topic)
    services = _services(request.services)
    district = _district(request.district)
    centre = _circle(request)
    notice_id = request.notice_id
    if district is not None and centre is not None:
        raise InvalidInput(_("Choose either a district or a circle around a place, not both."))
    if request.topic == "notices":
        if request.frequency != "instant":
            raise InvalidInput(_("Service notices are sent as they happen."))
        if notice_id is not None:
            if isinstance(notice_id, bool) or not isinstance(notice_id, int):
                raise InvalidInput(_("There is no such notice."))
            notice = session.get(ServiceNotice, notice_id)
            if notice is None or notice.status == "draft":
                raise InvalidInput(_("There is no such notice."))
            if notice.ended_at is not None:
                raise InvalidInput(_("This notice is over: there is nothing more to follow."))
            categories, services, district, centre = [], [], None, None
    else:
        notice_id = None
        services = []
        if request.topic == "reports" and not (categories or district or centre):
            raise InvalidInput(_("Choose an area or some categories for the alerts."))
        if request.topic == "proposals":
            if district is None:
                raise InvalidInput(_("Choose your district."))
            categories, centre = [], None
    return _Clean(request.topic, request.frequency, notice_id, categories, services, district, centre)


def _area(cleaned: _Clean) -> Any:
    if cleaned.circle is not None:
        lat, lon, radius = cleaned.circle
        return from_shape(circle(lat, lon, radius), srid=4326)
    if cleaned.district is not None:
        shape = districts_area([cleaned.district], state().settings.districts)
        return from_shape(shape, srid=4326) if shape is not None else None
    return None


# -- tokens and links -----------------------------------------------------------


def confirm_token(row: Subscription) -> str:
    return sign(Purpose.SUBSCRIPTION_CONFIRM, {"s": row.id, "a": address_key(row.email)})


def unsubscribe_token(row: Subscription) -> str:
    return sign(Purpose.SUBSCRIPTION_UNSUBSCRIBE, {"s": row.id, "a": address_key(row.email)})


def unsubscribe_url(row: Subscription) -> str:
    """The one-click link of ``row`` (inside a request context or :func:`mail_links`)."""
    return url_for("citizencare.subscriptions.unsubscribe", token=unsubscribe_token(row), _external=True)


def _row_of(purpose: Purpose, token: str, max_age: float | None) -> Subscription:
    try:
        payload: Any = verify(purpose, token, max_age=max_age, max_length=_TOKEN_MAX)
    except ExpiredToken:
        raise SubscriptionLinkError(expired=True) from None
    except InvalidToken:
        raise SubscriptionLinkError() from None
    if not isinstance(payload, dict):
        raise SubscriptionLinkError()
    row_id, key = payload.get("s"), payload.get("a")
    if isinstance(row_id, bool) or not isinstance(row_id, int) or not isinstance(key, str):
        raise SubscriptionLinkError()
    row = db_session().get(Subscription, row_id)
    if row is None or not same(address_key(row.email), key):
        raise SubscriptionLinkError()
    return row


# -- what a subscription is about -------------------------------------------------


def summary(session: Session, row: Subscription, language: str) -> str:
    """One sentence saying what ``row`` receives, in ``language`` (for pages and mails)."""
    with force_locale(_language(language)):
        return _summary(session, row, _language(language))


def _summary(session: Session, row: Subscription, language: str) -> str:
    parts: list[str] = []
    if row.categories:
        labels = [
            c.label(language)
            for c in session.scalars(
                sa.select(Category).where(Category.id.in_(row.categories)).order_by(Category.position)
            )
        ]
        parts.append(_("categories: %(names)s", names=", ".join(labels)))
    if row.services:
        parts.append(_("services: %(names)s", names=", ".join(row.services)))
    if row.district:
        parts.append(_("district: %(name)s", name=row.district))
    if row.radius_m is not None:
        parts.append(
            _(
                "within %(radius)d m of %(lat).5f, %(lon).5f",
                radius=row.radius_m,
                lat=row.centre_lat or 0.0,
                lon=row.centre_lon or 0.0,
            )
        )
    where = "; ".join(parts)
    if row.topic == "notices":
        if row.notice_id is not None:
            notice = session.get(ServiceNotice, row.notice_id)
            title = notice.title_in(language) if notice is not None else str(row.notice_id)
            return _('Updates of the service notice "%(title)s"', title=title)
        if not where:
            return _("All service notices")
        return _("Service notices (%(filters)s)", filters=where)
    frequency = {
        "instant": _("as they come"),
        "daily": _("a daily summary"),
        "weekly": _("a weekly summary"),
    }[row.frequency]
    if row.topic == "proposals":
        return _("New proposals (%(filters)s), %(frequency)s", filters=where, frequency=frequency)
    return _("New reports (%(filters)s), %(frequency)s", filters=where, frequency=frequency)


# -- subscribing --------------------------------------------------------------------


def _live(now: datetime) -> sa.ColumnElement[bool]:
    """Confirmed, or waiting with a link that still works; not unsubscribed."""
    return sa.and_(
        Subscription.unsubscribed_at.is_(None),
        sa.or_(
            Subscription.confirmed_at.is_not(None),
            Subscription.created_at >= now - timedelta(days=confirm_days()),
        ),
    )


def _confirmations_today(session: Session, address: str, now: datetime) -> int:
    return int(
        session.scalar(
            sa.select(sa.func.count(OutboxMail.id)).where(
                OutboxMail.template == CONFIRM_TEMPLATE,
                OutboxMail.recipient == address,
                OutboxMail.created_at >= now - WINDOW,
            )
        )
        or 0
    )


def _queue_confirmation(session: Session, row: Subscription, language: str, now: datetime) -> OutboxMail:
    """The double opt-in mail (not committed). No ``List-Unsubscribe``: nothing to stop yet."""
    language = _language(language)
    with mail_links(), force_locale(language):
        subject = _("Confirm your subscription")
        values = {
            "what": _summary(session, row, language),
            "confirm_url": url_for(
                "citizencare.subscriptions.confirm", token=confirm_token(row), _external=True
            ),
            "days": int(confirm_days()),
        }
    mail = write_mail(
        session,
        None,
        template=CONFIRM_TEMPLATE,
        recipient=row.email,
        language=language,
        subject=subject,
        values=values,
    )
    if row.last_confirmation_at is None or row.last_confirmation_at < now - WINDOW:
        row.confirmations_sent = 0
    row.confirmations_sent = (row.confirmations_sent or 0) + 1
    row.last_confirmation_at = now
    return mail


def subscribe(
    address: str, language: str, request: SubscriptionRequest, *, now: datetime | None = None
) -> Outcome:
    """Ask for a subscription; commits. Raises :class:`InvalidInput` for a bad request (nothing written)."""
    session = db_session()
    now = now or utcnow()
    address = check_address(address)
    cleaned = clean(session, request)
    language = _language(language)
    rows = list(
        session.scalars(
            sa.select(Subscription).where(Subscription.email == address, _live(now)).order_by(Subscription.id)
        )
    )
    found = next((row for row in rows if cleaned.same_as(row)), None)
    if found is not None and found.confirmed_at is not None:
        return Outcome.ALREADY
    if _confirmations_today(session, address, now) >= _confirmations_per_day():
        return Outcome.LIMITED
    if found is not None:
        recent = found.last_confirmation_at is not None and found.last_confirmation_at >= now - WINDOW
        if recent and found.confirmations_sent >= MAX_CONFIRMATIONS_PER_SUBSCRIPTION:
            return Outcome.LIMITED
        found.locale = language
        _queue_confirmation(session, found, language, now)
        session.commit()
        return Outcome.RESENT
    if len(rows) >= _per_address():
        return Outcome.LIMITED
    lat, lon, radius = cleaned.circle if cleaned.circle is not None else (None, None, None)
    row = Subscription(
        email=address,
        locale=language,
        topic=cleaned.topic,
        frequency=cleaned.frequency,
        notice_id=cleaned.notice_id,
        categories=cleaned.categories,
        services=cleaned.services,
        district=cleaned.district,
        centre_lat=lat,
        centre_lon=lon,
        radius_m=radius,
        area=_area(cleaned),
        created_at=now,
        confirmations_sent=0,
    )
    session.add(row)
    session.flush()
    _queue_confirmation(session, row, language, now)
    session.commit()
    return Outcome.SENT


def confirm(token: str, language: str, *, now: datetime | None = None) -> Subscription:
    """Confirm the subscription of ``token`` (idempotent); commits.

    Raises :class:`SubscriptionLinkError` for a tampered, unknown or expired
    link, and for a subscription ended meanwhile (its unsubscribe link was used).
    """
    session = db_session()
    row = _row_of(Purpose.SUBSCRIPTION_CONFIRM, token, confirm_days() * 86400)
    if row.unsubscribed_at is not None:
        raise SubscriptionLinkError()
    if row.confirmed_at is None:
        row.confirmed_at = now or utcnow()
        row.locale = _language(language)
        row.digested_until = row.confirmed_at
        session.commit()
    return row


# -- unsubscribing ------------------------------------------------------------------


def subscription_for_unsubscribe(token: str) -> Subscription:
    """The subscription an unsubscribe token names (these links do not expire)."""
    return _row_of(Purpose.SUBSCRIPTION_UNSUBSCRIBE, token, None)


def unsubscribe(token: str, *, now: datetime | None = None) -> Subscription:
    """End the token's subscription; commits; idempotent (a second click changes nothing)."""
    session = db_session()
    row = subscription_for_unsubscribe(token)
    if row.unsubscribed_at is None:
        row.unsubscribed_at = now or utcnow()
        session.commit()
    return row


def unsubscribe_all(token: str, *, now: datetime | None = None) -> int:
    """End every subscription of the address the token's subscription has; commits; how many ended."""
    session = db_session()
    row = subscription_for_unsubscribe(token)
    now = now or utcnow()
    ended = 0
    for other in session.scalars(
        sa.select(Subscription).where(Subscription.email == row.email, Subscription.unsubscribed_at.is_(None))
    ):
        other.unsubscribed_at = now
        ended += 1
    session.commit()
    return ended


def headers_for(row: Subscription) -> tuple[str, dict[str, str]]:
    """The unsubscribe link of ``row`` and the mail headers that carry it (RFC 8058)."""
    url = unsubscribe_url(row)
    return url, unsubscribe_headers(url)
