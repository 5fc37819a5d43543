"""The extension's blueprint tree.

One parent blueprint, ``citizencare``, carries the templates, static files and
template context; feature blueprints hang under it (``citizencare.public``,
later ``citizencare.staff``, ``citizencare.api`` ...). The host mounts it at
``CITIZENCARE_URL_PREFIX``. Template folder: the installed package's
``templates`` (the wheel maps the repository's top-level ``templates/`` there)
or, in a source checkout, the top-level ``templates/`` itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import RequestEntityTooLarge

from ..domain.markdown import render as cc_markdown
from ..formatting import cc_date, cc_datetime, cc_number
from ..i18n import SESSION_KEY, current_language, languages
from ..security_headers import apply_security_headers, csp_nonce
from .api import blueprint as api_blueprint
from .dashboard import blueprint as dashboard_blueprint
from .map import blueprint as map_blueprint
from .opendata import blueprint as opendata_blueprint
from .public import blueprint as public_blueprint
from .staff import blueprint as staff_blueprint

_package = Path(__file__).resolve().parent.parent


def _templates_folder() -> Path:
    shipped = _package / "templates"
    if (shipped / "citizencare").is_dir():
        return shipped
    return _package.parent / "templates"


blueprint = Blueprint(
    "citizencare",
    __name__,
    template_folder=str(_templates_folder()),
    static_folder=str(_package / "static" / "citizencare"),
    static_url_path="/static",
)
blueprint.register_blueprint(public_blueprint)
blueprint.register_blueprint(staff_blueprint)
blueprint.register_blueprint(api_blueprint)
blueprint.register_blueprint(opendata_blueprint)
blueprint.register_blueprint(dashboard_blueprint)
blueprint.register_blueprint(map_blueprint)
blueprint.add_app_template_filter(cc_date)
blueprint.add_app_template_filter(cc_datetime)
blueprint.add_app_template_filter(cc_number)
blueprint.add_app_template_filter(cc_markdown, "cc_markdown")
# App-wide, so a host layout rendered around our pages can nonce its own inline scripts.
blueprint.add_app_template_global(csp_nonce, "cc_csp_nonce")
blueprint.after_request(apply_security_headers)


def status_label(status: str) -> str:
    """The citizen-facing name of a status, translated once per request."""
    labels = g.get("cc_status_labels")
    if labels is None:
        labels = g.cc_status_labels = {
            "new": _("Received"),
            "acknowledged": _("Taken in charge"),
            "in_progress": _("In progress"),
            "suspended": _("Suspended"),
            "resolved": _("Resolved"),
            "closed": _("Closed"),
            "rejected": _("Rejected"),
        }
    return str(labels.get(status, status))


@blueprint.app_template_filter("cc_point_json")
def cc_point_json(point: Any) -> str:
    """``{"lat": .., "lon": ..}`` of a stored point, for the maps' data attributes."""
    import json

    from geoalchemy2.shape import to_shape

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
        "cc_status_label": status_label,
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


@blueprint.errorhandler(RequestEntityTooLarge)
def too_large(error: RequestEntityTooLarge) -> ResponseReturnValue:
    config = current_app.config
    return _error_page(
        413,
        _("What you sent is too large"),
        _(
            "You can attach at most %(count)d photos of at most %(size)d MB each. Nothing was saved.",
            count=config["CITIZENCARE_MAX_PHOTOS"],
            size=config["CITIZENCARE_PHOTO_MAX_BYTES"] // (1024 * 1024),
        ),
    )


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
