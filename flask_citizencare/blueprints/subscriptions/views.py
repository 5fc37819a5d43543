"""The subscription pages: the forms (notices, local alerts, follow a notice), the "check your
mail" page, the confirmation link and the one-click unsubscribe page.

Every form answers with the same "check your mail" page whatever the
address is already subscribed to (see :mod:`~flask_citizencare.services.subscriptions`).
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from ...context import db_session, state
from ...i18n import current_language
from ...i18n import gettext as _
from ...models import Category, ServiceNotice
from ...parsing import InputError, parse_id, parse_int
from ...queries.notices import public_notice, published
from ...services.errors import InvalidInput
from ...services.subscriptions import (
    SubscriptionLinkError,
    SubscriptionRequest,
    subscribe,
    subscription_for_unsubscribe,
    summary,
    unsubscribe_all,
)
from ...services.subscriptions import confirm as confirm_subscription
from ...services.subscriptions import unsubscribe as end_subscription
from .forms import FollowNoticeForm, SubscribeForm

log = logging.getLogger(__name__)

_COORDINATES = re.compile(r"^\s*(-?\d{1,3}(?:\.\d{1,10})?)\s*[,;\s]\s*(-?\d{1,3}(?:\.\d{1,10})?)\s*$")
DEFAULT_RADIUS = 500
PLACE_MAX = 200


@dataclass
class Choices:
    """What the forms offer."""

    categories: list[Category]
    services: list[str]
    districts: list[str]


def _choices(kind: str | None = None) -> Choices:
    session = db_session()
    query = sa.select(Category).where(Category.active.is_(True)).order_by(Category.position, Category.id)
    categories = list(session.scalars(query))
    if kind is not None:
        categories = [c for c in categories if c.kinds in (kind, "both")]
    services: dict[str, str] = {}
    for names in session.scalars(sa.select(ServiceNotice.services).where(published())):
        for name in names or []:
            services.setdefault(name.casefold(), name)
    return Choices(
        categories=categories,
        services=sorted(services.values(), key=str.casefold),
        districts=[d.name for d in state().settings.districts],
    )


def _ids(name: str) -> list[int]:
    values = request.form.getlist(name)
    if len(values) > 100:
        raise InvalidInput(_("Choose the categories from the list."))
    try:
        return [parse_id(v) for v in values if v.strip()]
    except InputError:
        raise InvalidInput(_("Choose the categories from the list.")) from None


def _place() -> tuple[float | None, float | None, int | None]:
    """The circle of the form: its centre (coordinates, or an address through the host's
    geocoder) and radius; three Nones when no place is given."""
    text = (request.form.get("place") or "").strip()
    if not text:
        return None, None, None
    if len(text) > PLACE_MAX or any(ord(c) < 32 for c in text):
        raise InvalidInput(_("Give the place the circle is around: an address or its coordinates."))
    found = _COORDINATES.match(text)
    if found is not None:
        lat, lon = float(found.group(1)), float(found.group(2))
    else:
        geocoder = getattr(state().hooks, "_geocoder", None)
        point = None
        if geocoder is not None:
            try:
                point = geocoder(text)
            except Exception:  # the host's service failing must not answer 500
                log.exception("the geocoder failed")
        if point is None:
            raise InvalidInput(
                _("We could not find this place: give its coordinates, such as 44.4949, 11.3426.")
            )
        lat, lon = float(point[0]), float(point[1])
    if not (math.isfinite(lat) and math.isfinite(lon)):
        raise InvalidInput(_("Give the place the circle is around: an address or its coordinates."))
    try:
        radius = parse_int(request.form.get("radius") or str(DEFAULT_RADIUS), minimum=50, maximum=5000)
    except InputError:
        raise InvalidInput(_("Choose the circle's radius, between 50 and 5000 metres.")) from None
    return lat, lon, radius


def _area_fields() -> dict[str, Any]:
    district = (request.form.get("district") or "").strip() or None
    lat, lon, radius = _place()
    return {"district": district, "centre_lat": lat, "centre_lon": lon, "radius_m": radius}


def _notices_request() -> SubscriptionRequest:
    scope = request.form.get("scope", "all")
    if scope == "all":
        return SubscriptionRequest("notices")
    if scope == "categories":
        ids = _ids("category")
        if not ids:
            raise InvalidInput(_("Choose at least one category."))
        return SubscriptionRequest("notices", categories=ids)
    if scope == "services":
        names = [n for n in request.form.getlist("service") if n.strip()]
        if not names:
            raise InvalidInput(_("Choose at least one service."))
        return SubscriptionRequest("notices", services=names[:50])
    if scope == "area":
        fields = _area_fields()
        if fields["district"] is None and fields["radius_m"] is None:
            raise InvalidInput(_("Choose a district, or give a place for the circle."))
        return SubscriptionRequest("notices", **fields)
    raise InvalidInput(_("Choose what you want to receive."))


def _alerts_request() -> SubscriptionRequest:
    topic = request.form.get("topic", "reports")
    frequency = request.form.get("frequency", "instant")
    if topic == "proposals":
        district = (request.form.get("district") or "").strip() or None
        return SubscriptionRequest("proposals", frequency=frequency, district=district)
    if topic != "reports":
        raise InvalidInput(_("Choose what you want to receive."))
    return SubscriptionRequest("reports", frequency=frequency, categories=_ids("category"), **_area_fields())


def _handle(form: SubscribeForm, build: Any, template: str, **context: Any) -> ResponseReturnValue:
    errors: list[tuple[str, str]] = []
    if request.method == "POST":
        valid = form.validate()
        if form.caught():
            return redirect(url_for(".sent"), code=303)  # as if it went out
        try:
            wanted = build()
        except InvalidInput as refusal:
            errors.append(("", str(refusal)))
            wanted = None
        if valid and wanted is not None:
            try:
                outcome = subscribe(form.email.data, current_language(), wanted)
            except InvalidInput as refusal:
                errors.append(("", str(refusal)))
            else:
                log.info("subscription request: %s", outcome.value)
                return redirect(url_for(".sent"), code=303)
    page = render_template(template, form=form, extra_errors=errors, posted=request.form, **context)
    return page, 400 if request.method == "POST" else 200


def notices() -> ResponseReturnValue:
    """ "Subscribe to service notices": all of them, or by category, service or area."""
    return _handle(
        SubscribeForm(),
        _notices_request,
        "citizencare/subscriptions/notices.html",
        choices=_choices(),
        default_radius=DEFAULT_RADIUS,
    )


def alerts() -> ResponseReturnValue:
    """ "Local alerts": new reports in an area and/or categories, or proposals in a district."""
    return _handle(
        SubscribeForm(),
        _alerts_request,
        "citizencare/subscriptions/alerts.html",
        choices=_choices("issue"),
        default_radius=DEFAULT_RADIUS,
    )


def follow_notice(notice_id: int) -> ResponseReturnValue:
    """ "Follow this notice" on the notice's page: a subscription to that notice only."""
    notice = public_notice(db_session(), notice_id) or abort(404)
    form = FollowNoticeForm()
    valid = form.validate()
    if form.caught():
        return redirect(url_for(".sent"), code=303)
    errors: list[tuple[str, str]] = []
    if valid:
        try:
            subscribe(
                form.email.data, current_language(), SubscriptionRequest("notices", notice_id=notice.id)
            )
        except InvalidInput as refusal:
            errors.append(("", str(refusal)))
        else:
            return redirect(url_for(".sent"), code=303)
    page = render_template(
        "citizencare/notices/notice.html",
        notice=notice,
        language=current_language(),
        follow_form=form,
        follow_errors=errors,
    )
    return page, 400


