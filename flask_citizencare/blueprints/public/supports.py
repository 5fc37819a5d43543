"""Supporting a proposal from its public page, and the links of the anonymous supporters' mails.

Thin: parse the form, call :mod:`flask_citizencare.services.supports`, render.
Refusals are pages in the user's language with a 4xx status; the anonymous
form answers "check your mail" whatever happens (no enumeration).
"""

from __future__ import annotations

from typing import Any

from flask import abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from ...access import publicly_visible
from ...context import current_user_info, db_session
from ...domain.lifecycle import Kind
from ...domain.supports import Refusal
from ...i18n import current_language
from ...i18n import gettext as _
from ...models import Report
from ...queries.reports import public_report, report_id_by_number
from ...queries.similar_proposals import similar_proposals
from ...queries.supports import SupportState, support_state
from ...services.supports import (
    SupportRefused,
    confirm_support,
    pending_support,
    refusal_of,
    request_support,
    support_as_user,
    support_of,
    withdraw_as_user,
    withdraw_by_token,
    withdraw_token,
    withdrawal_for,
)
from .forms import FollowForm, SupportEmailForm, SupportForm

__all__ = [
    "confirm",
    "report_context",
    "support",
    "support_sent",
    "withdraw",
    "withdraw_link",
]


def _user_id() -> str | None:
    if current_user and current_user.is_authenticated:
        return str(current_user.get_id())
    return None


def report_context(
    report: Report,
    *,
    follow_form: FollowForm | None = None,
    support_email_form: SupportEmailForm | None = None,
) -> dict[str, Any]:
    """What ``public/report.html`` needs: the report, the follow form, the support box, related proposals."""
    if follow_form is None:
        follow_form = FollowForm()
        follow_form.email.data = current_user_info().email  # a GET: nothing typed to keep
    state: SupportState | None = support_state(report, _user_id())
    context: dict[str, Any] = {
        "report": report,
        "follow_form": follow_form,
        "support": state,
        # Similar open proposals, found with the public text (a redacted word stays unfindable).
        "related": (
            similar_proposals(report.shown_title, report.shown_description, exclude_id=report.id)
            if report.kind == Kind.PROPOSAL
            else []
        ),
    }
    if state is not None:
        context["support_form"] = SupportForm()
        context["support_email_form"] = support_email_form or SupportEmailForm()
    return context


def _refused(refusal: SupportRefused, report: Report | None = None) -> ResponseReturnValue:
    """The refusal's page; it links back to the proposal only when that has a public page."""
    shown = report if report is not None and publicly_visible(report) else None
    return render_template(
        "citizencare/public/support_refused.html", message=refusal.message, report=shown
    ), refusal.status_code


def _target(public_id: str) -> Report:
    """The proposal a post names, public or not: the service says why a hidden or merged one is refused."""
    report_id = report_id_by_number(db_session(), public_id)
    report = db_session().get(Report, report_id) if report_id is not None else None
    if report is None:
        abort(404)
    return report


def support(public_id: str) -> ResponseReturnValue:
    """Support a proposal: one click when logged in, else an e-mail address to confirm."""
    report = _target(public_id)
    user_id = _user_id()
    if user_id is not None:
        form = SupportForm()
        if not form.validate():
            return _expired(report)
        try:
            result = support_as_user(
                report.id, user_id, email=current_user_info().email, language=current_language()
            )
        except SupportRefused as refusal:
            return _refused(refusal, report)
        return render_template(
            "citizencare/public/support_done.html", report=result.report, already=not result.changed
        ), (200 if result.changed else 409)
    email_form = SupportEmailForm()
    valid = email_form.validate()
    if email_form.caught():
        return redirect(url_for(".support_sent", public_id=public_id), code=303)  # as if it went out
    if not valid:
        if not publicly_visible(report):
            abort(404)
        page = render_template(
            "citizencare/public/report.html", **report_context(report, support_email_form=email_form)
        )
        return page, 400
    try:
        request_support(report.id, email_form.email.data, current_language())
    except SupportRefused as refusal:
        return _refused(refusal, report)
    return redirect(url_for(".support_sent", public_id=public_id), code=303)


def _link_invalid() -> str:
    return _("This link is not valid. Check that you copied the whole address from the e-mail.")


def _expired(report: Report | None = None) -> ResponseReturnValue:
    """A post whose CSRF token is missing or expired: nothing done, say so."""
    message = _("The form has expired: send it again. Nothing was saved.")
    return _refused(SupportRefused(Refusal.LINK, message, 400), report)


def support_sent(public_id: str) -> ResponseReturnValue:
    report = public_report(public_id) or abort(404)
    return render_template("citizencare/public/support_sent.html", report=report)


def withdraw(public_id: str) -> ResponseReturnValue:
    """A logged-in supporter withdraws their support (until the proposal is answered)."""
    report = _target(public_id)
    user_id = _user_id()
    if user_id is None:
        return render_template(
            "citizencare/public/support_refused.html",
            message=_("Log in to withdraw your support, or use the link we sent you by e-mail."),
            report=report,
        ), 401
    if not SupportForm().validate():
        return _expired(report)
    try:
        result = withdraw_as_user(report.id, user_id)
    except SupportRefused as refusal:
        return _refused(refusal, report)
    return render_template(
        "citizencare/public/support_withdrawn.html", report=result.report, already=not result.changed
    ), (200 if result.changed else 409)


def confirm(token: str) -> ResponseReturnValue:
    """The link of the confirmation mail: GET shows a button (mail scanners open links), POST confirms."""
    try:
        pending = pending_support(token)
    except SupportRefused as refusal:
        return _refused(refusal)
    if not publicly_visible(pending.report):
        return _refused(SupportRefused(Refusal.LINK, _link_invalid(), 404))
    if request.method == "GET":
        confirmed = support_of(pending.report.id, pending.supporter)
        closed = refusal_of(pending.report)
        if confirmed is None and closed is not None:
            return _refused(closed, pending.report)
        if confirmed is not None:  # opened again later: the way back to withdraw
            return render_template(
                "citizencare/public/support_done.html",
                report=pending.report,
                already=True,
                withdraw_token=withdraw_token(confirmed),
            )
        return render_template(
            "citizencare/public/support_confirm.html", report=pending.report, token=token, form=SupportForm()
        )
    if not SupportForm().validate():
        return _expired(pending.report)
    try:
        result = confirm_support(token)
    except SupportRefused as refusal:
        return _refused(refusal, pending.report)
    return render_template(
        "citizencare/public/support_done.html",
        report=result.report,
        already=not result.changed,
        withdraw_token=result.withdraw_token,
    ), (200 if result.changed else 409)


def withdraw_link(token: str) -> ResponseReturnValue:
    """An anonymous supporter's withdraw link: GET shows a button, POST withdraws."""
    try:
        support_row = withdrawal_for(token)
    except SupportRefused as refusal:
        return _refused(refusal)
    if request.method == "GET":
        report = db_session().get(Report, support_row.report_id)
        return render_template(
            "citizencare/public/support_withdraw.html", report=report, token=token, form=SupportForm()
        )
    if not SupportForm().validate():
        return _expired()
    try:
        result = withdraw_by_token(token)
    except SupportRefused as refusal:
        return _refused(refusal)
    return render_template("citizencare/public/support_withdrawn.html", report=result.report, already=False)
