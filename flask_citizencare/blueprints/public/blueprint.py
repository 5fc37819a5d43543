"""URL rules of the public pages."""

from __future__ import annotations

from flask import Blueprint

from . import views

blueprint = Blueprint("public", __name__)
blueprint.add_url_rule("/", "index", views.index)
blueprint.add_url_rule("/new", "new_report", views.new_report, methods=["GET", "POST"])
blueprint.add_url_rule("/sent/<token>", "sent", views.sent)
blueprint.add_url_rule("/reports/<public_id>", "report", views.report_page)
blueprint.add_url_rule("/track/<token>", "track", views.track, methods=["GET", "POST"])
blueprint.add_url_rule("/photos/<key>", "photo", views.public_photo)
blueprint.add_url_rule("/track/<token>/photos/<key>", "tracked_photo", views.tracked_photo)
blueprint.add_url_rule("/privacy", "privacy", views.privacy)
blueprint.add_url_rule("/nearby", "nearby", views.nearby)
blueprint.add_url_rule("/survey/<token>", "survey", views.survey, methods=["GET", "POST"])
