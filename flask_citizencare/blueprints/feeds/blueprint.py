"""URL rules of the report feeds (``/feeds``)."""

from __future__ import annotations

from flask import Blueprint

from ..ratelimit import limited
from . import views

# Feed readers poll: the feeds count with the API's requests (the same data).
api_limit = limited("RATELIMIT_API_PER_IP", methods=None)

blueprint = Blueprint("feeds", __name__, url_prefix="/feeds")
blueprint.add_url_rule("/reports.atom", "reports_atom", api_limit(views.reports_atom))
blueprint.add_url_rule("/reports.rss", "reports_rss", api_limit(views.reports_rss))
