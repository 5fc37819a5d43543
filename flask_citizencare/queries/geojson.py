"""The SQL behind ``/api/reports.geojson``: GeoJSON features and grid clusters, built in the database.

Points: every row comes out of the database as one finished GeoJSON Feature
(``json_build_object`` + ``ST_AsGeoJSON`` on PostGIS, ``json_object`` +
``AsGeoJSON`` on SpatiaLite); the translated labels and the link prefixes go in
as bound parameters, so Python only joins the rows' text. No ORM objects are
loaded: at 2,000 features that is the difference between a few milliseconds
and a few hundred.

Clusters: the cell ``floor((lon + 180) / cell), floor((lat + 90) / cell)`` of
each report, with counts by status, overdue cases and the centroid of the
members; the cluster's ``bbox`` is its cell. Every matching report falls in
exactly one cell, so the counts add up to the matching reports. Usually read
from the summary that triggers keep (:mod:`flask_citizencare.queries.map_cells`);
:func:`cluster_features` aggregates live when a filter cannot be answered
from it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..database.spatial import BBox, reports_in_box
from ..domain.lifecycle import Status
from ..models import Category, Report
from .filter_sql import first_public_thumbnail

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


def expected_at_expression() -> sa.ColumnElement[Any]:
    """The API's ``expected_at``: a proposal's answer term once its supports reached the threshold
    and until it is answered (not when rejected), else the resolution due time, else the step's
    (the SQL twin of :func:`~flask_citizencare.domain.sla.expected_answer`'s choice of moment)."""
    return sa.case(
        (
            sa.and_(
                Report.answer_due_at.is_not(None),
                Report.answered_at.is_(None),
                Report.status != Status.REJECTED.value,
            ),
            Report.answer_due_at,
        ),
        else_=sa.func.coalesce(Report.resolve_due_at, Report.due_at),
    )


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
    photo = first_public_thumbnail()
    # A CASE of bound labels: cheaper per row than looking the status up in a JSON object.
    status_label = sa.case(
        {status: sa.literal(label, sa.String) for status, label in labels.statuses.items()},
        value=Report.status,
    )
    if postgres:
        build = sa.func.json_build_object
        category_name = sa.func.coalesce(
            Category.names.op("->>")(sa.literal(labels.language, sa.String)), Category.name
        )
        overdue: Any = overdue_condition(now)
    else:
        build = sa.func.json_object
        category_name = sa.func.coalesce(
            sa.func.json_extract(Category.names, sa.literal('$."' + labels.language + '"', sa.String)),
            Category.name,
        )
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
        _text("expected_at"), _iso(postgres, expected_at_expression()),
        _text("overdue"), overdue,
        _text("thumbnail"),
        sa.literal(labels.photo_prefix, sa.String) + photo + sa.literal(labels.photo_suffix, sa.String),
        _text("url"),
        sa.literal(labels.report_prefix, sa.String)
        + Report.public_id
        + sa.literal(labels.report_suffix, sa.String),
    )  # fmt: skip
    feature: Any
    if postgres:
        # Text put together around ST_AsGeoJSON's own text: a json value would parse it first.
        feature = (
            _text('{"type":"Feature","id":')
            + sa.cast(sa.func.to_json(Report.public_id), sa.Text)
            + _text(',"geometry":')
            + sa.func.ST_AsGeoJSON(Report.point, PRECISION)
            + _text(',"properties":')
            + sa.cast(properties, sa.Text)
            + _text("}")
        )
    else:
        feature = build(
            _text("type"), _text("Feature"),
            _text("id"), Report.public_id,
            _text("geometry"), sa.func.json(sa.func.AsGeoJSON(Report.point, PRECISION)),
            _text("properties"), properties,
        )  # fmt: skip
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
    rows = session.connection().execute(query).all()  # Core rows: no ORM bookkeeping per row
    features = [row[0] for row in rows[:limit]]
    last = (rows[limit - 1][1], rows[limit - 1][2]) if len(rows) > limit else None
    return features, last


def probe_ids(session: Session, conditions: Sequence[sa.ColumnElement[bool]], cap: int) -> list[int]:
    """Ids of the matching reports, no more than ``cap`` of them, in no order.

    Without an order the scan stops at ``cap`` rows, so "more than fits" is
    cheap to learn even when a million match.
    """
    return list(session.scalars(sa.select(Report.id).where(*conditions).limit(cap)))


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


