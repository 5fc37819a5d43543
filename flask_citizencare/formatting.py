"""Dates and times as people read them: in the municipality's time zone and the user's language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, get_decimal_symbol
from geoalchemy2.shape import to_shape

from .context import state
from .i18n import format_locale, ngettext
from .i18n import gettext as _


def local_time(value: datetime) -> datetime:
    return value.astimezone(state().settings.zone)


def cc_date(value: datetime | date | None, format: str = "medium") -> str:
    """A moment's local date, or a calendar date (``date``: no time zone to apply)."""
    if value is None:
        return ""
    day = local_time(value).date() if isinstance(value, datetime) else value
    return format_date(day, format=format, locale=format_locale())


def cc_datetime(value: datetime | None, format: str = "medium") -> str:
    if value is None:
        return ""
    return format_datetime(local_time(value), format=format, locale=format_locale())


def cc_number(value: int | float) -> str:
    """``10.000`` in Italian, ``10,000`` in English."""
    return format_decimal(value, locale=format_locale())


@dataclass(frozen=True)
class Place:
    """How a report's place is described on every surface: its address, its coordinates, or both."""

    address: str | None
    lat: float | None
    lon: float | None

    @property
    def has_point(self) -> bool:
        return self.lat is not None and self.lon is not None

    @property
    def coordinates(self) -> str:
        """``44.49120, 11.34260`` in English; ``44,49120; 11,34260`` in Italian.

        Where the comma is the decimal mark, a semicolon parts latitude and longitude.

        Five decimals: about a metre, the precision of a pin placed on a map.
        """
        if self.lat is None or self.lon is None:
            return ""
        locale = format_locale()
        lat = format_decimal(self.lat, format="0.00000", locale=locale)
        lon = format_decimal(self.lon, format="0.00000", locale=locale)
        separator = "; " if get_decimal_symbol(locale) == "," else ", "
        return f"{lat}{separator}{lon}"

    @property
    def geo_uri(self) -> str:
        """RFC 5870 ``geo:`` URI (always with a point as decimal mark), which phones open in their map app."""
        if self.lat is None or self.lon is None:
            return ""
        return f"geo:{self.lat:.6f},{self.lon:.6f}"

    def __bool__(self) -> bool:
        return bool(self.address) or self.has_point


def cc_place(report: Any) -> Place:
    """The one rule for describing a report's place: the stored address (given, or the host's
    reverse geocoding at filing) and the coordinates when the report has a point."""
    point = getattr(report, "point", None)
    address = (getattr(report, "address", None) or "").strip() or None
    if point is None:
        return Place(address, None, None)
    shape = to_shape(point)
    return Place(address, round(shape.y, 6), round(shape.x, 6))


def cc_duration(seconds: float | timedelta | None) -> str:
    """A length of time in words, in hours and minutes: "30 minutes", "2 hours and 54 minutes".

    Rounded to the minute; the sign is dropped (the sentence around it says
    "left" or "overdue by"). Hours are not turned into days: this writes
    business time, where a day of work is not 24 hours.
    """
    if seconds is None:
        return ""
    if isinstance(seconds, timedelta):
        seconds = seconds.total_seconds()
    total = round(abs(seconds) / 60)
    hours, minutes = divmod(total, 60)
    locale = format_locale()
    minutes_text = ngettext(
        "%(count)s minute", "%(count)s minutes", minutes, count=format_decimal(minutes, locale=locale)
    )
    if not hours:
        return minutes_text
    hours_text = ngettext(
        "%(count)s hour", "%(count)s hours", hours, count=format_decimal(hours, locale=locale)
    )
    if not minutes:
        return hours_text
    return _("%(hours)s and %(minutes)s", hours=hours_text, minutes=minutes_text)
