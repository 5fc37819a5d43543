"""The official answer to a proposal: staff save a draft, then publish it in an explicit step.

A draft is visible to staff only; a proposal has at most one at a time (the
partial unique index). :func:`publish_answer` makes it public: it sets
``published_at`` and the publisher, the proposal's ``outcome`` (the state's
meaning), ``answered_at`` the first time, records the public step
``answer_published`` for the history and queues the mails to the reporter,
the confirmed followers and the supporters (through the outbox, in the same
transaction: mails go then, never at the draft). A later answer (accepted,
months later implemented) is a new draft and a new publication; every
published answer stays in the history.

Who may: operators, managers and administrators on every proposal; a
technician only on the cases assigned to them or to their office
(:func:`~flask_citizencare.access.is_assigned`); anyone else is refused with
:class:`~.errors.Forbidden` and nothing changes. Both steps bump the case's
version and check the one the actor saw (:mod:`.locking`), so a double click
on "publish" publishes once: the second request finds either a newer version
or no draft, and is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..access import Actor, is_assigned
from ..context import state
from ..domain.answers import (
    BODY_MAX,
    LINK_MAX,
    REASON_MAX,
    AnswerProblem,
    AnswerText,
    answer_problems,
    clean_text,
)
from ..domain.lifecycle import Kind, ProposalOutcome
from ..i18n import gettext as _
from ..models import AnswerState, ProposalAnswer, Report
from ..models.base import utcnow
from .errors import Forbidden, InvalidInput, NotFound, NotNow
from .locking import changing_case, check_version
from .mail.notify import queue_answer_mails
from .triage import record_change

__all__ = ["AnswerInput", "discard_draft", "may_answer", "publish_answer", "save_draft", "today"]

#: The public step of the history: ``data = {"state": <code>}``.
PUBLISHED_ACTION = "answer_published"
#: The staff-only steps when a draft is saved or thrown away.
DRAFT_ACTION = "answer_draft"
DISCARD_ACTION = "answer_discard"


@dataclass(frozen=True)
class AnswerInput:
    """A draft as staff wrote it. ``expected_version``: the case's version they saw."""

    expected_version: int
    state_id: int | None
    body: str | None = ""
    reason: str | None = None
    implemented_on: date | None = None
    link: str | None = None


def today() -> date:
    """The municipality's date now (an implementation date after it is refused)."""
    return datetime.now(state().settings.zone).date()


def may_answer(actor: Actor, report: Report) -> bool:
    """Operators, managers and admins; a technician on a case assigned to them or their office."""
    return actor.sees_everything or is_assigned(actor, report)


def _messages() -> dict[AnswerProblem, str]:
    return {
        AnswerProblem.NO_STATE: _("Choose the state of the answer."),
        AnswerProblem.STATE_INACTIVE: _("That answer state is no longer in use: choose another."),
        AnswerProblem.NO_BODY: _("Write the answer the public will read."),
        AnswerProblem.BODY_TOO_LONG: _("The answer can be at most %(max)d characters long.", max=BODY_MAX),
        AnswerProblem.NO_REASON: _("This state needs the reason: write why."),
        AnswerProblem.REASON_TOO_LONG: _(
            "The reason can be at most %(max)d characters long.", max=REASON_MAX
        ),
        AnswerProblem.NO_DATE: _("This state needs the date the work was done."),
        AnswerProblem.DATE_IN_FUTURE: _("The date the work was done cannot be in the future."),
        AnswerProblem.LINK_NOT_HTTPS: _("The link must be a web address starting with https://."),
        AnswerProblem.LINK_TOO_LONG: _("The link can be at most %(max)d characters long.", max=LINK_MAX),
        AnswerProblem.CONTROL_CHARACTERS: _("Remove the control characters from this text."),
    }


def _refuse(problems: list[AnswerProblem]) -> None:
    if problems:
        messages = _messages()
        raise InvalidInput(" ".join(messages[p] for p in problems))


def _load(session: Session, actor: Actor, report: Report | int) -> Report:
    report_id = report if isinstance(report, int) else report.id
    found = session.get(Report, report_id)
    if found is None:
        raise NotFound(_("There is no such case, or it is not one of yours."))
    if not may_answer(actor, found):
        raise Forbidden(_("Only the staff the case is assigned to can answer this proposal."))
    if found.kind != Kind.PROPOSAL.value:
        raise NotNow(_("Only a proposal gets an official answer."))
    if found.duplicate_of_id is not None:
        raise NotNow(_("This proposal was merged into another: answer that one."))
    return found


def _draft(session: Session, report: Report) -> ProposalAnswer | None:
    return session.scalar(
        sa.select(ProposalAnswer).where(
            ProposalAnswer.report_id == report.id, ProposalAnswer.published_at.is_(None)
        )
    )


