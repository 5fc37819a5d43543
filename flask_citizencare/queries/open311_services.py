"""The categories the Open311 API offers as services: the active ones, in form order."""

from __future__ import annotations

import sqlalchemy as sa

from ..context import db_session
from ..domain.open311.service_definition import SERVICE_CODE_MAX
from ..models import Category

_FORM_ORDER = (Category.group, Category.position, Category.name, Category.id)


def active_services() -> list[Category]:
    """Every active category, by group then position (as the form lists them)."""
    return list(
        db_session().scalars(sa.select(Category).where(Category.active.is_(True)).order_by(*_FORM_ORDER))
    )


def active_service(code: str) -> Category | None:
    """The active category of ``code``; None when there is none (or the code cannot be one)."""
    if not code or len(code) > SERVICE_CODE_MAX:
        return None
    return db_session().scalar(sa.select(Category).where(Category.code == code, Category.active.is_(True)))
