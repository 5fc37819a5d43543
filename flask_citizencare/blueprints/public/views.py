"""Public pages citizens see. Thin: parse input, call a service, render."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import (
    abort,
    current_app,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms.validators import ValidationError

from ...context import current_user_info, db_session, state
from ...domain.geo import LocationError, check_point
from ...domain.lifecycle import Kind
from ...i18n import current_language
from ...i18n import gettext as _
from ...models import Category, Photo, Report
from ...models.base import utcnow
from ...parsing import InputError, parse_id
from ...queries.categories import active_successor, category_by_reference
from ...queries.reports import (
    active_categories,
    public_photo_by_key,
    public_report,
    reports_of_user,
    tracked_report,
)
from ...services.duplicates import nearby_open_reports
from ...services.errors import ActionRefused, ChangedMeanwhile
from ...services.following import FollowLinkError, request_follow, subscription_for
from ...services.following import confirm_follow as confirm
from ...services.following import unsubscribe as take_off
from ...services.reopening import (
    reopen_deadline,
    reopened_by_citizen,
    why_not_reopened,
    write_on_tracking_page,
)
from ...services.reports import SubmissionRefused, submit_report
from ...services.surveys import (
    AlreadyAnswered,
    NotSurveyable,
    SurveyLinkError,
    answer_survey,
    can_be_surveyed,
    report_for_token,
    response_of,
    survey_days,
    survey_url,
)
from ...web.caching import PUBLIC_DATA, public_page
from ...web.requests import accepts_photos
from .. import ratelimit
from ..navigation import belongs_to
from ..photo_files import photo_file_response
from ..ratelimit import form_value
from . import known_problems
from .forms import (
    AddInformationForm,
    CitizenReportForm,
    FollowForm,
    ReportForm,
    SurveyForm,
    answer_field_errors,
    parse_coordinate,
    report_form_class,
)
from .submission_tokens import new_submission_token
from .supports import report_context
from .uploads import process_uploads

LOCATION_MESSAGES = {
    "not_finite": lambda: _("Enter a number, such as 44.4949."),
    "out_of_range": lambda: _("Latitude goes from -90 to 90 and longitude from -180 to 180."),
    "outside_area": lambda: _(
        "This place is outside the municipality: we can only handle reports within its area."
    ),
    "missing": lambda: _("Place the pin on the map, or enter an address or the coordinates."),
    "half": lambda: _("Enter both latitude and longitude, or neither."),
}


def _prefill(form: ReportForm) -> None:
    """A new form (GET only: a form sent back with errors keeps what was typed)."""
    form.submission_token.data = new_submission_token()
    info = current_user_info()
    form.name.data, form.email.data, form.phone.data = info.name, info.email, info.phone


def _place_from_query(form: ReportForm) -> None:
    """``?lat=..&lon=..`` (the map's "report a problem here") puts the pin there; bad values are ignored."""
    try:
        lat, lon = parse_coordinate(request.args.get("lat")), parse_coordinate(request.args.get("lon"))
        if lat is not None and lon is not None:
            check_point(lat, lon, state().settings.area)
            form.lat.data, form.lon.data = f"{lat:.6f}", f"{lon:.6f}"
    except (ValidationError, LocationError):
        pass


def _location(form: ReportForm) -> tuple[float | None, float | None, str | None]:
    """Coordinates and address from the form, with the host's geocoding hooks; raises LocationError."""
    lat, lon = parse_coordinate(form.lat.data), parse_coordinate(form.lon.data)
    address = (form.address.data or "").strip() or None
    if (lat is None) != (lon is None):
        raise LocationError("half")
    cc = state()
    if lat is None and address and cc.geocoder is not None:
        found = cc.geocoder(address)
        if found is not None:
            lat, lon = found
    if lat is not None and lon is not None:
        check_point(lat, lon, state().settings.area)
        if address is None and cc.reverse_geocoder is not None:
            address = _reverse_geocoded(cc.reverse_geocoder, lat, lon)
    category = form.chosen_category()
    # No valid category yet: the place is asked for with the other errors when a category may need it,
    # not only once the category is fixed.
    needs_location = (
        category.needs_location
        if category is not None
        else any(c.needs_location for c in getattr(form, "_categories", {}).values())
    )
    if lat is None and not address and needs_location:
        raise LocationError("missing")
    return lat, lon, address


def _reverse_geocoded(hook: Any, lat: float, lon: float) -> str | None:
    """The host's address of a pin, stored once at filing (not looked up on every page view).

    A failing hook never blocks a report: the coordinates describe the place anyway.
    """
    try:
        found = hook(lat, lon)
    except Exception:
        current_app.logger.exception("citizencare: the reverse_geocoder hook failed for %.6f, %.6f", lat, lon)
        return None
    if not isinstance(found, str):
        return None
    return found.strip()[:300] or None


def _answers(form: ReportForm) -> dict[str, Any]:
    """The chosen category's answers by key (a multi-value list as a list); errors go on the fields."""
    category = form.chosen_category()
    if category is None:
        return {}
    return answer_field_errors(form, category)


@dataclass
class ReportParts:
    """The parts of a report form checked beyond WTForms: answers, place, photos."""

    answers: dict[str, Any]
    location: tuple[float | None, float | None, str | None]
    location_error: str | None
    photos: list[Any]
    ok: bool


def check_report_parts(form: ReportForm, categories: Sequence[Category]) -> ReportParts:
    """Shared by the citizen's form and the staff intake; errors are set on the form."""
    answers = _answers(form)
    ok = not any(
        form[item.field_name].errors
        for items in getattr(form, "question_items", {}).values()
        for item in items
        if item.field_name is not None
    )
    location: tuple[float | None, float | None, str | None] = (None, None, None)
    location_error = None
    try:
        location = _location(form)
    except (LocationError, ValueError) as error:
        location_error = LOCATION_MESSAGES[getattr(error, "code", "not_finite")]()
        ok = False
    photos, photo_errors = process_uploads(request.files.getlist("photos"))
    if photo_errors:
        form.photos.errors = photo_errors
        ok = False
    return ReportParts(answers, location, location_error, photos, ok)


def _successor_note(form: ReportForm, reference: str | None) -> str | None:
    """A category the form no longer offers, named by a link or a form sent earlier: its successor instead.

    The successor (if the category has an active one) is chosen on the form;
    the note says so, or that the category is no longer in use.
    """
    found = category_by_reference(reference)
    if found is None or found.active:
        if found is not None and form.offers(found.id):
            form.category.data = str(found.id)
        return None
    language = current_language()
    successor = active_successor(found)
    if successor is not None and form.offers(successor.id):
        form.category.data = str(successor.id)
        return _(
            "“%(old)s” is no longer in use: “%(new)s” replaces it and is chosen below. "
            "Change it if it does not fit.",
            old=found.label(language),
            new=successor.label(language),
        )
    return _("“%(old)s” is no longer in use: choose another category.", old=found.label(language))


@accepts_photos
def new_report() -> ResponseReturnValue:
    categories = active_categories()
    language = current_language()
    form = report_form_class(categories, language, CitizenReportForm)()
    form.set_categories(categories, language)
    if request.method == "GET":
        form.kind.data = (
            request.args.get("kind", Kind.ISSUE.value)
            if request.args.get("kind") in set(Kind)
            else Kind.ISSUE.value
        )
        _prefill(form)
        _place_from_query(form)
        note = _successor_note(form, request.args.get("category")) if request.args.get("category") else None
        return render_template(
            "citizencare/public/new.html",
            form=form,
            categories=categories,
            location_error=None,
            category_note=note,
            known_notices=known_problems.for_form(form),
        )

    location_error = None
    valid = form.validate()
    if form.caught():
        return redirect(url_for(".index"), code=303)  # as after a report, without one
    # Here, not in a decorator: the form may only be parsed under the upload limit set above.
    ratelimit.check("RATELIMIT_REPORT_PER_EMAIL", form_value("email")())
    anonymous = not (current_user and current_user.is_authenticated)
    if anonymous and current_app.config["CITIZENCARE_ANONYMOUS_REQUIRES_EMAIL"] and not form.email.data:
        form.email.errors = [
            *form.email.errors,
            _("Enter your e-mail address: we use it to tell you how the report goes."),
        ]
        valid = False
    parts = check_report_parts(form, categories)
    valid = valid and parts.ok
    location_error = parts.location_error
    if not valid:
        if form.category.errors and form.chosen_category() is None:
            # A category deactivated since the form was shown: offer its successor.
            before = form.category.data
            note = _successor_note(form, before)
            if note is not None and form.category.data != before:
                form.category.errors = [note]
        return render_template(
            "citizencare/public/new.html",
            form=form,
            categories=categories,
            location_error=location_error,
            known_notices=known_problems.for_form(form),
        ), 400

    submission = form.submission(
        location=parts.location,
        answers=parts.answers,
        locale=language,
        user_id=current_user.get_id() if not anonymous else None,
    )
    try:
        report = submit_report(submission, parts.photos)
    except (SubmissionRefused, LocationError):
        # The form checks the same rules; this only happens if the category changed meanwhile.
        form.category.errors = [_("Choose a category from the list.")]
        return render_template(
            "citizencare/public/new.html",
            form=form,
            categories=categories,
            location_error=location_error,
            known_notices=known_problems.for_form(form),
        ), 400
    return redirect(url_for(".sent", token=report.tracking_token), code=303)


def sent(token: str) -> ResponseReturnValue:
    report = tracked_report(token) or abort(404)
    return render_template("citizencare/public/sent.html", report=report)


def report_page(public_id: str) -> ResponseReturnValue:
    report = public_report(public_id) or abort(404)
    if report.kind == Kind.PROPOSAL:
        belongs_to("proposals")
    page = render_template("citizencare/public/report.html", **report_context(report))
    return public_page(make_response(page))


def follow(public_id: str) -> ResponseReturnValue:
    """The "follow this report by e-mail" form: queue a confirmation mail, say "check your mail".

    The answer is the same whether the address already follows or not (no
    enumeration); :func:`~flask_citizencare.services.following.request_follow`
    decides whether a mail really goes out.
    """

    report = public_report(public_id) or abort(404)
    form = FollowForm()
    valid = form.validate()
    if form.caught():
        return redirect(url_for(".follow_sent", public_id=public_id), code=303)  # as if it went out
    if not valid:
        return render_template(
            "citizencare/public/report.html", **report_context(report, follow_form=form)
        ), 400
    request_follow(report, form.email.data, current_language())
    return redirect(url_for(".follow_sent", public_id=public_id), code=303)


def follow_sent(public_id: str) -> ResponseReturnValue:
    report = public_report(public_id) or abort(404)
    return render_template("citizencare/public/follow_sent.html", report=report)


def _link_error(error: Any) -> ResponseReturnValue:
    if getattr(error, "expired", False):
        return _survey_error(
            410,
            _("This link has expired"),
            _("Ask again to follow the report from its public page: we will send you a new link."),
        )
    return _survey_error(
        404,
        _("Link not valid"),
        _("This link is not valid. Check that you copied the whole address from the e-mail."),
    )


def confirm_follow(token: str) -> ResponseReturnValue:
    """Opening the link in the confirmation mail confirms (idempotent)."""

    try:
        report = confirm(token, current_language())
    except FollowLinkError as error:
        return _link_error(error)
    return render_template("citizencare/public/follow_confirmed.html", report=report)


def unsubscribe(token: str) -> ResponseReturnValue:
    """One-click unsubscribe (RFC 8058). GET only shows a button, since mail scanners open links;
    POST (the button, or the mail client's one-click POST, without a CSRF token: the signed token
    in the address is the proof) unsubscribes."""

    try:
        if request.method == "POST":
            report = take_off(token)
            return render_template("citizencare/public/unsubscribed.html", report=report)
        report = subscription_for(token).report
    except FollowLinkError as error:
        return _link_error(error)
    return render_template("citizencare/public/unsubscribe.html", report=report, token=token)


@accepts_photos
def track(token: str) -> ResponseReturnValue:
    report = tracked_report(token) or abort(404)
    form = AddInformationForm()
    if request.method == "POST":
        valid = form.validate()
        if form.caught():
            return redirect(url_for(".track", token=token, _anchor="thread"), code=303)  # as if added
        photos, photo_errors = process_uploads(request.files.getlist("photos"), already=len(report.photos))
        if photo_errors:
            form.photos.errors = photo_errors
            valid = False
        if not valid:
            return _tracking_page(report, form), 400
        try:
            write_on_tracking_page(report, form.text.data.strip(), photos)
        except ChangedMeanwhile:
            form.text.errors = [_("The office changed this report at the same moment: send it again.")]
            return _tracking_page(report, form), 409
        return redirect(url_for(".track", token=token, _anchor="thread"), code=303)
    return _tracking_page(report, form)


def _tracking_page(report: Report, form: AddInformationForm) -> str:
    """The reporter's page: what writing does now (reopen until when) and the survey while it is open."""
    survey = (
        survey_url(report)
        if can_be_surveyed(report) and not report.contact_erased and response_of(report) is None
        else None
    )
    return render_template(
        "citizencare/public/track.html",
        report=report,
        form=form,
        reopen_until=reopen_deadline(report) if why_not_reopened(report, utcnow()) is None else None,
        survey_link=survey,
        reopened_by_you=reopened_by_citizen(report),
    )


def mine() -> ResponseReturnValue:
    """A logged-in citizen's own reports; each opens its tracking page, where they can answer."""
    if not current_user or not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()  # type: ignore[attr-defined,no-any-return]
    reports = reports_of_user(str(current_user.get_id()))
    return render_template("citizencare/public/mine.html", reports=reports)


def _send_photo(photo: Photo, key: str, cache: str) -> Response:
    return photo_file_response(key, photo.content_type, cache)


def _photo_by_key(key: str) -> Photo | None:
    if len(key) > 80:
        return None
    return state().db.session.scalar(
        sa.select(Photo).where(sa.or_(Photo.storage_key == key, Photo.thumbnail_key == key))
    )


def public_photo(key: str) -> ResponseReturnValue:
    """Only the photos the public may see (:func:`~flask_citizencare.queries.reports.public_photo_by_key`)."""
    photo = public_photo_by_key(key) or abort(404)
    # Hiding the photo or its report must reach shared caches at once: they ask again each time.
    return _send_photo(photo, key, PUBLIC_DATA)


def tracked_photo(token: str, key: str) -> ResponseReturnValue:
    """The reporter sees their own photos, also before or without publication."""
    report = tracked_report(token) or abort(404)
    photo = _photo_by_key(key)
    if photo is None or photo.report_id != report.id or photo.hidden:
        abort(404)
    return _send_photo(photo, key, "private, max-age=3600")


def privacy() -> ResponseReturnValue:
    return render_template("citizencare/public/privacy.html")


def nearby() -> ResponseReturnValue:
    """Open public reports of a category near a point: "is it one of these?" on the form."""

    try:
        category_id = parse_id(request.args.get("category"))
        lat = parse_coordinate(request.args.get("lat"))
        lon = parse_coordinate(request.args.get("lon"))
    except (InputError, ValidationError):
        return jsonify(error=_("Give a category and a position.")), 400
    if lat is None or lon is None:
        return jsonify(error=_("Give a category and a position.")), 400
    try:
        found = nearby_open_reports(
            db_session(), category_id=category_id, lon=lon, lat=lat, public_only=True, limit=5
        )
    except ActionRefused as refusal:
        return jsonify(error=refusal.message), 400
    return jsonify(
        reports=[
            {
                "id": report.public_id,
                "title": report.shown_title,
                "status": report.status,
                "distance_m": round(distance),
                "url": url_for(".report", public_id=report.public_id),
            }
            for report, distance in found
        ]
    )


def _survey_error(status: int, title: str, message: str) -> ResponseReturnValue:
    return render_template("citizencare/error.html", status=status, title=title, message=message), status


def survey(token: str) -> ResponseReturnValue:
    """The satisfaction survey of a finished case, reached from the signed link in the e-mail."""

    try:
        report = report_for_token(token)
    except SurveyLinkError as error:
        if error.expired:
            return _survey_error(
                410,
                _("This survey link has expired"),
                _(
                    "Survey links work for %(days)d days and this one is no longer valid. Thank you anyway.",
                    days=int(survey_days()),
                ),
            )
        return _survey_error(
            404,
            _("Survey not found"),
            _("This survey link is not valid. Check that you copied the whole address from the e-mail."),
        )
    answered = response_of(report)
    if answered is not None:
        just_sent = request.method == "GET" and request.args.get("done") == "1"
        return render_template(
            "citizencare/public/survey_done.html", report=report, response=answered, just_sent=just_sent
        ), (409 if request.method == "POST" else 200)
    if not can_be_surveyed(report):
        return _survey_error(
            404,
            _("Survey not found"),
            _("This case is not finished yet: the survey opens when it is resolved."),
        )
    form = SurveyForm()
    if request.method == "POST":
        if not form.validate():
            return render_template("citizencare/public/survey.html", report=report, form=form), 400
        try:
            answer_survey(report, *form.scores(), form.comment.data)
        except AlreadyAnswered:
            # Someone answered from the same link a moment ago: the page says so.
            return redirect(url_for(".survey", token=token), code=303)
        except NotSurveyable:
            abort(404)
        return redirect(url_for(".survey", token=token, done=1), code=303)
    return render_template("citizencare/public/survey.html", report=report, form=form)
