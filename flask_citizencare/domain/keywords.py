"""A category's keywords: the words a client searches the service by (Open311 ``keywords``).

Stored as a list on ``Category.keywords``; the API writes them joined by
commas, so a keyword holds no comma. Typed in the back office as one line
``lampione, luce``. Plain Python.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

KEYWORD_MAX = 60
KEYWORDS_MAX = 20
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class KeywordsError(ValueError):
    """``code`` ``not_text``, ``too_long`` (``max``), ``too_many`` (``max``), ``comma`` or ``control``."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def split_keywords(text: str) -> list[str]:
    """``"lampione, luce,,"`` → ``["lampione", "luce"]`` (unchecked: see :func:`clean_keywords`)."""
    return [word.strip() for word in text.split(",") if word.strip()]


def clean_keywords(words: Iterable[Any]) -> tuple[str, ...]:
    """The keywords trimmed, without blanks and repeats (case aside); raises :class:`KeywordsError`."""
    cleaned: dict[str, str] = {}
    for word in words:
        if not isinstance(word, str):
            raise KeywordsError("not_text")
        text = word.strip()
        if not text:
            continue
        if "," in text:
            raise KeywordsError("comma")
        if _CONTROL.search(text):
            raise KeywordsError("control")
        if len(text) > KEYWORD_MAX:
            raise KeywordsError("too_long", max=KEYWORD_MAX)
        cleaned.setdefault(text.casefold(), text)
    if len(cleaned) > KEYWORDS_MAX:
        raise KeywordsError("too_many", max=KEYWORDS_MAX)
    return tuple(cleaned.values())


def keywords_line(words: Iterable[str] | None) -> str:
    """The keywords as the back office shows them: ``lampione, luce``."""
    return ", ".join(words or ())
