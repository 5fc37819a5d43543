"""The filters of the public map, API and open data: parsed once (their SQL is in :mod:`.filter_sql`).

Every public output (``/api/reports.geojson``, the map page, ``/opendata``,
the dashboard) reads its query string through :func:`parse_public_filter`, so
the same words mean the same thing everywhere and bad input is refused the
same way: a :class:`FilterError` naming the parameter, with a message in the
visitor's language.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from ..database.spatial import BBox
from ..domain.geo import Area
from ..domain.lifecycle import CLOSED_STATUSES, OPEN_STATUSES, Kind, Status
from ..i18n import gettext as _
from ..parsing import MAX_DATE, MIN_DATE, InputError, parse_date

#: Status groups a visitor can ask for.
GROUPS = {"open": OPEN_STATUSES, "closed": CLOSED_STATUSES}
#: Longest text accepted in any one parameter (category lists included).
MAX_PARAMETER_LENGTH = 2000
TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off"}
#: Dates outside these years are refused (the rule of :mod:`flask_citizencare.parsing`).
MIN_YEAR, MAX_YEAR = MIN_DATE.year, MAX_DATE.year


class FilterError(ValueError):
    """A parameter that cannot be accepted; ``message`` is translated, ready to show."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(f"{parameter}: {message}")
        self.parameter = parameter
        self.message = message


@dataclass(frozen=True)
class PublicFilter:
    """What a visitor asked for. Empty tuples and ``None`` mean "no condition"."""

    bbox: BBox | None = None
    kinds: tuple[str, ...] = ()
    #: Category codes, checked against the catalogue.
    categories: tuple[str, ...] = ()
    #: Statuses asked for, the group (open/closed) already expanded.
    statuses: tuple[str, ...] = ()
    group: str | None = None
    since: date | None = None
    until: date | None = None
    has_photo: bool | None = None

    def query_args(self) -> dict[str, str]:
        """The filter as query-string parameters (for links that keep it: CSV, next page)."""
        args: dict[str, str] = {}
        if self.bbox is not None:
            args["bbox"] = ",".join(f"{v:.6f}".rstrip("0").rstrip(".") for v in self.bbox)
        if self.kinds:
            args["kind"] = ",".join(self.kinds)
        if self.categories:
            args["category"] = ",".join(self.categories)
        if self.group:
            args["group"] = self.group
        elif self.statuses:
            args["status"] = ",".join(self.statuses)
        if self.since:
            args["since"] = self.since.isoformat()
        if self.until:
            args["until"] = self.until.isoformat()
        if self.has_photo is not None:
            args["has_photo"] = "true" if self.has_photo else "false"
        return args


def _values(args: Mapping[str, Any], name: str) -> list[str]:
    """Every comma-separated value of a parameter given once or repeated; blanks dropped."""
    getlist = getattr(args, "getlist", None)
    raw: Iterable[Any] = getlist(name) if getlist is not None else [args.get(name)]
    values: list[str] = []
    for item in raw:
        if item is None:
            continue
        if not isinstance(item, str) or len(item) > MAX_PARAMETER_LENGTH:
            raise FilterError(name, _("This value is too long."))
        values.extend(part.strip() for part in item.split(",") if part.strip())
    return values


