"""The official answers of a proposal as pages show them, for every template of ours.

``cc_published_answers(report)`` (a template global) returns the proposal's
published answers, newest first, each with its badge (label in the language
of the request, background and the readable text colour); drafts never
(:mod:`~flask_citizencare.queries.proposal_answers`). The partial
``citizencare/public/_answer.html`` shows them; the filter
``cc_badge_text`` gives the text colour for any ``#rrggbb`` background.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import make_response, request
from flask.typing import ResponseReturnValue

from ..domain.answers import badge_text_colour, normal_colour, valid_code
from ..i18n import current_language
from ..models import ProposalAnswer
from ..queries.proposal_answers import answer_states, published_answers


@dataclass(frozen=True)
class ShownAnswer:
    answer: ProposalAnswer
    label: str
    colour: str
    text_colour: str
    meaning: str


def shown(answer: ProposalAnswer, language: str | None = None) -> ShownAnswer:
    state = answer.state
    return ShownAnswer(
        answer=answer,
        label=state.label(language or current_language()),
        colour=state.colour,
        text_colour=badge_text_colour(state.colour),
        meaning=state.meaning,
    )


def cc_published_answers(report: Any) -> list[ShownAnswer]:
    """The published answers of ``report`` (a proposal), newest first; [] for anything else."""
    if getattr(report, "kind", None) != "proposal" or getattr(report, "id", None) is None:
        return []
    language = current_language()
    return [shown(answer, language) for answer in published_answers(report.id)]


def cc_badge_text(colour: str) -> str:
    try:
        return badge_text_colour(colour)
    except ValueError:
        return "#000000"


def answer_states_css() -> ResponseReturnValue:
    """``/answer-states.css``: one class per answer state, ``.cc-answer-state--<code>``.

    Our content security policy takes styles from files only (no ``style``
    attributes), and the colours are the municipality's data: so they come as
    a small stylesheet, revalidated by its ETag.
    """
    rules = [
        f".cc-answer-state--{state.code} {{ background-color: {state.colour}; "
        f"color: {badge_text_colour(state.colour)}; border-color: {state.colour}; }}"
        for state in answer_states()
        if valid_code(state.code) and normal_colour(state.colour) is not None
    ]
    response = make_response("\n".join(rules) + "\n")
    response.mimetype = "text/css"
    response.headers["Cache-Control"] = "public, max-age=300"
    response.add_etag()
    return response.make_conditional(request)
