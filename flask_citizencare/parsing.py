"""The one set of rules that turns text from a request into values the database can take.

Both databases refuse what a browser can send without effort: an integer
beyond what the column holds overflows the drivers (INTEGER is 32 bits on
PostgreSQL), PostgreSQL refuses a NUL character in text ("A string literal
cannot contain NUL"), and dates at the ends of the calendar (year 1, year
9999) overflow the time-zone and day arithmetic done on them. Every query
argument, form field and path segment goes through these helpers (directly,
through the URL converter :class:`DatabaseIdConverter`, or through the form
mixin in :mod:`flask_citizencare.web.forms`), so the answer is always the same
400 (404 for a path) in the visitor's language, never a 500.

Plain Python: no request objects here; messages are lazy, translated when shown.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from werkzeug.routing import IntegerConverter

from .i18n import lazy_gettext as _l

#: Largest value of our ``INTEGER`` columns (ids, versions) on PostgreSQL, where they are 32-bit;
#: SQLite would take 64 bits, but the same input must get the same answer on both databases.
MAX_DATABASE_INT = 2**31 - 1
#: Dates outside these are refused everywhere (filters, intake, cursors).
MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(2999, 12, 31)
#: NUL and the C0/C1 control characters but tab, line feed and carriage return.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SINGLE_LINE_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_DIGITS = re.compile(r"[0-9]{1,19}")


class InputError(ValueError):
    """A value that cannot be accepted; ``message`` is a lazy translated string, ready to show."""

    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = message


def has_nul(value: str) -> bool:
    return "\x00" in value


def parse_int(text: str | None, *, minimum: int = 0, maximum: int = MAX_DATABASE_INT) -> int:
    """A whole number written with ASCII digits (an optional leading minus), within bounds."""
    value = (text or "").strip()
    negative = value.startswith("-")
    digits = value[1:] if negative else value
    if not _DIGITS.fullmatch(digits):
        raise InputError(_l("Enter a whole number."))
    number = -int(digits) if negative else int(digits)
    if not minimum <= number <= maximum:
        raise InputError(_l("Enter a whole number from %(low)d to %(high)d.", low=minimum, high=maximum))
    return number


def parse_id(text: str | None) -> int:
    """A database id: 1 to 2**31 - 1."""
    return parse_int(text, minimum=1)


def optional_id(text: Any) -> int | None:
    """A database id, or ``None`` for a blank value; raises :class:`InputError` (a ``ValueError``).

    Usable as a WTForms ``coerce`` (an ``int`` or ``None`` passes through).
    """
    if text is None or (isinstance(text, int) and not isinstance(text, bool)):
        if text is not None and not 1 <= text <= MAX_DATABASE_INT:
            raise InputError(_l("This is not one of the choices."))
        return text
    if not str(text).strip():
        return None
    try:
        return parse_id(str(text))
    except InputError:
        raise InputError(_l("This is not one of the choices.")) from None


def check_int(value: Any) -> bool:
    """``value`` is an int (not a bool) a database column can hold."""
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) <= MAX_DATABASE_INT


def date_in_range(day: date) -> date:
    """``day`` itself, if it lies between :data:`MIN_DATE` and :data:`MAX_DATE`."""
    if not MIN_DATE <= (day.date() if isinstance(day, datetime) else day) <= MAX_DATE:
        raise InputError(
            _l("Give a date between %(first)d and %(last)d.", first=MIN_DATE.year, last=MAX_DATE.year)
        )
    return day


def parse_date(text: str) -> date:
    """``YYYY-MM-DD`` within :data:`MIN_DATE` and :data:`MAX_DATE`."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(_l("Give one date, as YYYY-MM-DD.")) from None
    return date_in_range(day)


def parse_datetime(text: str) -> datetime:
    """An ISO 8601 moment (from a cursor) within the date range."""
    try:
        moment = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        raise InputError(_l("Give one date, as YYYY-MM-DD.")) from None
    date_in_range(moment.date())
    return moment


def check_text(value: str, *, multiline: bool = True) -> str:
    """``value`` without NUL or control characters (line breaks and tabs allowed if ``multiline``)."""
    pattern = _CONTROL if multiline else _SINGLE_LINE_CONTROL
    if pattern.search(value):
        raise InputError(_l("Remove the control characters from this text."))
    return value


class DatabaseIdConverter(IntegerConverter):
    """``<cc_id:name>``: a path segment that is a database id (1 to 2**31 - 1); anything else is a 404."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_DATABASE_INT)
        super().__init__(map, *args, **kwargs)


class BoundedIntConverter(IntegerConverter):
    """``<cc_int:name>``: a whole number from 0 to 2**31 - 1 (tile coordinates and the like)."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_DATABASE_INT)
        super().__init__(map, *args, **kwargs)


#: Converters the extension registers on the host's URL map (our rules use them).
CONVERTERS = {"cc_id": DatabaseIdConverter, "cc_int": BoundedIntConverter}
