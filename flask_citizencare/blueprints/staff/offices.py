"""The offices administration screen (managers and admins): list, create, edit, deactivate, delete."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from wtforms import BooleanField, EmailField, Field, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, Regexp, ValidationError

from ...context import db_session
from ...i18n import gettext as _
from ...i18n import lazy_gettext as _l
from ...i18n import ngettext
from ...models import Office
from ...parsing import InputError, parse_id
from ...queries.audit import history
from ...queries.offices import active_technicians, office_rows, technician_ids
from ...services import offices
from ...services.errors import ActionRefused
from ...web.forms import CitizenCareForm
from .forms import CsrfForm

_CODE_MESSAGE = _l("The code must be at most 64 lowercase letters, digits and hyphens, such as roads-north.")


def _staff_id(value: object) -> int:
    """A chosen technician's id; ``-1`` (never an id) for anything else, so the check below names it."""
    try:
        return parse_id(str(value))
    except InputError:
        return -1


def _known_technicians(form: Any, field: Field) -> None:
    allowed = {value for value, _label in field.choices or ()}
    if any(value not in allowed for value in field.data or ()):
        raise ValidationError(_l("Choose the technicians from the list of active technicians."))


class OfficeForm(CitizenCareForm):
    code = StringField(
        _l("Code"),
        filters=[lambda v: v.strip().lower() if isinstance(v, str) else v],
        validators=[
            InputRequired(_CODE_MESSAGE),
            Length(max=offices.CODE_MAX, message=_CODE_MESSAGE),
            Regexp(offices.CODE.pattern + "$", message=_CODE_MESSAGE),
        ],
        description=_l("Routing rules and catalogue files name the office by it. For example: roads-north."),
    )
    name = StringField(
        _l("Name"),
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
        validators=[
            DataRequired(_l("Give the office a name.")),
            Length(max=offices.NAME_MAX, message=_l("The name can be at most %(max)d characters long.")),
        ],
    )
    email = EmailField(
        _l("E-mail address"),
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
        validators=[
            Optional(),
            Length(max=254, message=_l("The e-mail address is too long.")),
            Email(_l("Enter a valid e-mail address, such as name@example.org.")),
        ],
    )
    external = BooleanField(
        _l("External office (another administration)"),
        description=_l(
            "Only recorded and shown for now: while a case waits for another administration, "
            "staff may suspend its clock."
        ),
    )
    technicians = SelectMultipleField(
        _l("Technicians in this office"),
        coerce=_staff_id,
        validate_choice=False,
        validators=[_known_technicians],
        description=_l("Only active staff members with the technician role can be chosen."),
    )

    def data_for_service(self) -> offices.OfficeInput:
        return offices.OfficeInput(
            code=self.code.data or "",
            name=self.name.data or "",
            email=self.email.data or None,
            external=bool(self.external.data),
            technician_ids=frozenset(self.technicians.data or ()),
        )


def _require_supervisor() -> None:
    if not g.cc_actor.supervises:
        abort(403)


def _form(office_id: int | None) -> OfficeForm:
    form = OfficeForm()
    form.technicians.choices = [(t.id, t.display_name) for t in active_technicians()]
    if request.method == "GET" and office_id is not None:
        office = db_session().get(Office, office_id)
        if office is None:
            abort(404)
        form.code.data, form.name.data, form.email.data = office.code, office.name, office.email
        form.external.data = office.external
        form.technicians.data = sorted(technician_ids(office_id))
    return form


def office_list() -> ResponseReturnValue:
    _require_supervisor()
    return render_template("citizencare/staff/admin/offices.html", rows=office_rows(), csrf=CsrfForm())


def office_edit(office_id: int | None = None) -> ResponseReturnValue:
    """``office_id`` ``None``: a new office."""
    _require_supervisor()
    form = _form(office_id)
    error, status = None, 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                if office_id is None:
                    office = offices.create_office(g.cc_actor, form.data_for_service())
                else:
                    office = offices.update_office(g.cc_actor, office_id, form.data_for_service())
            except ActionRefused as refusal:
                error, status = refusal.message, refusal.status_code
            else:
                flash(_("Office %(name)s saved.", name=office.name), "success")
                return redirect(url_for(".office_list"), code=303)
        else:
            if form.csrf_token.errors:
                raise CSRFError(_("The form has expired"))
            status = 400  # the form's error summary says what to fix
    return render_template(
        "citizencare/staff/admin/office_form.html",
        form=form,
        office_id=office_id,
        error=error,
        entries=history("office", office_id) if office_id is not None else [],
    ), status


def _action_or_error(action: str, office_id: int) -> ResponseReturnValue:
    _require_supervisor()
    if not CsrfForm().validate():
        raise CSRFError(_("The form has expired"))
    try:
        if action == "delete":
            offices.delete_office(g.cc_actor, office_id)
            flash(_("Office deleted."), "success")
        else:
            office, open_cases = offices.set_office_active(g.cc_actor, office_id, action == "activate")
            flash(
                _("Office %(name)s is active again.", name=office.name)
                if office.active
                else _("Office %(name)s deactivated.", name=office.name),
                "success",
            )
            if not office.active and open_cases:
                flash(
                    ngettext(
                        "It still holds %(num)d open case: move it to another office.",
                        "It still holds %(num)d open cases: move them to another office.",
                        open_cases,
                    ),
                    "error",
                )
    except ActionRefused as refusal:
        return render_template(
            "citizencare/staff/admin/offices.html", rows=office_rows(), csrf=CsrfForm(), error=refusal.message
        ), refusal.status_code
    return redirect(url_for(".office_list"), code=303)


def office_deactivate(office_id: int) -> ResponseReturnValue:
    return _action_or_error("deactivate", office_id)


def office_activate(office_id: int) -> ResponseReturnValue:
    return _action_or_error("activate", office_id)


def office_delete(office_id: int) -> ResponseReturnValue:
    return _action_or_error("delete", office_id)
