"""The public status page and a published notice's page: what is affected, from when to when, its steps."""

from __future__ import annotations

from flask import abort, make_response, render_template
from flask.typing import ResponseReturnValue

from ...context import db_session
from ...i18n import current_language
from ...queries.notices import HISTORY_DAYS, public_notice, status_overview
from ...web.caching import public_page
from ..subscriptions.forms import FollowNoticeForm


def index() -> ResponseReturnValue:
    """``/status``: current incidents and works, upcoming works, the last 90 days, a row per service."""
    language = current_language()
    overview = status_overview(db_session(), language)
    html = render_template(
        "citizencare/notices/index.html", overview=overview, language=language, history_days=HISTORY_DAYS
    )
    return public_page(make_response(html))


def notice(notice_id: int) -> ResponseReturnValue:
    found = public_notice(db_session(), notice_id)
    if found is None:
        abort(404)
    html = render_template(
        "citizencare/notices/notice.html",
        notice=found,
        language=current_language(),
        follow_form=FollowNoticeForm() if found.ended_at is None else None,
        follow_errors=[],
    )
    return public_page(make_response(html))
