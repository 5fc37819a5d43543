"""Staff members: the row behind a host user with a staff role, made on first use; adding, removing."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from ..context import db_session, user_info_of
from ..domain.lifecycle import STAFF_ROLES, Role
from ..i18n import offered_language
from ..models import Office, StaffMember


def staff_member_for(session: Session, user: Any, roles: frozenset[Role]) -> StaffMember | None:
    """The staff row of a host user with a staff role, created on first use.

    Hosts may map roles with their own hook instead of our staff table; actions
    still need a row to record who did them, so we make one.
    """
    if not (roles & STAFF_ROLES) or user is None or not getattr(user, "is_authenticated", False):
        return None
    user_id = str(user.get_id())
    member = session.scalar(
        sa.select(StaffMember)
        .where(StaffMember.user_id == user_id)
        .options(selectinload(StaffMember.offices))
    )
    if member is None:
        info = user_info_of(user)
        top = max(
            roles & STAFF_ROLES, key=lambda r: ["technician", "operator", "manager", "admin"].index(r.value)
        )
        member = StaffMember(
            user_id=user_id,
            display_name=(info.name or info.email or user_id)[:200],
            email=info.email,
            locale=offered_language(info.locale),
            role=top.value,
        )
        session.add(member)
        session.commit()
    return member if member.active else None


def office_members(session: Session, office: Office) -> list[StaffMember]:
    return list(
        session.scalars(
            sa.select(StaffMember)
            .join(StaffMember.offices)
            .where(Office.id == office.id, StaffMember.active.is_(True))
            .order_by(StaffMember.display_name)
        )
    )


def save_staff_member(
    user_id: str, *, role: str, display_name: str, email: str | None = None, office_codes: Iterable[str] = ()
) -> StaffMember:
    """Create or update the staff row of a host user; raises ``ValueError`` for unknown offices or roles."""

    session = db_session()
    if role not in {r.value for r in STAFF_ROLES}:
        raise ValueError(f"unknown role {role!r}")
    codes = list(dict.fromkeys(office_codes))
    offices = list(session.scalars(sa.select(Office).where(Office.code.in_(codes)))) if codes else []
    missing = set(codes) - {o.code for o in offices}
    if missing:
        raise ValueError(f"unknown office(s): {', '.join(sorted(missing))}")
    member = session.scalar(sa.select(StaffMember).where(StaffMember.user_id == str(user_id)))
    if member is None:
        member = StaffMember(user_id=str(user_id))
        session.add(member)
    member.role, member.display_name, member.email, member.active = role, display_name, email, True
    member.offices = offices
    session.commit()
    return member


def deactivate_staff_member(user_id: str) -> bool:

    session = db_session()
    member = session.scalar(
        sa.select(StaffMember).where(StaffMember.user_id == str(user_id), StaffMember.active.is_(True))
    )
    if member is None:
        return False
    member.active = False
    session.commit()
    return True
