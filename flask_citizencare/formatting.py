"""Dates and times as people read them: in the municipality's time zone and the user's language."""

from __future__ import annotations

from datetime import datetime

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal

from .context import state
from .i18n import current_language


def local_time(value: datetime) -> datetime:
    return value.astimezone(state().settings.zone)


def cc_date(value: datetime | None, format: str = "medium") -> str:
    if value is None:
        return ""
    return format_date(local_time(value).date(), format=format, locale=current_language())


def cc_datetime(value: datetime | None, format: str = "medium") -> str:
    if value is None:
        return ""
    return format_datetime(local_time(value), format=format, locale=current_language())


def cc_number(value: int | float) -> str:
    """``10.000`` in Italian, ``10,000`` in English."""
    return format_decimal(value, locale=current_language())