def parse_bbox(text: str, area: Area) -> BBox:
    """``minLon,minLat,maxLon,maxLat``: four finite numbers in range, min < max, touching the area."""
    parts = text.split(",")
    if len(parts) != 4:
        raise FilterError(
            "bbox", _("Give four numbers: west,south,east,north (minLon,minLat,maxLon,maxLat).")
        )
    try:
        numbers = [float(part) for part in parts]
    except ValueError:
        raise FilterError(
            "bbox", _("Give four numbers: west,south,east,north (minLon,minLat,maxLon,maxLat).")
        ) from None
    if not all(math.isfinite(v) for v in numbers):
        raise FilterError("bbox", _("The corners must be finite numbers."))
    min_lon, min_lat, max_lon, max_lat = numbers
    if not (
        -180 <= min_lon <= 180 and -180 <= max_lon <= 180 and -90 <= min_lat <= 90 and -90 <= max_lat <= 90
    ):
        raise FilterError("bbox", _("Longitudes go from -180 to 180 and latitudes from -90 to 90."))
    if not (min_lon < max_lon and min_lat < max_lat):
        raise FilterError("bbox", _("The first corner must be south-west of the second (min < max)."))
    bounds = area.bounds
    if bounds is not None:
        a_min_lon, a_min_lat, a_max_lon, a_max_lat = bounds
        if max_lon < a_min_lon or min_lon > a_max_lon or max_lat < a_min_lat or min_lat > a_max_lat:
            raise FilterError("bbox", _("This area is outside the municipality."))
    return (min_lon, min_lat, max_lon, max_lat)


def _parse_date(name: str, values: list[str]) -> date | None:
    if not values:
        return None
    if len(values) > 1:
        raise FilterError(name, _("Give one date, as YYYY-MM-DD."))
    try:
        # Time-zone and month arithmetic overflow at the ends of the calendar (year 1, year 9999).
        return parse_date(values[0])
    except InputError as error:
        raise FilterError(name, str(error.message)) from None


def _parse_bool(name: str, values: list[str]) -> bool | None:
    if not values:
        return None
    word = values[0].lower()
    if len(values) > 1 or word not in TRUE_WORDS | FALSE_WORDS:
        raise FilterError(name, _("Use true or false."))
    return word in TRUE_WORDS


def parse_public_filter(
    args: Mapping[str, Any], *, area: Area, category_codes: Iterable[str], require_bbox: bool = False
) -> PublicFilter:
    """Read a query string (a Werkzeug ``MultiDict`` or a plain mapping); raise :class:`FilterError`."""
    bbox_values = _values(args, "bbox")
    if require_bbox and not bbox_values:
        raise FilterError("bbox", _("Give the area to show, as bbox=west,south,east,north."))
    bbox = parse_bbox(",".join(bbox_values), area) if bbox_values else None

    kinds = tuple(dict.fromkeys(_values(args, "kind")))
    known_kinds = {k.value for k in Kind}
    if any(k not in known_kinds for k in kinds):
        raise FilterError("kind", _("Unknown kind: use %(choices)s.", choices=", ".join(sorted(known_kinds))))

    categories = tuple(dict.fromkeys(_values(args, "category")))
    known_categories = set(category_codes)
    unknown = [c for c in categories if c not in known_categories]
    if unknown:
        raise FilterError("category", _("Unknown category: %(codes)s.", codes=", ".join(unknown[:5])))

    group_values = _values(args, "group")
    group = group_values[0] if group_values else None
    if len(group_values) > 1 or (group is not None and group not in GROUPS):
        raise FilterError("group", _("Use open or closed."))
    statuses = tuple(dict.fromkeys(_values(args, "status")))
    known_statuses = {s.value for s in Status}
    if any(s not in known_statuses for s in statuses):
        raise FilterError(
            "status", _("Unknown status: use %(choices)s.", choices=", ".join(s.value for s in Status))
        )
    if group is not None:
        in_group = {s.value for s in GROUPS[group]}
        statuses = tuple(s for s in statuses if s in in_group) if statuses else tuple(sorted(in_group))
        if not statuses:
            # A status outside the group: nothing can match, and saying so is not an error.
            statuses = ("",)

    since = _parse_date("since", _values(args, "since"))
    until = _parse_date("until", _values(args, "until"))
    if since and until and since > until:
        raise FilterError("until", _("The end date comes before the start date."))
    has_photo = _parse_bool("has_photo", _values(args, "has_photo"))
    return PublicFilter(
        bbox=bbox,
        kinds=kinds,
        categories=categories,
        statuses=statuses,
        group=group,
        since=since,
        until=until,
        has_photo=has_photo,
    )
