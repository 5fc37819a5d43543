"""The routing rules screen (managers and admins): the ordered rules, their form, a test box."""

from __future__ import annotations

import json
import math
from typing import Any

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from wtforms import RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from ...context import db_session, state
from ...domain.routing import AREA_MAX_BYTES
from ...i18n import current_language
from ...i18n import gettext as _
from ...i18n import lazy_gettext as _l
from ...models import RoutingRuleRecord
from ...parsing import optional_id
from ...queries.audit import history
from ...queries.routing_rules import configured_rows, rule_areas, rule_choices, rule_rows
from ...services import routing_rules
from ...services.errors import ActionRefused
from ...web.forms import CitizenCareForm
from .forms import CsrfForm

#: The GeoJSON text a form may carry: a little over the service's own limit, which says it clearly.
_AREA_FIELD_MAX = AREA_MAX_BYTES + 10_000


class RuleForm(CitizenCareForm):
    category = SelectField(_l("Category"), coerce=optional_id, validate_choice=False, validators=[Optional()])
    place = RadioField(
        _l("Where"),
        choices=[
            SelectChoice("any", _l("Anywhere")),
            SelectChoice("district", _l("In a district")),
            SelectChoice("area", _l("In an area drawn on the map")),
        ],
        default="any",
        validate_choice=True,
    )
    district = SelectField(_l("District"), coerce=str, validate_choice=False, validators=[Optional()])
    area = TextAreaField(
        _l("Area (GeoJSON)"),
        validators=[Optional(), Length(max=_AREA_FIELD_MAX, message=_l("The area is too large a text."))],
        description=_l(
            "Click the points of the area on the map, or paste a GeoJSON Polygon or MultiPolygon "
            "(longitude, latitude in WGS84), for example from geojson.io."
        ),
    )
    office = SelectField(_l("Office"), coerce=optional_id, validate_choice=False)
    note = StringField(
        _l("Note"),
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
        validators=[
            Optional(),
            Length(
                max=routing_rules.NOTE_MAX, message=_l("The note can be at most %(max)d characters long.")
            ),
        ],
        description=_l("For the staff: why the rule exists."),
    )

    def data_for_service(self) -> routing_rules.RuleInput:
        return routing_rules.RuleInput(
            category_id=self.category.data,
            place=self.place.data or "any",
            district=self.district.data or None,
            area=self.area.data or None,
            office_id=self.office.data,
            note=self.note.data or "",
        )


def _coordinate(value: Any) -> float | None:
    if value is None or not str(value).strip():
        return None
    try:
        number = float(str(value).strip().replace(",", "."))
    except ValueError:
        return math.nan
    return number


class TestForm(CitizenCareForm):
    """The test box: in the query string, so it works without JavaScript (no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    category = SelectField(_l("Category"), coerce=optional_id, validate_choice=False, validators=[Optional()])
    lat = StringField(_l("Latitude"), validators=[Optional(), Length(max=40)])
    lon = StringField(_l("Longitude"), validators=[Optional(), Length(max=40)])
    district = SelectField(
        _l("Or a district"), coerce=str, validate_choice=False, validators=[Optional(), Length(max=64)]
    )


def _require_supervisor() -> None:
    if not g.cc_actor.supervises:
        abort(403)


def _district_choices() -> list[SelectChoice]:
    return [SelectChoice(d.name, d.name) for d in state().settings.districts]


def _test_box() -> tuple[TestForm, Any, str | None]:
    """The form, the answer, and an error: None if there is none, "" if the fields' errors say it."""
    categories, _offices = rule_choices()
    form = TestForm(request.args)
    form.category.choices = [SelectChoice("", _l("Choose a category"))] + [
        SelectChoice(str(c.id), c.label(current_language())) for c in categories
    ]
    form.district.choices = [SelectChoice("", _l("None: use the point")), *_district_choices()]
    if "category" not in request.args:
        return form, None, None
    if not form.validate():
        return form, None, ""  # the fields' errors say what to fix
    if form.category.data is None:
        return form, None, _("Choose the category of the report.")
    lat, lon = _coordinate(form.lat.data), _coordinate(form.lon.data)
    try:
        answer = routing_rules.where_would_it_go(
            form.category.data, lat=lat, lon=lon, district=form.district.data or None
        )
    except ActionRefused as refusal:
        field = getattr(form, getattr(refusal, "field", ""), None)
        if field is not None:
            field.errors = [*field.errors, refusal.message]
            return form, None, ""
        return form, None, refusal.message
    return form, answer, None