@dataclass
class Cluster:
    """The matching reports of one grid cell of the view's zoom (see :func:`cell_index`)."""

    gx: int
    gy: int
    count: int = 0
    sum_x: float = 0.0
    sum_y: float = 0.0
    statuses: dict[str, int] = field(default_factory=dict)
    overdue: int = 0


def cell_bounds(gx: int, gy: int, zoom: int) -> tuple[float, float, float, float]:
    """West, south, east, north of a cell of ``zoom``."""
    cell = cell_size(zoom)
    return gx * cell - 180, gy * cell - 90, (gx + 1) * cell - 180, (gy + 1) * cell - 90


def _cell_of(zoom: int) -> tuple[sa.ColumnElement[Any], sa.ColumnElement[Any]]:
    """``floor((lon + 180) / cell), floor((lat + 90) / cell)``: the cells of ``cc_map_cells`` too."""
    cell = cell_size(zoom)
    x, y = sa.func.ST_X(Report.point), sa.func.ST_Y(Report.point)
    return sa.func.floor((x + 180) / cell), sa.func.floor((y + 90) / cell)


def cluster_features(
    session: Session, conditions: Sequence[sa.ColumnElement[bool]], *, zoom: int, now: datetime
) -> list[Cluster]:
    """Live: one cluster per occupied grid cell, with its count, counts by status and overdue.

    Used when the cells of :mod:`flask_citizencare.queries.map_cells` cannot answer (a
    date or photo filter, a zoom finer than stored).
    """
    x, y = sa.func.ST_X(Report.point), sa.func.ST_Y(Report.point)
    gx, gy = (expression.label(name) for expression, name in zip(_cell_of(zoom), ("gx", "gy"), strict=True))
    query = (
        sa.select(
            gx,
            gy,
            Report.status,
            sa.func.count(),
            sa.func.sum(x),
            sa.func.sum(y),
            sa.func.sum(sa.case((overdue_condition(now), 1), else_=0)),
        )
        .where(*conditions, Report.point.is_not(None))
        .group_by(gx, gy, Report.status)
    )
    found: dict[tuple[int, int], Cluster] = {}
    for cx, cy, status, n, sum_x, sum_y, overdue in session.execute(query):
        key = (int(cx), int(cy))
        cluster = found.get(key)
        if cluster is None:
            cluster = found[key] = Cluster(*key)
        cluster.count += int(n)
        cluster.sum_x += float(sum_x)
        cluster.sum_y += float(sum_y)
        cluster.statuses[status] = int(n)
        cluster.overdue += int(overdue or 0)
    return sorted(found.values(), key=lambda c: (c.gx, c.gy))


def overdue_by_cell(
    session: Session,
    conditions: Sequence[sa.ColumnElement[bool]],
    *,
    zoom: int,
    now: datetime,
    box: BBox | None = None,
) -> dict[tuple[int, int], int]:
    """Overdue reports per cell of ``zoom`` in ``box``, counted live: overdue changes with the clock.

    The few overdue reports are found through ``ix_cc_reports_public_due``.
    On SpatiaLite the box is compared with the coordinates rather than asked
    of the R*Tree, which would list every report of a city-wide box first.
    """
    where = list(conditions)
    if box is not None:
        if _is_postgres(session):
            where.append(reports_in_box(session, box))
        else:
            x, y = sa.func.ST_X(Report.point), sa.func.ST_Y(Report.point)
            where += [x.between(box[0], box[2]), y.between(box[1], box[3])]
    gx, gy = _cell_of(zoom)
    query = (
        sa.select(gx, gy, sa.func.count())
        .where(*where, Report.point.is_not(None), overdue_condition(now))
        .group_by(gx, gy)
    )
    return {(int(cx), int(cy)): int(n) for cx, cy, n in session.execute(query)}


def as_features(clusters: Sequence[Cluster], *, zoom: int) -> list[dict[str, Any]]:
    """GeoJSON features of clusters: the members' centroid, and the cell's bounds as ``bbox``."""
    order = {status.value: i for i, status in enumerate(Status)}
    return [
        {
            "type": "Feature",
            "geometry": {
                "type": "Point",
                "coordinates": [_round(c.sum_x / c.count), _round(c.sum_y / c.count)],
            },
            "properties": {
                "cluster": True,
                "count": c.count,
                "statuses": dict(sorted(c.statuses.items(), key=lambda item: order.get(item[0], 99))),
                "overdue": c.overdue,
                "bbox": [_round(v) for v in cell_bounds(c.gx, c.gy, zoom)],
            },
        }
        for c in clusters
    ]


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
