"""The municipality's area and districts as GeoJSON, for the maps to draw when the tiles fail.

The same shapes the location check and the district filters use (``CITIZENCARE_AREA``,
``CITIZENCARE_DISTRICTS``): public settings, cacheable like every public page.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue
from shapely.geometry import mapping

from ...context import state
from ...web.caching import PUBLIC_DATA


def _feature(kind: str, name: str | None, geometry: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": mapping(geometry), "properties": {"kind": kind, "name": name}}


def area_geojson() -> ResponseReturnValue:
    """``{"type": "FeatureCollection", ...}``: the area (when configured), then each district."""
    settings = state().settings
    features = []
    if settings.area.geometry is not None:
        features.append(_feature("area", None, settings.area.geometry))
    features.extend(_feature("district", d.name, d.area.geometry) for d in settings.districts)
    response = jsonify({"type": "FeatureCollection", "features": features})
    response.mimetype = "application/geo+json"
    response.headers["Cache-Control"] = PUBLIC_DATA
    response.add_etag()
    return response.make_conditional(request)
