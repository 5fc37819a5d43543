"""The SQL behind ``/api/reports.geojson``: GeoJSON features and grid clusters, built in the database.

Points: every row comes out of the database as one finished GeoJSON Feature
(``json_build_object`` + ``ST_AsGeoJSON`` on PostGIS, ``json_object`` +
``AsGeoJSON`` on SpatiaLite); the translated labels and the link prefixes go in
as bound parameters, so Python only joins the rows' text. No ORM objects are
loaded: at 2,000 features that is the difference between a few milliseconds
and a few hundred.

Clusters: ``floor(x / cell), floor(y / cell)`` grouped in SQL, with counts by
status, overdue cases, the centroid of the members and their extent. Every
matching report falls in exactly one cell, so the counts add up to the
matching reports.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from .domain.lifecycle import Status
from .models import Category, Photo, Report

#: Decimal places of coordinates: 7 is about 1 cm, what a phone's GPS can tell.
PRECISION = 7
#: Zoom levels Leaflet uses.
MIN_ZOOM, MAX_ZOOM = 0, 20
#: Width of a cluster cell on screen, in pixels (a marker-cluster icon is about 40 px).
CELL_PIXELS = 64
#: Assumed width of the map in pixels when no zoom is given.
MAP_PIXELS = 1024

Key = tuple[datetime, int]


@dataclass(frozen=True)
class Labels:
    """What each row needs from the request: language, translated status labels, link prefixes."""

    language: str
    statuses: Mapping[str, str]
    #: ``url_for`` of a report page and of a photo, cut where the id/key goes.
    report_prefix: str
    report_suffix: str
    photo_prefix: str
    photo_suffix: str


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _text(value: str) -> sa.ColumnElement[str]:
    """A constant string in the SQL text (JSON keys); only ever called with our own constants."""
    return sa.literal_column("'" + value.replace("'", "''") + "'", sa.String)


def _iso(postgres: bool, column: Any) -> sa.ColumnElement[str]:
    """``2026-11-23T13:20:44Z`` (UTC) or NULL."""
    if postgres:
        return sa.func.to_char(sa.func.timezone("UTC", column), _text('YYYY-MM-DD"T"HH24:MI:SS"Z"'))
    return sa.func.strftime(_text("%Y-%m-%dT%H:%M:%SZ"), column)


def overdue_condition(now: datetime) -> sa.ColumnElement[bool]:
    """Past the due time of its current step; paused and finished cases have none (as in the queue)."""
    return sa.and_(Report.due_at.is_not(None), Report.due_at < now)


def feature_rows(
    session: Session,
    conditions: Sequence[sa.ColumnElement[bool]],
    *,
    labels: Labels,
    now: datetime,
    after: Key | None,
    limit: int,
) -> tuple[list[str], Key | None]:
    """Up to ``limit`` features, newest first, after ``after``; and the key of the last one if more follow."""
    postgres = _is_postgres(session)
    photo = (
        sa.select(Photo.thumbnail_key)
        .where(Photo.report_id == Report.id, Photo.hidden.is_(False), Photo.message_id.is_(None))
        .order_by(Photo.position, Photo.id)
        .limit(1)
        .correlate(Report)
        .scalar_subquery()
    )
    statuses = json.dumps(dict(labels.statuses))
    geometry: Any
    status_label: Any
    if postgres:
        build = sa.func.json_build_object
        geometry = sa.cast(sa.func.ST_AsGeoJSON(Report.point, PRECISION), sa.JSON)
        category_name = sa.func.coalesce(
            Category.names.op("->>")(sa.literal(labels.language, sa.String)), Category.name
        )
        status_label = sa.cast(sa.literal(statuses, sa.String), sa.JSON).op("->>")(Report.status)
        overdue: Any = overdue_condition(now)
    else:
        build = sa.func.json_object
        geometry = sa.func.json(sa.func.AsGeoJSON(Report.point, PRECISION))
        category_name = sa.func.coalesce(
            sa.func.json_extract(Category.names, sa.literal('$."' + labels.language + '"', sa.String)),
            Category.name,
        )
        status_label = sa.func.json_extract(sa.literal(statuses, sa.String), _text("$.") + Report.status)
        overdue = sa.func.json(sa.case((overdue_condition(now), _text("true")), else_=_text("false")))
    title = sa.func.coalesce(Report.public_title, Report.title)
    properties = build(
        _text("id"), Report.public_id,
        _text("kind"), Report.kind,
        _text("category"), Category.code,
        _text("category_name"), category_name,
        _text("title"), title,
        _text("status"), Report.status,
        _text("status_label"), status_label,
        _text("created_at"), _iso(postgres, Report.created_at),
        _text("updated_at"), _iso(postgres, Report.updated_at),
        _text("resolved_at"), _iso(postgres, Report.resolved_at),
        _text("expected_at"), _iso(postgres, sa.func.coalesce(Report.resolve_due_at, Report.due_at)),
        _text("overdue"), overdue,
        _text("thumbnail"),
        sa.literal(labels.photo_prefix, sa.String) + photo + sa.literal(labels.photo_suffix, sa.String),
        _text("url"),
        sa.literal(labels.report_prefix, sa.String)
        + Report.public_id
        + sa.literal(labels.report_suffix, sa.String),
    )  # fmt: skip
    feature: Any = build(
        _text("type"), _text("Feature"),
        _text("id"), Report.public_id,
        _text("geometry"), geometry,
        _text("properties"), properties,
    )  # fmt: skip
    if postgres:
        feature = sa.cast(feature, sa.Text)
    where = list(conditions)
    if after is not None:
        moment = sa.bindparam("after_created", after[0], type_=Report.created_at.type)
        where.append(sa.tuple_(Report.created_at, Report.id) < sa.tuple_(moment, sa.literal(after[1])))
    query = (
        sa.select(feature, Report.created_at, Report.id)
        .join(Category, Category.id == Report.category_id)
        .where(*where)
        .order_by(Report.created_at.desc(), Report.id.desc())
        .limit(limit + 1)
    )
    rows = session.execute(query).all()
    features = [row[0] for row in rows[:limit]]
    last = (rows[limit - 1][1], rows[limit - 1][2]) if len(rows) > limit else None
    return features, last


def probe_ids(session: Session, conditions: Sequence[sa.ColumnElement[bool]], cap: int) -> list[int]:
    """Ids of the matching reports, no more than ``cap`` of them, in no order.

    Without an order the scan stops at ``cap`` rows, so "more than fits" is
    cheap to learn even when a million match; and when fewer match, these are
    all of them, and :func:`feature_rows` fetches them by primary key instead
    of scanning the area again.
    """
    return list(session.scalars(sa.select(Report.id).where(*conditions).limit(cap)))


def id_condition(session: Session, ids: Sequence[int]) -> sa.ColumnElement[bool]:
    """``id`` among ``ids``: one array parameter on PostgreSQL, a list of parameters on SQLite."""
    if _is_postgres(session):
        return Report.id == sa.any_(sa.bindparam("ids", list(ids), type_=postgresql.ARRAY(sa.Integer)))
    return Report.id.in_(list(ids))


def cell_size(zoom: int) -> float:
    """Degrees of longitude covered by :data:`CELL_PIXELS` at a Leaflet zoom level (256 px tiles)."""
    return 360.0 / (256.0 * 2.0**zoom) * CELL_PIXELS


def zoom_for(bbox: tuple[float, float, float, float] | None) -> int:
    """The zoom a :data:`MAP_PIXELS`-wide map shows ``bbox`` at (the whole world without one)."""
    if bbox is None:
        return MIN_ZOOM
    width = max(bbox[2] - bbox[0], 1e-9)
    zoom = math.floor(math.log2(360.0 * MAP_PIXELS / (256 * width)))
    return max(MIN_ZOOM, min(MAX_ZOOM, zoom))


def cluster_features(
    session: Session, conditions: Sequence[sa.ColumnElement[bool]], *, zoom: int, now: datetime
) -> list[dict[str, Any]]:
    """One feature per occupied grid cell, with its count, counts by status, overdue and extent."""
    cell = cell_size(zoom)
    x, y = sa.func.ST_X(Report.point), sa.func.ST_Y(Report.point)
    gx, gy = sa.func.floor(x / cell).label("gx"), sa.func.floor(y / cell).label("gy")
    by_status = [
        sa.func.sum(sa.case((Report.status == status.value, 1), else_=0)).label(status.value)
        for status in Status
    ]
    query = (
        sa.select(
            gx,
            gy,
            sa.func.count().label("count"),
            sa.func.avg(x),
            sa.func.avg(y),
            sa.func.min(x),
            sa.func.min(y),
            sa.func.max(x),
            sa.func.max(y),
            sa.func.sum(sa.case((overdue_condition(now), 1), else_=0)),
            *by_status,
        )
        .where(*conditions, Report.point.is_not(None))
        .group_by(gx, gy)
        .order_by(gx, gy)
    )
    features = []
    for row in session.execute(query):
        count, avg_x, avg_y, min_x, min_y, max_x, max_y, overdue = row[2:10]
        statuses = {status.value: int(n) for status, n in zip(Status, row[10:], strict=True) if n}
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [_round(avg_x), _round(avg_y)]},
                "properties": {
                    "cluster": True,
                    "count": int(count),
                    "statuses": statuses,
                    "overdue": int(overdue or 0),
                    "bbox": [_round(min_x), _round(min_y), _round(max_x), _round(max_y)],
                },
            }
        )
    return features


def _round(value: Any) -> float:
    return float(round(float(value), PRECISION))


#: Vector tiles carry every matching point; below this zoom a tile of a big city would hold too many.
MIN_TILE_ZOOM = 14


def vector_tile(
    session: Session, conditions: Sequence[sa.ColumnElement[bool]], *, z: int, x: int, y: int
) -> bytes:
    """A Mapbox vector tile (layer ``reports``) of the matching reports: PostGIS ``ST_AsMVT``."""
    envelope = sa.func.ST_TileEnvelope(z, x, y)
    inner = (
        sa.select(
            sa.func.ST_AsMVTGeom(sa.func.ST_Transform(Report.point, 3857), envelope, 4096, 64, True).label(
                "geom"
            ),
            Report.public_id.label("id"),
            Report.kind,
            Report.status,
            Category.code.label("category"),
        )
        .join(Category, Category.id == Report.category_id)
        .where(*conditions, Report.point.op("&&")(sa.func.ST_Transform(envelope, 4326)))
        .subquery("q")
    )
    query = sa.select(
        sa.func.ST_AsMVT(sa.literal_column("q"), _text("reports"), 4096, _text("geom"))
    ).select_from(inner)
    return bytes(session.execute(query).scalar_one() or b"")
