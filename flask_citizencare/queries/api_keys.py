"""The Open311 API keys as the back office lists them."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..models import ApiKey


def list_keys(session: Session) -> list[ApiKey]:
    """Every key, live ones first, newest first."""
    return list(
        session.scalars(sa.select(ApiKey).order_by(ApiKey.revoked_at.is_not(None), ApiKey.created_at.desc()))
    )
