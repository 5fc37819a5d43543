"""Registering a request that arrived by phone, e-mail, letter, fax or at the counter."""

from __future__ import annotations

from datetime import datetime

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from wtforms import DateTimeLocalField, SelectChoice, SelectField
from wtforms.validators import InputRequired

from ...context import db_session, state
from ...domain.geo import LocationError
from ...domain.intake import ReceivedAtProblem, received_at_problem
from ...domain.lifecycle import Channel
from ...i18n import current_language, ngettext
from ...i18n import gettext as _
from ...i18n import lazy_gettext as _l
from ...models.base import utcnow
from ...queries.reports import active_categories
from ...services.errors import Forbidden
from ...services.reports import SubmissionRefused, register_request
from ...services.suggestion_models import load_current
from ...services.suggestions import Suggestions
from ..public.forms import ReportForm, report_form_class
from ..public.submission_tokens import new_submission_token
from ..public.views import check_report_parts
from .forms import channel_labels
from .intake_hints import intake_suggestions

INTAKE_CHANNELS = (Channel.PHONE, Channel.EMAIL, Channel.LETTER, Channel.COUNTER, Channel.FAX)


class IntakeFields(ReportForm):
    channel = SelectField(_l("Received by"), validators=[InputRequired()])
    received_at = DateTimeLocalField(
        _l("Received on"),
        format="%Y-%m-%dT%H:%M",
        validators=[InputRequired(_l("When did the request arrive?"))],
    )


def _received_at_errors(backdate_days: int) -> dict[str, str]:
    return {
        ReceivedAtProblem.FUTURE.value: _("The time cannot be in the future."),
        ReceivedAtProblem.TOO_OLD.value: ngettext(
            "Only requests received in the last %(num)d day can be registered.",
            "Only requests received in the last %(num)d days can be registered.",
            backdate_days,
        ),
        "missing": _("When did the request arrive?"),
    }


def _word_for_the_operator(form: ReportForm) -> None:
    """The public form speaks to the citizen ("Your name"); here an operator types the citizen's data."""
    form.kind.label.text = _("Type of report")
    form.name.label.text = _("Citizen's name")
    form.email.label.text = _("Citizen's e-mail address")
    form.email.description = _(
        "The citizen gets the acknowledgement and the answers there. It is never published."
    )
    form.phone.label.text = _("Citizen's phone number")
    form.title.description = _("In a few words, as the citizen described it.")
    form.description.description = _("What the citizen reported: what is wrong, since when, how to find it.")


def intake_view() -> ResponseReturnValue:
    actor = g.cc_actor
    if not actor.registers_requests:
        abort(403)  # every request, GET included: the link is not shown to these roles either
    categories = active_categories()
    language = current_language()
    base = report_form_class(categories, language)
    form = type("IntakeForm", (IntakeFields, base), {})()
    form.set_categories(categories, language)
    form.channel.choices = [SelectChoice(c.value, channel_labels()[c]) for c in INTAKE_CHANNELS]
    # The citizen gave consent to the operator; the operator confirms it.
    form.consent.label.text = _("The citizen was told about the privacy notice and agreed.")
    _word_for_the_operator(form)
    zone = state().settings.zone
    backdate_days = int(current_app.config["CITIZENCARE_INTAKE_BACKDATE_DAYS"])

    def page(
        status: int = 200, location_error: str | None = None, hints: Suggestions | None = None
    ) -> ResponseReturnValue:
        return render_template(
            "citizencare/staff/intake.html",
            form=form,
            categories=categories,
            location_error=location_error,
            staff_intake=True,
            intake_hints=hints,
            suggest_offered=load_current(db_session()) is not None,
        ), status

    if request.method == "GET":
        form.submission_token.data = new_submission_token()
        form.received_at.data = utcnow().astimezone(zone).replace(tzinfo=None, second=0, microsecond=0)
        return page()

    if "cc_suggest" in request.form or "cc_use_category" in request.form:
        # Without the script: the form again, as typed, with the suggestions (or the one chosen).
        chosen = request.form.get("cc_use_category", "")
        if chosen.isascii() and chosen.isdigit() and len(chosen) <= 10 and form.offers(int(chosen)):
            form.category.data = chosen
        return page(hints=intake_suggestions(request.form))
    valid = form.validate()
    received: datetime | None = None
    if form.received_at.data is not None:
        received = form.received_at.data.replace(tzinfo=zone)
        problem = received_at_problem(received, utcnow(), backdate_days)
        if problem is not None:
            form.received_at.errors = [*form.received_at.errors, _received_at_errors(backdate_days)[problem]]
            valid = False
    parts = check_report_parts(form, categories)
    if not (valid and parts.ok) or received is None:
        return page(400, parts.location_error)
    submission = form.submission(
        location=parts.location,
        answers=parts.answers,
        locale=language,
        channel=Channel(form.channel.data),
        received_at=received,
    )
    try:
        report = register_request(actor, submission, parts.photos)
    except Forbidden:
        abort(403)
    except SubmissionRefused as refused:
        if refused.field == "received_at":
            # It passed the check above a moment ago (the window's edge): the same rule, said the same.
            form.received_at.errors = [_received_at_errors(backdate_days)[refused.code]]
        else:
            form.category.errors = [_("Choose a category from the list.")]
        return page(400, parts.location_error)
    except LocationError:
        form.category.errors = [_("Choose a category from the list.")]
        return page(400, parts.location_error)
    flash(_("Registered as %(number)s.", number=report.public_id), "success")
    return redirect(url_for(".case", public_id=report.public_id), code=303)
