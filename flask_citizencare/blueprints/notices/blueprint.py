"""URL rules of the public service notices (``/status``)."""

from __future__ import annotations

from flask import Blueprint

from . import data, feeds, pages

blueprint = Blueprint("notices", __name__, url_prefix="/status")
blueprint.add_url_rule("", "index", pages.index)
blueprint.add_url_rule("/<cc_id:notice_id>", "notice", pages.notice)
blueprint.add_url_rule("/feed.rss", "feed_rss", feeds.feed_rss)
blueprint.add_url_rule("/feed.atom", "feed_atom", feeds.feed_atom)
blueprint.add_url_rule("/planned.ics", "planned_ics", feeds.planned_ics)
blueprint.add_url_rule("/current.json", "current", data.current_json)
blueprint.add_url_rule("/areas.geojson", "areas", data.areas_geojson)
