"""The AgID rating widget ("Quanto sono chiare le informazioni su questa pagina?") on our public pages.

Which pages carry it and under what name they are stored: the route's path
template as mounted (``request.url_rule.rule``, e.g.
``/segnalazioni/track/<token>``), never the address with its tokens or query.
Only the rules of our public blueprints are pages that can be rated; the staff
area, the API and the widget's own page are not.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from flask import current_app, request
from flask_babel.speaklater import LazyString
from flask_wtf.csrf import generate_csrf

from ..domain.feedback import ANSWERS, NEGATIVE, POSITIVE
from ..i18n import lazy_gettext as _l

__all__ = ["ANSWER_LABELS", "QUESTIONS", "RATED_BLUEPRINTS", "answer_label", "is_rated_page", "page_to_rate"]

#: Our blueprints whose pages carry the widget.
RATED_BLUEPRINTS = frozenset(
    {"citizencare.public", "citizencare.map", "citizencare.dashboard", "citizencare.opendata"}
)
#: The widget's own endpoint (the page that completes a rating without JavaScript).
WIDGET_ENDPOINT = "citizencare.public.feedback"

#: The model's questions of the two blocks.
QUESTIONS: Mapping[str, LazyString] = MappingProxyType(
    {
        POSITIVE: _l("What did you like best?"),
        NEGATIVE: _l("Where did you have the most difficulty?"),
    }
)

#: The model's answers, by code (Italian: the model's exact texts).
ANSWER_LABELS: Mapping[str, LazyString] = MappingProxyType(
    {
        "clear": _l("The instructions were clear"),
        "complete": _l("The instructions were complete"),
        "on_track": _l("I always understood that I was proceeding correctly"),
        "no_technical_problems": _l("I had no technical problems"),
        "other_positive": _l("Other"),
        "unclear": _l("Sometimes the instructions were not clear"),
        "incomplete": _l("Sometimes the instructions were not complete"),
        "lost": _l("Sometimes I did not understand whether I was proceeding correctly"),
        "technical_problems": _l("I had technical problems"),
        "other_negative": _l("Other"),
    }
)
assert set(ANSWER_LABELS) == set(ANSWERS[POSITIVE]) | set(ANSWERS[NEGATIVE])


def _rated(endpoint: str | None) -> bool:
    if not endpoint or endpoint == WIDGET_ENDPOINT:
        return False
    return endpoint.rpartition(".")[0] in RATED_BLUEPRINTS


def page_to_rate() -> str | None:
    """``cc_feedback_page()`` in templates: this page's path template, or None where no widget goes."""
    rule = request.url_rule
    if rule is None or not _rated(rule.endpoint) or "GET" not in (rule.methods or ()):
        return None
    return rule.rule


def is_rated_page(page: str) -> bool:
    """Whether ``page`` (posted back by the widget) is the path template of one of our rated pages."""
    return any(
        rule.rule == page and _rated(rule.endpoint) and "GET" in (rule.methods or ())
        for rule in current_app.url_map.iter_rules()
    )


def answer_label(code: str | None) -> str:
    """``|cc_feedback_answer`` in templates: an answer's text in the reader's language."""
    if code is None:
        return ""
    label = ANSWER_LABELS.get(code)
    return str(label) if label is not None else code


def csrf_value() -> str:
    """``cc_feedback_csrf()`` in templates: the CSRF token of the widget's form, as every form of ours."""
    return str(generate_csrf())


def question(kind: str) -> str:
    """``cc_feedback_question(kind)``: the question of the positive or negative block."""
    return str(QUESTIONS[kind])


def answers(kind: str) -> tuple[str, ...]:
    """``cc_feedback_answers(kind)``: the codes of a block's answers, in the model's order."""
    return ANSWERS[kind]
