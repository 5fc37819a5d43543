"""The current notices as data for our scripts: those a report form should show, and their areas.

``/status/current.json?category=<id>&lat=..&lon=..`` answers the report
form's script ("known problem, already being handled"); a value that is not
an id or a finite coordinate inside the world is a ``400`` with the reason in
the visitor's language. ``/status/areas.geojson`` holds the current notices'
areas for the public map. Neither says anything about reporters or staff.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, request, url_for
from flask.typing import ResponseReturnValue
from shapely.geometry import mapping
from werkzeug.wrappers import Response

from ...context import db_session
from ...domain.notices import lifecycle
from ...i18n import current_language
from ...i18n import gettext as _
from ...labels import notice_kind_label, notice_status_label, service_state_label
from ...models import ServiceNotice
from ...parsing import InputError, parse_id
from ...queries.notices import area_shape, current_notices, notices_for_report
from ...web.caching import PUBLIC_DATA

#: Characters a coordinate may have (``-44.49490000`` and a little more).
_COORDINATE_MAX = 24


class _BadParameter(ValueError):
    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name, self.message = name, message


def _one(name: str) -> str | None:
    values = request.args.getlist(name)
    if len(values) > 1:
        raise _BadParameter(name, _("Give this parameter once."))
    value = values[0].strip() if values else ""
    return value or None


def _coordinate(name: str, limit: float) -> float | None:
    text = _one(name)
    if text is None:
        return None
    message = _("Give the latitude from -90 to 90 and the longitude from -180 to 180, such as 44.4949.")
    if len(text) > _COORDINATE_MAX:
        raise _BadParameter(name, message)
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        raise _BadParameter(name, message) from None
    if not (abs(value) <= limit):  # NaN fails this too
        raise _BadParameter(name, message)
    return value


def _parameters() -> tuple[int | None, tuple[float, float] | None]:
    unknown = set(request.args) - {"category", "lat", "lon"}
    if unknown:
        raise _BadParameter(sorted(unknown)[0], _("This parameter is not known: use category, lat and lon."))
    category_text = _one("category")
    category_id = None
    if category_text is not None:
        try:
            category_id = parse_id(category_text[:20])
        except InputError:
            raise _BadParameter("category", _("Give the category as the number the form uses.")) from None
    lat, lon = _coordinate("lat", 90), _coordinate("lon", 180)
    if (lat is None) != (lon is None):
        raise _BadParameter("lat" if lat is None else "lon", _("Give both the latitude and the longitude."))
    return category_id, (lon, lat) if lat is not None and lon is not None else None


def summary(notice: ServiceNotice, language: str) -> dict[str, Any]:
    """What a banner or the map says of a current notice (public facts only)."""
    state = lifecycle.service_state(notice.kind, notice.status, notice.impact)
    return {
        "id": notice.id,
        "kind": notice.kind,
        "kind_label": notice_kind_label(notice.kind),
        "status": notice.status,
        "status_label": notice_status_label(notice.status),
        "state": state.value,
        "state_label": service_state_label(state.value),
        "title": notice.title_in(language),
        "starts_at": notice.starts_at.isoformat(),
        "ends_at": notice.ends_at.isoformat() if notice.ends_at else None,
        "url": url_for("citizencare.notices.notice", notice_id=notice.id),
    }


def current_json() -> ResponseReturnValue:
    """The current notices naming the category or covering the point; ``400`` for a bad parameter."""
    try:
        category_id, point = _parameters()
    except _BadParameter as error:
        response = jsonify(error=error.message, parameter=error.name)
        response.status_code = 400
        return response
    language = current_language()
    found = notices_for_report(db_session(), category_id, point)
    response = jsonify(
        notices=[summary(n, language) for n in found],
        heading=_("Known problem, already being handled"),
        text=_("There is no need to report it: follow the notice instead."),
        follow=_("Follow this notice"),
    )
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["Vary"] = "Accept-Language, Cookie"
    return response


def areas_geojson() -> ResponseReturnValue:
    """``FeatureCollection`` of the current notices that have an area, with what the map's popup says."""
    language = current_language()
    features = []
    for notice in current_notices(db_session()):
        shape = area_shape(notice)
        if shape is None:
            continue
        features.append(
            {"type": "Feature", "geometry": mapping(shape), "properties": summary(notice, language)}
        )
    response: Response = jsonify({"type": "FeatureCollection", "features": features})
    response.mimetype = "application/geo+json"
    response.headers["Cache-Control"] = PUBLIC_DATA
    response.headers["Vary"] = "Accept-Language, Cookie"
    response.add_etag()
    return response.make_conditional(request)
