"""Reading the audit trail: one object's history, and the whole trail filtered."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ..context import db_session
from ..models import AuditEntry, CannedReply, Category, Office, Report, StaffMember

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


def actors() -> list[tuple[int, str]]:
    """Who appears in the trail (staff only), by name: for the audit page's filter."""
    rows = db_session().execute(
        sa.select(AuditEntry.actor_id, sa.func.max(AuditEntry.actor_name))
        .where(AuditEntry.actor_id.is_not(None))
        .group_by(AuditEntry.actor_id)
    )
    return sorted(((int(i or 0), str(n)) for i, n in rows), key=lambda row: (row[1].lower(), row[0]))


#: The objects whose pages the trail links to, by subject type.
_MODELS: dict[str, type[Any]] = {
    "category": Category,
    "office": Office,
    "staff": StaffMember,
    "template": CannedReply,
    "report": Report,
}


def existing_subjects(found: Iterable[AuditEntry]) -> dict[str, set[int]]:
    """Of the objects ``found`` names, the ids that still exist, by subject type.

    (A deleted object has no page to link to.)
    """
    wanted: dict[str, set[int]] = {}
    for entry in found:
        if entry.subject_type in _MODELS and entry.subject_id is not None:
            wanted.setdefault(entry.subject_type, set()).add(entry.subject_id)
    session = db_session()
    existing: dict[str, set[int]] = {}
    for subject_type, ids in wanted.items():
        model = _MODELS[subject_type]
        existing[subject_type] = set(session.scalars(sa.select(model.id).where(model.id.in_(ids))))
    return existing
