"""Dates and times as people read them: in the municipality's time zone and the user's language."""

from __future__ import annotations

from datetime import datetime, timedelta

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal

from .context import state
from .i18n import format_locale, ngettext
from .i18n import gettext as _


def local_time(value: datetime) -> datetime:
    return value.astimezone(state().settings.zone)


def cc_date(value: datetime | None, format: str = "medium") -> str:
    if value is None:
        return ""
    return format_date(local_time(value).date(), format=format, locale=format_locale())


def cc_datetime(value: datetime | None, format: str = "medium") -> str:
    if value is None:
        return ""
    return format_datetime(local_time(value), format=format, locale=format_locale())


def cc_number(value: int | float) -> str:
    """``10.000`` in Italian, ``10,000`` in English."""
    return format_decimal(value, locale=format_locale())


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
