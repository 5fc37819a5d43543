"""A category's extra questions (managers and admins): list, add, edit, move, retire, delete, and the preview.

Works without JavaScript: list values are rows of fields, "More rows" sends the
form back with empty ones, and every save re-renders the page with the
category's form previewed below it.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import force_locale
from flask_wtf.csrf import CSRFError
from markupsafe import Markup
from wtforms import BooleanField, HiddenField, SelectChoice, SelectField, StringField, TextAreaField

from ...context import db_session
from ...domain import questions as domain
from ...domain.questions import Localized, localized
from ...i18n import current_language, languages
from ...i18n import gettext as _
from ...i18n import lazy_gettext as _l
from ...models import Category
from ...parsing import InputError, parse_int
from ...queries.audit import history
from ...services import questions as service
from ...services.errors import ActionRefused
from ...web.forms import CitizenCareForm
from ..public.forms import report_form_class
from .forms import CsrfForm

#: Empty list-value rows a form offers, and how many "More rows" adds.
EXTRA_ROWS = 3
MAX_ROWS = domain.MAX_CHOICES + EXTRA_ROWS


def type_labels() -> dict[str, str]:
    return {
        domain.STRING: _("Short text"),
        domain.NUMBER: _("Number"),
        domain.DATETIME: _("Date and time"),
        domain.TEXT: _("Long text"),
        domain.SINGLE: _("List, one choice"),
        domain.MULTI: _("List, several choices"),
        domain.NOTE: _("Note (information only, no answer)"),
    }


def language_names() -> dict[str, str]:
    return service.language_names()


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _code(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


def question_form_class(rows: int) -> type[CitizenCareForm]:
    names = language_names()
    fields: dict[str, Any] = {
        "key": StringField(
            _l("Key"),
            filters=[_code],
            description=_l(
                "Lowercase letters, digits and underscores, such as pole_number. "
                "Answers are stored by it: it cannot change once saved."
            ),
        ),
        "type": SelectField(_l("Type"), validate_choice=False),
        "required": BooleanField(_l("An answer is required")),
        "rows": HiddenField(),
    }
    for code, name in names.items():
        fields[f"label_{code}"] = StringField(_l("Question in %(language)s", language=name), filters=[_strip])
        fields[f"help_{code}"] = TextAreaField(
            _l("Help text in %(language)s", language=name), filters=[_strip]
        )
    for n in range(rows):
        fields[f"choice_{n}_value"] = StringField(_l("Value code"), filters=[_code])
        for code, name in names.items():
            fields[f"choice_{n}_label_{code}"] = StringField(
                _l("Label in %(language)s", language=name), filters=[_strip]
            )
        fields[f"choice_{n}_retired"] = BooleanField(_l("Retired (no longer offered)"))
        fields[f"choice_{n}_remove"] = BooleanField(_l("Remove"))
    return type("QuestionForm", (CitizenCareForm,), fields)


def _require_supervisor() -> None:
    if not g.cc_actor.supervises:
        abort(403)


def _category(category_id: int) -> Category:
    category = db_session().get(Category, category_id)
    if category is None:
        abort(404)
    return category


def _question(category: Category, key: str) -> domain.Question:
    if len(key) > domain.KEY_MAX or not domain.LEGACY_KEY.fullmatch(key):
        abort(404)
    found = next((q for q in service.questions_of(category) if q.key == key), None)
    if found is None:
        abort(404)
    return found


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


# --- The preview -------------------------------------------------------------------------------------


def _category_text(texts: dict[str, str], default_text: str, language: str) -> Localized:
    default = service.default_language()
    merged = {**texts, default: texts.get(default) or default_text}
    return localized(merged, language, default)


def preview_html(category: Category, language: str) -> Markup:
    """The category's form as a citizen sees it in ``language``, with every fallback marked; not a form."""
    form_class = report_form_class([category], language)
    with force_locale(language):
        names = language_names()  # the whole preview speaks its language, badges included
        form = form_class(formdata=None, meta={"csrf": False})
        html = render_template(
            "citizencare/staff/admin/_question_preview.html",
            form=form,
            category=category,
            items=form.question_items[category.id],
            language=language,
            names=names,
            name=_category_text(category.names or {}, category.name, language),
            help=_category_text(category.help_texts or {}, category.help_text or "", language),
            urgent=_category_text(category.urgent_notices or {}, category.urgent_notice or "", language)
            if (category.urgent_notice or any((category.urgent_notices or {}).values()))
            else None,
        )
    return Markup(html)  # noqa: S704 - our own template's output, escaped as it was rendered


