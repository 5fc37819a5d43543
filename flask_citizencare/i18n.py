"""Languages: our catalog beside the host's, and how a request picks its locale."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import Babel, get_locale

TRANSLATIONS = Path(__file__).parent / "translations"
SESSION_KEY = "citizencare_locale"


def languages() -> tuple[str, ...]:
    return tuple(current_app.config["CITIZENCARE_LANGUAGES"])


def current_language() -> str:
    """The language being spoken: the request's locale, else the site's default (first offered)."""
    return str(get_locale() or languages()[0])


def offered_language(locale: str | None) -> str | None:
    """``locale`` if we offer it, else its language part if we offer that (``en_GB`` -> ``en``), else None."""
    if not locale:
        return None
    offered = languages()
    if locale in offered:
        return locale
    language = locale.replace("-", "_").split("_")[0].lower()
    return language if language in offered else None


def select_locale() -> str:
    """The user's explicit choice, then their profile (the ``user_info`` hook), then Accept-Language."""
    offered = languages()
    if not has_request_context():
        return offered[0]  # commands and workers: the default language unless they force one
    chosen = session.get(SESSION_KEY)
    if chosen in offered:
        return str(chosen)
    from .user_info import current_user_info

    profile = offered_language(current_user_info().locale)
    if profile is not None:
        return profile
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
