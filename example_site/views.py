"""The site's own pages: home, log in/out, privacy, accessibility, legal notes, FAQ, contacts, errors."""
from __future__ import annotations

import time
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import format_timedelta, get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from . import navigation
from .accounts import authenticate
from .extensions import limiter
from .forms import LoginForm

blueprint = Blueprint("site", __name__)


@blueprint.app_context_processor
def site_context() -> dict[str, Any]:
    """What the layout needs on every page, the extension's included.

    Nothing here may touch ``request`` eagerly: templates are also rendered
    outside requests (mails sent by the outbox worker).
    """
    config = current_app.config
    languages = tuple(config["CITIZENCARE_LANGUAGES"])
    return {
        "site_locale": str(get_locale() or languages[0]),
        "site_name": config["CITIZENCARE_MUNICIPALITY_NAME"],
        "site_region_name": config["SITE_REGION_NAME"],
        "site_region_url": config["SITE_REGION_URL"],
        "site_languages": languages,
        "site_menu": navigation.menu,
    }


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else None (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


@blueprint.get("/")
def home() -> ResponseReturnValue:
    return render_template("comune/home.html")


def _failed_login(response: Response) -> bool:
    """Only failed attempts count: the log-in page answers 400 to them (and to empty fields)."""
    return request.method == "POST" and response.status_code == 400


def _posted_account() -> str:
    """Key of the per-account limit; empty (not counted) when no username was sent."""
    return (request.form.get("username") or "").strip().lower()


@blueprint.route("/accedi", methods=["GET", "POST"])
# Failed log-ins per account and per client: the account's stepped rates make each further
# wait longer (a minute after 5 failures, a quarter of an hour after 10, a day after 20).
@limiter.limit(
    lambda: str(current_app.config["SITE_LOGIN_FAILURES_PER_ACCOUNT"]),
    key_func=_posted_account,
    methods=["POST"],
    deduct_when=_failed_login,
    scope="login-account",
)
@limiter.limit(
    lambda: str(current_app.config["SITE_LOGIN_FAILURES_PER_IP"]),
    methods=["POST"],
    deduct_when=_failed_login,
    scope="login-ip",
)
def login() -> ResponseReturnValue:
    next_url = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or url_for("site.home"))
    form = LoginForm()
    failed = False
    if form.validate_on_submit():
        user = authenticate(form.username.data or "", form.password.data or "")
        if user is not None:
            login_user(user)
            flash(_("Welcome, %(name)s.", name=user.display_name), "success")
            return redirect(next_url or url_for("site.home"))
        failed = True
    status = 400 if request.method == "POST" else 200
    return render_template("comune/login.html", form=form, failed=failed, next_url=next_url), status


@blueprint.post("/esci")
def logout() -> ResponseReturnValue:
    # CSRFProtect has already checked the token of this POST.
    if current_user.is_authenticated:
        logout_user()
        flash(_("You have logged out."), "info")
    return redirect(url_for("site.home"))


@blueprint.get("/privacy")
def privacy() -> ResponseReturnValue:
    return render_template("comune/privacy.html")


@blueprint.get("/accessibilita")
def accessibility() -> ResponseReturnValue:
    return render_template("comune/accessibility.html")


@blueprint.get("/note-legali")
def legal_notes() -> ResponseReturnValue:
    return render_template("comune/legal_notes.html")


@blueprint.get("/domande-frequenti")
def faq() -> ResponseReturnValue:
    return render_template("comune/faq.html")


@blueprint.get("/contatti")
def contacts() -> ResponseReturnValue:
    return render_template("comune/contacts.html")


# -- errors -----------------------------------------------------------------


def _error_messages() -> dict[int, tuple[str, str]]:
    return {
        400: (
            _("Bad request"),
            _("The request could not be understood. Check what you entered and try again."),
        ),
        403: (_("Access denied"), _("You are not allowed to see this page.")),
        404: (_("Page not found"), _("The page you asked for does not exist or has been moved.")),
        405: (_("Method not allowed"), _("This page cannot be used this way.")),
        413: (
            _("Too much sent at once"),
            _("What you sent is larger than this page accepts. Go back and send less."),
        ),
    }


def handle_http_error(error: HTTPException) -> ResponseReturnValue:
    """The site's error pages, in the layout and the user's language.

    Requests to the extension's pages keep the extension's own error handling
    (its JSON and Open311 endpoints must not get HTML).
    """
    if (request.blueprint or "").startswith("citizencare"):
        return error
    code = error.code or 500
    title, message = _error_messages().get(code, (error.name, ""))
    if isinstance(error, CSRFError):
        message = _(
            "The form has expired or did not come from this site. Go back, reload the page and try again."
        )
    return render_template("comune/error.html", code=code, title=title, message=message), code


def too_many_attempts(error: HTTPException) -> ResponseReturnValue:
    """429 of the site's limiter (the log-in); Flask-Limiter adds the Retry-After header."""
    if (request.blueprint or "").startswith("citizencare"):
        return error
    breached = limiter.current_limit
    wait = max(1, int(breached.reset_at - time.time())) if breached is not None else 60
    message = _(
        "Too many failed attempts. For your security, try again %(wait)s.",
        wait=format_timedelta(timedelta(seconds=wait), threshold=1.0, add_direction=True),
    )
    return render_template("comune/error.html", code=429, title=_("Too many attempts"), message=message), 429


def register_error_handlers(app: Flask) -> None:
    for code in (400, 403, 404, 405, 413):
        app.register_error_handler(code, handle_http_error)
    app.register_error_handler(429, too_many_attempts)
