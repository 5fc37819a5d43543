"""URL rules: The public map of reports, with the list that follows it."""

from __future__ import annotations

from flask import Blueprint

from . import area, views

blueprint = Blueprint("map", __name__)
blueprint.add_url_rule("/map", "index", views.map_page)
blueprint.add_url_rule("/map/area.geojson", "area", area.area_geojson)
