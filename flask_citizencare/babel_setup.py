"""Flask-Babel in the host: ours when it has none, our locale selector, our templates' translations.

Apart from :mod:`.i18n` (which everything may import) because choosing the
language reads who the user is (:func:`~flask_citizencare.context.current_user_info`).
"""

from __future__ import annotations

from flask import Flask, has_request_context, request
from flask_babel import Babel

from .context import current_user_info
from .i18n import chosen_locale, languages, offered_language
from .jinja_i18n import install

__all__ = ["select_locale", "setup_babel"]


def select_locale() -> str:
    """Our locale selector, when we set up Flask-Babel ourselves (or a host adopts it).

    The visitor's explicit choice, then their profile (the ``user_info`` hook), then
    Accept-Language, then the default.
    """
    offered = languages()
    if not has_request_context():
        return offered[0]
    return (
        chosen_locale()
        or offered_language(current_user_info().locale)
        or request.accept_languages.best_match(offered)
        or offered[0]
    )


def setup_babel(app: Flask) -> None:
    """Use the host's Flask-Babel if it has one, else set one up; our templates use our domain either way.

    The host's Babel keeps its own translation directories: ours are read by
    :data:`domain` only.
    """
    if "babel" not in app.extensions:
        app.config.setdefault("BABEL_DEFAULT_LOCALE", app.config["CITIZENCARE_LANGUAGES"][0])
        app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "UTC")
        Babel(app, locale_selector=select_locale)
    install(app.jinja_env)
