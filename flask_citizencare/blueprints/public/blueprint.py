"""URL rules of the public pages."""

from __future__ import annotations

from flask import Blueprint, current_app
from flask.sansio.blueprints import BlueprintSetupState

from ..ratelimit import form_value, limited, view_arg
from . import feedback as feedback_views
from . import form_hints, proposals_list, reports_list, service_sheet, similar, steps, views
from . import receipt as receipts
from . import supports as supports_views

# Rate limits: posts of the forms per client and per address or report; every
# request of the one-use links per client (see flask_citizencare.blueprints.ratelimit).
# (The report form's limit per e-mail address is checked in the view, under its upload limit.)
# (The one-page form's limit per client is checked in steps.new_report, which also serves it;
# the three steps count once per report, when the summary is sent.)
track = limited("RATELIMIT_ADD_INFORMATION_PER_REPORT", view_arg("token"))(
    limited("RATELIMIT_ADD_INFORMATION_PER_IP")(views.track)
)
follow = limited("RATELIMIT_FOLLOW_PER_ADDRESS", form_value("email"))(
    limited("RATELIMIT_FOLLOW_PER_IP")(views.follow)
)
survey = limited("RATELIMIT_LINKS_PER_IP", methods=None)(views.survey)
confirm_follow = limited("RATELIMIT_LINKS_PER_IP", methods=None)(views.confirm_follow)
unsubscribe = limited("RATELIMIT_LINKS_PER_IP", methods=None)(views.unsubscribe)
# Supports: every post per client; the anonymous form's address too (the logged-in click has none).
support = limited("RATELIMIT_SUPPORT_PER_ADDRESS", form_value("email"))(
    limited("RATELIMIT_SUPPORT_PER_IP")(supports_views.support)
)
withdraw_support = limited("RATELIMIT_SUPPORT_PER_IP")(supports_views.withdraw)
confirm_support = limited("RATELIMIT_SUPPORT_PER_IP")(
    limited("RATELIMIT_LINKS_PER_IP", methods=None)(supports_views.confirm)
)
withdraw_support_link = limited("RATELIMIT_SUPPORT_PER_IP")(
    limited("RATELIMIT_LINKS_PER_IP", methods=None)(supports_views.withdraw_link)
)
feedback = limited("RATELIMIT_FEEDBACK_PER_IP")(feedback_views.feedback)
# Each download draws a PDF: counted like the one-use links.
receipt = limited("RATELIMIT_LINKS_PER_IP", methods=None)(receipts.receipt)
# The form asks while a proposal's title is typed: counted with the API's requests.
similar_proposals = limited("RATELIMIT_API_PER_IP", methods=None)(similar.similar)
# ...and while the title and the description are typed ("Did you mean …?", "Is it one of these?").
suggest_hints = limited("RATELIMIT_API_PER_IP", methods=None)(form_hints.suggest_hints)

blueprint = Blueprint("public", __name__)
blueprint.add_url_rule("/", "index", service_sheet.index)
blueprint.add_url_rule("/new", "new_report", steps.new_report, methods=["GET", "POST"])
blueprint.add_url_rule("/new/data", "new_report_data", steps.data, methods=["GET", "POST"])
blueprint.add_url_rule("/new/summary", "new_report_summary", steps.summary, methods=["GET", "POST"])
blueprint.add_url_rule("/new/category", "new_report_category", steps.use_category, methods=["POST"])
blueprint.add_url_rule("/new/photos/<key>", "draft_photo", steps.draft_photo)
blueprint.add_url_rule("/sent/<token>", "sent", views.sent)
blueprint.add_url_rule("/reports", "reports", reports_list.reports_list)
blueprint.add_url_rule("/reports/<public_id>", "report", views.report_page)
blueprint.add_url_rule("/proposals", "proposals", proposals_list.proposals_list)
blueprint.add_url_rule("/track/<token>", "track", track, methods=["GET", "POST"])
blueprint.add_url_rule("/mine", "mine", views.mine)
blueprint.add_url_rule("/photos/<key>", "photo", views.public_photo)
blueprint.add_url_rule("/track/<token>/receipt.pdf", "receipt", receipt)
blueprint.add_url_rule("/track/<token>/photos/<key>", "tracked_photo", views.tracked_photo)
blueprint.add_url_rule("/privacy", "privacy", views.privacy)
blueprint.add_url_rule("/nearby", "nearby", views.nearby)
blueprint.add_url_rule("/survey/<token>", "survey", survey, methods=["GET", "POST"])
blueprint.add_url_rule("/reports/<public_id>/follow", "follow", follow, methods=["POST"])
blueprint.add_url_rule("/reports/<public_id>/follow/sent", "follow_sent", views.follow_sent)
blueprint.add_url_rule("/follow/<token>", "confirm_follow", confirm_follow)
blueprint.add_url_rule("/unsubscribe/<token>", "unsubscribe", unsubscribe, methods=["GET", "POST"])
blueprint.add_url_rule("/reports/<public_id>/support", "support", support, methods=["POST"])
blueprint.add_url_rule("/reports/<public_id>/support/sent", "support_sent", supports_views.support_sent)
blueprint.add_url_rule(
    "/reports/<public_id>/support/withdraw", "withdraw_support", withdraw_support, methods=["POST"]
)
blueprint.add_url_rule("/support/<token>", "confirm_support", confirm_support, methods=["GET", "POST"])
blueprint.add_url_rule(
    "/support/withdraw/<token>", "withdraw_support_link", withdraw_support_link, methods=["GET", "POST"]
)
blueprint.add_url_rule("/feedback", "feedback", feedback, methods=["POST"])
blueprint.add_url_rule("/proposals/similar", "similar_proposals", similar_proposals)
blueprint.add_url_rule("/suggest", "suggest_hints", suggest_hints)


@blueprint.context_processor
def _form_hints_context() -> dict[str, object]:
    """The report form asks, only when drawn, whether a model is there to suggest with."""
    return {"cc_form_hints_available": form_hints.hints_available}


def _exempt_unsubscribe() -> None:
    """Mail clients POST the one-click unsubscribe without a CSRF token (RFC 8058).

    Runs before every other ``before_request`` of the app, so the host's
    ``CSRFProtect`` (set up before or after us) sees the exemption in time.
    """

    csrf = current_app.extensions.get("csrf")
    if csrf is not None and hasattr(csrf, "exempt"):
        csrf.exempt(unsubscribe)


@blueprint.record_once
def _register_csrf_exemption(setup: BlueprintSetupState) -> None:
    setup.app.before_request_funcs.setdefault(None, []).insert(0, _exempt_unsubscribe)
