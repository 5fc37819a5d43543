"""The AgID model's report form in three steps: conditions, data, summary. Thin: the draft is a service.

The browser holds only the draft's token, in the session (``cc_report_draft``);
every step reads and writes the draft on the server, so Back, a reload or an
error never loses what was typed, and works without JavaScript. ``/new`` is
step 1 unless ``CITIZENCARE_REPORT_FLOW`` is ``single`` (the one-page form).
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, HiddenField
from wtforms.validators import DataRequired

from ...context import current_user_info, db_session
from ...domain.geo import LocationError
from ...domain.lifecycle import Kind
from ...i18n import current_language
from ...i18n import gettext as _
from ...i18n import lazy_gettext as _l
from ...models import ReportDraft
from ...parsing import InputError, optional_id
from ...queries.reports import active_categories
from ...services import drafts
from ...services.errors import InvalidInput
from ...services.photos import PhotoStoreUnavailable
from ...services.reports import SubmissionRefused, existing_submission
from ...web.forms import CitizenCareForm
from ...web.requests import accepts_photos
from .. import ratelimit
from ..photo_files import photo_file_response
from . import known_problems, views
from .form_hints import NO_HINTS, FormHints, form_hints
from .forms import CitizenReportForm, ReportForm, answer_field_errors, report_form_class
from .similar import form_similar
from .submission_tokens import new_submission_token
from .uploads import process_uploads

SESSION_DRAFT = "cc_report_draft"
#: The submission token of the draft this browser filed last: a second "Invia" finds its report.
SESSION_FILED = "cc_report_filed"
#: Set when a draft was not found: step 1 says so once (shown by our page, not the host's flashes).
SESSION_LOST = "cc_report_draft_lost"
#: Form fields never kept in a draft.
NOT_KEPT = {"csrf_token", "website", "form_time", "photos", "remove_photo"}


class ConditionsForm(CitizenCareForm):
    consent = BooleanField(
        _l("I have read and understood the privacy notice"),
        validators=[DataRequired(_l("To go on, confirm that you have read the privacy notice."))],
    )


class StepDataForm(CitizenReportForm):
    """Step 2: the report's fields; consent was given on step 1, the submission token is the draft's."""

    trap_purpose = "report-steps"
    consent = None
    submission_token = HiddenField()


class SendForm(CitizenCareForm):
    """Step 3: only the CSRF token; what is sent is the draft."""


class CategoryChoiceForm(CitizenCareForm):
    """Step 3's "Use this category" button: the category the suggestion offers."""

    category = HiddenField()


def _draft() -> ReportDraft | None:
    return drafts.live_draft(session.get(SESSION_DRAFT))


def _lost() -> ResponseReturnValue:
    """A forged, expired or filed draft: start again, and say why."""
    session.pop(SESSION_DRAFT, None)
    session[SESSION_LOST] = True
    return redirect(url_for(".new_report"), code=303)


def _prefill_data() -> dict[str, Any]:
    """What the link and the logged-in user tell before the form: kind, category, place, contacts."""
    info = current_user_info()
    data: dict[str, Any] = {
        "kind": [request.args["kind"] if request.args.get("kind") in set(Kind) else Kind.ISSUE.value],
        "name": [info.name or ""],
        "email": [info.email or ""],
        "phone": [info.phone or ""],
        "submission_token": [new_submission_token()],
    }
    if request.args.get("category"):
        data["category_ref"] = str(request.args["category"])[:80]
    holder = _Holder()
    views._place_from_query(holder)  # type: ignore[arg-type]
    if holder.lat.data and holder.lon.data:
        data["lat"], data["lon"] = [holder.lat.data], [holder.lon.data]
    return data


class _Data:
    data: str | None = None


class _Holder:
    """The two fields :func:`views._place_from_query` fills."""

    def __init__(self) -> None:
        self.lat, self.lon = _Data(), _Data()


@accepts_photos  # the one-page form it serves carries photos
def new_report() -> ResponseReturnValue:
    """``/new``: step 1, or the one-page form when the host chose it."""
    if current_app.config["CITIZENCARE_REPORT_FLOW"] == "single":
        if request.method == "POST":
            ratelimit.check("RATELIMIT_REPORT_PER_IP", ratelimit.client_ip())
        return views.new_report()
    draft = _draft()
    if request.method == "GET" and (draft is None or request.args):
        # A link with ?kind=/?category=/?lat= starts afresh from what it says.
        draft = drafts.start_draft(_prefill_data())
        session[SESSION_DRAFT] = draft.token
    if draft is None:
        return _lost()
    form = ConditionsForm()
    if request.method == "GET":
        form.consent.data = bool(draft.data.get("consent"))
        return _render(draft, "conditions", form=form, lost=session.pop(SESSION_LOST, False))
    if not form.validate():
        return _render(draft, "conditions", form=form), 400
    drafts.update_draft(draft, data={**draft.data, "consent": True}, step=max(draft.step, drafts.DATA))
    return redirect(url_for(".new_report_data"), code=303)


