"""States of a report and the vocabularies the rest of the product shares.

Plain data, so the models' check constraints, the Open311 mapping and the
templates all read the same lists. The transition table arrives with triage.
"""

from __future__ import annotations

from dataclasses import dataclass
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
#: Who registers requests that arrived by phone, e-mail, letter or at the counter: the URP's first
#: level and those above it. Technicians work the cases routed to their office, they do not take requests.
INTAKE_ROLES = frozenset({Role.OPERATOR, Role.MANAGER, Role.ADMIN})
LEVELS = (1, 2)


def sql_in(column: str, values: frozenset[str] | type[StrEnum] | tuple[str, ...]) -> str:
    """``column IN ('a', 'b')`` for a check constraint; values are our own constants."""
    items = sorted(str(v) for v in values)
    return f"{column} IN ({', '.join(repr(v) for v in items)})"


# -- Transitions -------------------------------------------------------------------------------


class Action(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    ASSIGN = "assign"
    ESCALATE = "escalate"
    DEESCALATE = "deescalate"
    SUSPEND = "suspend"
    RESUME = "resume"
    RESOLVE = "resolve"
    REOPEN = "reopen"
    REJECT = "reject"
    CLOSE = "close"
    MERGE = "merge"


class Need(StrEnum):
    """What an action needs besides the actor: checked before anything changes."""

    REASON = "reason"  # a note saying why (reject, suspend, reopen)
    PUBLIC_REPLY = "public_reply"  # the answer the citizen reads (resolve)
    OFFICE = "office"  # an office, or a staff member who belongs to one (assign, escalate)
    MASTER = "master"  # the open report this one duplicates (merge)


#: Who works cases, by line.
FIRST_LINE = frozenset({Role.OPERATOR, Role.MANAGER, Role.ADMIN})
EVERY_STAFF = STAFF_ROLES
ACTIVE = frozenset({Status.ACKNOWLEDGED, Status.IN_PROGRESS})
NOT_FINISHED = OPEN_STATUSES


@dataclass(frozen=True)
class Transition:
    action: Action
    sources: frozenset[Status]
    #: ``None`` keeps the status (escalation changes the level, not the state).
    target: Status | None
    roles: frozenset[Role]
    needs: frozenset[Need] = frozenset()
    #: Levels the report must be at, if the action depends on it.
    levels: frozenset[int] = frozenset(LEVELS)
    #: Only staff assigned to the case (or of its office) may act; managers and admins always may.
    assigned_only: bool = False


TRANSITIONS: dict[Action, Transition] = {
    t.action: t
    for t in (
        Transition(Action.ACKNOWLEDGE, frozenset({Status.NEW}), Status.ACKNOWLEDGED, FIRST_LINE),
        Transition(
            Action.ASSIGN,
            frozenset({Status.NEW, Status.ACKNOWLEDGED, Status.IN_PROGRESS}),
            Status.IN_PROGRESS,
            FIRST_LINE,
            frozenset({Need.OFFICE}),
        ),
        Transition(
            Action.ESCALATE, ACTIVE, Status.IN_PROGRESS, FIRST_LINE, frozenset({Need.OFFICE}), frozenset({1})
        ),
        Transition(
            Action.DEESCALATE,
            frozenset({Status.IN_PROGRESS}),
            Status.IN_PROGRESS,
            frozenset({Role.TECHNICIAN, Role.MANAGER, Role.ADMIN}),
            frozenset({Need.REASON}),
            frozenset({2}),
            assigned_only=True,
        ),
        Transition(
            Action.SUSPEND,
            ACTIVE,
            Status.SUSPENDED,
            EVERY_STAFF,
            frozenset({Need.REASON}),
            assigned_only=True,
        ),
        # Resume goes back to the state the case was suspended from (see next_status).
        Transition(Action.RESUME, frozenset({Status.SUSPENDED}), None, EVERY_STAFF, assigned_only=True),
        Transition(
            Action.RESOLVE,
            ACTIVE,
            Status.RESOLVED,
            EVERY_STAFF,
            frozenset({Need.PUBLIC_REPLY}),
            assigned_only=True,
        ),
        Transition(
            Action.REOPEN,
            frozenset({Status.RESOLVED}),
            Status.IN_PROGRESS,
            FIRST_LINE,
            frozenset({Need.REASON}),
        ),
        Transition(Action.REJECT, NOT_FINISHED, Status.REJECTED, FIRST_LINE, frozenset({Need.REASON})),
        Transition(Action.CLOSE, frozenset({Status.RESOLVED}), Status.CLOSED, FIRST_LINE),
        Transition(Action.MERGE, NOT_FINISHED, Status.REJECTED, FIRST_LINE, frozenset({Need.MASTER})),
    )
}


def next_status(
    transition: Transition, current: Status, *, before_suspension: Status | None = None
) -> Status:
    """Where the action leads; resuming returns to the state the case was suspended from."""
    if transition.target is not None:
        return transition.target
    if transition.action is Action.RESUME:
        return before_suspension if before_suspension in ACTIVE else Status.ACKNOWLEDGED
    return current


def available(status: Status, level: int, roles: frozenset[Role]) -> list[Transition]:
    """Transitions a person with ``roles`` could fire on a report in ``status`` at ``level``.

    Object-level rules (``assigned_only``) are checked by the caller, who knows the case.
    """
    return [t for t in TRANSITIONS.values() if status in t.sources and level in t.levels and roles & t.roles]
