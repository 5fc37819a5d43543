"""The catalogue's audit trail: every change is an entry (who, when, before → after).

Services that change the catalogue take a :func:`snapshot` of the object
before and after and call :func:`record` in the same transaction, so a change
and its entry are committed together or not at all. ``actor`` None is the
command line or an import (``actor_name`` says which).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy.orm import Session

from ..access import Actor
from ..logs import current_request_id
from ..models import AuditEntry

__all__ = ["SUBJECT_TYPES", "diff", "record", "snapshot"]

#: What an entry can be about, as ``AuditEntry.subject_type`` stores it.
SUBJECT_TYPES = (
    "category",
    "office",
    "routing_rule",
    "calendar",
    "sla_policy",
    "template",
    "staff",
    "catalogue",
    "answer_state",
    "api_key",
    "notice",
    "report",
)
LABEL_MAX = 200


def _plain(value: Any) -> Any:
    """A JSON value for ``value`` (dates as ISO text, enums as their value, sets sorted)."""
    if isinstance(value, Enum):
        return _plain(value.value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted(_plain(v) for v in value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def snapshot(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    """The JSON values of ``obj``'s ``fields`` (attributes), for :func:`record`."""
    return {name: _plain(getattr(obj, name)) for name in fields}


def diff(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> dict[str, list[Any]]:
    """``{field: [before, after]}`` for each field whose value differs (a missing side is None)."""
    before, after = before or {}, after or {}
    changes = {}
    for name in sorted(set(before) | set(after)):
        old, new = _plain(before.get(name)), _plain(after.get(name))
        if old != new:
            changes[name] = [old, new]
    return changes


def record(
    session: Session,
    actor: Actor | None,
    subject_type: str,
    subject_id: int | None,
    label: str,
    action: str,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    *,
    actor_name: str = "cli",
) -> AuditEntry | None:
    """Add the entry of one change to ``session`` (not committed); None for an update that changed nothing.

    ``action`` is a verb such as ``create``, ``update``, ``deactivate``,
    ``activate``, ``delete``, ``reorder``, ``import``.
    """
    if subject_type not in SUBJECT_TYPES:
        raise ValueError(f"unknown audit subject type {subject_type!r}")
    changes = diff(before, after)
    if action == "update" and not changes:
        return None
    entry = AuditEntry(
        actor_id=actor.staff.id if actor is not None else None,
        actor_name=(actor.staff.display_name if actor is not None else actor_name)[:LABEL_MAX],
        subject_type=subject_type,
        subject_id=subject_id,
        subject_label=label[:LABEL_MAX],
        action=action,
        changes=changes,
        request_id=current_request_id(),
    )
    session.add(entry)
    return entry
