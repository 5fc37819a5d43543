"""URL rules of the public pages."""

from __future__ import annotations

from flask import Blueprint
from flask.sansio.blueprints import BlueprintSetupState

from . import views

blueprint = Blueprint("public", __name__)
blueprint.add_url_rule("/", "index", views.index)
blueprint.add_url_rule("/new", "new_report", views.new_report, methods=["GET", "POST"])
blueprint.add_url_rule("/sent/<token>", "sent", views.sent)
blueprint.add_url_rule("/reports/<public_id>", "report", views.report_page)
blueprint.add_url_rule("/track/<token>", "track", views.track, methods=["GET", "POST"])
blueprint.add_url_rule("/mine", "mine", views.mine)
blueprint.add_url_rule("/photos/<key>", "photo", views.public_photo)
blueprint.add_url_rule("/track/<token>/photos/<key>", "tracked_photo", views.tracked_photo)
blueprint.add_url_rule("/privacy", "privacy", views.privacy)
blueprint.add_url_rule("/nearby", "nearby", views.nearby)
blueprint.add_url_rule("/survey/<token>", "survey", views.survey, methods=["GET", "POST"])
blueprint.add_url_rule("/reports/<public_id>/follow", "follow", views.follow, methods=["POST"])
blueprint.add_url_rule("/reports/<public_id>/follow/sent", "follow_sent", views.follow_sent)
blueprint.add_url_rule("/follow/<token>", "confirm_follow", views.confirm_follow)
blueprint.add_url_rule("/unsubscribe/<token>", "unsubscribe", views.unsubscribe, methods=["GET", "POST"])


def _exempt_unsubscribe() -> None:
    """Mail clients POST the one-click unsubscribe without a CSRF token (RFC 8058).

    Runs before every other ``before_request`` of the app, so the host's
    ``CSRFProtect`` (set up before or after us) sees the exemption in time.
    """
    from flask import current_app

    csrf = current_app.extensions.get("csrf")
    if csrf is not None and hasattr(csrf, "exempt"):
        csrf.exempt(views.unsubscribe)


@blueprint.record_once
def _register_csrf_exemption(setup: BlueprintSetupState) -> None:
    setup.app.before_request_funcs.setdefault(None, []).insert(0, _exempt_unsubscribe)
