"""The public filters in SQL, for any table that has their columns.

A :class:`~flask_citizencare.queries.filters.PublicFilter` is applied to
``cc_reports`` (the points, the list, the open data, the live clusters) and to
the summary ``cc_map_cells`` (the clusters the triggers keep). Both go through
:func:`conditions`, given a :class:`FilterColumns` saying where the table
keeps what each filter asks about, so a word means the same on both. On
``cc_reports`` (:func:`filter_conditions`) the public-only condition always
comes first: no parameter can reach a hidden report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..database.spatial import BBox, reports_in_box
from ..models import Category, Photo, Report
from .filters import PublicFilter
from .reports import public_reports_filter


@dataclass(frozen=True)
class FilterColumns:
    """Where a table keeps what the public filters ask about; ``None`` where it cannot answer."""

    kind: sa.SQLColumnExpression[str]
    category_id: sa.SQLColumnExpression[int]
    status: sa.SQLColumnExpression[str]
    #: The rows inside a bbox (a point in it, or a cell touching it).
    in_box: Callable[[BBox], sa.ColumnElement[bool]]
    created_at: sa.SQLColumnExpression[datetime] | None = None
    #: The row's report has a photo the public may see.
    has_public_photo: Callable[[], sa.ColumnElement[bool]] | None = None
    #: Conditions every query of the table carries, put first.
    always: tuple[sa.ColumnElement[bool], ...] = ()


def answers(public_filter: PublicFilter, columns: FilterColumns) -> bool:
    """Whether the table has a column for every filter that ``public_filter`` asks for."""
    f = public_filter
    dated = f.since is not None or f.until is not None
    return (columns.created_at is not None or not dated) and (
        columns.has_public_photo is not None or f.has_photo is None
    )


def _day_start(day: date, timezone: tzinfo) -> datetime:
    """Midnight of ``day`` in the municipality's time zone, as UTC (dates are local to the visitor)."""
    return datetime.combine(day, time(0), tzinfo=timezone).astimezone(UTC)


def conditions(
    public_filter: PublicFilter, columns: FilterColumns, *, timezone: tzinfo | None
) -> list[sa.ColumnElement[bool]]:
    """SQL conditions for ``public_filter`` on the table of ``columns``; its ``always`` conditions first.

    ``timezone`` (the municipality's) turns the filter's dates into moments; a table without
    dates needs none. Raises :class:`ValueError` for a filter the table cannot answer
    (see :func:`answers`).
    """
    f = public_filter
    where: list[sa.ColumnElement[bool]] = list(columns.always)
    if f.bbox is not None:
        where.append(columns.in_box(f.bbox))
    if f.kinds:
        where.append(columns.kind.in_(f.kinds))
    if f.categories:
        where.append(columns.category_id.in_(sa.select(Category.id).where(Category.code.in_(f.categories))))
    if f.statuses:
        # Literals, not parameters (they are checked names): a prepared statement's generic plan
        # can then still prove the partial index of open reports (ix_cc_reports_open_point) usable.
        statuses: sa.BindParameter[list[str]] = sa.bindparam(
            "statuses", list(f.statuses), expanding=True, literal_execute=True
        )
        where.append(columns.status.in_(statuses))
    if f.since is not None or f.until is not None:
        created = columns.created_at
        if created is None or timezone is None:
            raise ValueError("this table cannot answer a date filter")
        if f.since is not None:
            where.append(created >= _day_start(f.since, timezone))
        if f.until is not None:
            where.append(created < _day_start(f.until + timedelta(days=1), timezone))
    if f.has_photo is not None:
        if columns.has_public_photo is None:
            raise ValueError("this table cannot answer a photo filter")
        photo = columns.has_public_photo()
        where.append(photo if f.has_photo else ~photo)
    return where


def _public_photo_of_report() -> sa.ColumnElement[bool]:
    """A photo of the report the public may see (:meth:`~flask_citizencare.models.Photo.public_condition`)."""
    return sa.and_(Photo.report_id == Report.id, Photo.public_condition())


def public_photo_exists() -> sa.Exists:
    """The report has a photo the public may see."""
    return sa.select(Photo.id).where(_public_photo_of_report()).exists()


def first_public_thumbnail() -> sa.ScalarSelect[Any]:
    """The thumbnail key of the report's first photo the public may see (correlated subquery)."""
    return (
        sa.select(Photo.thumbnail_key)
        .where(_public_photo_of_report())
        .order_by(Photo.position, Photo.id)
        .limit(1)
        .correlate(Report)
        .scalar_subquery()
    )


def report_columns(session: Session) -> FilterColumns:
    """The filters' columns on ``cc_reports``, public reports only."""
    return FilterColumns(
        kind=Report.kind,
        category_id=Report.category_id,
        status=Report.status,
        in_box=lambda bbox: reports_in_box(session, bbox),
        created_at=Report.created_at,
        has_public_photo=public_photo_exists,
        always=(public_reports_filter(),),
    )


def filter_conditions(
    session: Session, public_filter: PublicFilter, timezone: tzinfo
) -> list[sa.ColumnElement[bool]]:
    """SQL conditions for ``public_filter`` on ``cc_reports``; the public-only condition comes first."""
    return conditions(public_filter, report_columns(session), timezone=timezone)
