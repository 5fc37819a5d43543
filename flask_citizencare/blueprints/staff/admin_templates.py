"""The response templates screen (managers and admins): list, create, edit, deactivate, reactivate."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired

from ...context import db_session, state
from ...domain.lifecycle import Status
from ...i18n import gettext as _
from ...i18n import language_name
from ...i18n import lazy_gettext as _l
from ...labels import staff_status_labels
from ...models import CannedReply, Category
from ...parsing import InputError, optional_id
from ...queries.audit import history
from ...services import templates
from ...services.canned import PLACEHOLDERS
from ...services.errors import ActionRefused
from ...web.forms import CitizenCareForm
from .forms import CsrfForm


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class TemplateForm(CitizenCareForm):
    code = StringField(
        _l("Code"),
        filters=[lambda v: v.strip().lower() if isinstance(v, str) else v],
        validators=[InputRequired(_l("Give the template a code, such as taken-in-charge."))],
        description=_l("Catalogue files name the template by it. For example: taken-in-charge."),
    )
    title = StringField(
        _l("Title"),
        filters=[_strip],
        validators=[InputRequired(_l("Give the template a title."))],
        description=_l("What operators see in the list of templates."),
    )
    body = TextAreaField(
        _l("Text"),
        filters=[_strip],
        validators=[InputRequired(_l("Write the text of the template."))],
    )
    language = SelectField(_l("Language"), validate_choice=False)
    category = SelectField(
        _l("Category"),
        validate_choice=False,
        description=_l("A template of a category is offered on its cases only."),
    )
    status = SelectField(
        _l("State"),
        validate_choice=False,
        description=_l("A template for a state is offered first on the cases in that state."),
    )
    auto_send = BooleanField(
        _l("Send automatically when a case enters this state"),
        description=_l(
            "Posted as a public reply in the case's thread, so the reporter and the followers get it "
            "by e-mail, in the reporter's language when there is a template in it."
        ),
    )


def _require_supervisor() -> None:
    if not g.cc_actor.supervises:
        abort(403)


def _category_choices(current: int | None) -> list[tuple[str, str]]:
    where: Any = Category.active.is_(True)
    if current is not None:
        where = sa.or_(where, Category.id == current)
    rows = db_session().scalars(sa.select(Category).where(where).order_by(Category.position, Category.name))
    return [("", _("Every category"))] + [(str(c.id), c.name) for c in rows]


def _status_choices() -> list[tuple[str, str]]:
    labels = staff_status_labels()
    return [("", _("Every state"))] + [(s.value, str(labels[s])) for s in Status]


def _language_choices() -> list[tuple[str, str]]:
    return [(code, language_name(code)) for code in state().settings.languages]


def _form(template: CannedReply | None) -> TemplateForm:
    form = TemplateForm()
    form.category.choices = _category_choices(template.category_id if template is not None else None)
    form.status.choices = _status_choices()
    form.language.choices = _language_choices()
    form.body.description = " ".join(
        [_("Placeholders filled in with the case's details:"), ", ".join("{" + p + "}" for p in PLACEHOLDERS)]
    )
    if request.method == "GET":
        if template is not None:
            form.code.data, form.title.data, form.body.data = template.code, template.title, template.body
            form.language.data = template.language
            form.category.data = str(template.category_id) if template.category_id is not None else ""
            form.status.data = template.status or ""
            form.auto_send.data = template.auto_send
        else:
            form.language.data = state().settings.languages[0]
            wanted = request.args.get("status", "")
            form.status.data = wanted if wanted in {s.value for s in Status} else ""
    return form


def _input(form: TemplateForm) -> templates.TemplateInput | None:
    """The service's input, or None (with the field's error set) for a forged category."""
    try:
        category_id = optional_id(form.category.data or None)
    except InputError as error:
        form.category.errors = [*form.category.errors, str(error.message)]
        return None
    return templates.TemplateInput(
        code=form.code.data or "",
        title=form.title.data or "",
        body=form.body.data or "",
        language=form.language.data or "",
        category_id=category_id,
        status=form.status.data or None,
        auto_send=bool(form.auto_send.data),
    )


# -- The list ---------------------------------------------------------------------------------------


def _filters() -> dict[str, str]:
    """The list's filters from the query string; a value that is not one of the choices is ignored."""
    args = request.args
    category = args.get("category", "")
    if category not in ("", "general"):
        try:
            category = str(optional_id(category) or "")
        except InputError:
            category = ""
    status = args.get("state", "")
    if status not in {s.value for s in Status} | {"", "none"}:
        status = ""
    language = args.get("language", "")
    if language not in state().settings.languages:
        language = ""
    shown = args.get("show", "active")
    if shown not in ("active", "inactive", "all"):
        shown = "active"
    return {"category": category, "state": status, "language": language, "show": shown}


