"""URL rules: Open data exports of public reports, streamed, with their licence."""

from __future__ import annotations

from flask import Blueprint

from ..ratelimit import limited
from . import page_ratings, views

# The exports count with the API's requests: they are the same data, and the heaviest answers.
api_limit = limited("RATELIMIT_API_PER_IP", methods=None)

blueprint = Blueprint("opendata", __name__, url_prefix="/opendata")
blueprint.add_url_rule("/", "index", views.index)
blueprint.add_url_rule("/reports.csv", "reports_csv", api_limit(views.reports_csv))
blueprint.add_url_rule("/reports.geojson", "reports_geojson", api_limit(views.reports_geojson))
blueprint.add_url_rule("/proposals.csv", "proposals_csv", api_limit(views.proposals_csv))
blueprint.add_url_rule("/proposals.json", "proposals_json", api_limit(views.proposals_json))
blueprint.add_url_rule("/page-ratings.csv", "page_ratings_csv", api_limit(page_ratings.page_ratings_csv))
blueprint.add_url_rule("/page-ratings.json", "page_ratings_json", api_limit(page_ratings.page_ratings_json))
