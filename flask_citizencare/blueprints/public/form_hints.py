"""What the report form suggests while a citizen writes: "Did you mean …?" and "Is it one of these?".

The sibling of :mod:`.similar` (similar open proposals under a proposal's
title), with the same shape: a public JSON GET the form's script asks while
the citizen types (``js/similar-proposals.js``), and the same hints drawn by
the server on the three-step form's summary for a browser without the script.

``GET /suggest?title=…&description=…&category=…&lon=…&lat=…&kind=…`` answers::

    {"available": bool,
     "category": {"id", "label", "score"} | null,
     "duplicates": [{"public_id", "title", "url", "distance_m", "age_days"}]}

``category`` is the model's best category when it is not the one chosen and the
model is at least :data:`CATEGORY_HINT_MIN_SCORE` sure; the citizen decides
(a button switches the select), nothing changes by itself. ``duplicates`` are
open, public, not merged issues near the point, from
:func:`~flask_citizencare.services.suggestions.suggest` with ``public=True``
(compared on their public texts), each shown through the public fields only
(:attr:`~flask_citizencare.models.Report.shown_title`, as the report's page).
Proposals get no duplicates here: the similar proposals list is theirs.

Without a usable model (a fresh install, suggestions turned off) the answer is
``available: false`` and the form draws no box at all. The answer depends on
what was typed: ``private, no-store``. Counted with the API's requests
(``CITIZENCARE_RATELIMIT_API_PER_IP``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response
from wtforms.validators import ValidationError

from ...access import publicly_visible
from ...context import db_session
from ...domain.lifecycle import Kind
from ...i18n import current_language
from ...i18n import gettext as _
from ...parsing import InputError, optional_id
from ...queries.reports import active_categories
from ...queries.similar_proposals import clean_text
from ...services.errors import InvalidInput
from ...services.suggestion_models import load_current
from ...services.suggestions import Choice, DuplicateHint, Query, suggest
from .forms import DESCRIPTION_MAX, TITLE_MAX, parse_coordinate

#: "Did you mean …?" only when the model gives its best category at least this probability.
CATEGORY_HINT_MIN_SCORE = 0.5
#: Fewer typed characters (title and description together) are not looked up.
MIN_TEXT_CHARS = 3
#: Where "Follow it instead" leads on a report's public page (its follow form).
FOLLOW_ANCHOR = "cc-follow"
NO_STORE = "private, no-store"


@dataclass(frozen=True)
class FormHints:
    """What the form shows: whether there is a model, the category to offer, the possible duplicates."""

    available: bool = False
    category: Choice | None = None
    duplicates: tuple[DuplicateHint, ...] = ()

    @property
    def any(self) -> bool:
        return self.category is not None or bool(self.duplicates)


NO_HINTS = FormHints()


def hints_available() -> bool:
    """A usable model is there: the form draws the (empty, hidden) box the script fills."""
    return load_current(db_session()) is not None


def form_hints(
    *,
    title: str | None,
    description: str | None,
    kind: str | None,
    category_id: int | None,
    lon: float | None,
    lat: float | None,
    offered: Callable[[int], bool],
) -> FormHints:
    """The hints for what was typed; ``offered`` tells the categories the form lists (active ones).

    Raises :class:`~flask_citizencare.services.errors.InvalidInput` for an invalid point.
    """
    title = clean_text(title, TITLE_MAX)
    description = clean_text(description, DESCRIPTION_MAX)
    kind = kind if kind in set(Kind) else Kind.ISSUE.value
    if len(title) + len(description) < MIN_TEXT_CHARS:
        return NO_HINTS
    chosen = category_id if category_id is not None and offered(category_id) else None
    found = suggest(
        db_session(),
        Query(title=title, description=description, kind=kind, category_id=chosen, lon=lon, lat=lat),
        public=True,
        language=current_language(),
        duplicates=kind == Kind.ISSUE.value,
    )
    if not found.available:
        return NO_HINTS
    best = found.best_category
    category = (
        best
        if best is not None
        and best.score >= CATEGORY_HINT_MIN_SCORE
        and best.id != chosen
        and offered(best.id)
        else None
    )
    # Belt and braces: only what has a public page, whatever the query's filters become.
    duplicates = tuple(hint for hint in found.duplicates if publicly_visible(hint.report))
    return FormHints(available=True, category=category, duplicates=duplicates)


def duplicate_item(hint: DuplicateHint) -> dict[str, Any]:
    """The public fields of a possible duplicate, as the endpoint answers them."""
    report = hint.report
    return {
        "public_id": report.public_id,
        "title": report.shown_title,
        "url": url_for("citizencare.public.report", public_id=report.public_id),
        "distance_m": round(hint.distance_m) if hint.distance_m is not None else None,
        "age_days": int(hint.age_days),
    }


def hints_body(hints: FormHints) -> dict[str, Any]:
    category = hints.category
    return {
        "available": hints.available,
        "category": (
            {"id": category.id, "label": category.label, "score": round(category.score, 2)}
            if category is not None
            else None
        ),
        "duplicates": [duplicate_item(hint) for hint in hints.duplicates],
    }


def _json(body: dict[str, Any], status: int = 200) -> Response:
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json")
    response.headers["Cache-Control"] = NO_STORE
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.vary.update(("Accept-Language", "Cookie"))
    return response


def _invalid(parameter: str, detail: str) -> Response:
    return _json({"title": _("Invalid parameter"), "detail": detail, "parameter": parameter}, 400)


def _coordinate(name: str) -> float | None:
    return parse_coordinate(request.args.get(name, "")[:40])


def suggest_hints() -> ResponseReturnValue:
    """The JSON the form's script shows while a citizen writes the title and the description."""
    kind = request.args.get("kind") or Kind.ISSUE.value
    if kind not in set(Kind):
        return _invalid("kind", _("This is not one of the choices."))
    try:
        category_id = optional_id(request.args.get("category", "")[:20])
    except InputError as error:
        return _invalid("category", str(error.message))
    point: dict[str, float | None] = {}
    for name in ("lon", "lat"):
        try:
            point[name] = _coordinate(name)
        except ValidationError as error:
            return _invalid(name, str(error))
    lon, lat = point["lon"], point["lat"]
    if (lon is None) != (lat is None):
        return _invalid("lat" if lat is None else "lon", _("Enter both latitude and longitude, or neither."))
    offered = {category.id for category in active_categories()}
    try:
        hints = form_hints(
            title=request.args.get("title"),
            description=request.args.get("description"),
            kind=kind,
            category_id=category_id,
            lon=lon,
            lat=lat,
            offered=offered.__contains__,
        )
    except InvalidInput as error:
        return _invalid("lat", str(error.message))
    return _json(hints_body(hints))
