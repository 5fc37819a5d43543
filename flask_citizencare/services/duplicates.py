"""Possible duplicates: open reports of the same kind of problem close by, filed recently.

The candidates come through the spatial index on both databases (a bounding
box around the point: PostGIS ``&&`` with ``ST_MakeEnvelope`` on the GiST
index, SpatiaLite's R*Tree ``idx_cc_reports_point`` in a sub-select, since its
spatial predicates ignore the index); the exact distance of those few is then
computed here with the haversine formula, the same on both databases.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from geoalchemy2.shape import to_shape
from sqlalchemy.orm import Session

from ..access import Actor, visible_reports
from ..database.spatial import reports_in_box
from ..domain.lifecycle import OPEN_STATUSES
from ..i18n import gettext as _
from ..models import Category, Report
from ..models.base import utcnow
from .errors import InvalidInput
from .knowledge import search_reports

DEFAULT_RADIUS_M = 50.0
DEFAULT_MAX_AGE_DAYS = 30
#: Farther than this is not "the same place": refuse rather than scan a whole town.
MAX_RADIUS_M = 5_000.0
MAX_LIMIT = 100
#: Mean Earth radius (IUGG), as PostGIS' spherical distance nearly uses.
EARTH_RADIUS_M = 6_371_008.8
#: Metres in a degree of latitude, for the bounding box (a degree of longitude: times cos(lat)).
METRES_PER_DEGREE = 111_320.0
#: The box is widened a little: a degree on the mean sphere is ~111,195 m, not 111,320.
BOX_MARGIN = 1.01
OPEN = tuple(sorted(s.value for s in OPEN_STATUSES))


def nearby_open_reports(
    session: Session,
    *,
    category_id: int,
    lon: float,
    lat: float,
    radius_m: float | None = None,
    max_age_days: int | None = None,
    exclude_id: int | None = None,
    now: datetime | None = None,
    limit: int = 10,
    public_only: bool = False,
    actor: Actor | None = None,
) -> list[tuple[Report, float]]:
    """Open reports of ``category_id`` within ``radius_m`` of the point: ``(report, metres)``, nearest first.

    Only reports received in the last ``max_age_days`` that are not merged
    into another. ``radius_m`` and ``max_age_days`` default to the category's
    own (``Category.duplicate_radius_m``, ``duplicate_age_days``), else to the
    settings ``CITIZENCARE_DUPLICATE_RADIUS_M`` and ``CITIZENCARE_DUPLICATE_MAX_AGE_DAYS``.
    ``public_only`` keeps to what the public may see (for the citizens' form);
    ``actor`` keeps to the cases that staff member may see.
    """
    own_radius, own_age = _category_defaults(session, category_id)
    radius = _radius(radius_m if radius_m is not None else own_radius)
    max_age = _max_age(max_age_days if max_age_days is not None else own_age)
    if not (_finite(lon) and _finite(lat) and -180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        raise InvalidInput(_("The position is not valid."))
    now = now or utcnow()
    limit = max(1, min(int(limit), MAX_LIMIT))

    where: list[sa.ColumnElement[bool]] = [
        Report.category_id == category_id,
        Report.status.in_(OPEN),
        Report.received_at >= now - timedelta(days=max_age),
        Report.duplicate_of_id.is_(None),
        reports_in_box(session, bounding_box(lon, lat, radius)),
    ]
    if exclude_id is not None:
        where.append(Report.id != exclude_id)
    if public_only:
        where.append(Report.is_public.is_(True))
    if actor is not None:
        where.append(visible_reports(actor))

    rows = session.execute(
        sa.select(Report, sa.func.ST_X(Report.point), sa.func.ST_Y(Report.point)).where(*where)
    ).all()
    found = []
    for report, x, y in rows:
        distance = haversine_m(lon, lat, float(x), float(y))
        if distance <= radius:
            found.append((report, distance))
    found.sort(key=lambda item: (item[1], -item[0].id))
    return found[:limit]


def similar_reports(
    session: Session, report: Report, limit: int = 5, *, actor: Actor | None = None
) -> list[tuple[Report, float | None]]:
    """Open cases that may be the same as ``report``, for its workspace: ``(case, metres or None)``.

    A located report gets :func:`nearby_open_reports` around its point. One
    without a point gets open cases of its category sharing words with its
    title (distance ``None``), or failing that the category's newest open cases.
    """
    if report.point is not None:
        point = to_shape(report.point)
        nearby = nearby_open_reports(
            session,
            category_id=report.category_id,
            lon=float(point.x),
            lat=float(point.y),
            exclude_id=report.id,
            limit=limit,
            actor=actor,
        )
        return [(other, distance) for other, distance in nearby]

    max_age = _max_age(_category_defaults(session, report.category_id)[1])
    limit = max(1, min(int(limit), MAX_LIMIT))
    same_text = search_reports(
        session,
        report.title,
        statuses=OPEN,
        category_id=report.category_id,
        limit=limit,
        any_word=True,
        exclude_id=report.id,
        actor=actor,
    )
    candidates = [other for other, _snippet, _rank in same_text if other.duplicate_of_id is None]
    if not candidates:
        where: list[sa.ColumnElement[bool]] = [
            Report.category_id == report.category_id,
            Report.status.in_(OPEN),
            Report.id != report.id,
            Report.duplicate_of_id.is_(None),
            Report.received_at >= utcnow() - timedelta(days=max_age),
        ]
        if actor is not None:
            where.append(visible_reports(actor))
        newest = sa.select(Report).where(*where).order_by(Report.received_at.desc(), Report.id.desc())
        candidates = list(session.scalars(newest.limit(limit)))
    return [(other, None) for other in candidates[:limit]]


def bounding_box(lon: float, lat: float, radius_m: float) -> tuple[float, float, float, float]:
    """``(min_lon, min_lat, max_lon, max_lat)`` that holds every point within ``radius_m``."""
    dlat = radius_m / METRES_PER_DEGREE * BOX_MARGIN
    cos_lat = math.cos(math.radians(lat))
    if cos_lat < 1e-6:
        min_lon, max_lon = -180.0, 180.0
    else:
        dlon = radius_m / (METRES_PER_DEGREE * cos_lat) * BOX_MARGIN
        min_lon, max_lon = max(lon - dlon, -180.0), min(lon + dlon, 180.0)
    return min_lon, max(lat - dlat, -90.0), max_lon, min(lat + dlat, 90.0)


def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres on the mean Earth sphere."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def _category_defaults(session: Session, category_id: int) -> tuple[int | None, int | None]:
    """The category's own duplicate radius and age (None where it uses the settings')."""
    row = session.execute(
        sa.select(Category.duplicate_radius_m, Category.duplicate_age_days).where(Category.id == category_id)
    ).first()
    return (row[0], row[1]) if row is not None else (None, None)


def _radius(value: float | None) -> float:
    if value is None:
        value = _setting("CITIZENCARE_DUPLICATE_RADIUS_M", DEFAULT_RADIUS_M)
    try:
        radius = float(value)
    except (TypeError, ValueError):
        radius = math.nan
    if not (_finite(radius) and 0 < radius <= MAX_RADIUS_M):
        raise InvalidInput(
            _("The distance must be more than 0 and at most %(most)d metres.", most=int(MAX_RADIUS_M))
        )
    return radius


def _max_age(value: int | None) -> int:
    if value is None:
        value = _setting("CITIZENCARE_DUPLICATE_MAX_AGE_DAYS", DEFAULT_MAX_AGE_DAYS)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 3660:
        raise InvalidInput(_("The age must be a whole number of days between 0 and 3660."))
    return value


def _setting(name: str, default: Any) -> Any:
    return current_app.config.get(name, default)


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
