"""Our templates translate with our domain, the host's with theirs, in the same render.

Jinja looks ``_``/``gettext``/``ngettext`` up in the render context, which a
page shares with the layout it extends: the host's ``base.html`` around our
page would get our function (or ours theirs). So, only in templates whose name
starts with ``citizencare/`` (ours, and a host's overrides of them), the lexer's
name tokens ``_``, ``gettext``, ``ngettext``, ``pgettext`` and ``npgettext``
become ``cc_gettext`` etc., globals bound to :data:`flask_citizencare.i18n.domain`.
An attribute (``x._``) keeps its name. The globals behave like the ones Flask-Babel
installs (Jinja's "newstyle" gettext): under autoescape the translation is Markup
and ``%(name)s`` variables are escaped as they are filled in.
``{% trans %}`` blocks are not rewritten (the parser, not the lexer, names their
functions); our templates use ``_()`` only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from jinja2 import Environment, pass_context
from jinja2.ext import Extension
from jinja2.lexer import TOKEN_DOT, TOKEN_NAME, Token, TokenStream
from jinja2.runtime import Context
from markupsafe import Markup

from .i18n import domain, language_choices

PREFIX = "citizencare/"
RENAMED = {name: f"cc_{name}" for name in ("gettext", "ngettext", "pgettext", "npgettext")} | {
    "_": "cc_gettext"
}


def rewrite(stream: Iterator[Token]) -> Iterator[Token]:
    """The tokens, with the gettext names (not attributes) renamed to ours."""
    previous: Token | None = None
    for token in stream:
        attribute = previous is not None and previous.type == TOKEN_DOT
        if token.type == TOKEN_NAME and token.value in RENAMED and not attribute:
            token = Token(token.lineno, TOKEN_NAME, RENAMED[token.value])
        previous = token
        yield token


class CitizenCareI18n(Extension):
    """Renames the gettext calls of our templates (see the module's docstring)."""

    def filter_stream(self, stream: TokenStream) -> TokenStream | Iterator[Token]:
        if not (stream.name or "").startswith(PREFIX):
            return stream
        return rewrite(stream)


def _formatted(context: Context, translated: str, variables: dict[str, Any]) -> str:
    # The translation is ours (a catalog), trusted like the template's own markup; variables get escaped.
    rv: str = Markup(translated) if context.eval_ctx.autoescape else translated  # noqa: S704
    return rv % variables  # always a format string, as Jinja's newstyle gettext does


@pass_context
def cc_gettext(context: Context, string: str, **variables: Any) -> str:
    return _formatted(context, domain.get_translations().ugettext(string), variables)


@pass_context
def cc_ngettext(context: Context, singular: str, plural: str, num: int, **variables: Any) -> str:
    variables.setdefault("num", num)
    return _formatted(context, domain.get_translations().ungettext(singular, plural, num), variables)


@pass_context
def cc_pgettext(context: Context, string_context: str, string: str, **variables: Any) -> str:
    variables.setdefault("context", string_context)
    return _formatted(context, domain.get_translations().upgettext(string_context, string), variables)


@pass_context
def cc_npgettext(
    context: Context, string_context: str, singular: str, plural: str, num: int, **variables: Any
) -> str:
    variables.setdefault("context", string_context)
    variables.setdefault("num", num)
    translated = domain.get_translations().unpgettext(string_context, singular, plural, num)
    return _formatted(context, translated, variables)


GLOBALS: dict[str, Callable[..., str]] = {
    "cc_gettext": cc_gettext,
    "cc_ngettext": cc_ngettext,
    "cc_pgettext": cc_pgettext,
    "cc_npgettext": cc_npgettext,
}


def install(env: Environment) -> None:
    """Add the extension, our gettext globals and the language menu's data to an app's Jinja environment.

    ``cc_language_choices()`` is global so that ``citizencare/_language_menu.html``
    can be included by the host's templates too, outside our blueprint's context.
    """
    env.add_extension(CitizenCareI18n)
    env.globals.update(GLOBALS)
    env.globals["cc_language_choices"] = language_choices
