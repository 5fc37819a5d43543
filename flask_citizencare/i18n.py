"""Languages: our catalog beside the host's, and how a request picks its locale."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import Babel, get_locale
from flask_login import current_user

TRANSLATIONS = Path(__file__).parent / "translations"
SESSION_KEY = "citizencare_locale"


def languages() -> tuple[str, ...]:
    return tuple(current_app.config["CITIZENCARE_LANGUAGES"])


def current_language() -> str:
    """The language being spoken: the request's locale, else the site's default (first offered)."""
    return str(get_locale() or languages()[0])


def select_locale() -> str:
    """The user's explicit choice, then their profile, then Accept-Language, then the default."""
    offered = languages()
    if not has_request_context():
        return offered[0]  # commands and workers: the default language unless they force one
    chosen = session.get(SESSION_KEY)
    if chosen in offered:
        return str(chosen)
    profile = getattr(current_user, "locale", None) if current_user else None
    if profile in offered:
        return str(profile)
    return request.accept_languages.best_match(offered) or offered[0]


def setup_babel(app: Flask) -> None:
    """Use the host's Flask-Babel if it has one, else set one up; add our catalog either way.

    Our directory goes first, so a host's own catalog can override any of our
    messages simply by translating the same msgid.
    """
    if "babel" not in app.extensions:
        app.config.setdefault("BABEL_DEFAULT_LOCALE", app.config["CITIZENCARE_LANGUAGES"][0])
        app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "UTC")
        Babel(app, locale_selector=select_locale)
    directories = app.extensions["babel"].translation_directories
    if str(TRANSLATIONS) not in directories:
        directories.insert(0, str(TRANSLATIONS))
