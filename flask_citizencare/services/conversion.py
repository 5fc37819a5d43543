"""Staff turn a report (issue) into a proposal and back.

The case stays the same row: its number, tracking link, thread, photos,
followers, timeline and service-level clock are kept; what changes is its
kind (and its category, when the current one does not take the new kind).
Supports exist only on proposals, so a proposal turned into a report loses
them, with its threshold and answer due time; that happens only when the
staff member confirmed the number of supports the page showed
(:class:`NeedsConfirmation` otherwise), and never once the proposal has a
published answer (the municipality answered it as a proposal: that answer
stays a proposal's). A draft answer, staff-only, goes with the supports.

The step is public (``StatusEvent`` action ``convert``, data ``from``, ``to``,
``supports_removed``, and ``category`` when it changed): the timeline says
"turned into a proposal", so a citizen is not left wondering why the page
changed. Like every case action it needs the version the actor saw, runs in
one transaction and sends ``report_updated`` with what changed.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from .. import signals
from ..access import Actor
from ..context import app_object, db_session
from ..domain.lifecycle import FIRST_LINE, Kind
from ..i18n import gettext as _
from ..i18n import ngettext
from ..models import Category, ProposalAnswer, Report, Support
from ..models.base import utcnow
from .cases import move_to_category
from .errors import Forbidden, InvalidInput, NotNow
from .locking import changing_case, check_version
from .sla import recompute_due_times
from .support_counts import recount_supports
from .triage import load_case, record_change

__all__ = ["NeedsConfirmation", "accepts", "convert_kind", "supports_to_remove"]


class NeedsConfirmation(NotNow):
    """Turning this proposal into a report removes ``count`` supports: ask, then send ``count`` back."""

    def __init__(self, count: int) -> None:
        super().__init__(
            ngettext(
                "Turning this proposal into a report removes its %(num)d support: confirm to go on.",
                "Turning this proposal into a report removes its %(num)d supports: confirm to go on.",
                count,
            )
        )
        self.count = count


def accepts(category: Category, kind: Kind) -> bool:
    """The category takes cases of ``kind`` (``Category.kinds``: ``issue``, ``proposal`` or ``both``)."""
    return category.kinds in ("both", kind.value)


def supports_to_remove(report: Report) -> int:
    """How many supports turning ``report`` into a report would remove (what the page asks to confirm)."""
    if report.kind != Kind.PROPOSAL.value:
        return 0
    return int(
        db_session().scalar(sa.select(sa.func.count(Support.id)).where(Support.report_id == report.id)) or 0
    )


def convert_kind(
    report: Report,
    actor: Actor,
    new_kind: Kind,
    category: Category | None = None,
    *,
    expected_version: int,
    confirmed_removal: int | None = None,
) -> Report:
    """Turn ``report`` into a ``new_kind`` case, in ``category`` if given (else its own); commits.

    ``category`` must take the new kind; it is required when the report's
    own does not. ``confirmed_removal`` is the number of supports the actor
    agreed to remove (proposal to report): when the proposal has supports and
    the number differs (none given, or supports came meanwhile), nothing
    changes and :class:`NeedsConfirmation` says the current number. Refusals
    (``ActionRefused``) change nothing: the first line only (technicians are
    ``Forbidden``), the version the actor saw, a case already of that kind, a
    proposal with a published answer, a case merged into another.
    """
    with changing_case() as session:
        report = load_case(session, actor, report.id)
        check_version(session, report, expected_version)
        if not actor.roles & FIRST_LINE:
            raise Forbidden(_("Your role does not allow this action."))
        old_kind = Kind(report.kind)
        if report.duplicate_of_id is not None:
            raise NotNow(
                _("A case merged into another cannot be converted: convert the case it was merged into.")
            )
        if new_kind is old_kind:
            raise NotNow(
                _("This case is a proposal already.")
                if new_kind is Kind.PROPOSAL
                else _("This case is a report already.")
            )
        target = report.category
        if category is not None:
            target = session.get(Category, category.id) or category
            if not target.active:
                raise InvalidInput(_("Choose a category from the list."))
        if not accepts(target, new_kind):
            raise InvalidInput(
                _(
                    "The category %(category)s does not take proposals: choose one that does.",
                    category=target.name,
                )
                if new_kind is Kind.PROPOSAL
                else _(
                    "The category %(category)s does not take reports: choose one that does.",
                    category=target.name,
                )
            )
        removed = 0
        if old_kind is Kind.PROPOSAL:
            if report.answered_at is not None:
                raise NotNow(
                    _("This proposal has a published answer: it can no longer be turned into a report.")
                )
            removed = supports_to_remove(report)
            if removed and confirmed_removal != removed:
                raise NeedsConfirmation(removed)

        now = utcnow()
        changes: dict[str, Any] = {"from": old_kind.value, "to": new_kind.value, "supports_removed": removed}
        with session.no_autoflush:
            if old_kind is Kind.PROPOSAL:
                session.execute(
                    sa.delete(Support).where(Support.report_id == report.id),
                    execution_options={"synchronize_session": False},
                )
                session.execute(
                    sa.delete(ProposalAnswer).where(
                        ProposalAnswer.report_id == report.id, ProposalAnswer.published_at.is_(None)
                    ),
                    execution_options={"synchronize_session": False},
                )
                recount_supports(session, report.id)
                report.threshold_reached_at = None
                report.answer_due_at = None
                report.outcome = None
            report.kind = new_kind.value
            if target.id != report.category_id:
                move_to_category(session, report, target, changes)
            report.updated_at = now
            record_change(actor, report, "convert", changes, public=True, now=now)
            recompute_due_times(report, now=now)
        session.commit()
    signals.report_updated.send(
        app_object(), report=report, event=report.events[-1], actor=actor.staff, changes=changes
    )
    return report
