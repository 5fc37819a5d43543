"""The offices as the administration screen lists them: with their technicians and open cases counted."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from ..context import db_session
from ..domain.lifecycle import OPEN_STATUSES, Role
from ..models import Office, OfficeMember, Report, StaffMember


@dataclass(frozen=True)
class OfficeRow:
    office: Office
    technicians: int
    open_cases: int


def office_rows() -> list[OfficeRow]:
    """Every office, active first then by name, with two counts computed in SQL."""
    technicians = (
        sa.select(sa.func.count())
        .select_from(OfficeMember)
        .join(StaffMember, StaffMember.id == OfficeMember.staff_id)
        .where(
            OfficeMember.office_id == Office.id,
            StaffMember.role == Role.TECHNICIAN.value,
            StaffMember.active.is_(True),
        )
        .scalar_subquery()
    )
    open_cases = (
        sa.select(sa.func.count())
        .select_from(Report)
        .where(Report.office_id == Office.id, Report.status.in_([s.value for s in OPEN_STATUSES]))
        .scalar_subquery()
    )
    rows = db_session().execute(
        sa.select(Office, technicians, open_cases).order_by(Office.active.desc(), Office.name, Office.id)
    )
    return [OfficeRow(office, n_tech or 0, n_open or 0) for office, n_tech, n_open in rows]


def active_technicians() -> list[StaffMember]:
    """Who can be put in an office: active staff members with the technician role."""
    return list(
        db_session().scalars(
            sa.select(StaffMember)
            .where(StaffMember.active.is_(True), StaffMember.role == Role.TECHNICIAN.value)
            .order_by(StaffMember.display_name, StaffMember.id)
        )
    )


def technician_ids(office_id: int) -> set[int]:
    return set(
        db_session().scalars(
            sa.select(OfficeMember.staff_id)
            .join(StaffMember, StaffMember.id == OfficeMember.staff_id)
            .where(OfficeMember.office_id == office_id, StaffMember.role == Role.TECHNICIAN.value)
        )
    )
