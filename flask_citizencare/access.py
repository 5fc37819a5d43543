"""Who may see what: one rule per question, for every surface that asks it.

- The public: :func:`publicly_visible`, the Python twin of
  ``queries.reports.public_reports_filter`` (a report has a public page).
- Staff: an :class:`Actor` (a staff member with the roles of this request),
  :func:`visible_reports` in SQL and :func:`can_see` in Python for the cases
  they may see, :func:`is_assigned` for the cases they may work on.

Services and queries both ask these questions, so the rules live below both.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from .domain.lifecycle import INTAKE_ROLES, Role
from .models import Report, StaffMember

__all__ = ["Actor", "can_see", "is_assigned", "publicly_visible", "visible_reports"]


@dataclass(frozen=True)
class Actor:
    """A staff member with the roles the host gave them for this request."""

    staff: StaffMember
    roles: frozenset[Role]

    @property
    def office_ids(self) -> frozenset[int]:
        return frozenset(o.id for o in self.staff.offices)

    @property
    def sees_everything(self) -> bool:
        return bool(self.roles & {Role.OPERATOR, Role.MANAGER, Role.ADMIN})

    @property
    def supervises(self) -> bool:
        return bool(self.roles & {Role.MANAGER, Role.ADMIN})

    @property
    def registers_requests(self) -> bool:
        """May register requests that arrived by phone, e-mail, letter or at the counter (the intake)."""
        return bool(self.roles & INTAKE_ROLES)

    @property
    def is_admin(self) -> bool:
        """Administrators run the installation: the outbox, for one."""
        return Role.ADMIN in self.roles


def publicly_visible(report: Report) -> bool:
    """The public page of ``report`` exists (the rule of ``queries.public_reports_filter``)."""
    return bool(report.is_public) and report.duplicate_of_id is None


def visible_reports(actor: Actor) -> sa.ColumnElement[bool]:
    """SQL condition: the cases this actor may see (technicians: their offices' and their own)."""
    if actor.sees_everything:
        return sa.true()
    return sa.or_(Report.office_id.in_(actor.office_ids or {-1}), Report.assignee_id == actor.staff.id)


def can_see(actor: Actor, report: Report) -> bool:
    return (
        actor.sees_everything or report.office_id in actor.office_ids or report.assignee_id == actor.staff.id
    )


def is_assigned(actor: Actor, report: Report) -> bool:
    """Assigned staff: the assignee, or a member of the office when nobody is named; supervisors always."""
    if actor.supervises or report.assignee_id == actor.staff.id:
        return True
    return (
        report.assignee_id is None and report.office_id is not None and report.office_id in actor.office_ids
    )
