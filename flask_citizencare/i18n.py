"""Languages: our own translation domain beside the host's, and which language our pages speak.

Our messages live in a Flask-Babel :class:`~flask_babel.Domain` of their own,
read only from our ``translations`` folder: a host's catalog never changes our
strings and ours never change the host's, even where the msgids are the same
("Messages", "Search"). Python code of the package imports ``gettext`` and
friends from here, never from ``flask_babel``; templates get the same through
:mod:`flask_citizencare.jinja_i18n`.

Which language our strings use (:func:`current_language`): a locale forced with
``flask_babel.force_locale`` (mails in the recipient's language), then the one
the visitor chose with our menu, then the request's locale (the host's selector,
or ours) if we offer it, else our default, the first of ``CITIZENCARE_LANGUAGES``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.support import NullTranslations, Translations
from flask import current_app, g, has_app_context, has_request_context, session
from flask_babel import Domain, get_locale
from flask_babel.speaklater import LazyString

from .config import SETTINGS

TRANSLATIONS = Path(__file__).parent / "translations"
SESSION_KEY = "citizencare_locale"
#: How the menu names each language, in that language.
LANGUAGE_NAMES = {"it": "Italiano", "en": "English", "ca": "Català"}


def languages() -> tuple[str, ...]:
    """``CITIZENCARE_LANGUAGES`` (its default in an app that has not set up the extension)."""
    return tuple(current_app.config.get("CITIZENCARE_LANGUAGES") or SETTINGS["LANGUAGES"].default)


def _offered(locale: object, offered: tuple[str, ...]) -> str | None:
    """``locale`` (a code or a babel Locale) as one of ours: exact (``pt_BR``) or by language (``en_GB``)."""
    if not locale:
        return None
    code = str(locale)
    if code in offered:
        return code
    language = code.replace("-", "_").split("_")[0]
    return language if language in offered else None


def chosen_locale() -> str | None:
    """The language the visitor chose with our language menu, or None.

    For a host with its own Flask-Babel locale selector to chain, so that the
    choice changes the host's parts of the page too::

        babel.init_app(app, locale_selector=lambda: chosen_locale() or get_locale())
    """
    if not has_request_context():
        return None
    return _offered(session.get(SESSION_KEY), languages())


def _forced_locale() -> object:
    """The locale of an enclosing ``flask_babel.force_locale`` block, if any."""
    return getattr(g.get("_flask_babel"), "forced_babel_locale", None)


def current_language() -> str:
    """The language our strings, dates and numbers are in just now (see the module's docstring)."""
    offered = languages()
    forced = _offered(_forced_locale(), offered)
    if forced:
        return forced
    if not has_request_context():
        return offered[0]  # commands and workers: the default language unless they force one
    return chosen_locale() or _offered(get_locale(), offered) or offered[0]


def offered_language(locale: str | None) -> str | None:
    """``locale`` if we offer it, else its language part if we offer that (``en_GB`` -> ``en``), else None."""
    if not locale:
        return None
    offered = languages()
    if locale in offered:
        return locale
    language = locale.replace("-", "_").split("_")[0].lower()
    return language if language in offered else None


def language_name(code: str) -> str:
    if code in LANGUAGE_NAMES:
        return LANGUAGE_NAMES[code]
    try:
        return str(Locale.parse(code).get_display_name(code)).capitalize()
    except (ValueError, UnknownLocaleError):
        return code


def language_choices() -> list[dict[str, Any]]:
    """What the language menu shows: every language we offer, its own name, and which is current."""
    here = current_language()
    return [{"code": code, "name": language_name(code), "current": code == here} for code in languages()]


class CitizenCareDomain(Domain):
    """Our catalog, in :func:`current_language` rather than the request's locale.

    Flask-Babel's ``Domain.get_translations`` would use ``get_locale()``, the
    host's choice, which may be a language we do not ship (our strings would
    then be the English msgids on an Italian municipality's site).
    """

    def __init__(self) -> None:
        super().__init__(translation_directories=[str(TRANSLATIONS)], domain="messages")

    def get_translations(self) -> NullTranslations:
        if not has_app_context():
            return NullTranslations()
        language = current_language()
        extra = tuple(str(folder) for folder in current_app.config.get(HOST_DIRECTORIES_SETTING) or ())
        key = (language, extra)
        translations: NullTranslations | None = self.cache.get(key)
        if translations is None:
            translations = _load(language, extra)
            self.cache[key] = translations
        return translations


HOST_DIRECTORIES_SETTING = "CITIZENCARE_TRANSLATION_DIRECTORIES"
#: The gettext domain of a host's own catalogs of our messages, apart from its ``messages``.
HOST_DOMAIN = "citizencare"


def _load(language: str, host_directories: tuple[str, ...]) -> NullTranslations:
    """Our catalog for ``language`` under the host's ``citizencare`` catalogs (the first folder wins)."""
    translations = Translations.load(str(TRANSLATIONS), [language], "messages")
    for folder in reversed(host_directories):
        host = Translations.load(folder, [language], HOST_DOMAIN)
        if not isinstance(host, Translations):
            continue  # no catalog for this language in that folder
        if isinstance(translations, Translations):
            translations.merge(host)
        else:
            translations = host
    return translations


domain = CitizenCareDomain()


def gettext(string: str, **variables: Any) -> str:
    return str(domain.gettext(string, **variables))


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    return str(domain.ngettext(singular, plural, num, **variables))


def pgettext(context: str, string: str, **variables: Any) -> str:
    return str(domain.pgettext(context, string, **variables))


def npgettext(context: str, singular: str, plural: str, num: int, **variables: Any) -> str:
    return str(domain.npgettext(context, singular, plural, num, **variables))


def lazy_gettext(string: str, **variables: Any) -> LazyString:
    return LazyString(gettext, string, **variables)


def lazy_ngettext(singular: str, plural: str, num: int, **variables: Any) -> LazyString:
    return LazyString(ngettext, singular, plural, num, **variables)


def lazy_pgettext(context: str, string: str, **variables: Any) -> LazyString:
    return LazyString(pgettext, context, string, **variables)


def format_locale(language: str | None = None) -> str:
    """The locale whose formats write dates and numbers in ``language`` (the current one by default).

    ``CITIZENCARE_FORMAT_LOCALES`` maps a language to a locale: ``{"en": "en_GB"}``
    by default, so an Italian municipality's English pages write 3 December 2026
    and 03/12/2026, day first, not Babel's US ``en``.
    """
    language = language or current_language()
    table = current_app.config.get("CITIZENCARE_FORMAT_LOCALES") if has_app_context() else None
    if table is None:
        table = SETTINGS["FORMAT_LOCALES"].default
    return str(table.get(language) or language)
