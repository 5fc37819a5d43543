"""Open311's ``GET requests``: the public reports a filter selects, with what their items need.

The rows are exactly the public map's (:func:`~.reports.public_reports_filter`:
published and not merged), newest received first (``received_at DESC, id
DESC``). Every query picks its page in a first step, ids only
(:func:`page_subquery`): the partial index ``ix_cc_reports_public_received_cover``
is read backwards and, on PostgreSQL, the box, circle, status and service are
checked on the columns it includes, so the page comes from the index alone;
then only the page's rows are read, by id. ``updated_after``/``updated_before``
use ``ix_cc_reports_updated_at``. Boxes and circles go through the spatial
index on both databases when the planner prefers it
(:func:`~flask_citizencare.database.spatial.reports_in_box`); a circle is its
envelope, then the exact distance (``ST_DWithin`` on geography on PostGIS, the
ellipsoidal ``ST_Distance`` on SpatiaLite).

Two ways to the items, with the same answers:

- :func:`request_items_json` (PostgreSQL, the JSON format): one statement
  writes the whole JSON array, each item with ``concat``/``to_json`` in the
  spec's order, times in the municipality's zone (``AT TIME ZONE``), the first
  public photo and the last public answer folded in through ``LATERAL``
  subqueries; Python sends the text as it is.
- :func:`request_rows` (XML, and SpatiaLite, which has no named time zones):
  three queries per page whatever its size (and one for its few categories):
  the rows (with the office's name), the page's public photos
  (:meth:`~flask_citizencare.models.Photo.public_condition`), and the page's
  last public answers (newest public thread message, and the published answer
  of answered proposals), made into :class:`RequestRow` items in Python.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, aggregate_order_by
from sqlalchemy.orm import Session

from ..database.spatial import reports_in_box
from ..domain.lifecycle import OPEN_STATUSES, Status
from ..domain.open311.request_items import RequestRow
from ..labels import public_status_label
from ..models import Category, Message, Office, Photo, ProposalAnswer, Report
from .notices import current_titles_by_category, service_notice
from .proposal_answers import current_answer_subquery
from .reports import public_reports_filter
from .supports import supports_shown

BBox = tuple[float, float, float, float]
#: Metres in a degree of latitude (a degree of longitude: times cos(lat)); the envelope is widened 1 %.
_METRES_PER_DEGREE = 111_320.0
_MARGIN = 1.01
_OPEN = tuple(sorted(status.value for status in OPEN_STATUSES))
_CLOSED = tuple(sorted(status.value for status in Status if status not in OPEN_STATUSES))


@dataclass(frozen=True)
class Circle:
    lat: float
    lon: float
    radius_m: float

    def envelope(self) -> BBox:
        """``(min_lon, min_lat, max_lon, max_lat)`` holding every point within the radius."""
        dlat = self.radius_m / _METRES_PER_DEGREE * _MARGIN
        cos_lat = math.cos(math.radians(self.lat))
        if cos_lat < 1e-6:
            west, east = -180.0, 180.0
        else:
            dlon = self.radius_m / (_METRES_PER_DEGREE * cos_lat) * _MARGIN
            west, east = max(self.lon - dlon, -180.0), min(self.lon + dlon, 180.0)
        return west, max(self.lat - dlat, -90.0), east, min(self.lat + dlat, 90.0)


@dataclass(frozen=True)
class RequestFilter:
    """What the client asked for. With ``ids`` every other filter is ignored (the spec's rule)."""

    ids: Sequence[str] = ()
    service_codes: Sequence[str] = ()
    start: datetime | None = None
    end: datetime | None = None
    #: ``open`` and/or ``closed``; empty: both.
    statuses: Sequence[str] = ()
    updated_after: datetime | None = None
    updated_before: datetime | None = None
    bbox: BBox | None = None
    circle: Circle | None = None
    limit: int = 1000
    offset: int = 0


def _in_circle(session: Session, circle: Circle) -> list[sa.ColumnElement[bool]]:
    """The circle's envelope through the spatial index, then the exact distance in metres."""
    box = reports_in_box(session, circle.envelope())
    if session.get_bind().dialect.name == "postgresql":
        centre = sa.func.geography(sa.func.ST_SetSRID(sa.func.ST_MakePoint(circle.lon, circle.lat), 4326))
        return [box, sa.func.ST_DWithin(sa.func.geography(Report.point), centre, circle.radius_m)]
    point = sa.func.MakePoint(circle.lon, circle.lat, 4326)
    return [box, sa.func.ST_Distance(Report.point, point, 1) <= circle.radius_m]


def conditions(session: Session, request_filter: RequestFilter) -> list[sa.ColumnElement[bool]]:
    """The filter in SQL; the public-only condition always first, whatever was asked."""
    f = request_filter
    where: list[sa.ColumnElement[bool]] = [public_reports_filter()]
    if f.ids:
        where.append(Report.public_id.in_(list(f.ids)))
        return where
    if f.start is not None:
        where.append(Report.received_at >= f.start)
    if f.end is not None:
        where.append(Report.received_at <= f.end)
    if f.updated_after is not None:
        where.append(Report.updated_at >= f.updated_after)
    if f.updated_before is not None:
        where.append(Report.updated_at <= f.updated_before)
    if f.service_codes:
        # The categories' ids, so the page is chosen from the reports' index without a join.
        codes = sa.select(Category.id).where(Category.code.in_(list(f.service_codes)))
        where.append(Report.category_id.in_(codes))
    if f.statuses and set(f.statuses) != {"open", "closed"}:
        chosen = _OPEN if "open" in f.statuses else _CLOSED
        # Literals (checked names), so a generic plan can still use the partial indexes.
        where.append(
            Report.status.in_(
                sa.bindparam("o311_statuses", list(chosen), expanding=True, literal_execute=True)
            )
        )
    if f.bbox is not None:
        where.append(reports_in_box(session, f.bbox))
    if f.circle is not None:
        where += _in_circle(session, f.circle)
    return where


def _columns() -> tuple[Any, ...]:
    return (
        Report.id,
        Report.public_id,
        Report.kind,
        Report.status,
        Report.description,
        Report.public_description,
        Report.address,
        Report.received_at,
        Report.updated_at,
        Report.resolve_due_at,
        Report.answered_at,
        Report.supports_count,
        Report.duplicates_count,
        Report.category_id,
        Office.name.label("office_name"),
        sa.func.ST_X(Report.point).label("lon"),
        sa.func.ST_Y(Report.point).label("lat"),
    )


def page_subquery(session: Session, request_filter: RequestFilter) -> sa.Subquery:
    """``(id, received_at)`` of the page's reports, newest received first: picked from the index."""
    return (
        sa.select(Report.id.label("id"), Report.received_at.label("received_at"))
        .where(*conditions(session, request_filter))
        .order_by(Report.received_at.desc(), Report.id.desc())
        .limit(request_filter.limit)
        .offset(request_filter.offset)
        .subquery("page")
    )


def request_rows(
    session: Session, request_filter: RequestFilter, *, language: str, photo_url: Callable[[str], str]
) -> list[RequestRow]:
    """The page of public reports ``request_filter`` selects, newest received first."""
    page = page_subquery(session, request_filter)
    query = (
        sa.select(*_columns())
        .select_from(page)
        .join(Report, Report.id == page.c.id)
        .outerjoin(Office, Office.id == Report.office_id)
        .order_by(page.c.received_at.desc(), page.c.id.desc())
    )
    rows = session.connection().execute(query).all()  # Core rows: no ORM bookkeeping per row
    ids = [row.id for row in rows]
    categories = _categories(session, {row.category_id for row in rows})
    notice_titles = current_titles_by_category(session, categories, language)
    photos = public_photo_keys(session, ids)
    notes = last_public_answers(session, ids, [row.id for row in rows if row.answered_at is not None])
    found = []
    for row in rows:
        category = categories[row.category_id]
        found.append(
            RequestRow(
                id=row.id,
                public_id=row.public_id,
                status=row.status,
                status_notes=notes.get(row.id),
                service_name=category.label(language),
                service_code=category.code,
                description=row.public_description if row.public_description is not None else row.description,
                agency_responsible=row.office_name,
                service_notice=service_notice(category, language, notice_titles.get(category.id)),
                received_at=row.received_at,
                updated_at=row.updated_at,
                resolve_due_at=row.resolve_due_at,
                address=row.address,
                lat=float(row.lat) if row.lat is not None else None,
                lon=float(row.lon) if row.lon is not None else None,
                photos=[photo_url(key) for key in photos.get(row.id, ())],
                status_label=public_status_label(row.status),
                supports=row.supports_count if supports_shown(row) else None,
                duplicates=row.duplicates_count,
            )
        )
    return found


def _categories(session: Session, ids: set[int]) -> dict[int, Category]:
    """The page's few categories, once each (their JSON columns decoded once, not once a row)."""
    if not ids:
        return {}
    return {
        category.id: category for category in session.scalars(sa.select(Category).where(Category.id.in_(ids)))
    }


def public_photo_keys(session: Session, report_ids: Sequence[int]) -> dict[int, list[str]]:
    """``{report_id: [storage keys of its public photos, in order]}`` in one query."""
    if not report_ids:
        return {}
    query = (
        sa.select(Photo.report_id, Photo.storage_key)
        .where(Photo.report_id.in_(list(report_ids)), Photo.public_condition())
        .order_by(Photo.report_id, Photo.position, Photo.id)
    )
    keys: dict[int, list[str]] = {}
    for report_id, key in session.execute(query):
        keys.setdefault(report_id, []).append(key)
    return keys


def last_public_answers(
    session: Session, report_ids: Sequence[int], answered_ids: Sequence[int]
) -> dict[int, str]:
    """``{report_id: the last public answer}``: an answered proposal's published answer, else the
    newest public thread message. Private and internal messages never."""
    if not report_ids:
        return {}
    ranked = (
        sa.select(
            Message.report_id.label("report_id"),
            Message.body.label("body"),
            sa.func.row_number()
            .over(partition_by=Message.report_id, order_by=(Message.created_at.desc(), Message.id.desc()))
            .label("rank"),
        )
        .where(Message.report_id.in_(list(report_ids)), Message.visibility == "public")
        .subquery("ranked_messages")
    )
    notes = {
        report_id: body
        for report_id, body in session.execute(
            sa.select(ranked.c.report_id, ranked.c.body).where(ranked.c.rank == 1)
        )
    }
    if answered_ids:
        current = current_answer_subquery()
        answers = sa.select(current.c.report_id, ProposalAnswer.body, ProposalAnswer.reason).join(
            ProposalAnswer, ProposalAnswer.id == current.c.answer_id
        )
        for report_id, body, reason in session.execute(
            answers.where(current.c.report_id.in_(list(answered_ids)))
        ):
            if body or reason:
                notes[report_id] = body or reason
    return notes


@dataclass(frozen=True)
class ItemText:
    """What the SQL-written items need from the request (all bound as parameters)."""

    language: str
    #: The IANA name of the municipality's zone (``Europe/Rome``): the items' times are written in it.
    zone: str
    #: ``{status: public label}`` in the client's language.
    status_labels: dict[str, str]
    #: ``url_for`` of a photo, cut where the storage key goes.
    photo_prefix: str
    photo_suffix: str
    #: ``CITIZENCARE_HIDE_SUPPORTS_UNTIL_ANSWERED``: unanswered proposals' supports are null.
    hide_supports: bool
    extensions: bool = False


def _constant(value: str) -> sa.ColumnElement[str]:
    """A constant string in the SQL text (JSON keys and punctuation); only our own constants."""
    return sa.literal_column("'" + value.replace("'", "''") + "'", sa.Text)


def _json(value: Any) -> sa.ColumnElement[str]:
    """``value`` as JSON text, ``null`` for NULL."""
    return sa.func.coalesce(sa.cast(sa.func.to_json(value), sa.Text), _constant("null"))


def _moment_sql(column: Any, zone: sa.BindParameter[str]) -> sa.ColumnElement[str]:
    """``2026-12-03T09:30:00+01:00``: the moment in ``zone`` to the second, with its offset, as
    :func:`~flask_citizencare.domain.open311.documents.iso` writes it; NULL stays NULL."""
    local = sa.func.timezone(zone, column, type_=sa.DateTime)
    utc = sa.func.timezone(_constant("UTC"), column, type_=sa.DateTime)
    ahead, behind = sa.type_coerce(local - utc, sa.Interval), sa.type_coerce(utc - local, sa.Interval)
    sign = sa.case(
        (
            ahead < sa.literal_column("interval '0'"),
            _constant("-") + sa.func.to_char(behind, _constant("HH24:MI"), type_=sa.Text),
        ),
        else_=_constant("+") + sa.func.to_char(ahead, _constant("HH24:MI"), type_=sa.Text),
    )
    return sa.func.to_char(local, _constant('YYYY-MM-DD"T"HH24:MI:SS'), type_=sa.Text) + sign


def _json_object(pairs: Sequence[tuple[str, sa.ColumnElement[Any]]]) -> sa.ColumnElement[str]:
    """The object ``{key: value, ...}`` in the order given; each value is already JSON text."""
    parts: list[sa.ColumnElement[Any]] = []
    for position, (key, value) in enumerate(pairs):
        parts += [_constant(("{" if position == 0 else ",") + json.dumps(key) + ":"), value]
    return sa.func.concat(*parts, _constant("}"))


def request_items_json(session: Session, request_filter: RequestFilter, text: ItemText) -> tuple[str, int]:
    """The page's items as one JSON array written by PostgreSQL, and how many it holds.

    The same items as :func:`request_rows` with
    :func:`~flask_citizencare.domain.open311.request_items.request_item`, field for field
    (``tests/test_open311_requests.py`` compares both ways).
    """
    page = page_subquery(session, request_filter)
    zone = sa.bindparam("o311_zone", text.zone, type_=sa.Text)
    language = sa.bindparam("o311_language", text.language, type_=sa.Text)
    is_open = Report.status.in_(_OPEN)
    photos = (
        sa.select(
            sa.func.array_agg(
                aggregate_order_by(
                    sa.literal(text.photo_prefix, sa.Text)
                    + Photo.storage_key
                    + sa.literal(text.photo_suffix, sa.Text),
                    Photo.position,
                    Photo.id,
                ),
                type_=ARRAY(sa.Text),
            ).label("urls")
        )
        .where(Photo.report_id == Report.id, Photo.public_condition())
        .lateral("photos")
    )
    message = (
        sa.select(Message.body.label("body"))
        .where(Message.report_id == Report.id, Message.visibility == "public")
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(1)
        .lateral("message")
    )
    answer = (
        sa.select(
            sa.func.coalesce(
                sa.func.nullif(ProposalAnswer.body, ""), sa.func.nullif(ProposalAnswer.reason, "")
            ).label("note")
        )
        .where(
            ProposalAnswer.report_id == Report.id,
            ProposalAnswer.published_at.is_not(None),
            Report.answered_at.is_not(None),
        )
        .order_by(ProposalAnswer.published_at.desc(), ProposalAnswer.id.desc())
        .limit(1)
        .lateral("answer")
    )
    # ``Category.label`` and ``urgent_notice_in``: the language's text when not empty, else the default.
    service_name = sa.func.coalesce(
        sa.func.nullif(Category.names.op("->>", return_type=sa.Text)(language), ""), Category.name
    )
    notice = sa.func.nullif(
        sa.func.coalesce(
            sa.func.nullif(Category.urgent_notices.op("->>", return_type=sa.Text)(language), ""),
            Category.urgent_notice,
        ),
        "",
    )
    # A category named by a current notice: its whole text from :func:`service_notice` (the
    # notices are few: usually none), bound as ``{category id: text}``.
    titles = current_titles_by_category(session, None, text.language)
    if titles:
        categories = _categories(session, set(titles))
        written = {
            str(id_): service_notice(categories[id_], text.language, title) for id_, title in titles.items()
        }
        known = sa.bindparam("o311_notices", written, type_=JSONB)
        notice = sa.func.coalesce(known.op("->>", return_type=sa.Text)(sa.cast(Category.id, sa.Text)), notice)
    pairs: list[tuple[str, sa.ColumnElement[Any]]] = [
        ("service_request_id", _json(Report.public_id)),
        ("status", sa.case((is_open, _constant('"open"')), else_=_constant('"closed"'))),
        ("status_notes", _json(sa.func.coalesce(answer.c.note, message.c.body))),
        ("service_name", _json(service_name)),
        ("service_code", _json(Category.code)),
        ("description", _json(sa.func.coalesce(Report.public_description, Report.description))),
        ("agency_responsible", _json(Office.name)),
        ("service_notice", _json(notice)),
        ("requested_datetime", _json(_moment_sql(Report.received_at, zone))),
        ("updated_datetime", _json(_moment_sql(Report.updated_at, zone))),
        ("expected_datetime", _json(sa.case((is_open, _moment_sql(Report.resolve_due_at, zone))))),
        ("address", _json(Report.address)),
        ("address_id", _constant("null")),
        ("zipcode", _constant("null")),
        ("lat", _json(sa.func.ST_Y(Report.point))),
        ("long", _json(sa.func.ST_X(Report.point))),
        ("media_url", _json(photos.c.urls[1])),
    ]
    if text.extensions:
        labels = sa.case(
            {status: sa.literal(label, sa.Text) for status, label in text.status_labels.items()},
            value=Report.status,
            else_=Report.status,
        )
        supports: Any = Report.supports_count
        if text.hide_supports:
            supports = sa.case((Report.answered_at.is_not(None), Report.supports_count))
        pairs += [
            ("status_label", _json(labels)),
            ("supports", _json(supports)),
            ("duplicates", _json(Report.duplicates_count)),
            ("photos", sa.func.coalesce(sa.cast(sa.func.to_json(photos.c.urls), sa.Text), _constant("[]"))),
        ]
    item = _json_object(pairs)
    ordered = aggregate_order_by(_constant(","), page.c.received_at.desc(), page.c.id.desc())
    query = (
        sa.select(sa.func.string_agg(item, ordered), sa.func.count())
        .select_from(page)
        .join(Report, Report.id == page.c.id)
        .join(Category, Category.id == Report.category_id)
        .outerjoin(Office, Office.id == Report.office_id)
        .outerjoin(photos, sa.true())
        .outerjoin(message, sa.true())
        .outerjoin(answer, sa.true())
    )
    body, count = session.connection().execute(query).one()
    return f"[{body or ''}]", int(count)
