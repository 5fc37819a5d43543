"""The logged-in staff member's own preferences: which mails they receive."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from wtforms import BooleanField

from ...i18n import gettext as _
from ...i18n import lazy_gettext as _l
from ...services.preferences import set_mail_preferences
from ...web.forms import CitizenCareForm


class PreferencesForm(CitizenCareForm):
    notify_assignments = BooleanField(_l("Send me a mail when a case is assigned to me"))
    notify_replies = BooleanField(_l("Send me a mail when the reporter of a case I handle writes"))


def preferences() -> ResponseReturnValue:
    member = g.cc_actor.staff
    form = PreferencesForm()
    if form.is_submitted():
        if not form.validate():
            return render_template("citizencare/staff/preferences.html", form=form), 400
        set_mail_preferences(
            member, assignments=bool(form.notify_assignments.data), replies=bool(form.notify_replies.data)
        )
        flash(_("Preferences saved."), "success")
        return redirect(url_for(".preferences"), code=303)
    form.notify_assignments.data = member.notify_assignments
    form.notify_replies.data = member.notify_replies
    return render_template("citizencare/staff/preferences.html", form=form)
