"""Official answers to proposals: what a complete answer needs, and how a state's badge is coloured.

Plain rules, no database: the services (:mod:`~flask_citizencare.services.proposal_answers`,
:mod:`~flask_citizencare.services.answer_states`) call them and turn each
problem code into a message in the staff member's language.

A draft may be incomplete (staff save as they write), but what is in it must
already be acceptable: no control characters, nothing too long, a link that
is ``https://``, a date that is not in the future. Publishing asks for the
rest (:func:`answer_problems` with ``complete=True``): the body, the reason
when the state needs one (``not_accepted``), the date when it needs one
(``implemented``), and a state that is still active.

Badges: the state's colour is the background; the text is white or black,
whichever contrasts more (WCAG 2.1 relative luminance). One of the two always
reaches 4.58:1, above AA's 4.5:1 for small text, so any colour a manager picks
gives a readable badge. The badge also says the state's name: colour is never
the only carrier of meaning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Protocol
from urllib.parse import urlsplit

#: The answer the public reads: as long as a public reply in the thread.
BODY_MAX = 10_000
REASON_MAX = 4_000
LINK_MAX = 500
CODE_MAX = 40
NAME_MAX = 80
_CODE = re.compile(r"[a-z][a-z0-9_]{0,39}")
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
#: NUL and the control characters but tab, line feed and carriage return.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_LINK_CONTROL = re.compile(r"[\x00-\x20\x7f-\x9f]")

WHITE = "#ffffff"
BLACK = "#000000"

#: The states migration 0011 writes (keep in step): code, Italian name, other languages,
#: colour, meaning, needs a reason, needs a date. Demo data and tests install them with
#: :func:`flask_citizencare.services.answer_states.ensure_default_states`.
DEFAULT_STATES: tuple[tuple[str, str, dict[str, str], str, str, bool, bool], ...] = (
    (
        "under_evaluation",
        "In valutazione",
        {"en": "Under evaluation", "ca": "En avaluació"},
        "#0066cc",
        "under_review",
        False,
        False,
    ),
    ("accepted", "Accolta", {"en": "Accepted", "ca": "Acceptada"}, "#00804d", "accepted", False, False),
    (
        "partially_accepted",
        "Accolta in parte",
        {"en": "Partially accepted", "ca": "Acceptada en part"},
        "#6b5a00",
        "accepted",
        False,
        False,
    ),
    (
        "not_accepted",
        "Non accolta",
        {"en": "Not accepted", "ca": "No acceptada"},
        "#b8283e",
        "not_accepted",
        True,
        False,
    ),
    (
        "implemented",
        "Realizzata",
        {"en": "Implemented", "ca": "Realitzada"},
        "#1f5f3a",
        "implemented",
        False,
        True,
    ),
)


class StateRules(Protocol):
    """What the rules read of an answer state (an ``AnswerState`` row has these)."""

    @property
    def active(self) -> bool: ...
    @property
    def needs_reason(self) -> bool: ...
    @property
    def needs_date(self) -> bool: ...


class AnswerProblem(StrEnum):
    NO_STATE = "no_state"
    STATE_INACTIVE = "state_inactive"
    NO_BODY = "no_body"
    BODY_TOO_LONG = "body_too_long"
    NO_REASON = "no_reason"
    REASON_TOO_LONG = "reason_too_long"
    NO_DATE = "no_date"
    DATE_IN_FUTURE = "date_in_future"
    LINK_NOT_HTTPS = "link_not_https"
    LINK_TOO_LONG = "link_too_long"
    CONTROL_CHARACTERS = "control_characters"


@dataclass(frozen=True)
class AnswerText:
    """An answer as staff wrote it; texts already stripped, ``None`` for what was left blank."""

    body: str
    reason: str | None = None
    implemented_on: date | None = None
    link: str | None = None


def clean_text(value: str | None) -> str | None:
    """``value`` stripped, ``None`` when blank (line ends normalised to ``\\n``)."""
    if value is None:
        return None
    text = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    return text or None


def link_problem(link: str) -> AnswerProblem | None:
    """A link to the work or the resolution act: ``https://`` with a host, no spaces, at most 500."""
    if len(link) > LINK_MAX:
        return AnswerProblem.LINK_TOO_LONG
    if _LINK_CONTROL.search(link):
        return AnswerProblem.LINK_NOT_HTTPS
    try:
        parts = urlsplit(link)
    except ValueError:
        return AnswerProblem.LINK_NOT_HTTPS
    if parts.scheme.lower() != "https" or not parts.hostname or not link.lower().startswith("https://"):
        return AnswerProblem.LINK_NOT_HTTPS
    return None


def answer_problems(
    answer: AnswerText, state: StateRules | None, today: date, *, complete: bool
) -> list[AnswerProblem]:
    """What is wrong with ``answer`` in ``state`` (empty: nothing).

    ``complete`` False checks a draft (only what is there); True checks an
    answer about to be published (everything the state needs is there).
    ``today`` is the municipality's date: an implementation date after it is refused.
    """
    problems: list[AnswerProblem] = []
    texts = [answer.body, answer.reason or "", answer.link or ""]
    if any(_CONTROL.search(text) for text in texts):
        problems.append(AnswerProblem.CONTROL_CHARACTERS)
    if state is None:
        problems.append(AnswerProblem.NO_STATE)
    elif complete and not state.active:
        problems.append(AnswerProblem.STATE_INACTIVE)
    if len(answer.body) > BODY_MAX:
        problems.append(AnswerProblem.BODY_TOO_LONG)
    elif complete and not answer.body.strip():
        problems.append(AnswerProblem.NO_BODY)
    if answer.reason is not None and len(answer.reason) > REASON_MAX:
        problems.append(AnswerProblem.REASON_TOO_LONG)
    elif complete and state is not None and state.needs_reason and not (answer.reason or "").strip():
        problems.append(AnswerProblem.NO_REASON)
    if answer.implemented_on is not None and answer.implemented_on > today:
        problems.append(AnswerProblem.DATE_IN_FUTURE)
    elif complete and state is not None and state.needs_date and answer.implemented_on is None:
        problems.append(AnswerProblem.NO_DATE)
    if answer.link is not None:
        found = link_problem(answer.link)
        if found is not None and AnswerProblem.CONTROL_CHARACTERS not in problems:
            problems.append(found)
    return problems


# -- states ---------------------------------------------------------------------------------


def valid_code(code: str) -> bool:
    """A state's code: a lowercase letter, then lowercase letters, digits, underscores; at most 40."""
    return bool(_CODE.fullmatch(code))


def normal_colour(text: str) -> str | None:
    """``#rrggbb`` in lowercase, or None when ``text`` is not a six-digit hex colour."""
    value = text.strip()
    return value.lower() if _COLOUR.fullmatch(value) else None


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: str) -> float:
    """WCAG 2.1 relative luminance of ``#rrggbb`` (0 black to 1 white)."""
    value = normal_colour(colour)
    if value is None:
        raise ValueError(f"not a #rrggbb colour: {colour!r}")
    r, g, b = (int(value[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_ratio(first: str, second: str) -> float:
    """WCAG contrast ratio of two ``#rrggbb`` colours (1 to 21)."""
    a, b = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def badge_text_colour(background: str) -> str:
    """White or black text on ``background``, whichever contrasts more (at least 4.58:1)."""
    return WHITE if contrast_ratio(background, WHITE) >= contrast_ratio(background, BLACK) else BLACK
