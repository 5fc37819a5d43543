"""The extension's blueprint tree.

One parent blueprint, ``citizencare``, carries the templates, static files and
template context; feature blueprints hang under it (``citizencare.public``,
later ``citizencare.staff``, ``citizencare.api`` ...). The host mounts it at
``CITIZENCARE_URL_PREFIX``. Template folder: the package's ``templates``;
the host's own ``templates/citizencare/`` comes first, so a host overrides a
page by writing a file of the same name.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from babel.dates import format_timedelta
from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from flask.sansio.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from geoalchemy2.shape import to_shape
from werkzeug.exceptions import RequestEntityTooLarge

from ..context import db_session
from ..database.engine import is_missing_schema
from ..domain.markdown import render as cc_markdown
from ..formatting import cc_date, cc_datetime, cc_duration, cc_number, cc_place
from ..i18n import SESSION_KEY, current_language, format_locale, languages
from ..i18n import gettext as _
from ..labels import (
    audit_action_label,
    audit_subject_label,
    channel_label,
    notice_kind_label,
    notice_status_label,
    public_status_label,
    service_state_label,
)
from ..parsing import CONVERTERS
from ..queries.supports import supports_shown
from ..security_headers import apply_security_headers, csp_nonce
from ..services.photos import PhotoStoreUnavailable
from ..web.requests import guard, takes_photos
from .answers import answer_states_css, cc_badge_text, cc_published_answers
from .api import blueprint as api_blueprint
from .api.views import problem
from .dashboard import blueprint as dashboard_blueprint
from .expected import cc_expected_answer
from .feedback_widget import answer_label, answers, csrf_value, page_to_rate, question
from .feeds import blueprint as feeds_blueprint
from .health import blueprint as health_blueprint
from .layout_check import checked_before_request, layout_lacks
from .map import blueprint as map_blueprint
from .metrics import blueprint as metrics_blueprint
from .navigation import navigation
from .notices import blueprint as notices_blueprint
from .open311 import blueprint as open311_blueprint
from .opendata import blueprint as opendata_blueprint
from .public import blueprint as public_blueprint
from .ratelimit import RateLimited
from .staff import blueprint as staff_blueprint
from .subscriptions import blueprint as subscriptions_blueprint

#: Our templates, inside the package; a host's own ``templates/citizencare/`` comes first.
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


blueprint = Blueprint(
    "citizencare",
    __name__,
    template_folder=str(TEMPLATES),
    static_folder=str(TEMPLATES.parent / "static" / "citizencare"),
    static_url_path="/static",
)


@blueprint.record_once
def _set_up_on_app(setup: BlueprintSetupState) -> None:
    """Before any of our rules is bound: our URL converters; and our request guard, first of all.

    The guard sets the body limit before any ``before_request`` of the host
    (Flask-WTF's CSRF check parses the form) can read the body, so it goes to
    the front of the app's list, whenever the host set up its extensions.
    """
    setup.app.url_map.converters.update(CONVERTERS)
    setup.app.before_request_funcs.setdefault(None, []).insert(0, guard(blueprint))


blueprint.register_blueprint(public_blueprint)
blueprint.add_url_rule("/answer-states.css", "answer_states_css", answer_states_css)
blueprint.register_blueprint(staff_blueprint)
blueprint.register_blueprint(api_blueprint)
blueprint.register_blueprint(opendata_blueprint)
blueprint.register_blueprint(dashboard_blueprint)
blueprint.register_blueprint(map_blueprint)
blueprint.register_blueprint(open311_blueprint)
blueprint.register_blueprint(notices_blueprint)
blueprint.register_blueprint(subscriptions_blueprint)
# The Atom/RSS feeds of public reports (local alerts without a subscription).
blueprint.register_blueprint(feeds_blueprint)
# /healthz for load balancers and process managers.
blueprint.register_blueprint(health_blueprint)
# The Prometheus scrape (CITIZENCARE_METRICS_PATH), for monitoring addresses only.
blueprint.register_blueprint(metrics_blueprint)
blueprint.add_app_template_filter(cc_date)
blueprint.add_app_template_filter(cc_datetime)
blueprint.add_app_template_filter(cc_number)
blueprint.add_app_template_filter(cc_place)
blueprint.add_app_template_filter(cc_duration)
blueprint.add_app_template_filter(channel_label, "cc_channel")
blueprint.add_app_template_filter(cc_markdown, "cc_markdown")
blueprint.add_app_template_filter(audit_action_label, "cc_audit_action")
blueprint.add_app_template_filter(audit_subject_label, "cc_audit_subject")
blueprint.add_app_template_filter(notice_status_label, "cc_notice_status")
blueprint.add_app_template_filter(notice_kind_label, "cc_notice_kind")
blueprint.add_app_template_filter(service_state_label, "cc_service_state")
# App-wide, so a host layout rendered around our pages can nonce its own inline scripts.
blueprint.add_app_template_global(csp_nonce, "cc_csp_nonce")
blueprint.add_app_template_global(layout_lacks, "cc_layout_lacks")
blueprint.add_app_template_global(cc_expected_answer, "cc_expected_answer")
blueprint.add_app_template_global(cc_published_answers, "cc_published_answers")
blueprint.add_app_template_global(supports_shown, "cc_supports_shown")
blueprint.add_app_template_filter(cc_badge_text, "cc_badge_text")
# The host's menus list our pages for the user of the request (see .navigation).
blueprint.add_app_template_global(navigation, "cc_navigation")
blueprint.add_app_template_global(page_to_rate, "cc_feedback_page")
blueprint.add_app_template_global(csrf_value, "cc_feedback_csrf")
blueprint.add_app_template_global(question, "cc_feedback_question")
blueprint.add_app_template_global(answers, "cc_feedback_answers")
blueprint.add_app_template_filter(answer_label, "cc_feedback_answer")
blueprint.before_request(checked_before_request)
blueprint.after_request(apply_security_headers)


@blueprint.app_template_filter("cc_point_json")
def cc_point_json(point: Any) -> str:
    """``{"lat": .., "lon": ..}`` of a stored point, for the maps' data attributes."""

    shape = to_shape(point)
    return json.dumps({"lat": round(shape.y, 7), "lon": round(shape.x, 7)})


@blueprint.context_processor
def template_context() -> dict[str, Any]:
    config = current_app.config
    return {
        "cc_base_template": config["CITIZENCARE_BASE_TEMPLATE"],
        "cc_municipality": config["CITIZENCARE_MUNICIPALITY_NAME"],
        "cc_languages": languages(),
        "cc_locale": current_language(),
        "cc_status_label": public_status_label,
    }


def _error_page(status: int, title: str, message: str) -> ResponseReturnValue:
    return render_template("citizencare/error.html", status=status, title=title, message=message), status


@blueprint.errorhandler(CSRFError)
def csrf_error(error: CSRFError) -> ResponseReturnValue:
    return _error_page(
        400,
        _("The form has expired"),
        _(
            "For your security the form can only be sent from the page that showed it. "
            "Go back, reload the page and send it again: nothing was saved."
        ),
    )


@blueprint.errorhandler(PhotoStoreUnavailable)
def photo_store_unavailable(error: PhotoStoreUnavailable) -> ResponseReturnValue:
    page = render_template(
        "citizencare/error.html",
        status=503,
        title=_("Your photos could not be stored just now"),
        message=_("Nothing was saved. Please try again in a few minutes."),
    )
    return page, 503, {"Retry-After": "120"}


@blueprint.errorhandler(RequestEntityTooLarge)
def too_large(error: RequestEntityTooLarge) -> ResponseReturnValue:
    config = current_app.config
    if not takes_photos(current_app.view_functions.get(request.endpoint or "")):
        return _error_page(
            413,
            _("What you sent is too large"),
            _("This form cannot take that much text or any file. Nothing was saved."),
        )
    return _error_page(
        413,
        _("What you sent is too large"),
        _(
            "You can attach at most %(count)d photos of at most %(size)d MB each. Nothing was saved.",
            count=config["CITIZENCARE_MAX_PHOTOS"],
            size=config["CITIZENCARE_PHOTO_MAX_BYTES"] // (1024 * 1024),
        ),
    )


#: Endpoints whose answers are data for programs: their 429 is a problem document, not a page.
_DATA_BLUEPRINTS = ("citizencare.api", "citizencare.opendata")


@blueprint.errorhandler(RateLimited)
def rate_limited(error: RateLimited) -> ResponseReturnValue:
    """429 with ``Retry-After``: a page in the user's language, or a problem document for the API."""
    title = _("Too many requests")
    wait = format_timedelta(
        timedelta(seconds=error.seconds), threshold=1.0, add_direction=True, locale=format_locale()
    )
    if request.blueprint in _DATA_BLUEPRINTS and request.endpoint != "citizencare.opendata.index":
        response = problem(
            429, title, _("This address has sent too many requests. Try again %(wait)s.", wait=wait)
        )
    else:
        rendered = render_template(
            "citizencare/error.html",
            status=429,
            title=title,
            message=_(
                "You have sent this too many times in a short while. Nothing was saved this time: "
                "try again %(wait)s.",
                wait=wait,
            ),
        )
        response = current_app.make_response((rendered, 429))
    response.headers["Retry-After"] = str(error.seconds)
    return response


@blueprint.errorhandler(sa.exc.OperationalError)
@blueprint.errorhandler(sa.exc.ProgrammingError)
def schema_missing(error: sa.exc.DBAPIError) -> ResponseReturnValue:
    """Our tables are not there yet: a 503 that says so, not a trace; the log says what to run."""
    if not is_missing_schema(error):
        raise error
    db_session().rollback()
    current_app.logger.error(
        "flask-citizencare's tables are missing (%s): run `flask citizencare db upgrade`",
        str(error.orig).strip().splitlines()[0] if error.orig is not None else error,
    )
    title = _("Citizen care is not available yet")
    message = _("The service is being set up. Please come back later.")
    if request.blueprint in _DATA_BLUEPRINTS:
        return problem(503, title, message)
    return _error_page(503, title, message)


@blueprint.errorhandler(403)
def forbidden(error: Exception) -> ResponseReturnValue:
    return _error_page(403, _("Not allowed"), _("Your account may not open this page."))


@blueprint.errorhandler(404)
def not_found(error: Exception) -> ResponseReturnValue:
    return _error_page(
        404, _("Page not found"), _("There is no page at this address, or it is no longer public.")
    )


@blueprint.errorhandler(400)
def bad_request(error: Exception) -> ResponseReturnValue:
    return _error_page(
        400, _("The request could not be understood"), _("Go back and try again: nothing was saved.")
    )


@blueprint.get("/language/<code>")
def choose_language(code: str) -> ResponseReturnValue:
    """Remember the visitor's language and go back where they were (same site only)."""
    if code not in languages():
        abort(404)
    session[SESSION_KEY] = code
    target = request.args.get("next", "")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        target = url_for("citizencare.public.index")
    return redirect(target)
