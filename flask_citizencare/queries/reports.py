"""Read-only queries shared by views, API and exports; only public data leaves the public ones."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload, selectinload

from ..context import db_session
from ..models import Category, Photo, Report, ReporterContact


def public_reports_filter() -> sa.ColumnElement[bool]:
    """What the public may see: published reports that are not merged duplicates."""
    return sa.and_(Report.is_public.is_(True), Report.duplicate_of_id.is_(None))


def recent_public_reports(limit: int = 20) -> Sequence[Report]:
    """Newest public reports."""
    query = (
        sa.select(Report)
        .where(public_reports_filter())
        .options(joinedload(Report.category))
        .order_by(Report.created_at.desc(), Report.id.desc())
        .limit(limit)
    )
    return db_session().scalars(query).all()


def active_categories() -> Sequence[Category]:
    query = (
        sa.select(Category)
        .where(Category.active.is_(True))
        .order_by(Category.group, Category.position, Category.name)
    )
    return db_session().scalars(query).all()


def _whole_report() -> tuple[Any, ...]:
    """What a report page shows: category, photos, timeline and thread, in four queries."""
    return (
        joinedload(Report.category),
        selectinload(Report.photos),
        selectinload(Report.events),
        selectinload(Report.messages),
    )


def public_report(public_id: str) -> Report | None:
    """A public report with what its page shows: the public photos, timeline and answers only."""
    query = (
        sa.select(Report)
        .where(Report.public_id == public_id, public_reports_filter())
        .options(
            joinedload(Report.category),
            selectinload(Report.public_photos),
            selectinload(Report.public_events),
            selectinload(Report.public_messages),
        )
    )
    return db_session().scalar(query)


def public_photo_by_key(key: str) -> Photo | None:
    """A photo (or its thumbnail) by storage key, if the public may see it: the photo is public
    (:meth:`~flask_citizencare.models.Photo.public_condition`) and so is its report."""
    if not key or len(key) > 80:
        return None
    query = (
        sa.select(Photo)
        .join(Report, Report.id == Photo.report_id)
        .where(
            sa.or_(Photo.storage_key == key, Photo.thumbnail_key == key),
            Photo.public_condition(),
            public_reports_filter(),
        )
    )
    return db_session().scalar(query)


def tracked_report(token: str) -> Report | None:
    """The reporter's own report, by its unguessable tracking token (public or not)."""
    if not token or len(token) > 64:
        return None
    query = (
        sa.select(Report)
        .where(Report.tracking_token == token)
        .options(*_whole_report(), selectinload(Report.public_events))
    )
    return db_session().scalar(query)


def reports_of_user(user_id: str, *, limit: int = 200) -> Sequence[Report]:
    """What a logged-in citizen filed, public or not, newest first: their "my reports" page.

    Reports whose contact was erased (GDPR art. 17) are no longer linked to anyone.
    """
    query = (
        sa.select(Report)
        .join(ReporterContact, ReporterContact.report_id == Report.id)
        .where(ReporterContact.user_id == user_id, ReporterContact.erased_at.is_(None))
        .options(joinedload(Report.category))
        .order_by(Report.created_at.desc(), Report.id.desc())
        .limit(limit)
    )
    return db_session().scalars(query).all()


#: What a public number looks like (``2026-000123``; imported ones may carry letters): anything else
#: (a NUL, a 20-digit number, a path) is no case, answered before the database sees it.
_PUBLIC_NUMBER = re.compile(r"[0-9A-Za-z][0-9A-Za-z-]{0,19}")


def report_id_by_number(session: Session, public_id: str) -> int | None:
    """The internal id of the report with this public number (visibility is the caller's check)."""
    if not _PUBLIC_NUMBER.fullmatch(public_id):
        return None
    return session.scalar(sa.select(Report.id).where(Report.public_id == public_id))


def public_number_of(session: Session, report_id: int) -> str | None:
    """The public number of a report by its internal id (for the old staff URLs)."""
    return session.scalar(sa.select(Report.public_id).where(Report.id == report_id))
