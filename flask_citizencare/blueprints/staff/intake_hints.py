"""The intake form's category hints: what the operator typed so far, as a suggestion query."""

from __future__ import annotations

from typing import Any

from flask import g

from ...context import db_session
from ...i18n import current_language
from ...services.suggestions import MAX_TEXT, Query, Suggestions, suggest

KINDS = ("issue", "proposal")


def _text(values: Any, name: str) -> str:
    value = values.get(name, "")
    return value[:MAX_TEXT] if isinstance(value, str) else ""


def intake_query(values: Any) -> Query:
    """The typed title, description and kind as a query: capped, a known kind, never an error."""
    kind = _text(values, "kind")
    return Query(
        title=_text(values, "title"),
        description=_text(values, "description"),
        kind=kind if kind in KINDS else "issue",
    )


def intake_suggestions(values: Any) -> Suggestions:
    """Category and office hints (no duplicates: the case does not exist yet)."""
    return suggest(
        db_session(), intake_query(values), actor=g.cc_actor, language=current_language(), duplicates=False
    )
