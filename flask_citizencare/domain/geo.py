"""Where a report may be placed: valid WGS84 coordinates inside the municipality's area."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from shapely.geometry import Point, box, shape
from shapely.geometry.base import BaseGeometry
from shapely.prepared import PreparedGeometry, prep


class LocationError(ValueError):
    """The coordinates cannot be accepted; ``code`` says why."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Area:
    """The municipality's area; ``None`` geometry accepts every valid coordinate."""

    geometry: BaseGeometry | None
    _prepared: PreparedGeometry | None = None

    @classmethod
    def from_setting(cls, value: Sequence[float] | Mapping[str, Any] | None) -> Area:
        """Build from ``CITIZENCARE_AREA``: a bbox ``(min_lon, min_lat, max_lon, max_lat)`` or GeoJSON."""
        if value is None:
            return cls(None)
        if isinstance(value, Mapping):
            geometry = shape(value)
            if geometry.geom_type not in {"Polygon", "MultiPolygon"} or not geometry.is_valid:
                raise ValueError("CITIZENCARE_AREA must be a valid GeoJSON Polygon or MultiPolygon")
        else:
            min_lon, min_lat, max_lon, max_lat = (float(v) for v in value)
            if not (min_lon < max_lon and min_lat < max_lat):
                raise ValueError("CITIZENCARE_AREA bbox must be (min_lon, min_lat, max_lon, max_lat)")
            geometry = box(min_lon, min_lat, max_lon, max_lat)
        return cls(geometry, prep(geometry))

    @property
    def bounds(self) -> tuple[float, float, float, float] | None:
        return None if self.geometry is None else tuple(self.geometry.bounds)

    def contains(self, lon: float, lat: float) -> bool:
        if self._prepared is None:
            return True
        return bool(self._prepared.covers(Point(lon, lat)))


@dataclass(frozen=True)
class District:
    """A named part of the municipality (an entry of ``CITIZENCARE_DISTRICTS``).

    The staff queue filters by its box, the dashboards count reports by it.
    """

    name: str
    area: Area

    @classmethod
    def from_setting(cls, entry: Mapping[str, Any]) -> District:
        """Build from ``{"name": "Navile", "bbox": (min_lon, min_lat, max_lon, max_lat)}``."""
        area = Area.from_setting(entry["bbox"])
        return cls(str(entry["name"]), area)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        bounds = self.area.bounds
        assert bounds is not None  # a district always has a box
        return bounds


def as_districts(entries: Iterable[District | Mapping[str, Any]]) -> tuple[District, ...]:
    """Districts as given: parsed ones as they are, raw setting entries parsed."""
    return tuple(e if isinstance(e, District) else District.from_setting(e) for e in entries)


def check_point(lat: float, lon: float, area: Area) -> tuple[float, float]:
    """Return ``(lat, lon)`` if acceptable; raise :class:`LocationError` otherwise.

    NaN and infinities pass most numeric parsers (``float("nan")``, WTForms'
    FloatField, JSON with Python's decoder), so they are refused here, once.
    """
    if not (math.isfinite(lat) and math.isfinite(lon)):
        raise LocationError("not_finite")
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        raise LocationError("out_of_range")
    if not area.contains(lon, lat):
        raise LocationError("outside_area")
    return lat, lon
