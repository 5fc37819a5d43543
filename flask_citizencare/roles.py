"""Which of our roles a host user has.

The host decides: it registers a function with ``CitizenCare.role_loader``
that takes its user object and returns role names. Without one, staff roles
come from our ``cc_staff`` table (``flask citizencare staff add``) and every
logged-in user is at least a citizen.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import sqlalchemy as sa
from flask_sqlalchemy import SQLAlchemy

from .domain.lifecycle import Role
from .models import StaffMember

RoleLoader = Callable[[Any], Iterable[str]]


def staff_table_roles(db: SQLAlchemy) -> RoleLoader:
    def load(user: Any) -> Iterable[str]:
        if user is None or not getattr(user, "is_authenticated", False):
            return ()
        role = db.session.scalar(
            sa.select(StaffMember.role).where(
                StaffMember.user_id == str(user.get_id()), StaffMember.active.is_(True)
            )
        )
        return (Role.CITIZEN, role) if role else (Role.CITIZEN,)

    return load


def normalise(roles: Iterable[str]) -> frozenset[Role]:
    """Known roles only; unknown names from a host loader are ignored, not trusted."""
    known = {r.value for r in Role}
    return frozenset(Role(r) for r in roles if r in known)
