"""The answer states a municipality defines for proposals: create, edit, reorder, deactivate, delete.

Managers and administrators keep them. Each function is one transaction and
checks everything before it writes, so a refusal (:class:`~.errors.ActionRefused`)
leaves the database as it was; each change writes its audit entry (subject
type ``answer_state``) in that transaction.

A state's ``code`` is fixed once created: the history of a proposal names
the state of each published answer by it (``StatusEvent.data["state"]``).
A state some answer uses cannot be deleted, only deactivated: it then leaves
the staff's choice for new answers, and the answers already published keep
showing it. Labels: the default language (the first of
``CITIZENCARE_LANGUAGES``) in ``name``, the others in ``names``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..access import Actor
from ..context import db_session
from ..domain.answers import CODE_MAX, DEFAULT_STATES, NAME_MAX, normal_colour, valid_code
from ..domain.lifecycle import ProposalOutcome
from ..i18n import gettext as _
from ..i18n import language_name, languages
from ..models import AnswerState, ProposalAnswer
from ..parsing import InputError, check_text
from . import audit
from .errors import Forbidden, InvalidInput, NotFound, NotNow
from .transactions import one_transaction

SUBJECT = "answer_state"
AUDITED = ("code", "name", "names", "colour", "meaning", "needs_reason", "needs_date", "position", "active")
#: Positions are renumbered in steps of this.
POSITION_STEP = 10
MEANINGS = tuple(m.value for m in ProposalOutcome)

__all__ = [
    "AnswerStateInput",
    "activate_state",
    "create_state",
    "deactivate_state",
    "delete_state",
    "ensure_default_states",
    "in_use",
    "move_state",
    "update_state",
]


@dataclass(frozen=True)
class AnswerStateInput:
    """A state as the form (or a caller) gives it; ``names`` by language code."""

    code: str
    names: Mapping[str, str]
    colour: str
    meaning: str
    needs_reason: bool = False
    needs_date: bool = False
    active: bool = True


@dataclass(frozen=True)
class _Clean:
    code: str
    name: str
    names: dict[str, str]
    colour: str
    data: AnswerStateInput


def _require_supervisor(actor: Actor) -> None:
    if not actor.supervises:
        raise Forbidden(_("Only managers and administrators change the answer states."))


def clean(data: AnswerStateInput) -> _Clean:
    """``data`` checked and normalised (no database needed); raises :class:`InvalidInput`."""
    code = data.code.strip().lower() if isinstance(data.code, str) else ""
    if not valid_code(code):
        raise InvalidInput(
            _(
                "The code must be at most %(max)d lowercase letters, digits and underscores, "
                "starting with a letter, such as partially_accepted.",
                max=CODE_MAX,
            )
        )
    offered = languages()
    if set(data.names) - set(offered):
        raise InvalidInput(_("Give the labels only in the languages offered."))
    cleaned: dict[str, str] = {}
    for language in offered:
        value = data.names.get(language) or ""
        if not isinstance(value, str):
            raise InvalidInput(_("Give the labels only in the languages offered."))
        text = value.strip()
        try:
            check_text(text, multiline=False)
        except InputError:
            raise InvalidInput(_("Remove the control characters from this text.")) from None
        if len(text) > NAME_MAX:
            raise InvalidInput(_("A label can be at most %(max)d characters long.", max=NAME_MAX))
        cleaned[language] = text
    name = cleaned[offered[0]]
    if not name:
        raise InvalidInput(
            _(
                "Give the state a label in %(language)s, the default language.",
                language=language_name(offered[0]),
            )
        )
    colour = normal_colour(data.colour) if isinstance(data.colour, str) else None
    if colour is None:
        raise InvalidInput(_("The colour must be written as # and six hexadecimal digits, such as #0066cc."))
    if data.meaning not in MEANINGS:
        raise InvalidInput(
            _("Choose what the state means: under review, accepted, implemented or not accepted.")
        )
    names = {code_: text for code_, text in cleaned.items() if code_ != offered[0] and text}
    return _Clean(code, name, names, colour, data)


def _label(state: AnswerState) -> str:
    return f"{state.name} ({state.code})"


def _state(state_id: int) -> AnswerState:
    state = db_session().get(AnswerState, state_id)
    if state is None:
        raise NotFound(_("There is no such answer state."))
    return state


def _check_code_free(code: str, state_id: int | None) -> None:
    query = sa.select(AnswerState.id).where(sa.func.lower(AnswerState.code) == code)
    if state_id is not None:
        query = query.where(AnswerState.id != state_id)
    if db_session().scalar(query) is not None:
        raise InvalidInput(_("Another answer state already has the code %(code)s.", code=code))


def _apply(state: AnswerState, cleaned: _Clean) -> None:
    data = cleaned.data
    state.name, state.names = cleaned.name, cleaned.names
    state.colour = cleaned.colour
    state.meaning = data.meaning
    state.needs_reason = bool(data.needs_reason)
    state.needs_date = bool(data.needs_date)


def create_state(actor: Actor, data: AnswerStateInput) -> AnswerState:
    _require_supervisor(actor)
    cleaned = clean(data)
    session = db_session()
    with one_transaction(session):
        _check_code_free(cleaned.code, None)
        last = session.scalar(sa.select(sa.func.max(AnswerState.position))) or 0
        state = AnswerState(code=cleaned.code, active=bool(data.active))
        _apply(state, cleaned)
        state.position = (last // POSITION_STEP + 1) * POSITION_STEP
        session.add(state)
        session.flush()
        audit.record(
            session, actor, SUBJECT, state.id, _label(state), "create", None, audit.snapshot(state, AUDITED)
        )
    return state


def update_state(actor: Actor, state_id: int, data: AnswerStateInput) -> AnswerState:
    """Labels, colour, meaning and what it needs; the code is fixed, the position and activity apart."""
    _require_supervisor(actor)
    session = db_session()
    with one_transaction(session):
        state = _state(state_id)
        cleaned = clean(data)
        if cleaned.code != state.code:
            raise InvalidInput(_("The code of an answer state cannot change once it is created."))
        before = audit.snapshot(state, AUDITED)
        _apply(state, cleaned)
        audit.record(
            session, actor, SUBJECT, state.id, _label(state), "update", before, audit.snapshot(state, AUDITED)
        )
    return state


def _ordered(session: Session) -> list[AnswerState]:
    return list(session.scalars(sa.select(AnswerState).order_by(AnswerState.position, AnswerState.id)))


def move_state(actor: Actor, state_id: int, direction: str) -> AnswerState:
    """One place ``up`` or ``down``; every position is renumbered in the same commit."""
    _require_supervisor(actor)
    if direction not in ("up", "down"):
        raise InvalidInput(_("Choose to move the state up or down."))
    session = db_session()
    with one_transaction(session):
        state = _state(state_id)
        ordered = _ordered(session)
        at = ordered.index(state)
        other = at - 1 if direction == "up" else at + 1
        if not 0 <= other < len(ordered):
            raise NotNow(
                _("%(name)s is already first.", name=state.name)
                if direction == "up"
                else _("%(name)s is already last.", name=state.name)
            )
        ordered[at], ordered[other] = ordered[other], ordered[at]
        for number, item in enumerate(ordered, start=1):
            position = number * POSITION_STEP
            if item.position != position:
                audit.record(
                    session, actor, SUBJECT, item.id, _label(item), "reorder",
                    {"position": item.position}, {"position": position},
                )  # fmt: skip
                item.position = position
    return state


def _set_active(actor: Actor, state_id: int, active: bool) -> AnswerState:
    _require_supervisor(actor)
    session = db_session()
    with one_transaction(session):
        state = _state(state_id)
        if state.active == active:
            raise NotNow(
                _("%(name)s is already active.", name=state.name)
                if active
                else _("%(name)s is already inactive.", name=state.name)
            )
        before = audit.snapshot(state, AUDITED)
        state.active = active
        audit.record(
            session, actor, SUBJECT, state.id, _label(state), "activate" if active else "deactivate",
            before, audit.snapshot(state, AUDITED),
        )  # fmt: skip
    return state


def deactivate_state(actor: Actor, state_id: int) -> AnswerState:
    """No longer offered for new answers; answers already given keep it."""
    return _set_active(actor, state_id, False)


def activate_state(actor: Actor, state_id: int) -> AnswerState:
    return _set_active(actor, state_id, True)


def in_use(state_id: int) -> bool:
    """Some answer (a draft included) has this state."""
    query = sa.select(ProposalAnswer.id).where(ProposalAnswer.state_id == state_id).limit(1)
    return db_session().scalar(query) is not None


def delete_state(actor: Actor, state_id: int) -> str:
    """Only a state no answer ever had; returns its label."""
    _require_supervisor(actor)
    session = db_session()
    with one_transaction(session):
        state = _state(state_id)
        if in_use(state.id):
            raise NotNow(_("An answer state that answers use cannot be deleted; deactivate it instead."))
        name = state.name
        audit.record(
            session, actor, SUBJECT, state.id, _label(state), "delete", audit.snapshot(state, AUDITED), None
        )
        session.delete(state)
    return name


def ensure_default_states(session: Session) -> list[AnswerState]:
    """The default states (those migration 0011 writes) that are missing, added; not committed.

    For the demo data and tests, which may start from emptied tables; an
    installation got them from the migration.
    """
    have = set(session.scalars(sa.select(AnswerState.code)))
    added = []
    for position, (code, name, names, colour, meaning, reason, when) in enumerate(DEFAULT_STATES):
        if code in have:
            continue
        state = AnswerState(
            code=code, name=name, names=dict(names), colour=colour, meaning=meaning,
            needs_reason=reason, needs_date=when, position=position, active=True,
        )  # fmt: skip
        session.add(state)
        added.append(state)
    if added:
        session.flush()
    return added
