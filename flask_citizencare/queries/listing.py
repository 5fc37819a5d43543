"""The list of public reports shown beside the map (and as the page without JavaScript).

Newest first, a page at a time with a keyset cursor, public columns only,
through the same filters as the API and the open data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..context import db_session, state
from ..i18n import gettext as _
from ..models import Category, Report
from . import cursors
from .filter_sql import filter_conditions, first_public_thumbnail
from .filters import FilterError, PublicFilter
from .geojson import overdue_condition

#: Reports per page of the list shown without JavaScript.
PAGE_SIZE = 25


@dataclass(frozen=True)
class ListedReport:
    """One row of the list: public fields only (never the reporter, the text or the staff)."""

    public_id: str
    kind: str
    title: str
    status: str
    category: str
    created_at: datetime
    overdue: bool
    thumbnail_key: str | None
    #: The due times the expected answer is read from (:func:`~flask_citizencare.domain.sla.expected_answer`).
    resolve_due_at: datetime | None = None
    due_at: datetime | None = None


#: The list's order, newest first: ``(created_at, id)``.
ORDER, KEY = "public list", (cursors.Field.MOMENT, cursors.Field.INTEGER)


def decode_cursor(text: str | None) -> tuple[datetime, int] | None:
    """The next page's position (a cursor of :func:`encode_cursor`); raises FilterError."""
    if not text:
        return None
    try:
        created_at, report_id = cursors.decode(text, ORDER, KEY)
    except cursors.BadCursor:
        raise FilterError("cursor", _("This page link is damaged: go back to the first page.")) from None
    return cast(datetime, created_at), cast(int, report_id)


def encode_cursor(created_at: datetime, report_id: int) -> str:
    return cursors.encode(ORDER, [created_at, report_id])


def listed_query(
    session: Session,
    public_filter: PublicFilter,
    after: tuple[datetime, int] | None,
    now: datetime,
    limit: int,
) -> sa.Select[Any]:
    """Newest first, public columns only; ``limit + 1`` rows, so the caller sees if a next page exists."""
    timezone = state().settings.zone
    conditions = filter_conditions(session, public_filter, timezone)
    if after is not None:
        created, ident = after
        conditions.append(
            sa.or_(Report.created_at < created, sa.and_(Report.created_at == created, Report.id < ident))
        )
    query = (
        sa.select(
            Report.id,
            Report.public_id,
            Report.kind,
            sa.func.coalesce(Report.public_title, Report.title).label("title"),
            Report.status,
            overdue_condition(now).label("overdue"),
            Report.created_at,
            Report.resolve_due_at,
            Report.due_at,
            Category.name.label("category_name"),
            Category.names.label("category_names"),
            first_public_thumbnail().label("thumbnail_key"),
        )
        .join(Category, Category.id == Report.category_id)
        .where(*conditions)
        .order_by(Report.created_at.desc(), Report.id.desc())
        .limit(limit + 1)
    )
    return cast("sa.Select[Any]", query)  # more columns than the typed overloads of select() name


def listed_reports(
    public_filter: PublicFilter, after: tuple[datetime, int] | None, language: str, limit: int = PAGE_SIZE
) -> tuple[list[ListedReport], str | None]:
    """A page of the newest matching public reports and the cursor of the next page (or None)."""
    session = db_session()
    query = listed_query(session, public_filter, after, datetime.now(UTC), limit)
    rows = session.execute(query).all()
    reports: list[ListedReport] = []
    for row in rows[:limit]:
        reports.append(
            ListedReport(
                public_id=row.public_id,
                kind=row.kind,
                title=row.title,
                status=row.status,
                category=(row.category_names or {}).get(language) or row.category_name,
                created_at=row.created_at,
                overdue=bool(row.overdue),
                thumbnail_key=row.thumbnail_key,
                resolve_due_at=row.resolve_due_at,
                due_at=row.due_at,
            )
        )
    next_cursor = encode_cursor(rows[limit - 1].created_at, rows[limit - 1].id) if len(rows) > limit else None
    return reports, next_cursor


def listed_categories() -> list[Category]:
    """Every category, retired ones too (their old reports are still listed), in the catalogue's order."""
    query = sa.select(Category).order_by(Category.group, Category.position, Category.name)
    return list(db_session().scalars(query))
