"""URL rules: Open data exports of public reports, streamed, with their licence."""

from __future__ import annotations

from flask import Blueprint

from . import views

blueprint = Blueprint("opendata", __name__, url_prefix="/opendata")
blueprint.add_url_rule("/", "index", views.index)
blueprint.add_url_rule("/reports.csv", "reports_csv", views.reports_csv)
blueprint.add_url_rule("/reports.geojson", "reports_geojson", views.reports_geojson)
