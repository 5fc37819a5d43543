"""Registering a request that arrived by phone, e-mail, letter, fax or at the counter."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import DateTimeLocalField, SelectChoice, SelectField
from wtforms.validators import InputRequired

from ...domain.geo import LocationError
from ...domain.lifecycle import Channel
from ...i18n import current_language
from ...models.base import utcnow
from ...queries import active_categories
from ...services.reports import SubmissionRefused, submit_report
from ..public.forms import ReportForm, new_submission_token, report_form_class
from ..public.views import check_report_parts
from .forms import channel_labels

INTAKE_CHANNELS = (Channel.PHONE, Channel.EMAIL, Channel.LETTER, Channel.COUNTER, Channel.FAX)


class IntakeFields(ReportForm):
    channel = SelectField(_l("Received by"), validators=[InputRequired()])
    received_at = DateTimeLocalField(
        _l("Received on"),
        format="%Y-%m-%dT%H:%M",
        validators=[InputRequired(_l("When did the request arrive?"))],
    )


def intake_view() -> ResponseReturnValue:
    categories = active_categories()
    language = current_language()
    base = report_form_class(categories, language)
    form = type("IntakeForm", (IntakeFields, base), {})()
    form.set_categories(categories, language)
    form.channel.choices = [SelectChoice(c.value, channel_labels()[c]) for c in INTAKE_CHANNELS]
    # The citizen gave consent to the operator; the operator confirms it.
    form.consent.label.text = _("The citizen was told about the privacy notice and agreed.")
    zone = ZoneInfo(current_app.config["CITIZENCARE_TIMEZONE"])
    if request.method == "GET":
        form.submission_token.data = new_submission_token()
        form.received_at.data = utcnow().astimezone(zone).replace(tzinfo=None, second=0, microsecond=0)
        return render_template(
            "citizencare/staff/intake.html", form=form, categories=categories, location_error=None
        )

    valid = form.validate()
    location_error = None
    received: datetime | None = None
    if form.received_at.data is not None:
        received = form.received_at.data.replace(tzinfo=zone)
        if received > utcnow():
            form.received_at.errors = [*form.received_at.errors, _("The time cannot be in the future.")]
            valid = False
    parts = check_report_parts(form, categories)
    valid = valid and parts.ok
    location_error = parts.location_error
    if not valid or received is None:
        return render_template(
            "citizencare/staff/intake.html", form=form, categories=categories, location_error=location_error
        ), 400
    submission = form.submission(
        location=parts.location,
        answers=parts.answers,
        locale=language,
        channel=Channel(form.channel.data),
        received_at=received,
    )
    try:
        report = submit_report(submission, parts.photos, registered_by=g.cc_actor.staff)
    except (SubmissionRefused, LocationError):
        form.category.errors = [_("Choose a category from the list.")]
        return render_template(
            "citizencare/staff/intake.html", form=form, categories=categories, location_error=location_error
        ), 400
    flash(_("Registered as %(number)s.", number=report.public_id), "success")
    return redirect(url_for(".case", report_id=report.id), code=303)