def rule_list() -> ResponseReturnValue:
    _require_supervisor()
    test_form, answer, test_error = _test_box()
    rows = rule_rows()
    return render_template(
        "citizencare/staff/admin/routing.html",
        rows=rows,
        areas=rule_areas(rows),
        configured=configured_rows(),
        csrf=CsrfForm(),
        test_form=test_form,
        answer=answer,
        test_error=test_error,
    ), (200 if test_error is None else 400)


def _form(rule_id: int | None) -> RuleForm:
    form = RuleForm()
    categories, offices = rule_choices()
    language = current_language()
    form.category.choices = [SelectChoice("", _l("Any category"))] + [
        SelectChoice(
            str(c.id),
            c.label(language) if c.active else _("%(name)s (inactive)", name=c.label(language)),
        )
        for c in categories
    ]
    form.office.choices = [SelectChoice("", _l("Choose an office"))] + [
        SelectChoice(str(o.id), o.name) for o in offices
    ]
    form.district.choices = [SelectChoice("", _l("Choose a district")), *_district_choices()]
    if request.method == "GET" and rule_id is not None:
        rule = db_session().get(RoutingRuleRecord, rule_id)
        if rule is None:
            abort(404)
        form.category.data, form.office.data, form.note.data = rule.category_id, rule.office_id, rule.note
        form.district.data = rule.district or ""
        form.area.data = json.dumps(rule.area) if rule.area is not None else ""
        form.place.data = "district" if rule.district else "area" if rule.area is not None else "any"
        if not rule.office.active:
            form.office.choices.append(
                SelectChoice(str(rule.office.id), _("%(name)s (inactive)", name=rule.office.name))
            )
    return form


def rule_edit(rule_id: int | None = None) -> ResponseReturnValue:
    """``rule_id`` ``None``: a new rule."""
    _require_supervisor()
    form = _form(rule_id)
    error, status = None, 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                if rule_id is None:
                    routing_rules.create_rule(g.cc_actor, form.data_for_service())
                else:
                    routing_rules.update_rule(g.cc_actor, rule_id, form.data_for_service())
            except ActionRefused as refusal:
                error, status = refusal.message, refusal.status_code
                field = getattr(form, getattr(refusal, "field", "").split("-")[0], None)
                if field is not None:
                    # The field shows the message too (and is marked invalid); the summary links to it.
                    field.errors = [*field.errors, refusal.message]
                    error = None
            else:
                flash(_("Routing rule saved."), "success")
                return redirect(url_for(".routing_list"), code=303)
        else:
            if form.csrf_token.errors:
                raise CSRFError(_("The form has expired"))
            status = 400
    return render_template(
        "citizencare/staff/admin/routing_form.html",
        form=form,
        rule_id=rule_id,
        error=error,
        entries=history(routing_rules.SUBJECT, rule_id) if rule_id is not None else [],
    ), status


def _action(action: str, rule_id: int) -> ResponseReturnValue:
    _require_supervisor()
    if not CsrfForm().validate():
        raise CSRFError(_("The form has expired"))
    try:
        if action == "delete":
            routing_rules.delete_rule(g.cc_actor, rule_id)
            flash(_("Routing rule deleted."), "success")
        elif action == "move":
            routing_rules.move_rule(g.cc_actor, rule_id, request.form.get("direction", ""))
        else:
            routing_rules.set_rule_active(g.cc_actor, rule_id, action == "activate")
            flash(
                _("Routing rule active again.") if action == "activate" else _("Routing rule deactivated."),
                "success",
            )
    except ActionRefused as refusal:
        test_form, _answer, _test_error = _test_box()
        rows = rule_rows()
        return render_template(
            "citizencare/staff/admin/routing.html",
            rows=rows,
            areas=rule_areas(rows),
            configured=configured_rows(),
            csrf=CsrfForm(),
            test_form=test_form,
            answer=None,
            test_error=None,
            error=refusal.message,
        ), refusal.status_code
    return redirect(url_for(".routing_list"), code=303)


def rule_move(rule_id: int) -> ResponseReturnValue:
    return _action("move", rule_id)


def rule_deactivate(rule_id: int) -> ResponseReturnValue:
    return _action("deactivate", rule_id)


def rule_activate(rule_id: int) -> ResponseReturnValue:
    return _action("activate", rule_id)


def rule_delete(rule_id: int) -> ResponseReturnValue:
    return _action("delete", rule_id)
