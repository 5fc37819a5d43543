"""Staff pages' side of the suggestions: apply or dismiss one on a case, and the intake form's hints."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, jsonify, redirect, request, url_for
from flask.typing import ResponseReturnValue

from ...context import db_session
from ...i18n import current_language
from ...i18n import gettext as _
from ...queries.reports import public_number_of
from ...services.errors import ActionRefused
from ...services.suggestion_display import shown_before_apply
from ...services.suggestion_records import FIELDS, apply_suggestion, dismiss_suggestion
from ...services.suggestions import Suggestions
from .forms import SuggestionForm
from .intake_hints import intake_suggestions
from .views import _case_id, _refused, _safe_back, actor


def _done(report_id: int, form: SuggestionForm, message: str) -> ResponseReturnValue:
    flash(message, "success")
    if form.back.data:
        return redirect(_safe_back(form.back.data), code=303)
    return redirect(url_for(".case", public_id=public_number_of(db_session(), report_id)), code=303)


def _incomplete(report_id: int) -> ResponseReturnValue:
    return _refused(report_id, ActionRefused(_("The form was not complete: reload the case and try again.")))


def suggestion_apply(public_id: str, field: str) -> ResponseReturnValue:
    """One click: the suggested category or office becomes the case's, through the usual service."""
    report_id = _case_id(public_id)
    if field not in FIELDS:
        abort(404)
    form = SuggestionForm()
    if not form.validate() or form.value.data is None:
        return _incomplete(report_id)
    try:
        shown_before_apply(db_session(), actor(), report_id, language=current_language())
        report = apply_suggestion(actor(), report_id, field, form.value.data, form.version.data)
    except ActionRefused as refusal:
        db_session().rollback()
        return _refused(report_id, refusal)
    if field == "category":
        message = _(
            "Category changed to %(label)s, as suggested.", label=report.category.label(current_language())
        )
    else:
        name = report.office.name if report.office else "—"
        message = _("Office changed to %(name)s, as suggested.", name=name)
    return _done(report_id, form, str(message))


def suggestion_dismiss(public_id: str, field: str) -> ResponseReturnValue:
    """ "Not this": the suggestion is recorded as wrong and no longer offered for this case."""
    report_id = _case_id(public_id)
    if field not in FIELDS:
        abort(404)
    form = SuggestionForm()
    if not form.validate():
        return _incomplete(report_id)
    try:
        dismiss_suggestion(actor(), report_id, field)
    except ActionRefused as refusal:
        db_session().rollback()
        return _refused(report_id, refusal)
    return _done(report_id, form, str(_("Suggestion dismissed.")))


def _choices(found: Suggestions, field: str) -> list[dict[str, Any]]:
    choices = found.categories if field == "categories" else found.offices
    return [
        {"id": c.id, "code": c.code, "label": c.label, "score": c.score, "like": list(c.like)}
        for c in choices
    ]


def suggest_json() -> ResponseReturnValue:
    """GET /staff/suggest: category and office hints for the intake form's script (staff only)."""
    if not actor().registers_requests:
        abort(403)
    found = intake_suggestions(request.args)
    response = jsonify(
        available=found.available,
        categories=_choices(found, "categories"),
        offices=_choices(found, "offices"),
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
