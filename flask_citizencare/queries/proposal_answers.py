"""Proposals' official answers as the public, the lists and open data read them; drafts never.

Every function here reads **published** answers only (``published_at`` set):
a draft is for staff (:func:`staff_draft`, the one exception, says so in its
name). The current answer of a proposal is its newest published one.

For lists and exports of many proposals:

- :func:`current_states` ``(report_ids) -> {report_id: AnswerState}`` in one
  query, for a page of cards;
- :func:`current_answer_subquery` a subquery of ``(report_id, answer_id,
  state_id, published_at)`` with one row per answered proposal (the newest
  published answer), to join in SQL, e.g.::

      current = current_answer_subquery()
      query = (
          sa.select(Report.id, AnswerState.code)
          .outerjoin(current, current.c.report_id == Report.id)
          .outerjoin(AnswerState, AnswerState.id == current.c.state_id)
      )

  Both databases answer it from the index ``(report_id, published_at)``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from ..context import db_session
from ..models import AnswerState, ProposalAnswer, Report

__all__ = [
    "answer_states",
    "current_answer_subquery",
    "current_states",
    "published_answer",
    "published_answers",
    "staff_draft",
]


def _report_id(report: Report | int) -> int:
    return report if isinstance(report, int) else report.id


def published_answers(report: Report | int, session: Session | None = None) -> Sequence[ProposalAnswer]:
    """The proposal's published answers, newest first (the first is the current one)."""
    query = (
        sa.select(ProposalAnswer)
        .where(ProposalAnswer.report_id == _report_id(report), ProposalAnswer.published_at.is_not(None))
        .options(joinedload(ProposalAnswer.state))
        .order_by(ProposalAnswer.published_at.desc(), ProposalAnswer.id.desc())
    )
    return (session or db_session()).scalars(query).all()


def published_answer(report: Report | int, session: Session | None = None) -> ProposalAnswer | None:
    """The proposal's current answer (the newest published), or None while unanswered."""
    query = (
        sa.select(ProposalAnswer)
        .where(ProposalAnswer.report_id == _report_id(report), ProposalAnswer.published_at.is_not(None))
        .options(joinedload(ProposalAnswer.state))
        .order_by(ProposalAnswer.published_at.desc(), ProposalAnswer.id.desc())
        .limit(1)
    )
    return (session or db_session()).scalar(query)


def current_answer_subquery() -> sa.Subquery:
    """One row per answered proposal, its newest published answer: ``report_id, answer_id, state_id,
    published_at`` (see the module's documentation for the join)."""
    ranked = (
        sa.select(
            ProposalAnswer.report_id.label("report_id"),
            ProposalAnswer.id.label("answer_id"),
            ProposalAnswer.state_id.label("state_id"),
            ProposalAnswer.published_at.label("published_at"),
            sa.func.row_number()
            .over(
                partition_by=ProposalAnswer.report_id,
                order_by=(ProposalAnswer.published_at.desc(), ProposalAnswer.id.desc()),
            )
            .label("rank"),
        )
        .where(ProposalAnswer.published_at.is_not(None))
        .subquery("ranked_answers")
    )
    return (
        sa.select(ranked.c.report_id, ranked.c.answer_id, ranked.c.state_id, ranked.c.published_at)
        .where(ranked.c.rank == 1)
        .subquery("current_answers")
    )


def current_states(report_ids: Iterable[int], session: Session | None = None) -> dict[int, AnswerState]:
    """``{report_id: state of its current answer}`` for the answered ones among ``report_ids``."""
    ids = sorted(set(report_ids))
    if not ids:
        return {}
    current = current_answer_subquery()
    query = (
        sa.select(current.c.report_id, AnswerState)
        .join(AnswerState, AnswerState.id == current.c.state_id)
        .where(current.c.report_id.in_(ids))
    )
    return {report_id: found for report_id, found in (session or db_session()).execute(query)}


def answer_states(*, active_only: bool = False, session: Session | None = None) -> Sequence[AnswerState]:
    """The answer states in their order (for the staff's choice: ``active_only``)."""
    query = sa.select(AnswerState).order_by(AnswerState.position, AnswerState.id)
    if active_only:
        query = query.where(AnswerState.active.is_(True))
    return (session or db_session()).scalars(query).all()


def staff_draft(report: Report | int, session: Session | None = None) -> ProposalAnswer | None:
    """The proposal's draft answer: for the staff case page only, never a public surface."""
    query = (
        sa.select(ProposalAnswer)
        .where(ProposalAnswer.report_id == _report_id(report), ProposalAnswer.published_at.is_(None))
        .options(joinedload(ProposalAnswer.state))
    )
    return (session or db_session()).scalar(query)