def _last_published(session: Session, report: Report) -> ProposalAnswer | None:
    return session.scalar(
        sa.select(ProposalAnswer)
        .where(ProposalAnswer.report_id == report.id, ProposalAnswer.published_at.is_not(None))
        .order_by(ProposalAnswer.published_at.desc(), ProposalAnswer.id.desc())
        .limit(1)
    )


def _text(data: AnswerInput) -> AnswerText:
    return AnswerText(
        body=clean_text(data.body) or "",
        reason=clean_text(data.reason),
        implemented_on=data.implemented_on,
        link=clean_text(data.link),
    )


def save_draft(report: Report | int, actor: Actor, data: AnswerInput) -> ProposalAnswer:
    """Create or replace the proposal's draft answer; one transaction; mails nobody.

    What is there must be acceptable (lengths, link, date, an active state);
    what a publication needs may still be missing (see :func:`publish_answer`).
    """
    with changing_case() as session:
        with session.no_autoflush:
            case = _load(session, actor, report)
            check_version(session, case, data.expected_version)
            draft = _draft(session, case)
            answer_state = session.get(AnswerState, data.state_id) if data.state_id is not None else None
            text = _text(data)
            problems = answer_problems(text, answer_state, today(), complete=False)
            kept = draft is not None and answer_state is not None and draft.state_id == answer_state.id
            if answer_state is not None and not answer_state.active and not kept:
                problems.insert(0, AnswerProblem.STATE_INACTIVE)
            _refuse(problems)
            assert answer_state is not None
            now = utcnow()
            if draft is None:
                draft = ProposalAnswer(report_id=case.id, author_id=actor.staff.id, created_at=now)
                session.add(draft)
            draft.state_id = answer_state.id
            draft.body = text.body
            draft.reason = text.reason
            draft.implemented_on = text.implemented_on
            draft.link = text.link
            draft.updated_at = now
            if draft.author_id is None:
                draft.author_id = actor.staff.id
            case.updated_at = now  # a change of the case: bumps the version
            record_change(actor, case, DRAFT_ACTION, {"state": answer_state.code}, now=now)
        session.commit()
    return draft


def publish_answer(report: Report | int, actor: Actor, expected_version: int | None = None) -> ProposalAnswer:
    """Publish the proposal's draft: the public page shows it and its mails are queued; one transaction.

    ``expected_version`` (the case's version the actor saw; the staff form
    always sends it) turns a second click into :class:`~.errors.ChangedMeanwhile`.
    Refused, changing nothing: no draft (:class:`~.errors.NotNow`), a draft
    that lacks what its state needs or whose state was retired
    (:class:`~.errors.InvalidInput`), an actor who may not answer
    (:class:`~.errors.Forbidden`).
    """
    with changing_case() as session:
        with session.no_autoflush:
            case = _load(session, actor, report)
            if expected_version is not None:
                check_version(session, case, expected_version)
            draft = _draft(session, case)
            if draft is None:
                raise NotNow(_("There is no draft answer to publish: save a draft first."))
            answer_state = session.get(AnswerState, draft.state_id)
            text = AnswerText(
                body=draft.body or "",
                reason=draft.reason,
                implemented_on=draft.implemented_on,
                link=draft.link,
            )
            _refuse(answer_problems(text, answer_state, today(), complete=True))
            assert answer_state is not None
            previous = _last_published(session, case)
            implemented = answer_state.meaning == ProposalOutcome.IMPLEMENTED.value and (
                previous is None or previous.state.meaning != ProposalOutcome.IMPLEMENTED.value
            )
            now = utcnow()
            draft.published_at = now
            draft.publisher_id = actor.staff.id
            draft.updated_at = now
            case.outcome = answer_state.meaning
            if case.answered_at is None:
                case.answered_at = now
            case.updated_at = now
            record_change(actor, case, PUBLISHED_ACTION, {"state": answer_state.code}, public=True, now=now)
        draft.state = answer_state
        queue_answer_mails(session, case, draft, implemented=implemented)
        session.commit()
    return draft


def discard_draft(report: Report | int, actor: Actor, expected_version: int) -> None:
    """Throw the proposal's draft away (nobody but staff ever saw it); one transaction; mails nobody."""
    with changing_case() as session:
        with session.no_autoflush:
            case = _load(session, actor, report)
            check_version(session, case, expected_version)
            draft = _draft(session, case)
            if draft is None:
                raise NotNow(_("There is no draft answer to discard."))
            code = draft.state.code
            session.delete(draft)
            now = utcnow()
            case.updated_at = now
            record_change(actor, case, DISCARD_ACTION, {"state": code}, now=now)
        session.commit()