def _preview_language() -> str:
    wanted = request.args.get("lang", "")
    return wanted if wanted in languages() else service.default_language()


# --- Pages -------------------------------------------------------------------------------------------


def _list_page(category: Category, *, error: str | None = None, status: int = 200) -> ResponseReturnValue:
    questions = service.questions_of(category)
    usage = service.usage(category.id)
    language = _preview_language()
    return render_template(
        "citizencare/staff/admin/questions.html",
        category=category,
        questions=questions,
        usage=usage,
        type_labels=type_labels(),
        default=service.default_language(),
        locale=current_language(),
        preview=preview_html(category, language),
        preview_language=language,
        names=language_names(),
        entries=history("category", category.id),
        csrf=CsrfForm(),
        error=error,
    ), status


def question_list(category_id: int) -> ResponseReturnValue:
    _require_supervisor()
    return _list_page(_category(category_id))


def question_preview(category_id: int) -> ResponseReturnValue:
    _require_supervisor()
    category = _category(category_id)
    language = _preview_language()
    return render_template(
        "citizencare/staff/admin/question_preview.html",
        category=category,
        preview=preview_html(category, language),
        preview_language=language,
        names=language_names(),
    )


def _rows(requested: str | None, minimum: int) -> int:
    try:
        rows = parse_int(requested or "", minimum=0, maximum=MAX_ROWS)
    except InputError:
        rows = 0
    return max(rows, minimum)


def _fill(form: Any, question: domain.Question, rows: int) -> None:
    form.key.data = question.key
    form.type.data = question.type
    form.required.data = question.required
    for code in languages():
        form[f"label_{code}"].data = question.labels.get(code, "")
        form[f"help_{code}"].data = question.helps.get(code, "")
    for n, choice in enumerate(question.choices):
        form[f"choice_{n}_value"].data = choice.value
        for code in languages():
            form[f"choice_{n}_label_{code}"].data = choice.labels.get(code, "")
        form[f"choice_{n}_retired"].data = choice.retired


def _input(form: Any, rows: int, key: str) -> tuple[service.QuestionInput, dict[str, int]]:
    """The form as the service's input, and which row each list value came from.

    The rows are keyed ``"3"`` by the kept value's index and ``"=code"`` by value code.
    """
    choices: list[service.ChoiceInput] = []
    row_of: dict[int, int] = {}
    by_value: dict[str, int] = {}
    for n in range(rows):
        value = _text(form[f"choice_{n}_value"].data)
        labels = {code: _text(form[f"choice_{n}_label_{code}"].data) for code in languages()}
        if not value and not any(labels.values()):
            continue  # an empty row
        row_of[len(choices)] = n
        by_value.setdefault("=" + value, n)
        choices.append(
            service.ChoiceInput(
                value=value,
                labels=labels,
                retired=bool(form[f"choice_{n}_retired"].data),
                remove=bool(form[f"choice_{n}_remove"].data),
            )
        )
    kept = [i for i, c in enumerate(choices) if not c.remove]
    rows_of = {str(i): row_of[original] for i, original in enumerate(kept)} | by_value
    data = service.QuestionInput(
        key=key,
        type=_text(form.type.data),
        labels={code: _text(form[f"label_{code}"].data) for code in languages()},
        helps={code: _text(form[f"help_{code}"].data) for code in languages()},
        required=bool(form.required.data),
        choices=tuple(choices),
    )
    return data, rows_of


