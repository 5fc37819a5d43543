"""Which office a case goes to: routing rules as data.

A rule names an office by code and, optionally, the categories and the area it
covers (drawn, or a district's). Rules are tried in order; the first that
matches wins. When none does, the category's default office takes the case.
The rules managers keep on screen (``origin`` ``"stored"``) come before the
ones of the setting (``"configured"``); :func:`explain` says which one matched. Typical use: a city split into
districts, each with its own road-maintenance team::

    CITIZENCARE_ROUTING = [
        {"office": "strade-nord", "categories": ["buche"], "area": {"type": "Polygon", ...}},
        {"office": "strade-sud", "categories": ["buche"], "area": {...}},
    ]
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from shapely.errors import GEOSException
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry
from shapely.prepared import PreparedGeometry, prep
from shapely.validation import explain_validity

from .geo import Area, District

#: Limits of a drawn or pasted area: its GeoJSON text, and its vertices.
AREA_MAX_BYTES = 200_000
AREA_MAX_VERTICES = 5000


@dataclass(frozen=True)
class RoutingRule:
    """One rule. ``categories`` by code (the setting's), ``category_ids`` by id (stored rules).

    ``district`` names the district whose geometry ``area`` is, for display;
    ``origin`` and ``number`` (from 1, within its origin) say which rule it is.
    """

    office: str
    categories: frozenset[str] | None = None
    area: PreparedGeometry | None = None
    category_ids: frozenset[int] | None = None
    district: str | None = None
    origin: str = "configured"
    number: int = 0
    rule_id: int | None = None

    def matches(
        self, category: str, lon: float | None, lat: float | None, category_id: int | None = None
    ) -> bool:
        if self.categories is not None and category not in self.categories:
            return False
        if self.category_ids is not None and category_id not in self.category_ids:
            return False
        if self.area is None:
            return True
        return lon is not None and lat is not None and bool(self.area.covers(Point(lon, lat)))


@dataclass(frozen=True)
class Match:
    """Where a case goes and why: ``how`` is ``"rule"``, ``"default"`` (the category's) or ``"none"``."""

    office: str | None
    how: str
    rule: RoutingRule | None = None


def parse_rules(rules: Iterable[Mapping[str, Any]] | None) -> tuple[RoutingRule, ...]:
    """Rules from the ``CITIZENCARE_ROUTING`` setting; raises ``ValueError`` with what is wrong."""
    parsed = []
    for number, rule in enumerate(rules or (), start=1):
        if not isinstance(rule, Mapping) or not isinstance(rule.get("office"), str):
            raise ValueError(f"rule {number} needs an 'office' code")
        categories = rule.get("categories")
        area = rule.get("area")
        geometry = shape(area) if area is not None else None
        if geometry is not None and (
            geometry.geom_type not in {"Polygon", "MultiPolygon"} or not geometry.is_valid
        ):
            raise ValueError(f"rule {number}: 'area' must be a valid GeoJSON Polygon or MultiPolygon")
        parsed.append(
            RoutingRule(
                office=rule["office"],
                categories=frozenset(categories) if categories is not None else None,
                area=prep(geometry) if geometry is not None else None,
                number=number,
            )
        )
    return tuple(parsed)


def explain(
    rules: Sequence[RoutingRule],
    category: str,
    default_office: str | None,
    lon: float | None,
    lat: float | None,
    category_id: int | None = None,
) -> Match:
    """The office in charge and the rule that chose it (or the default, or nobody: the URP)."""
    for rule in rules:
        if rule.matches(category, lon, lat, category_id):
            return Match(rule.office, "rule", rule)
    if default_office is not None:
        return Match(default_office, "default")
    return Match(None, "none")


def route(
    rules: Sequence[RoutingRule],
    category: str,
    default_office: str | None,
    lon: float | None,
    lat: float | None,
    category_id: int | None = None,
) -> str | None:
    """The code of the office in charge, or ``None`` when nobody is (the URP triages it)."""
    return explain(rules, category, default_office, lon, lat, category_id).office


@dataclass(frozen=True)
class StoredRule:
    """A stored rule as read from the database, to be turned into a :class:`RoutingRule`."""

    rule_id: int
    number: int
    office: str
    category_id: int | None
    district: str | None
    area: Mapping[str, Any] | None


def stored_rules(rows: Iterable[StoredRule], districts: Sequence[District]) -> tuple[RoutingRule, ...]:
    """The active stored rules as routing rules; a district rule covers its district's geometry.

    A rule whose district is no longer configured, or whose area cannot be
    read, matches nothing (the administration screen shows it as broken).
    """
    by_name = {d.name: d for d in districts}
    parsed = []
    for row in rows:
        area: PreparedGeometry | None = None
        if row.district is not None:
            district = by_name.get(row.district)
            if district is None or district.area.geometry is None:
                continue
            area = prep(district.area.geometry)
        elif row.area is not None:
            try:
                geometry = shape(row.area)
            except (GEOSException, ValueError, TypeError, KeyError, AttributeError, IndexError):
                continue
            if geometry.is_empty or not geometry.is_valid:
                continue
            area = prep(geometry)
        parsed.append(
            RoutingRule(
                office=row.office,
                area=area,
                category_ids=frozenset({row.category_id}) if row.category_id is not None else None,
                district=row.district,
                origin="stored",
                number=row.number,
                rule_id=row.rule_id,
            )
        )
    return tuple(parsed)


class AreaError(ValueError):
    """A drawn or pasted area cannot be used; ``code`` says why (``detail`` may say where)."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(code)
        self.code = code
        self.detail = detail


def _reject_constant(name: str) -> Any:
    raise AreaError("not_geojson")


def _count_vertices(coordinates: Any, depth: int) -> int:
    """Vertices of a Polygon (depth 2) or MultiPolygon (depth 3) coordinate array; checks each pair."""
    if not isinstance(coordinates, list):
        raise AreaError("malformed")
    if depth == 0:
        if len(coordinates) < 2 or len(coordinates) > 3:
            raise AreaError("malformed")
        for value in coordinates:
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise AreaError("malformed")
        lon, lat = coordinates[0], coordinates[1]
        if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
            raise AreaError("out_of_range")
        return 1
    total = 0
    for item in coordinates:
        total += _count_vertices(item, depth - 1)
        if total > AREA_MAX_VERTICES:
            raise AreaError("too_many_vertices")
    return total


def parse_area(text: str, municipality: Area) -> tuple[dict[str, Any], BaseGeometry]:
    """A drawn or pasted area: GeoJSON text of a Polygon or MultiPolygon (or a Feature of one).

    Returns the geometry as a plain GeoJSON mapping (what is stored) and as a
    shapely geometry. Raises :class:`AreaError`: ``empty``, ``too_big``,
    ``not_geojson``, ``not_polygon``, ``malformed``, ``out_of_range``,
    ``too_many_vertices``, ``invalid`` (with shapely's reason, e.g. a
    self-intersection) or ``outside`` (nowhere inside the municipality).
    """
    if not text.strip():
        raise AreaError("empty")
    if len(text.encode("utf-8")) > AREA_MAX_BYTES:
        raise AreaError("too_big")
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        raise AreaError("not_geojson") from None
    if isinstance(value, dict) and value.get("type") == "Feature":
        value = value.get("geometry")
    if not isinstance(value, dict) or value.get("type") not in {"Polygon", "MultiPolygon"}:
        raise AreaError("not_polygon")
    kind = value["type"]
    coordinates = value.get("coordinates")
    _count_vertices(coordinates, 2 if kind == "Polygon" else 3)
    if not coordinates:
        raise AreaError("empty")
    try:
        geometry = shape({"type": kind, "coordinates": coordinates})
    except (GEOSException, ValueError, TypeError, IndexError):
        raise AreaError("malformed") from None
    if geometry.is_empty:
        raise AreaError("empty")
    if not geometry.is_valid:
        raise AreaError("invalid", explain_validity(geometry))
    if geometry.area == 0:
        raise AreaError("empty")
    if municipality.geometry is not None and not geometry.intersects(municipality.geometry):
        raise AreaError("outside")
    return {"type": kind, "coordinates": coordinates}, geometry


def overlaps(first: BaseGeometry, second: BaseGeometry) -> bool:
    """Whether two areas share some surface (touching along a border is not overlapping)."""
    return bool(first.intersects(second)) and first.intersection(second).area > 0


def same_area(first: BaseGeometry, second: BaseGeometry) -> bool:
    return bool(first.equals(second))
