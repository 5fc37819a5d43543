"""The Open311 API keys screen (admins only): list, create (the key shown once), revoke.

Thin: the rules are in :mod:`...services.api_keys`. The page that shows a new
key is the answer to the POST itself, never stored and never cached: reloading
the list cannot show the key again.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from wtforms import BooleanField, Field, StringField
from wtforms.validators import InputRequired, Length, ValidationError

from ...context import db_session
from ...domain.open311.rates import normalise_rate
from ...i18n import gettext as _
from ...i18n import lazy_gettext as _l
from ...queries.api_keys import list_keys
from ...services.api_keys import NAME_MAX, ApiKeyError, create_key, revoke_key
from ...web.forms import CitizenCareForm
from ...web.limiter import parse_rates
from .forms import CsrfForm


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _valid_rate(form: Any, field: Field) -> None:
    if not field.data:
        field.data = None
        return
    rate = normalise_rate(field.data)
    try:
        if not parse_rates(rate):
            raise ValueError
    except ValueError:
        raise ValidationError(
            _("Write the limit as 120/min, 10/s, 5000/day or 60 per minute; 5000 per day.")
        ) from None
    field.data = rate


class ApiKeyForm(CitizenCareForm):
    name = StringField(
        _l("Name"),
        filters=[_strip],
        validators=[
            InputRequired(_l("Give the key a name: who uses it.")),
            Length(
                max=NAME_MAX, message=_l("The name can be at most %(max)d characters long.", max=NAME_MAX)
            ),
        ],
        description=_l("Who uses the key, such as the app's name and its developer."),
    )
    can_post = BooleanField(_l("May file requests and updates"))
    rate = StringField(
        _l("Rate limit"),
        filters=[_strip],
        validators=[_valid_rate],
        description=_l("Such as 120/min. Empty: the default limit of keys."),
    )


_ERRORS = {
    "name_missing": _l("Give the key a name: who uses it."),
    "name_too_long": _l("The name can be at most %(max)d characters long.", max=NAME_MAX),
    "name_taken": _l("A key with this name exists: choose another name or revoke that one."),
    "unknown": _l("There is no such key."),
    "already_revoked": _l("This key was already revoked."),
}


def _guard() -> None:
    if not g.cc_actor.is_admin:
        abort(403)


def _page(form: ApiKeyForm, status: int = 200) -> ResponseReturnValue:
    return render_template(
        "citizencare/staff/admin/api_keys.html",
        keys=list_keys(db_session()),
        form=form,
        csrf=CsrfForm(),
    ), status


def api_key_list() -> ResponseReturnValue:
    """GET: the keys and the form; POST: a new key, shown once on the answer."""
    _guard()
    form = ApiKeyForm()
    if request.method != "POST":
        return _page(form)
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            raise CSRFError(_("The form has expired"))
        return _page(form, 400)
    try:
        api_key, key = create_key(
            db_session(),
            form.name.data or "",
            can_post=bool(form.can_post.data),
            rate=form.rate.data,
            actor=g.cc_actor,
        )
    except ApiKeyError as error:
        form.name.errors = [*form.name.errors, str(_ERRORS[error.code])]
        return _page(form, 400)
    response = render_template("citizencare/staff/admin/api_key_created.html", api_key=api_key, key=key)
    return response, 200, {"Cache-Control": "no-store"}


def api_key_revoke(key_id: int) -> ResponseReturnValue:
    _guard()
    if not CsrfForm().validate():
        raise CSRFError(_("The form has expired"))
    try:
        api_key = revoke_key(db_session(), key_id, actor=g.cc_actor)
    except ApiKeyError as error:
        if error.code == "unknown":
            abort(404)
        flash(str(_ERRORS[error.code]), "error")
    else:
        flash(_("The key %(name)s is revoked: it is refused from now on.", name=api_key.name), "success")
    return redirect(url_for(".api_key_list"), code=303)
