"""Reads for the staff administration page: the members, filtered by active/inactive, and the offices."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ..context import db_session
from ..models import Office, StaffMember

#: The filter's values: which members the list shows.
SHOW = ("active", "inactive", "all")


def staff_list(show: str = "active") -> list[StaffMember]:
    query = sa.select(StaffMember).options(selectinload(StaffMember.offices))
    if show == "active":
        query = query.where(StaffMember.active.is_(True))
    elif show == "inactive":
        query = query.where(StaffMember.active.is_(False))
    return list(db_session().scalars(query.order_by(StaffMember.display_name, StaffMember.id)))


def active_offices() -> list[Office]:
    return list(db_session().scalars(sa.select(Office).where(Office.active.is_(True)).order_by(Office.name)))
