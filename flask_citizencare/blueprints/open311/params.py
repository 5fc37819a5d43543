"""The parameters of the Open311 API, declared once: parsed from the request, described in OpenAPI.

Each endpoint lists its :class:`Param` s (see :mod:`.endpoints`); the same
declaration parses the query string or the form (raising
:class:`~.errors.Open311Error` 400 naming the parameter, in the client's
language) and writes the OpenAPI description (``schema``, ``description``),
so the published description cannot drift from what the server accepts.

Every value is hostile: a 20-digit number, ``NaN``, a NUL byte (refused by
the request guard before we run), a date in year 10000, a list of 10,000
ids. Each parser takes text and returns a value or raises.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from werkzeug.datastructures import MultiDict

from ...context import state
from ...i18n import gettext as _
from ...parsing import MAX_DATABASE_INT
from .errors import bad_parameter

#: Most items of a comma list (service codes, statuses); ids have their own cap.
LIST_MAX = 100
#: Most ids in ``service_request_id``: the spec's 1,000 results.
IDS_MAX = 1000
TEXT_MAX = 4000
_NUMBER = re.compile(r"[+-]?(?:[0-9]{1,3}(?:\.[0-9]{1,15})?|\.[0-9]{1,15})")
_DIGITS = re.compile(r"[0-9]{1,10}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: W3C's profile of ISO 8601 that the spec asks for: a date, or a date and time with an offset or Z.
_W3C = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"(?:T[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?)?"
)

Parser = Callable[[str, "Param"], Any]


@dataclass(frozen=True)
class Param:
    """One parameter: ``name`` (``attribute[CODE]`` families are parsed by the view), its parser,
    whether it is ``required``, and its OpenAPI ``schema`` and ``description``."""

    name: str
    parse: Parser
    schema: Mapping[str, Any]
    description: str
    required: bool = False
    #: ``query`` for GET parameters, ``form`` for the fields of a POST body.
    location: str = "query"
    #: Bounds used by the numeric parsers.
    minimum: float | None = None
    maximum: float | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


def one(values: MultiDict[str, str], name: str) -> str | None:
    """The parameter's value, or None when absent or empty; given twice (differently) is refused."""
    given = [value for value in values.getlist(name) if value != ""]
    if not given:
        return None
    if len(set(given)) > 1:
        raise bad_parameter(name, _("give this parameter once."))
    return given[0]


def parse(params: Sequence[Param], values: MultiDict[str, str]) -> dict[str, Any]:
    """Every declared parameter's value (None when absent); a missing required one is refused."""
    parsed: dict[str, Any] = {}
    for param in params:
        text = one(values, param.name)
        if text is None:
            if param.required:
                raise bad_parameter(param.name, _("this parameter is required."))
            parsed[param.name] = None
            continue
        parsed[param.name] = param.parse(text, param)
    return parsed


# -- parsers ---------------------------------------------------------------------------------------


def text(value: str, param: Param) -> str:
    """Text of at most ``maximum`` characters (default 4,000), no control characters but line breaks."""
    limit = int(param.maximum or TEXT_MAX)
    value = value.strip()
    if len(value) > limit:
        raise bad_parameter(param.name, _("at most %(count)d characters.", count=limit))
    if _CONTROL.search(value):
        raise bad_parameter(param.name, _("remove the control characters from this text."))
    return value


def word(value: str, param: Param) -> str:
    """A code or identifier: one line, at most ``maximum`` (default 200) characters."""
    limit = int(param.maximum or 200)
    value = value.strip()
    if len(value) > limit or _CONTROL.search(value) or "\n" in value:
        raise bad_parameter(param.name, _("give a code of at most %(count)d characters.", count=limit))
    return value


def number(value: str, param: Param) -> float:
    """A decimal number within ``minimum``..``maximum``: no NaN, no infinity, no exponent."""
    if not _NUMBER.fullmatch(value.strip()):
        raise bad_parameter(param.name, _("give a decimal number, such as 44.4949."))
    result = float(value)
    low = -math.inf if param.minimum is None else param.minimum
    high = math.inf if param.maximum is None else param.maximum
    if not low <= result <= high:
        raise bad_parameter(
            param.name, _("give a number from %(low)s to %(high)s.", low=f"{low:g}", high=f"{high:g}")
        )
    return result


def whole(value: str, param: Param) -> int:
    """A whole number within ``minimum``..``maximum`` (at most 2**31 - 1)."""
    low = int(param.minimum if param.minimum is not None else 0)
    high = int(min(param.maximum if param.maximum is not None else MAX_DATABASE_INT, MAX_DATABASE_INT))
    if not _DIGITS.fullmatch(value.strip()) or not low <= int(value) <= high:
        raise bad_parameter(
            param.name, _("give a whole number from %(low)d to %(high)d.", low=low, high=high)
        )
    return int(value)


def boolean(value: str, param: Param) -> bool:
    lowered = value.strip().lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise bad_parameter(param.name, _("give true or false."))


def comma_list(value: str, param: Param) -> tuple[str, ...]:
    """``a,b,c``: distinct, trimmed, at most ``maximum`` items (default 100) of at most 200 characters."""
    limit = int(param.maximum or LIST_MAX)
    items = tuple(dict.fromkeys(item.strip() for item in value.split(",") if item.strip()))
    if not items:
        raise bad_parameter(param.name, _("give at least one value."))
    if len(items) > limit:
        raise bad_parameter(param.name, _("give at most %(count)d values.", count=limit))
    if any(len(item) > 200 or _CONTROL.search(item) for item in items):
        raise bad_parameter(param.name, _("one of these values is not valid."))
    return items


def choices(allowed: Sequence[str]) -> Parser:
    """A comma list whose items are all among ``allowed`` (``status=open,closed``)."""

    def parse_choices(value: str, param: Param) -> tuple[str, ...]:
        items = tuple(item.lower() for item in comma_list(value, param))
        wrong = [item for item in items if item not in allowed]
        if wrong:
            raise bad_parameter(param.name, _("use %(allowed)s.", allowed=", ".join(allowed)))
        return items

    return parse_choices


def moment(value: str, param: Param) -> datetime:
    """A W3C date-time (``2026-12-01T00:00:00Z``, ``2026-12-01T09:00:00+01:00``, ``2026-12-01``).

    Without an offset the time is the municipality's (``CITIZENCARE_TIMEZONE``).
    Returned in UTC. Years 1900–2999 only.
    """
    text_value = value.strip()
    if not _W3C.fullmatch(text_value):
        raise bad_parameter(param.name, _("give a date and time as 2026-12-01T00:00:00Z."))
    try:
        parsed = datetime.fromisoformat(text_value.replace("Z", "+00:00"))
    except ValueError:
        raise bad_parameter(param.name, _("give a date and time as 2026-12-01T00:00:00Z.")) from None
    if not 1900 <= parsed.year <= 2999:
        raise bad_parameter(param.name, _("give a date between 1900 and 2999."))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=state().settings.zone)
    return parsed.astimezone(UTC)


def bbox(value: str, param: Param) -> tuple[float, float, float, float]:
    """``min_lon,min_lat,max_lon,max_lat`` in WGS84, each within the world, min below max."""
    parts = value.split(",")
    if len(parts) != 4 or not all(_NUMBER.fullmatch(part.strip()) for part in parts):
        raise bad_parameter(param.name, _("give four numbers: min_lon,min_lat,max_lon,max_lat."))
    west, south, east, north = (float(part) for part in parts)
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise bad_parameter(param.name, _("give four numbers: min_lon,min_lat,max_lon,max_lat."))
    return west, south, east, north