def _data_form(draft: ReportDraft, source: str) -> tuple[ReportForm, Any]:
    """Step 2's form: from the post (``post``), or from the draft to show (``show``) or check (``check``)."""
    categories = active_categories()
    language = current_language()
    form_class = report_form_class(categories, language, StepDataForm)
    if source == "post":
        form = form_class()
    else:
        kept = MultiDict(
            [(k, v) for k, values in draft.data.items() if isinstance(values, list) for v in values]
        )
        form = form_class(formdata=kept, meta={"csrf": False} if source == "check" else {})
    form.set_categories(categories, language)
    return form, categories


@accepts_photos
def data() -> ResponseReturnValue:
    """Step 2: place, problem and author; photos processed once and kept on the draft."""
    draft = _draft()
    if draft is None:
        return _lost()
    if not draft.data.get("consent"):
        return redirect(url_for(".new_report"), code=303)
    if request.method == "GET":
        form, categories = _data_form(draft, "show")
        note = None
        if draft.data.get("category_ref") and not form.category.data:
            note = views._successor_note(form, draft.data["category_ref"])
        return _render(
            draft, "data", form=form, categories=categories, location_error=None, category_note=note
        )

    form, categories = _data_form(draft, "post")
    removed = request.form.get("remove_photo")
    valid = form.validate()
    if form.caught():
        return redirect(url_for(".index"), code=303)
    values = {
        key: [v[:20000] for v in request.form.getlist(key)] for key in request.form if key not in NOT_KEPT
    }
    values["submission_token"] = draft.data.get("submission_token") or [new_submission_token()]
    kept = {k: v for k, v in draft.data.items() if not isinstance(v, list)}
    kept.pop("location", None)
    valid = _check_email(form) and valid
    location_error = None
    location: tuple[float | None, float | None, str | None] = (None, None, None)
    try:
        location = views._location(form)
    except (LocationError, ValueError) as error:
        location_error = views.LOCATION_MESSAGES[getattr(error, "code", "not_finite")]()
        valid = False
    category = form.chosen_category()
    if category is not None:
        answer_field_errors(form, category)
    valid = valid and not any(f.errors for f in form)
    photos, photo_errors = process_uploads(request.files.getlist("photos"), already=len(draft.photos or []))
    if photo_errors:
        form.photos.errors = photo_errors
        valid = False
    if removed:
        drafts.remove_photo(draft, removed)
    try:
        new = {**kept, **values}
        if valid:
            new["location"] = list(location)
        drafts.update_draft(draft, data=new, step=drafts.SUMMARY if valid else drafts.DATA, photos=photos)
    except PhotoStoreUnavailable:
        form.photos.errors = [_("The photos could not be saved now. Try again in a few minutes.")]
        valid = False
    if removed:
        # "Remove photo": what was typed is kept, and the person stays on the step.
        return redirect(url_for(".new_report_data") + "#cc-photos", code=303)
    if not valid:
        return _render(
            draft, "data", form=form, categories=categories, location_error=location_error, category_note=None
        ), 400
    return redirect(url_for(".new_report_summary"), code=303)


def _draft_hints(draft: ReportDraft, form: ReportForm) -> FormHints:
    """Without JavaScript, the summary shows what the form's script would have shown while typing."""
    lat, lon = (draft.data.get("location") or [None, None])[:2]
    chosen = form.chosen_category()
    try:
        return form_hints(
            title=form.title.data,
            description=form.description.data,
            kind=form.kind.data,
            category_id=chosen.id if chosen is not None else None,
            lon=lon,
            lat=lat,
            offered=form.offers,
        )
    except InvalidInput:
        return NO_HINTS


def use_category() -> ResponseReturnValue:
    """ "Use this category" on the summary: the draft takes it, everything else typed is kept.

    Back to the summary when the draft is still complete; to step 2 when the
    new category asks questions of its own still unanswered.
    """
    draft = _draft()
    if draft is None:
        return _lost()
    if draft.step < drafts.SUMMARY:
        return redirect(url_for(".new_report_data" if draft.data.get("consent") else ".new_report"), code=303)
    choose = CategoryChoiceForm()
    form, _categories = _data_form(draft, "check")
    category_id = None
    if choose.validate():
        try:
            category_id = optional_id((choose.category.data or "")[:20])
        except InputError:
            category_id = None
        if category_id is None or not form.offers(category_id):
            category_id = None
            choose.category.errors = [_("Choose a category from the list.")]
    if category_id is None:
        return _render(draft, "summary", form=form, send=choose, category=form.chosen_category()), 400
    drafts.update_draft(draft, data={**draft.data, "category": [str(category_id)]})
    form, _categories = _data_form(draft, "check")
    if not _complete(form):
        drafts.update_draft(draft, step=drafts.DATA)
        return redirect(url_for(".new_report_data") + "#cc-problem", code=303)
    return redirect(url_for(".new_report_summary"), code=303)


