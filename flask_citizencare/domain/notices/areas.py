"""Where a notice or a subscription applies: a drawn polygon, chosen districts, or a circle.

Plain shapely, no database: the services store the result as a MULTIPOLYGON
(:func:`as_multipolygon`), the queries match points and areas through the
spatial index.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence

from shapely.geometry import MultiPolygon, Point, Polygon, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from ..geo import Area, District

#: Vertices a drawn area may have (a form field, not a cadastre).
MAX_VERTICES = 2_000
#: Characters of GeoJSON a form may send for an area.
MAX_GEOJSON = 200_000
#: Metres in a degree of latitude.
_METRES_PER_DEGREE = 111_320.0
MIN_RADIUS_M, MAX_RADIUS_M = 50, 5_000


class AreaError(ValueError):
    """The area cannot be accepted; ``code`` says why (``invalid``, ``too_complex``, ``outside``,
    ``unknown_district``, ``radius``)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def as_multipolygon(geometry: BaseGeometry) -> MultiPolygon:
    if isinstance(geometry, MultiPolygon):
        return geometry
    if isinstance(geometry, Polygon):
        return MultiPolygon([geometry])
    raise AreaError("invalid")


def parse_geojson(text: str) -> MultiPolygon:
    """A GeoJSON Polygon or MultiPolygon (bare, a Feature, or a FeatureCollection of them), valid,
    with finite WGS84 coordinates and at most :data:`MAX_VERTICES` vertices."""
    if len(text) > MAX_GEOJSON:
        raise AreaError("too_complex")
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        raise AreaError("invalid") from None
    geometries = _geometries(data)
    try:
        parts = [shape(g) for g in geometries]
    except (ValueError, TypeError, KeyError, AttributeError, IndexError):
        raise AreaError("invalid") from None
    if not parts or any(p.geom_type not in {"Polygon", "MultiPolygon"} for p in parts):
        raise AreaError("invalid")
    merged = unary_union(parts) if len(parts) > 1 else parts[0]
    _check_coordinates(merged)
    if not merged.is_valid or merged.is_empty:
        raise AreaError("invalid")
    return as_multipolygon(merged)


def _refuse_constant(name: str) -> float:
    raise ValueError(name)


def _geometries(data: object) -> list[object]:
    if not isinstance(data, dict):
        raise AreaError("invalid")
    kind = data.get("type")
    if kind == "FeatureCollection":
        features = data.get("features")
        if not isinstance(features, list) or len(features) > 100:
            raise AreaError("invalid")
        return [g for f in features for g in _geometries(f)]
    if kind == "Feature":
        return _geometries(data.get("geometry"))
    if kind in ("Polygon", "MultiPolygon"):
        return [data]
    raise AreaError("invalid")


def _points(geometry: BaseGeometry) -> Iterable[tuple[float, ...]]:
    polygons = geometry.geoms if isinstance(geometry, MultiPolygon) else [geometry]
    for polygon in polygons:
        yield from polygon.exterior.coords
        for ring in polygon.interiors:
            yield from ring.coords


def _check_coordinates(geometry: BaseGeometry) -> None:
    count = 0
    for point in _points(geometry):
        count += 1
        if count > MAX_VERTICES:
            raise AreaError("too_complex")
        lon, lat = point[0], point[1]
        if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
            raise AreaError("invalid")


def check_inside(geometry: BaseGeometry, area: Area) -> None:
    """Refuse an area that reaches outside the municipality (a little rounding aside)."""
    if area.geometry is None:
        return
    if not area.geometry.buffer(1e-6).covers(geometry):
        raise AreaError("outside")


def districts_area(names: Sequence[str], districts: Sequence[District]) -> MultiPolygon | None:
    """The union of the named districts (None for none); an unknown name is refused."""
    if not names:
        return None
    known = {d.name: d for d in districts}
    shapes = []
    for name in names:
        if name not in known or known[name].area.geometry is None:
            raise AreaError("unknown_district")
        shapes.append(known[name].area.geometry)
    return as_multipolygon(unary_union(shapes))


def circle(lat: float, lon: float, radius_m: float, *, sides: int = 48) -> MultiPolygon:
    """A polygon close to the circle of ``radius_m`` metres around the point (for matching through
    the spatial index; the exact distance is checked apart where it matters)."""
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise AreaError("invalid")
    if not (math.isfinite(radius_m) and MIN_RADIUS_M <= radius_m <= MAX_RADIUS_M):
        raise AreaError("radius")
    dlat = radius_m / _METRES_PER_DEGREE
    dlon = radius_m / (_METRES_PER_DEGREE * max(math.cos(math.radians(lat)), 1e-6))
    ring = [
        (lon + dlon * math.cos(2 * math.pi * i / sides), lat + dlat * math.sin(2 * math.pi * i / sides))
        for i in range(sides)
    ]
    return MultiPolygon([Polygon(ring)])


def covers_point(geometry: BaseGeometry | None, lon: float, lat: float) -> bool:
    return geometry is not None and bool(geometry.covers(Point(lon, lat)))
