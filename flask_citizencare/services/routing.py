"""Apply the routing rules to a case."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..context import state
from ..domain.routing import route
from ..models import Category, Office


def office_for(session: Session, category: Category, lon: float | None, lat: float | None) -> Office | None:
    default = category.default_office.code if category.default_office is not None else None
    code = route(state().settings.routing, category.code, default, lon, lat)
    if code is None:
        return None
    return session.scalar(sa.select(Office).where(Office.code == code, Office.active.is_(True)))
