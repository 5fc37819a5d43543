"""Which office a case goes to: routing rules as data.

A rule names an office by code and, optionally, the categories and the area it
covers. Rules are tried in order; the first that matches wins. When none does,
the category's default office takes the case. Typical use: a city split into
districts, each with its own road-maintenance team::

    CITIZENCARE_ROUTING = [
        {"office": "strade-nord", "categories": ["buche"], "area": {"type": "Polygon", ...}},
        {"office": "strade-sud", "categories": ["buche"], "area": {...}},
    ]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from shapely.geometry import Point, shape
from shapely.prepared import PreparedGeometry, prep


@dataclass(frozen=True)
class RoutingRule:
    office: str
    categories: frozenset[str] | None = None
    area: PreparedGeometry | None = None

    def matches(self, category: str, lon: float | None, lat: float | None) -> bool:
        if self.categories is not None and category not in self.categories:
            return False
        if self.area is None:
            return True
        return lon is not None and lat is not None and bool(self.area.covers(Point(lon, lat)))


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
            )
        )
    return tuple(parsed)


def route(
    rules: Sequence[RoutingRule],
    category: str,
    default_office: str | None,
    lon: float | None,
    lat: float | None,
) -> str | None:
    """The code of the office in charge, or ``None`` when nobody is (the URP triages it)."""
    for rule in rules:
        if rule.matches(category, lon, lat):
            return rule.office
    return default_office
