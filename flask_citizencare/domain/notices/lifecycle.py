"""The steps of a service notice, as data.

An **incident** goes ``investigating → identified → monitoring → resolved``
(any forward or backward move among the first three, and ``resolved`` from
any of them); **planned** works go ``scheduled → in_progress → completed``,
or ``cancelled`` before they are completed. Both start as a ``draft`` that
only staff see; publishing moves a draft to the kind's first public step (an
incident may be published straight as ``identified`` or ``monitoring`` when
the office already knows more). ``resolved``, ``completed`` and ``cancelled``
are final.

Each published step is a :class:`~flask_citizencare.models.NoticeUpdate`
with its text and time: the public timeline. While a notice is current, the
services it names are shown as ``degraded``/``interrupted`` (incidents, as
staff chose) or ``maintenance`` (planned works in progress).
"""

from __future__ import annotations

from enum import StrEnum


class NoticeKind(StrEnum):
    INCIDENT = "incident"
    PLANNED = "planned"


class NoticeStatus(StrEnum):
    DRAFT = "draft"
    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MONITORING = "monitoring"
    RESOLVED = "resolved"
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class Impact(StrEnum):
    """How an incident affects the services it names (the status page's row state)."""

    DEGRADED = "degraded"
    INTERRUPTED = "interrupted"


class ServiceState(StrEnum):
    """A row of the status page, worst first in :data:`SEVERITY`."""

    OPERATIONAL = "operational"
    DEGRADED = "degraded"
    INTERRUPTED = "interrupted"
    MAINTENANCE = "maintenance"


SEVERITY = (
    ServiceState.INTERRUPTED,
    ServiceState.DEGRADED,
    ServiceState.MAINTENANCE,
    ServiceState.OPERATIONAL,
)

S = NoticeStatus
INCIDENT_STEPS = (S.INVESTIGATING, S.IDENTIFIED, S.MONITORING, S.RESOLVED)
PLANNED_STEPS = (S.SCHEDULED, S.IN_PROGRESS, S.COMPLETED, S.CANCELLED)
FINAL = frozenset({S.RESOLVED, S.COMPLETED, S.CANCELLED})
#: The steps a draft may be published as.
FIRST_STEPS: dict[NoticeKind, tuple[NoticeStatus, ...]] = {
    NoticeKind.INCIDENT: (S.INVESTIGATING, S.IDENTIFIED, S.MONITORING),
    NoticeKind.PLANNED: (S.SCHEDULED, S.IN_PROGRESS),
}
_NEXT: dict[NoticeStatus, tuple[NoticeStatus, ...]] = {
    S.INVESTIGATING: (S.IDENTIFIED, S.MONITORING, S.RESOLVED),
    S.IDENTIFIED: (S.INVESTIGATING, S.MONITORING, S.RESOLVED),
    S.MONITORING: (S.INVESTIGATING, S.IDENTIFIED, S.RESOLVED),
    S.SCHEDULED: (S.IN_PROGRESS, S.COMPLETED, S.CANCELLED),
    S.IN_PROGRESS: (S.COMPLETED, S.CANCELLED),
}


def steps_of(kind: NoticeKind | str) -> tuple[NoticeStatus, ...]:
    return INCIDENT_STEPS if NoticeKind(kind) is NoticeKind.INCIDENT else PLANNED_STEPS


def next_statuses(kind: NoticeKind | str, status: NoticeStatus | str) -> tuple[NoticeStatus, ...]:
    """Where a notice of ``kind`` may go from ``status`` (a draft: the steps it may be published as)."""
    status = NoticeStatus(status)
    if status is S.DRAFT:
        return FIRST_STEPS[NoticeKind(kind)]
    allowed = _NEXT.get(status, ())
    return tuple(s for s in allowed if s in steps_of(kind))


def may_move(kind: NoticeKind | str, current: NoticeStatus | str, target: NoticeStatus | str) -> bool:
    """Whether ``current → target`` is a step of ``kind``'s lifecycle.

    Staying in the same public non-final step is allowed too: an update that
    only adds news ("still investigating, next news at 14:00").
    """
    current, target = NoticeStatus(current), NoticeStatus(target)
    if current is target:
        return current is not S.DRAFT and current not in FINAL
    return target in next_statuses(kind, current)


def is_published(status: NoticeStatus | str) -> bool:
    return NoticeStatus(status) is not S.DRAFT


def is_current(status: NoticeStatus | str) -> bool:
    """Published and not over: what the banners, the map and Open311's ``service_notice`` show."""
    status = NoticeStatus(status)
    return status is not S.DRAFT and status not in FINAL


def is_final(status: NoticeStatus | str) -> bool:
    return NoticeStatus(status) in FINAL


def service_state(kind: NoticeKind | str, status: NoticeStatus | str, impact: Impact | str) -> ServiceState:
    """The row state a notice gives the services it names (operational once it is over).

    Planned works show ``maintenance`` only while in progress: before they
    start the service works as usual (the page lists them as upcoming).
    """
    status = NoticeStatus(status)
    if not is_current(status):
        return ServiceState.OPERATIONAL
    if NoticeKind(kind) is NoticeKind.PLANNED:
        return ServiceState.MAINTENANCE if status is S.IN_PROGRESS else ServiceState.OPERATIONAL
    return ServiceState(Impact(impact).value)


def worst(states: list[ServiceState]) -> ServiceState:
    """The most severe of ``states`` (operational for none)."""
    for state in SEVERITY:
        if state in states:
            return state
    return ServiceState.OPERATIONAL