def _rows(filters: dict[str, str]) -> list[CannedReply]:
    where: list[Any] = []
    if filters["category"] == "general":
        where.append(CannedReply.category_id.is_(None))
    elif filters["category"]:
        where.append(CannedReply.category_id == int(filters["category"]))
    if filters["state"] == "none":
        where.append(CannedReply.status.is_(None))
    elif filters["state"]:
        where.append(CannedReply.status == filters["state"])
    if filters["language"]:
        where.append(CannedReply.language == filters["language"])
    if filters["show"] != "all":
        where.append(CannedReply.active.is_(filters["show"] == "active"))
    query = sa.select(CannedReply).where(*where).order_by(sa.func.lower(CannedReply.title), CannedReply.id)
    return list(db_session().scalars(query.limit(500)))


def _list_page(error: str | None = None, status: int = 200) -> ResponseReturnValue:
    filters = _filters()
    categories = {c.id: c.name for c in db_session().scalars(sa.select(Category))}
    return render_template(
        "citizencare/staff/admin/templates.html",
        rows=_rows(filters),
        filters=filters,
        category_names=categories,
        category_choices=_category_choices(None)[1:],
        status_choices=_status_choices()[1:],
        language_choices=_language_choices(),
        status_labels={s.value: label for s, label in staff_status_labels().items()},
        csrf=CsrfForm(),
        error=error,
    ), status


def template_list() -> ResponseReturnValue:
    _require_supervisor()
    return _list_page()


# -- Create and edit -------------------------------------------------------------------------------


def template_edit(template_id: int | None = None) -> ResponseReturnValue:
    """``template_id`` ``None``: a new template."""
    _require_supervisor()
    template = db_session().get(CannedReply, template_id) if template_id is not None else None
    if template_id is not None and template is None:
        abort(404)
    form = _form(template)
    error: tuple[str, str] | None = None
    status = 200
    if request.method == "POST":
        if form.validate_on_submit() and (data := _input(form)) is not None:
            try:
                if template_id is None:
                    saved = templates.create_template(g.cc_actor, data)
                else:
                    saved = templates.update_template(g.cc_actor, template_id, data)
            except ActionRefused as refusal:
                field = getattr(refusal, "field", "")
                if field in form._fields:
                    form[field].errors = [*form[field].errors, refusal.message]
                else:
                    error = ("", refusal.message)
                status = refusal.status_code
            else:
                flash(_("Response template %(title)s saved.", title=saved.title), "success")
                return redirect(url_for(".template_list"), code=303)
        else:
            if form.csrf_token.errors:
                raise CSRFError(_("The form has expired"))
            status = 400  # the form's error summary says what to fix
    return render_template(
        "citizencare/staff/admin/template_form.html",
        form=form,
        template=template,
        error=error,
        entries=history("template", template_id) if template_id is not None else [],
    ), status


def _set_active(template_id: int, active: bool) -> ResponseReturnValue:
    _require_supervisor()
    if not CsrfForm().validate():
        raise CSRFError(_("The form has expired"))
    try:
        template = templates.set_template_active(g.cc_actor, template_id, active)
    except ActionRefused as refusal:
        if refusal.status_code == 404:
            abort(404)
        return _list_page(refusal.message, refusal.status_code)
    if active:
        flash(_("Response template %(title)s is active again.", title=template.title), "success")
    else:
        flash(_("Response template %(title)s deactivated.", title=template.title), "success")
    return redirect(url_for(".template_list"), code=303)


def template_deactivate(template_id: int) -> ResponseReturnValue:
    return _set_active(template_id, False)


def template_activate(template_id: int) -> ResponseReturnValue:
    return _set_active(template_id, True)
