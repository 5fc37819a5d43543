"""Similar open proposals, for the report form: "support this instead" of filing one more.

``GET /proposals/similar?title=…&description=…[&category=…]`` answers a JSON
list, best first, of at most five proposals that can still gather supports
(:func:`~flask_citizencare.queries.similar_proposals.similar_proposals`).
Each item holds only what the proposal's public page shows: number, public
title, address of the page's support section, category label, and the
supports count unless counts are hidden until the answer
(``CITIZENCARE_HIDE_SUPPORTS_UNTIL_ANSWERED``). It is counted with the API's
requests (``CITIZENCARE_RATELIMIT_API_PER_IP``) and cached like the other
public JSON (revalidated every time, see :mod:`flask_citizencare.web.caching`).

A title shorter than :data:`MIN_TITLE_CHARS` gives ``[]`` (nothing to compare
yet); text that leaves no word to search gives ``[]`` too, never an error.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from flask import request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response

from ...i18n import current_language, ngettext
from ...i18n import gettext as _
from ...models import Report
from ...parsing import InputError, optional_id
from ...queries.similar_proposals import MAX_DESCRIPTION_CHARS, MAX_TITLE_CHARS, clean_text, similar_proposals
from ...queries.supports import supports_shown
from ...web.caching import PUBLIC_DATA

#: Fewer typed characters are not looked up: the form asks only from three on.
MIN_TITLE_CHARS = 3
SUPPORT_ANCHOR = "support"


def support_url(report: Report) -> str:
    """The proposal page's support section: where "Support this instead" leads."""
    return url_for("citizencare.public.report", public_id=report.public_id, _anchor=SUPPORT_ANCHOR)


def similar_items(proposals: Iterable[Report]) -> list[dict[str, Any]]:
    """The public fields of each proposal, as the endpoint answers them."""
    language = current_language()
    items = []
    for report in proposals:
        item: dict[str, Any] = {
            "public_id": report.public_id,
            "title": report.shown_title,
            "url": support_url(report),
            "category": report.category.label(language),
        }
        if supports_shown(report):
            item["supports_count"] = report.supports_count
            item["supports_label"] = ngettext("%(num)d support", "%(num)d supports", report.supports_count)
        items.append(item)
    return items


def form_similar(kind: str | None, title: str | None, description: str | None) -> list[Report]:
    """What the form shows under a proposal's title (none for an issue or a too short title)."""
    if kind != "proposal" or len(clean_text(title, MAX_TITLE_CHARS)) < MIN_TITLE_CHARS:
        return []
    return similar_proposals(title or "", description or "")


def similar() -> ResponseReturnValue:
    """The JSON list the form's script shows while a citizen types a proposal's title."""
    try:
        category_id = optional_id(request.args.get("category", "")[:20])
    except InputError as error:
        body = {"title": _("Invalid parameter"), "detail": str(error.message), "parameter": "category"}
        return Response(json.dumps(body, ensure_ascii=False), status=400, mimetype="application/json")
    title = clean_text(request.args.get("title"), MAX_TITLE_CHARS)
    description = clean_text(request.args.get("description"), MAX_DESCRIPTION_CHARS)
    found = (
        similar_proposals(title, description, category_id=category_id)
        if len(title) >= MIN_TITLE_CHARS
        else []
    )
    response = Response(json.dumps(similar_items(found), ensure_ascii=False), mimetype="application/json")
    # The same for everybody in one language: any cache may keep it, asking again before reuse.
    response.headers["Cache-Control"] = PUBLIC_DATA
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.vary.update(("Accept-Language", "Cookie"))
    response.add_etag()
    return response.make_conditional(request)
