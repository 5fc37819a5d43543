"""URL rules of the subscriptions (``/subscriptions``) and their rate limits."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, current_app
from flask.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue

from ..ratelimit import form_value, limited
from . import views


def _per_ip_and_address(view: Callable[..., ResponseReturnValue]) -> Callable[..., ResponseReturnValue]:
    return limited("RATELIMIT_SUBSCRIBE_PER_ADDRESS", form_value("email"))(
        limited("RATELIMIT_SUBSCRIBE_PER_IP")(view)
    )


notices = _per_ip_and_address(views.notices)
alerts = _per_ip_and_address(views.alerts)
follow_notice = _per_ip_and_address(views.follow_notice)
confirm = limited("RATELIMIT_LINKS_PER_IP", methods=None)(views.confirm)
unsubscribe = limited("RATELIMIT_LINKS_PER_IP", methods=None)(views.unsubscribe)

blueprint = Blueprint("subscriptions", __name__, url_prefix="/subscriptions")
blueprint.add_url_rule("/notices", "notices", notices, methods=["GET", "POST"])
blueprint.add_url_rule("/alerts", "alerts", alerts, methods=["GET", "POST"])
blueprint.add_url_rule("/notices/<cc_id:notice_id>", "follow_notice", follow_notice, methods=["POST"])
blueprint.add_url_rule("/sent", "sent", views.sent)
blueprint.add_url_rule("/confirm/<token>", "confirm", confirm)
blueprint.add_url_rule("/unsubscribe/<token>", "unsubscribe", unsubscribe, methods=["GET", "POST"])


def _exempt_unsubscribe() -> None:
    """Mail clients POST the one-click unsubscribe without a CSRF token (RFC 8058)."""
    csrf = current_app.extensions.get("csrf")
    if csrf is not None and hasattr(csrf, "exempt"):
        csrf.exempt(unsubscribe)


@blueprint.record_once
def _register_csrf_exemption(setup: BlueprintSetupState) -> None:
    setup.app.before_request_funcs.setdefault(None, []).insert(0, _exempt_unsubscribe)
