"""Changes to a case that keep its status: moderation and classification.

Like every use case they run in one transaction, check the version the actor
saw, write an event (not public: the citizen's timeline shows steps, not
edits) and send ``report_updated`` with what changed.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from geoalchemy2.shape import to_shape
from sqlalchemy.orm import Session

from .. import signals
from ..access import Actor, is_assigned
from ..context import app_object, db_session
from ..domain.lifecycle import Priority, Role
from ..i18n import gettext as _
from ..models import Category, Report
from ..models.base import utcnow
from .errors import Forbidden, InvalidInput
from .locking import changing_case, check_version
from .routing import office_for
from .sla import recompute_due_times
from .triage import load_case, record_change

TITLE_MAX = 200
TEXT_MAX = 5000
MODERATORS = frozenset({Role.OPERATOR, Role.MANAGER, Role.ADMIN})


@dataclass(frozen=True)
class Moderation:
    expected_version: int
    is_public: bool | None = None
    #: What the public sees instead of the citizen's words; "" restores the original.
    public_title: str | None = None
    public_description: str | None = None
    hidden_photo_ids: Collection[int] | None = None


@dataclass(frozen=True)
class Classification:
    expected_version: int
    category_id: int | None = None
    priority: str | None = None


def _finish(actor: Actor, report: Report, action: str, changes: dict[str, Any]) -> Report:
    """Record the changes and commit, inside :func:`~.locking.changing_case` (see :func:`_updated`)."""
    session = db_session()
    if not changes:
        session.rollback()
        return report
    record_change(actor, report, action, changes)
    report.updated_at = utcnow()
    session.commit()
    return report


def _updated(actor: Actor, report: Report, changes: dict[str, Any]) -> Report:
    """``report_updated``, once the changes are committed."""
    if changes:
        signals.report_updated.send(
            app_object(), report=report, event=report.events[-1], actor=actor.staff, changes=changes
        )
    return report


def moderate(actor: Actor, report_id: int, data: Moderation) -> Report:
    """Publish or hide a report, hide photos, redact the text shown to the public (originals kept)."""
    with changing_case() as session:
        report = load_case(session, actor, report_id)
        check_version(session, report, data.expected_version)
        if not actor.roles & MODERATORS:
            raise Forbidden(_("Your role does not allow this action."))
        changes: dict[str, Any] = {}
        if data.is_public is not None and data.is_public != report.is_public:
            report.is_public = data.is_public
            changes["is_public"] = data.is_public
        for field, limit in (("public_title", TITLE_MAX), ("public_description", TEXT_MAX)):
            value = getattr(data, field)
            if value is None:
                continue
            value = value.strip() or None
            if value is not None and len(value) > limit:
                raise InvalidInput(_("The text can be at most %(max)d characters long.", max=limit))
            if value != getattr(report, field):
                setattr(report, field, value)
                changes[field] = "redacted" if value is not None else "restored"
        if data.hidden_photo_ids is not None:
            wanted = set(data.hidden_photo_ids)
            unknown = wanted - {p.id for p in report.photos}
            if unknown:
                raise InvalidInput(_("Choose photos of this case."))
            for photo in report.photos:
                hide = photo.id in wanted
                if photo.hidden != hide:
                    photo.hidden = hide
                    changes.setdefault("photos_hidden" if hide else "photos_shown", []).append(photo.id)
        if changes:
            report.moderated = True
        _finish(actor, report, "moderate", changes)
    return _updated(actor, report, changes)


def classify(actor: Actor, report_id: int, data: Classification) -> Report:
    """Change category (re-routing the case to the new category's office) or priority."""
    with changing_case() as session:
        report = load_case(session, actor, report_id)
        check_version(session, report, data.expected_version)
        if not (actor.roles & MODERATORS or is_assigned(actor, report)):
            raise Forbidden(_("Your role does not allow this action."))
        changes: dict[str, Any] = {}
        if data.priority is not None and data.priority != report.priority:
            if data.priority not in set(Priority):
                raise InvalidInput(_("Choose a priority from the list."))
            changes["priority"] = [report.priority, data.priority]
            report.priority = data.priority
        if data.category_id is not None and data.category_id != report.category_id:
            category = session.get(Category, data.category_id)
            if category is None or not category.active or category.kinds not in ("both", report.kind):
                raise InvalidInput(_("Choose a category from the list."))
            move_to_category(session, report, category, changes)
            recompute_due_times(report, now=utcnow())
        _finish(actor, report, "classify", changes)
    return _updated(actor, report, changes)


def move_to_category(session: Session, report: Report, category: Category, changes: dict[str, Any]) -> None:
    """Put ``report`` in ``category`` and route it again, noting both in ``changes``; not committed.

    The routing of the new category (and the report's place) may name another
    office: the case then goes there, and its assignee is cleared, since the
    new office decides who works it.
    """
    changes["category"] = [report.category.code, category.code]
    report.category_id = category.id
    report.category = category
    lon = lat = None
    if report.point is not None:
        point = to_shape(report.point)
        lon, lat = point.x, point.y
    office = office_for(session, category, lon, lat)
    if office is not None and office.id != report.office_id:
        changes["office"] = office.name
        report.office_id = office.id
        report.assignee_id = None