def _field_of(where: str, row_of: dict[str, int]) -> str:
    """The form field a problem's place names (``label.it`` → ``label_it``), or "" for none."""
    parts = where.replace("]", "").replace("[", ".").split(".")
    if parts[0] in ("key", "type"):
        return parts[0]
    if parts[0] in ("label", "help") and len(parts) > 1:
        return f"{parts[0]}_{parts[1]}"
    if parts[0] == "removed" and len(parts) > 1:
        return f"choice_{row_of.get('=' + parts[1], 0)}_value"
    if parts[0] == "choices":
        if len(parts) == 1 or not parts[1].isdigit():
            return "choice_0_value"
        row = row_of.get(parts[1], 0)
        if len(parts) > 3 and parts[2] == "label":
            return f"choice_{row}_label_{parts[3]}"
        return f"choice_{row}_value"
    return ""


def question_edit(category_id: int, question_key: str | None = None) -> ResponseReturnValue:
    """``question_key`` None: a new question."""
    _require_supervisor()
    category = _category(category_id)
    question = _question(category, question_key) if question_key is not None else None
    existing = len(question.choices) if question is not None else 0
    rows = _rows(request.form.get("rows") if request.method == "POST" else None, existing + EXTRA_ROWS)
    if request.method == "POST" and "more" in request.form:
        rows = min(rows + EXTRA_ROWS, MAX_ROWS)
    form = question_form_class(rows)()
    form.type.choices = [SelectChoice(value, label) for value, label in type_labels().items()]
    form.rows.data = str(rows)
    if request.method == "GET" and question is not None:
        _fill(form, question, rows)
    extra_errors: list[tuple[str, str]] = []
    status = 200
    if request.method == "POST" and "more" not in request.form:
        if form.validate_on_submit():
            key = question.key if question is not None else _text(form.key.data)
            data, row_of = _input(form, rows, key)
            try:
                saved = service.save_question(g.cc_actor, category.id, data, question_key)
            except service.QuestionsRefused as refusal:
                status = refusal.status_code
                for where, message in refusal.problems:
                    name = _field_of(where, row_of)
                    if name and name in form:
                        form[name].errors = [*form[name].errors, message]
                    else:
                        extra_errors.append(("", message))
            except ActionRefused as refusal:
                if refusal.status_code == 404:
                    abort(404)
                status = refusal.status_code
                extra_errors.append(("", refusal.message))
            else:
                flash(_("Question %(key)s saved.", key=saved.key), "success")
                return redirect(url_for(".question_list", category_id=category.id) + "#cc-preview", code=303)
        else:
            if form.csrf_token.errors:
                raise CSRFError(_("The form has expired"))
            status = 400
    usage = service.usage(category.id) if question is not None else domain.Usage()
    choice_rows = [
        {
            "n": n,
            "stored": question is not None and n < existing,
            "used": usage.uses_value(question.key, question.choices[n].value)
            if question is not None and n < existing
            else 0,
        }
        for n in range(rows)
    ]
    return render_template(
        "citizencare/staff/admin/question_form.html",
        form=form,
        category=category,
        question=question,
        choice_rows=choice_rows,
        names=language_names(),
        default=service.default_language(),
        extra_errors=extra_errors,
    ), status


def question_change(category_id: int, question_key: str, change: str) -> ResponseReturnValue:
    """Move up or down, retire, restore or delete one question (a small form per button)."""
    _require_supervisor()
    if not CsrfForm().validate():
        raise CSRFError(_("The form has expired"))
    category = _category(category_id)
    question = _question(category, question_key)
    try:
        if change in ("up", "down"):
            service.move_question(g.cc_actor, category.id, question.key, -1 if change == "up" else 1)
            flash(_("Question %(key)s moved.", key=question.key), "success")
        elif change in ("retire", "restore"):
            service.set_question_retired(g.cc_actor, category.id, question.key, change == "retire")
            flash(
                _(
                    "Question %(key)s retired: it is no longer on the form; old answers keep it.",
                    key=question.key,
                )
                if change == "retire"
                else _("Question %(key)s is on the form again.", key=question.key),
                "success",
            )
        elif change == "delete":
            service.delete_question(g.cc_actor, category.id, question.key)
            flash(_("Question %(key)s deleted.", key=question.key), "success")
        else:
            abort(404)
    except ActionRefused as refusal:
        if refusal.status_code == 404:
            abort(404)
        db_session().expire_all()
        return _list_page(_category(category_id), error=refusal.message, status=refusal.status_code)
    return redirect(url_for(".question_list", category_id=category.id), code=303)
