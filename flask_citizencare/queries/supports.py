"""What a proposal's page shows about its supports, for the person looking at it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app

from ..context import db_session
from ..domain.lifecycle import Kind
from ..domain.supports import ProposalFacts, Refusal, count_is_public, user_supporter, why_not_supportable
from ..models import Report, Support

__all__ = ["SupportState", "support_state"]


@dataclass(frozen=True)
class SupportState:
    """The support box of a proposal's page (``citizencare/public/_support.html``).

    ``count`` is None while counts are hidden (``CITIZENCARE_HIDE_SUPPORTS_UNTIL_ANSWERED``
    and no answer yet). ``refusal`` says why the proposal takes no supports now
    (None: it does). ``supporting`` is known for logged-in users only: an
    anonymous visitor is nobody until they confirm an address.
    """

    count: int | None
    threshold: int | None
    threshold_reached: bool
    answered: bool
    refusal: Refusal | None
    logged_in: bool
    supporting: bool
    #: Withdrawing is still possible (the proposal is not answered).
    can_withdraw: bool

    @property
    def hidden(self) -> bool:
        return self.count is None

    @property
    def open(self) -> bool:
        return self.refusal is None

    @property
    def progress(self) -> int | None:
        """The count shown on the progress bar (capped at the threshold), or None without one."""
        if self.count is None or not self.threshold:
            return None
        return min(self.count, self.threshold)


def counts_hidden_until_answered() -> bool:
    """The setting ``CITIZENCARE_HIDE_SUPPORTS_UNTIL_ANSWERED`` of the current app."""
    return bool(current_app.config.get("CITIZENCARE_HIDE_SUPPORTS_UNTIL_ANSWERED"))


def supports_shown(report: Any) -> bool:
    """Whether the public may see ``report``'s supports count now (``domain.supports.count_is_public``)."""
    return count_is_public(counts_hidden_until_answered(), report.answered_at is not None)


def support_state(report: Report, user_id: str | None) -> SupportState | None:
    """The support box of ``report`` for the host user ``user_id`` (None: anonymous); None for reports."""
    if report.kind != Kind.PROPOSAL.value:
        return None
    category = report.category
    answered = report.answered_at is not None
    hide = not supports_shown(report)
    refusal = why_not_supportable(
        ProposalFacts(
            kind=report.kind,
            is_public=bool(report.is_public),
            duplicate_of_id=report.duplicate_of_id,
            status=report.status,
            answered_at=report.answered_at,
            supports_open=bool(category.supports_open) if category is not None else False,
        )
    )
    supporting = False
    if user_id:
        supporting = (
            db_session().scalar(
                sa.select(Support.id)
                .where(Support.report_id == report.id, Support.supporter == user_supporter(user_id))
                .limit(1)
            )
            is not None
        )
    return SupportState(
        count=None if hide else int(report.supports_count or 0),
        threshold=category.supports_threshold if category is not None else None,
        threshold_reached=report.threshold_reached_at is not None,
        answered=answered,
        refusal=refusal,
        logged_in=bool(user_id),
        supporting=supporting,
        can_withdraw=not answered,
    )
