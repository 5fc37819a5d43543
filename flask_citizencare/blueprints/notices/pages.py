"""A published notice's public page: what is affected, from when to when, and its steps."""

from __future__ import annotations

from flask import abort, make_response, render_template
from flask.typing import ResponseReturnValue

from ...context import db_session
from ...i18n import current_language
from ...queries.notices import public_notice
from ...web.caching import public_page
from ..subscriptions.forms import FollowNoticeForm


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
