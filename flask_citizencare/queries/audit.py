"""Reading the audit trail: one object's history, and the whole trail filtered."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa

from ..context import db_session
from ..models import AuditEntry

HISTORY_LIMIT = 50


def history(subject_type: str, subject_id: int | None, *, limit: int = HISTORY_LIMIT) -> Sequence[AuditEntry]:
    """The latest entries about one object, newest first (for the object's own page)."""
    return (
        db_session()
        .scalars(
            sa.select(AuditEntry)
            .where(AuditEntry.subject_type == subject_type, AuditEntry.subject_id == subject_id)
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
            .limit(limit)
        )
        .all()
    )


def entries(
    *,
    subject_type: str | None = None,
    actor_id: int | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before_id: int | None = None,
    limit: int = 100,
) -> Sequence[AuditEntry]:
    """The trail, newest first, filtered; ``before_id`` pages on (keyset, by id)."""
    where: list[sa.ColumnElement[bool]] = []
    if subject_type is not None:
        where.append(AuditEntry.subject_type == subject_type)
    if actor_id is not None:
        where.append(AuditEntry.actor_id == actor_id)
    if action is not None:
        where.append(AuditEntry.action == action)
    if since is not None:
        where.append(AuditEntry.at >= since)
    if until is not None:
        where.append(AuditEntry.at < until)
    if before_id is not None:
        where.append(AuditEntry.id < before_id)
    return (
        db_session()
        .scalars(sa.select(AuditEntry).where(*where).order_by(AuditEntry.id.desc()).limit(limit))
        .all()
    )
