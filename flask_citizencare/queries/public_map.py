"""What the public map shows of a view: a page of points, or grid clusters when it holds too many.

The plan behind ``/api/reports.geojson``. On a first page with clustering
allowed, a view holding more than ``cap`` reports is clustered. The cluster
cells (:mod:`.map_cells`) answer first when they can: a lower bound of the
matches is enough to know. Otherwise the page of points is fetched, and only a
full page of fewer than the cap needs a probe to decide. Clusters come from
the cells when the filter allows, their overdue reports counted live (overdue
changes with the clock); otherwise from a live aggregation (:mod:`.geojson`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, tzinfo
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..domain.geo import Area
from ..models import Report
from . import cursors, geojson, map_cells
from .filter_sql import filter_conditions
from .filters import PublicFilter

#: The points' order, newest first: ``(created_at, id)``.
ORDER, KEY = "public map", (cursors.Field.MOMENT, cursors.Field.INTEGER)


@dataclass(frozen=True)
class MapPoints:
    """A page of points, newest first."""

    #: Finished GeoJSON Feature texts (built in SQL).
    features: list[str]
    #: The cursor of the next page; ``None`` on the last.
    next_cursor: str | None


@dataclass(frozen=True)
class MapClusters:
    """The view's grid cells holding matches, as GeoJSON features (see :func:`geojson.as_features`)."""

    features: list[dict[str, Any]]


PublicMap = MapPoints | MapClusters


def decode_cursor(text: str) -> geojson.Key:
    """The position a :attr:`MapPoints.next_cursor` stands for; raises :class:`cursors.BadCursor`."""
    created_at, report_id = cursors.decode(text, ORDER, KEY)
    return cast(datetime, created_at), cast(int, report_id)


def public_map(
    session: Session,
    public_filter: PublicFilter,
    *,
    area: Area,
    timezone: tzinfo,
    labels: geojson.Labels,
    limit: int,
    cap: int,
    zoom: int | None = None,
    after: geojson.Key | None = None,
    cluster: bool = True,
) -> PublicMap:
    """The public reports of a view: up to ``limit`` points after ``after``, or clusters.

    ``cap`` is the most points a view may show (``CITIZENCARE_API_MAX_LIMIT``);
    clusters are only ever a first page (``after`` is None) with ``cluster``
    allowed. ``zoom`` is the map's; without it, the zoom that shows the bbox (or
    the ``area``) on a desktop screen.
    """
    conditions = [*filter_conditions(session, public_filter, timezone), Report.point.is_not(None)]
    now = datetime.now(UTC)
    clustering = cluster and after is None
    view_zoom = zoom if zoom is not None else geojson.zoom_for(public_filter.bbox or area.bounds)
    cells: map_cells.CellClusters | None = None
    if clustering and map_cells.usable(public_filter, view_zoom):
        cells = map_cells.clusters(session, public_filter, zoom=view_zoom)
        if cells.surely_inside > cap:
            return _from_cells(session, public_filter, cells, view_zoom, now, timezone)
    features, last = geojson.feature_rows(
        session, conditions, labels=labels, now=now, after=after, limit=limit
    )
    if clustering and last is not None and (limit >= cap or _more_than(session, conditions, cap)):
        if cells is not None:
            return _from_cells(session, public_filter, cells, view_zoom, now, timezone)
        found = geojson.cluster_features(session, conditions, zoom=view_zoom, now=now)
        return MapClusters(geojson.as_features(found, zoom=view_zoom))
    return MapPoints(features, cursors.encode(ORDER, last) if last is not None else None)


def _more_than(session: Session, conditions: list[sa.ColumnElement[bool]], cap: int) -> bool:
    return len(geojson.probe_ids(session, conditions, cap + 1)) > cap


def _from_cells(
    session: Session,
    public_filter: PublicFilter,
    cells: map_cells.CellClusters,
    zoom: int,
    now: datetime,
    timezone: tzinfo,
) -> MapClusters:
    """Clusters from the cells, with the overdue reports of those cells counted live."""
    box = None
    if cells.ranges is not None:
        # The cells reach past the bbox: count the overdue ones of the whole cells.
        (x0, x1), (y0, y1) = cells.ranges
        west, south, _east, _north = geojson.cell_bounds(x0, y0, zoom)
        _west, _south, east, north = geojson.cell_bounds(x1, y1, zoom)
        box = (west, south, east, north)
    conditions = filter_conditions(session, replace(public_filter, bbox=None), timezone)
    overdue = geojson.overdue_by_cell(session, conditions, zoom=zoom, now=now, box=box)
    for found in cells.clusters:
        found.overdue = overdue.get((found.gx, found.gy), 0)
    return MapClusters(geojson.as_features(cells.clusters, zoom=zoom))