def _complete(form: ReportForm) -> bool:
    """The draft's fields pass step 2's checks (as :func:`summary` checks them before filing)."""
    valid = form.validate() and _check_email(form)
    category = form.chosen_category()
    if category is not None:
        answer_field_errors(form, category)
    try:
        views._location(form)
    except (LocationError, ValueError):
        valid = False
    return valid and not any(f.errors for f in form)


def _check_email(form: ReportForm) -> bool:
    anonymous = not (current_user and current_user.is_authenticated)
    if anonymous and current_app.config["CITIZENCARE_ANONYMOUS_REQUIRES_EMAIL"] and not form.email.data:
        form.email.errors = [
            *form.email.errors,
            _("Enter your e-mail address: we use it to tell you how the report goes."),
        ]
        return False
    return True


def summary() -> ResponseReturnValue:
    """Step 3: what will be sent, each part with "Modifica"; "Invia" files the report."""
    draft = _draft()
    if draft is None:
        if request.method == "POST":
            done = _already_filed()
            if done is not None:
                return done
        return _lost()
    if draft.step < drafts.SUMMARY or "location" not in draft.data:
        return redirect(url_for(".new_report_data" if draft.data.get("consent") else ".new_report"), code=303)
    form, _categories = _data_form(draft, "check")
    send = SendForm()
    if request.method == "GET":
        # Without JavaScript, this is where a citizen filing a proposal sees the open ones like it.
        similar = form_similar(form.kind.data, form.title.data, form.description.data)
        return _render(
            draft,
            "summary",
            form=form,
            send=send,
            category=form.chosen_category(),
            similar=similar,
            hints=_draft_hints(draft, form),
            choose=CategoryChoiceForm(),
        )
    if not send.validate():
        return _render(draft, "summary", form=form, send=send, category=form.chosen_category()), 400
    ratelimit.check("RATELIMIT_REPORT_PER_IP", ratelimit.client_ip())
    ratelimit.check("RATELIMIT_REPORT_PER_EMAIL", (form.email.data or "").strip().lower() or None)
    # The categories or the rules may have changed since step 2: check everything again.
    valid = form.validate() and _check_email(form)
    category = form.chosen_category()
    answers = answer_field_errors(form, category) if category is not None else {}
    try:
        location = views._location(form)
    except (LocationError, ValueError):
        valid = False
    if not valid or any(f.errors for f in form):
        drafts.update_draft(draft, step=drafts.DATA)
        return redirect(url_for(".new_report_data"), code=303)
    form.submission_token.data = (draft.data.get("submission_token") or [""])[0]
    anonymous = not (current_user and current_user.is_authenticated)
    submission = form.submission(
        location=location,
        answers=answers,
        locale=current_language(),
        user_id=current_user.get_id() if not anonymous else None,
    )
    try:
        report = drafts.file_draft(draft, submission)
    except (SubmissionRefused, LocationError):
        db_session().rollback()
        drafts.update_draft(draft, step=drafts.DATA)
        return redirect(url_for(".new_report_data"), code=303)
    session.pop(SESSION_DRAFT, None)
    session[SESSION_FILED] = submission.submission_token
    return redirect(url_for(".sent", token=report.tracking_token), code=303)


def _already_filed() -> ResponseReturnValue | None:
    """A second "Invia" after the draft was filed: the same confirmation, no second report."""
    token = session.get(SESSION_FILED)
    if not isinstance(token, str):
        return None
    report = existing_submission(db_session(), token)
    if report is None:
        return None
    return redirect(url_for(".sent", token=report.tracking_token), code=303)


def draft_photo(key: str) -> ResponseReturnValue:
    """A photo of this browser's draft (the summary's thumbnails); nobody else's."""
    draft = _draft()
    if draft is None or key not in drafts.draft_photo_keys(draft):
        abort(404)
    item = next(i for i in draft.photos if key in (i.get("key"), i.get("thumbnail")))
    return photo_file_response(key, item["content_type"], "private, no-store")


def _render(draft: ReportDraft, step: str, **context: Any) -> str:
    form = context.get("form")
    if step == "data" and form is not None:
        context["known_notices"] = known_problems.for_form(form)
    elif step == "summary" and form is not None:
        location = draft.data.get("location") or [None, None, None]
        context["known_notices"] = known_problems.known_notices(form.chosen_category(), *location[:2])
    return render_template(
        f"citizencare/public/steps/{step}.html",
        draft=draft,
        step_number={"conditions": 1, "data": 2, "summary": 3}[step],
        **context,
    )
