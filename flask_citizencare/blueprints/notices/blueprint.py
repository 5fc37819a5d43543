"""URL rules of the public service notices (``/status``)."""

from __future__ import annotations

from flask import Blueprint

from . import pages

blueprint = Blueprint("notices", __name__, url_prefix="/status")
blueprint.add_url_rule("/<cc_id:notice_id>", "notice", pages.notice)
