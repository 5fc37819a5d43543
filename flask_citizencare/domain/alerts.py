"""Local alerts as rules: which place and categories a subscription asks for, and its digest periods.

Plain Python: the sweep (:mod:`flask_citizencare.services.alert_mails`) builds
an :class:`AlertPlace` per subscription once and asks it of every new public
report. A circle is matched on the exact distance (the stored polygon is a
48-sided approximation, good for an index, not for the edge); a district or a
drawn area on its polygon. No place at all is the whole municipality.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo

from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry
from shapely.prepared import PreparedGeometry, prep

#: Mean Earth radius (IUGG), metres: the haversine distance is within 0.5 % of the ellipsoid's.
EARTH_RADIUS_M = 6_371_008.8

#: How often a subscription is mailed.
INSTANT, DAILY, WEEKLY = "instant", "daily", "weekly"
DIGEST_FREQUENCIES = (DAILY, WEEKLY)


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class AlertPlace:
    """Where a subscription looks: a circle, else a polygon (district or drawn), else everywhere.

    ``categories``: the category ids asked for; empty means every category.
    """

    categories: frozenset[int] = frozenset()
    centre: tuple[float, float] | None = None  # (lat, lon)
    radius_m: float | None = None
    geometry: BaseGeometry | None = None
    _prepared: PreparedGeometry | None = None

    @classmethod
    def build(
        cls,
        *,
        categories: Iterable[int] = (),
        centre_lat: float | None = None,
        centre_lon: float | None = None,
        radius_m: float | None = None,
        geometry: BaseGeometry | None = None,
    ) -> AlertPlace:
        ids = frozenset(int(c) for c in categories if isinstance(c, int) and not isinstance(c, bool))
        if centre_lat is not None and centre_lon is not None and radius_m is not None:
            return cls(ids, (float(centre_lat), float(centre_lon)), float(radius_m))
        if geometry is not None and not geometry.is_empty:
            return cls(ids, geometry=geometry, _prepared=prep(geometry))
        return cls(ids)

    def covers(self, lon: float | None, lat: float | None) -> bool:
        """Whether a report at the point lies in the place; a report without a point only in "everywhere"."""
        everywhere = self.centre is None and self._prepared is None
        if lon is None or lat is None:
            return everywhere
        if self.centre is not None and self.radius_m is not None:
            return distance_m(self.centre[0], self.centre[1], lat, lon) <= self.radius_m
        if self._prepared is not None:
            return bool(self._prepared.covers(Point(lon, lat)))
        return True

    def wants(self, category_id: int) -> bool:
        return not self.categories or category_id in self.categories

    def matches(self, *, lon: float | None, lat: float | None, category_id: int) -> bool:
        return self.wants(category_id) and self.covers(lon, lat)


def digest_period(frequency: str, now: datetime, zone: tzinfo) -> str:
    """The name of the digest period ``now`` falls in, in the municipality's time zone.

    ``daily``: the local date (``2026-12-04``); ``weekly``: the ISO week
    (``2026-W49``). A subscription gets at most one digest per period: the
    period is part of the mail's once-only key.
    """
    local = now.astimezone(zone)
    if frequency == DAILY:
        return local.date().isoformat()
    if frequency == WEEKLY:
        year, week, _ = local.isocalendar()
        return f"{year}-W{week:02d}"
    raise ValueError(f"not a digest frequency: {frequency!r}")


#: How far back the instant sweep looks for reports that became public (a sweep that did not run
#: for longer misses the older ones; run ``flask citizencare alerts send`` every few minutes).
INSTANT_LOOKBACK = timedelta(days=2)
#: How far back a digest looks at most (a weekly digest covers its week; a pause of the command
#: longer than this drops the oldest news rather than sending a month in one mail).
DIGEST_LOOKBACK = timedelta(days=15)
#: Most items one digest lists (the rest are counted, with the link to the map).
DIGEST_MAX_ITEMS = 100


@dataclass(frozen=True)
class AlertItem:
    """One piece of news a subscription may be told: a report or proposal that is public, or the
    published answer of a public proposal. Only what the public page shows.

    ``key`` names it for the once-only record ("report:12", "answer:7"); ``topic`` is the
    subscription topic it belongs to; ``since`` the moment it counts from for a subscriber
    (creation of the report, publication of the answer): a subscription confirmed later is not
    told about it; ``at`` the moment it last changed (what the sweep's window looks at).
    """

    key: str
    topic: str
    kind: str
    number: str
    title: str
    category_id: int
    category_name: str
    category_names: Mapping[str, str]
    status: str
    address: str | None
    lon: float | None
    lat: float | None
    since: datetime
    at: datetime
    answer_state: str | None = None
    answer_states: Mapping[str, str] = field(default_factory=dict)

    def category_label(self, language: str) -> str:
        return self.category_names.get(language) or self.category_name

    def answer_label(self, language: str) -> str:
        return self.answer_states.get(language) or self.answer_state or ""
