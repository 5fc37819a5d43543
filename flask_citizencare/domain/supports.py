"""Supports of proposals: who a supporter is, when a proposal takes supports, when the threshold is met.

Plain rules, no Flask nor database: the service (:mod:`flask_citizencare.services.supports`)
reads the facts, asks these functions, and writes.

Who is one person
    A supporter is named once, by a key stored in ``cc_supports.supporter``
    (unique per proposal): ``u:<host user id>`` for a logged-in user of the
    host site, ``e:<keyed hash>`` of the normalised e-mail address for an
    anonymous citizen who confirmed it. The hash is computed by the caller
    (it needs the app's secret); these functions only build and read keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from .lifecycle import Kind, Status

__all__ = [
    "ADDRESS_PREFIX",
    "USER_PREFIX",
    "ProposalFacts",
    "Refusal",
    "address_supporter",
    "answer_days",
    "count_is_public",
    "crosses_threshold",
    "limit_reached",
    "user_supporter",
    "why_not_supportable",
    "why_not_withdrawable",
]

USER_PREFIX = "u:"
ADDRESS_PREFIX = "e:"
#: Longest key ``cc_supports.supporter`` holds.
MAX_KEY = 128


class Refusal(StrEnum):
    """Why a support (or its withdrawal) is refused; the service words each for the citizen."""

    NOT_A_PROPOSAL = "not_a_proposal"
    NOT_PUBLIC = "not_public"
    MERGED = "merged"
    FINISHED = "finished"
    ANSWERED = "answered"
    CLOSED_FOR_CATEGORY = "closed_for_category"
    LIMIT = "limit"
    ALREADY = "already"
    NOT_SUPPORTED = "not_supported"
    LINK = "link"
    LINK_EXPIRED = "link_expired"


@dataclass(frozen=True)
class ProposalFacts:
    """What the rules read of a report and its category."""

    kind: str
    is_public: bool
    duplicate_of_id: int | None
    status: str
    answered_at: datetime | None
    supports_open: bool


def user_supporter(user_id: str) -> str:
    """The key of a logged-in host user (Flask-Login's ``get_id()``)."""
    key = USER_PREFIX + str(user_id)
    if not str(user_id) or len(key) > MAX_KEY:
        raise ValueError("a host user id of 1 to 126 characters is needed")
    return key


def address_supporter(address_hash: str) -> str:
    """The key of an anonymous supporter, from the keyed hash of their normalised address."""
    if not address_hash or len(address_hash) + len(ADDRESS_PREFIX) > MAX_KEY:
        raise ValueError("an address hash is needed")
    return ADDRESS_PREFIX + address_hash


def why_not_supportable(facts: ProposalFacts) -> Refusal | None:
    """Why nobody may support this report now, or None. The order is the order citizens are told."""
    if facts.kind != Kind.PROPOSAL.value:
        return Refusal.NOT_A_PROPOSAL
    if facts.duplicate_of_id is not None:
        return Refusal.MERGED
    if not facts.is_public:
        return Refusal.NOT_PUBLIC
    if facts.answered_at is not None:
        return Refusal.ANSWERED
    if facts.status not in {s.value for s in Status if s.is_open}:
        return Refusal.FINISHED
    if not facts.supports_open:
        return Refusal.CLOSED_FOR_CATEGORY
    return None


def why_not_withdrawable(facts: ProposalFacts) -> Refusal | None:
    """Withdrawing is possible on a proposal until it is answered (whatever else happened to it)."""
    if facts.kind != Kind.PROPOSAL.value:
        return Refusal.NOT_A_PROPOSAL
    if facts.answered_at is not None:
        return Refusal.ANSWERED
    return None


def limit_reached(open_supports: int, limit: int) -> bool:
    """Decidim's vote limit: ``open_supports`` (proposals open, not answered) against ``limit`` (0: none)."""
    return limit > 0 and open_supports >= limit


def crosses_threshold(count: int, threshold: int | None, reached_before: bool) -> bool:
    """This support brought the count to the threshold for the first time (withdrawals never undo it)."""
    return threshold is not None and threshold > 0 and not reached_before and count >= threshold


def answer_days(category_days: int | None, default: int) -> int:
    """Working days to answer once the threshold is reached: the category's, else the setting's."""
    return category_days if category_days is not None and category_days > 0 else default


def count_is_public(hide_until_answered: bool, answered: bool) -> bool:
    """Whether the public may see a proposal's supports count: the one rule of every surface.

    With ``CITIZENCARE_HIDE_SUPPORTS_UNTIL_ANSWERED`` the count of an
    unanswered proposal is kept back (no bandwagon); once answered it shows.
    """
    return not hide_until_answered or answered
