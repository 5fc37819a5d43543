"""Reading service notices for the public: one published notice with its steps.

Drafts never leave the back office: every public reader goes through
:func:`published` (status other than ``draft``), the one rule of "may the
public see this notice?".
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from ..models import ServiceNotice


def published() -> sa.ColumnElement[bool]:
    """SQL condition: the notice is public (published, whatever its step since)."""
    return ServiceNotice.status != "draft"


def public_notice(session: Session, notice_id: int) -> ServiceNotice | None:
    """The published notice ``notice_id`` with its categories and steps; None for a draft or none."""
    return session.scalar(
        sa.select(ServiceNotice)
        .where(ServiceNotice.id == notice_id, published())
        .options(selectinload(ServiceNotice.categories), selectinload(ServiceNotice.updates))
    )
