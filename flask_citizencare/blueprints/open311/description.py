"""``<open311 prefix>/v2/openapi.json``: the API's OpenAPI description, and the developers' page.

Neither is an Open311 document: the description is plain JSON with an ETag,
the page is HTML in the visitor's language (see :mod:`.openapi` and
``templates/citizencare/open311/index.html``).
"""

from __future__ import annotations

import json

from flask import current_app, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response

from ...web.caching import PUBLIC_DATA
from .discovery import contact
from .endpoints import ENDPOINTS
from .openapi import describe


def api_base() -> str:
    """The API's absolute address (``https://host/citizencare/open311/v2``)."""
    return url_for("citizencare.open311.discovery", fmt="json", _external=True).rsplit("/", 1)[0]


def openapi_json() -> Response:
    body = json.dumps(describe(ENDPOINTS, api_base()), ensure_ascii=False, indent=1).encode()
    response = Response(body, content_type="application/json; charset=utf-8")
    response.headers["Cache-Control"] = PUBLIC_DATA
    response.add_etag()
    return response.make_conditional(request)


def developers_page() -> ResponseReturnValue:
    config = current_app.config
    return render_template(
        "citizencare/open311/index.html",
        endpoints=ENDPOINTS,
        base=api_base(),
        openapi_url=url_for("citizencare.open311.openapi", _external=True),
        contact=contact(),
        key_service=config["CITIZENCARE_OPEN311_KEY_SERVICE"] or contact(),
        per_ip=config["CITIZENCARE_RATELIMIT_OPEN311_PER_IP"],
        per_key=config["CITIZENCARE_RATELIMIT_OPEN311_PER_KEY"],
        jurisdiction=config["CITIZENCARE_OPEN311_JURISDICTION"],
    )
