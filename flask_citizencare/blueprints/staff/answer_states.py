"""The answer states administration screen (managers and admins): list, create, edit, reorder,
deactivate, reactivate, delete one never used. Thin: the rules are in :mod:`...services.answer_states`."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from wtforms import BooleanField, Field, SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional, Regexp

from ...context import db_session
from ...domain.answers import CODE_MAX, NAME_MAX
from ...i18n import gettext as _
from ...i18n import language_name, languages
from ...i18n import lazy_gettext as _l
from ...models import AnswerState
from ...queries.audit import history
from ...queries.proposal_answers import answer_states
from ...services import answer_states as service
from ...services.errors import ActionRefused
from ...web.forms import CitizenCareForm
from .forms import CsrfForm

_CODE_MESSAGE = _l(
    "The code must be at most %(max)d lowercase letters, digits and underscores, "
    "starting with a letter, such as partially_accepted.",
    max=CODE_MAX,
)
_COLOUR_MESSAGE = _l("The colour must be written as # and six hexadecimal digits, such as #0066cc.")


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def meaning_labels() -> dict[str, Any]:
    return {
        "under_review": _l("Under review"),
        "accepted": _l("Accepted"),
        "implemented": _l("Implemented"),
        "not_accepted": _l("Not accepted"),
    }


class _BaseStateForm(CitizenCareForm):
    code = StringField(
        _l("Code"),
        filters=[lambda v: v.strip().lower() if isinstance(v, str) else v],
        validators=[
            InputRequired(_CODE_MESSAGE),
            Length(max=CODE_MAX, message=_CODE_MESSAGE),
            Regexp(r"[a-z][a-z0-9_]*$", message=_CODE_MESSAGE),
        ],
        description=_l(
            "The history of each proposal names the state by it; it cannot change once the state is "
            "created. For example: partially_accepted."
        ),
    )
    colour = StringField(
        _l("Colour"),
        filters=[_strip],
        validators=[InputRequired(_COLOUR_MESSAGE), Regexp(r"#[0-9a-fA-F]{6}$", message=_COLOUR_MESSAGE)],
        default="#5c6f82",
        description=_l("The badge's background; its text is white or black, whichever is easier to read."),
    )
    meaning = SelectField(
        _l("What it means"),
        choices=[],
        validators=[InputRequired()],
        description=_l("The dashboard and open data count answers by meaning: add states freely."),
    )
    needs_reason = BooleanField(_l("An answer in this state must give the reason"))
    needs_date = BooleanField(_l("An answer in this state gives the date the work was done"))
    active = BooleanField(_l("Active (staff can choose it)"), default=True)

    def name_fields(self) -> list[tuple[str, Field]]:
        return [(code, self[f"name_{code}"]) for code in languages()]

    def data_for_service(self) -> service.AnswerStateInput:
        return service.AnswerStateInput(
            code=self.code.data or "",
            names={code: f.data or "" for code, f in self.name_fields()},
            colour=self.colour.data or "",
            meaning=self.meaning.data or "",
            needs_reason=bool(self.needs_reason.data),
            needs_date=bool(self.needs_date.data),
            active=bool(self.active.data),
        )


def state_form_class() -> type[_BaseStateForm]:
    """The form with a label field per language (the default one required)."""
    fields: dict[str, Field] = {}
    for index, code in enumerate(languages()):
        language = language_name(code)
        validators: list[Any] = [
            Length(max=NAME_MAX, message=_l("A label can be at most %(max)d characters long."))
        ]
        validators.insert(
            0,
            InputRequired(
                _l("Give the state a label in %(language)s, the default language.", language=language)
            )
            if index == 0
            else Optional(),
        )
        fields[f"name_{code}"] = StringField(
            _l("Label (%(language)s)", language=language), filters=[_strip], validators=validators
        )
    return type("AnswerStateForm", (_BaseStateForm,), fields)


def _require_supervisor() -> None:
    if not g.cc_actor.supervises:
        abort(403)


def _form(state_id: int | None) -> _BaseStateForm:
    form = state_form_class()()
    form.meaning.choices = [SelectChoice(value, label) for value, label in meaning_labels().items()]
    if request.method == "GET" and state_id is not None:
        found = db_session().get(AnswerState, state_id)
        if found is None:
            abort(404)
        form.code.data, form.colour.data, form.meaning.data = found.code, found.colour, found.meaning
        form.needs_reason.data, form.needs_date.data = found.needs_reason, found.needs_date
        form.active.data = found.active
        for index, (code, field) in enumerate(form.name_fields()):
            field.data = found.name if index == 0 else (found.names or {}).get(code, "")
    return form


def _list_page(error: str | None = None, status: int = 200) -> ResponseReturnValue:
    return render_template(
        "citizencare/staff/admin/answer_states.html",
        states=answer_states(),
        languages=[(code, language_name(code)) for code in languages()],
        meanings=meaning_labels(),
        csrf=CsrfForm(),
        error=error,
    ), status


def answer_state_list() -> ResponseReturnValue:
    _require_supervisor()
    return _list_page()


def answer_state_edit(state_id: int | None = None) -> ResponseReturnValue:
    """``state_id`` ``None``: a new state."""
    _require_supervisor()
    form = _form(state_id)
    error, status = None, 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                if state_id is None:
                    saved = service.create_state(g.cc_actor, form.data_for_service())
                else:
                    saved = service.update_state(g.cc_actor, state_id, form.data_for_service())
            except ActionRefused as refusal:
                error, status = refusal.message, refusal.status_code
            else:
                flash(_("Answer state %(name)s saved.", name=saved.name), "success")
                return redirect(url_for(".answer_state_list"), code=303)
        else:
            if form.csrf_token.errors:
                raise CSRFError(_("The form has expired"))
            status = 400
    return render_template(
        "citizencare/staff/admin/answer_state_form.html",
        form=form,
        state_id=state_id,
        error=error,
        entries=history("answer_state", state_id) if state_id is not None else [],
    ), status


def answer_state_change(state_id: int, state_change: str) -> ResponseReturnValue:
    """``up``, ``down``, ``deactivate``, ``activate`` or ``delete`` (POST, CSRF-checked)."""
    change = state_change
    _require_supervisor()
    if not CsrfForm().validate():
        raise CSRFError(_("The form has expired"))
    try:
        if change in ("up", "down"):
            service.move_state(g.cc_actor, state_id, change)
        elif change == "deactivate":
            moved = service.deactivate_state(g.cc_actor, state_id)
            flash(_("Answer state %(name)s deactivated.", name=moved.name), "success")
        elif change == "activate":
            moved = service.activate_state(g.cc_actor, state_id)
            flash(_("Answer state %(name)s is active again.", name=moved.name), "success")
        else:
            name = service.delete_state(g.cc_actor, state_id)
            flash(_("Answer state %(name)s deleted.", name=name), "success")
    except ActionRefused as refusal:
        if refusal.status_code == 404:
            abort(404)
        return _list_page(refusal.message, refusal.status_code)
    return redirect(url_for(".answer_state_list"), code=303)
