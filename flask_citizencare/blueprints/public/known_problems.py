"""The report form's "known problem, already being handled" banner, without JavaScript.

Whatever the form knows (the chosen category, the pin) picks the current
notices a citizen should see before reporting: the page rendered after the
category and the place were sent (step 2 again, or the summary; the one-page
form when sent back or opened from a link with them) shows them. With
JavaScript, ``report-form.js`` asks ``/status/current.json`` as soon as they
change.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from wtforms.validators import ValidationError

from ...context import db_session
from ...models import Category, ServiceNotice
from ...queries.notices import notices_for_report
from .forms import parse_coordinate


def _point(lat: Any, lon: Any) -> tuple[float, float] | None:
    """``(lon, lat)`` when both are finite coordinates (typed or stored), else None."""
    try:
        y, x = _number(lat), _number(lon)
    except ValidationError:
        return None
    if y is None or x is None or not (math.isfinite(x) and math.isfinite(y)):
        return None
    if abs(y) > 90 or abs(x) > 180:
        return None
    return x, y


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    return parse_coordinate(value) if isinstance(value, str) else None


def known_notices(category: Category | None, lat: Any = None, lon: Any = None) -> Sequence[ServiceNotice]:
    """The current notices naming ``category`` or covering the place (none for neither)."""
    point = _point(lat, lon)
    if category is None and point is None:
        return []
    return notices_for_report(db_session(), category.id if category else None, point)


def for_form(form: Any) -> Sequence[ServiceNotice]:
    """:func:`known_notices` of what a report form holds."""
    return known_notices(form.chosen_category(), form.lat.data, form.lon.data)