def sent() -> ResponseReturnValue:
    return render_template("citizencare/subscriptions/sent.html")


def _link_error(error: SubscriptionLinkError) -> ResponseReturnValue:
    if error.expired:
        status, title, message = (
            410,
            _("This link has expired"),
            _("Subscribe again from the form: we will send you a new link."),
        )
    else:
        status, title, message = (
            404,
            _("Link not valid"),
            _("This link is not valid. Check that you copied the whole address from the e-mail."),
        )
    page = render_template("citizencare/subscriptions/link_error.html", title=title, message=message)
    return page, status


def confirm(token: str) -> ResponseReturnValue:
    """Opening the link of the confirmation mail confirms (idempotent)."""
    try:
        row = confirm_subscription(token, current_language())
    except SubscriptionLinkError as error:
        return _link_error(error)
    what = summary(db_session(), row, current_language())
    return render_template("citizencare/subscriptions/confirmed.html", what=what, subscription=row)


def unsubscribe(token: str) -> ResponseReturnValue:
    """One-click unsubscribe (RFC 8058). GET shows the buttons (mail scanners open links); POST (a
    button, or the mail client's one-click POST, without CSRF token: the signed token in the address
    is the proof) ends this subscription, or with ``all`` every subscription of the address."""
    language = current_language()
    try:
        if request.method == "POST":
            if request.form.get("all") == "1":
                count = unsubscribe_all(token)
                return render_template("citizencare/subscriptions/unsubscribed.html", count=count, what=None)
            row = end_subscription(token)
            what = summary(db_session(), row, language)
            return render_template("citizencare/subscriptions/unsubscribed.html", count=1, what=what)
        row = subscription_for_unsubscribe(token)
    except SubscriptionLinkError as error:
        return _link_error(error)
    what = summary(db_session(), row, language)
    return render_template(
        "citizencare/subscriptions/unsubscribe.html", token=token, what=what, ended=row.unsubscribed_at
    )
