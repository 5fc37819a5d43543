"""Spatial conditions that go through the spatial index on both databases."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..models import Report, ServiceNotice

BBox = tuple[float, float, float, float]


def reports_in_box(session: Session, box: BBox) -> sa.ColumnElement[bool]:
    """Reports whose point lies in ``(min_lon, min_lat, max_lon, max_lat)``, found through the index.

    PostGIS answers ``&&`` from the GiST index. SpatiaLite's spatial predicates
    ignore its R*Tree, so the candidate rowids are asked of the R*Tree table
    itself (``idx_cc_reports_point``) in a sub-select.
    """
    min_lon, min_lat, max_lon, max_lat = box
    if session.get_bind().dialect.name == "postgresql":
        return Report.point.op("&&")(sa.func.ST_MakeEnvelope(min_lon, min_lat, max_lon, max_lat, 4326))
    rtree = sa.table(
        "idx_cc_reports_point",
        sa.column("pkid"),
        sa.column("xmin"),
        sa.column("xmax"),
        sa.column("ymin"),
        sa.column("ymax"),
    )
    return Report.id.in_(
        sa.select(rtree.c.pkid).where(
            rtree.c.xmax >= min_lon, rtree.c.xmin <= max_lon, rtree.c.ymax >= min_lat, rtree.c.ymin <= max_lat
        )
    )


def notices_near_point(session: Session, lon: float, lat: float) -> sa.ColumnElement[bool]:
    """Notices whose area's bounding box holds the point, found through the spatial index (the exact
    test is :func:`~flask_citizencare.domain.notices.areas.covers_point` on the few found)."""
    if session.get_bind().dialect.name == "postgresql":
        return ServiceNotice.area.op("&&")(sa.func.ST_MakeEnvelope(lon, lat, lon, lat, 4326))
    rtree = sa.table(
        "idx_cc_notices_area",
        sa.column("pkid"),
        sa.column("xmin"),
        sa.column("xmax"),
        sa.column("ymin"),
        sa.column("ymax"),
    )
    return ServiceNotice.id.in_(
        sa.select(rtree.c.pkid).where(
            rtree.c.xmin <= lon, rtree.c.xmax >= lon, rtree.c.ymin <= lat, rtree.c.ymax >= lat
        )
    )
