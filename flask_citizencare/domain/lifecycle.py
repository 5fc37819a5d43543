"""States of a report and the vocabularies the rest of the product shares.

Plain data, so the models' check constraints, the Open311 mapping and the
templates all read the same lists. The transition table arrives with triage.
"""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    ISSUE = "issue"
    PROPOSAL = "proposal"


class Status(StrEnum):
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    SUSPENDED = "suspended"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REJECTED = "rejected"

    @property
    def is_open(self) -> bool:
        return self in OPEN_STATUSES

    @property
    def open311(self) -> str:
        """Open311 GeoReport v2 knows only ``open`` and ``closed``."""
        return "open" if self.is_open else "closed"


OPEN_STATUSES = frozenset({Status.NEW, Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.SUSPENDED})
CLOSED_STATUSES = frozenset(Status) - OPEN_STATUSES
#: States that exist only after someone took the case in charge.
TAKEN_IN_CHARGE = frozenset(Status) - {Status.NEW, Status.REJECTED}


class Channel(StrEnum):
    WEB = "web"
    EMAIL = "email"
    PHONE = "phone"
    LETTER = "letter"
    COUNTER = "counter"
    FAX = "fax"
    API = "api"


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class ProposalOutcome(StrEnum):
    UNDER_REVIEW = "under_review"
    ACCEPTED = "accepted"
    IMPLEMENTED = "implemented"
    NOT_ACCEPTED = "not_accepted"


class Role(StrEnum):
    CITIZEN = "citizen"
    OPERATOR = "operator"
    TECHNICIAN = "technician"
    MANAGER = "manager"
    ADMIN = "admin"


STAFF_ROLES = frozenset({Role.OPERATOR, Role.TECHNICIAN, Role.MANAGER, Role.ADMIN})
LEVELS = (1, 2)


def sql_in(column: str, values: frozenset[str] | type[StrEnum] | tuple[str, ...]) -> str:
    """``column IN ('a', 'b')`` for a check constraint; values are our own constants."""
    items = sorted(str(v) for v in values)
    return f"{column} IN ({', '.join(repr(v) for v in items)})"
