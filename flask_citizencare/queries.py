"""Read-only queries shared by views, API and exports; only public data leaves here."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from .extension import state
from .models import Report


def recent_public_reports(limit: int = 20) -> Sequence[Report]:
    """Newest reports the public may see (published and not a merged duplicate)."""
    session = state().db.session
    query = (
        sa.select(Report)
        .where(Report.is_public.is_(True), Report.duplicate_of_id.is_(None))
        .options(joinedload(Report.category))
        .order_by(Report.created_at.desc(), Report.id.desc())
        .limit(limit)
    )
    return session.scalars(query).all()
