"""The suggestions staff see on a case, recorded as shown: the workspace's and the apply button's step.

:func:`shown_for_case` is the workspace's: the suggestions, which of the cases
they cite the actor may open, and the record of what was shown (committed, so
the "Apply" button finds it). :func:`shown_before_apply` records the queue's
suggestion the same way just before it is applied, since the queue lists many
cases at once and records nothing per row.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..access import Actor, visible_reports
from ..models import Report
from .suggestion_records import note_shown
from .suggestions import NOTHING, Suggestions, for_report, for_reports
from .triage import load_case


@dataclass(frozen=True)
class CaseSuggestions:
    suggestions: Suggestions
    #: The cited cases (``Choice.like``) the actor may open: linked; the others are plain text.
    openable: frozenset[str]


def shown_for_case(session: Session, actor: Actor, report: Report, *, language: str) -> CaseSuggestions:
    """The workspace's suggestions for ``report``; records the best ones shown and commits."""
    found = for_report(session, report, actor=actor, language=language)
    if not found.available:
        return CaseSuggestions(NOTHING, frozenset())
    note_shown(session, report, found)
    session.commit()
    cited = {number for choice in (*found.categories, *found.offices) for number in choice.like}
    openable: frozenset[str] = frozenset()
    if cited:
        openable = frozenset(
            session.scalars(
                sa.select(Report.public_id).where(Report.public_id.in_(cited), visible_reports(actor))
            )
        )
    return CaseSuggestions(found, openable)


def shown_before_apply(session: Session, actor: Actor, report_id: int, *, language: str) -> None:
    """Record the case's current best suggestions (as the queue showed them) and commit.

    A case the actor may not see is refused here as everywhere (:func:`~.triage.load_case`).
    """
    report = load_case(session, actor, report_id)
    found = for_reports(session, [report], language=language).get(report.id, NOTHING)
    note_shown(session, report, found)
    session.commit()
