"""URL rules: The JSON API of public reports (GeoJSON, clusters, vector tiles).

Errors inside ``/api`` are problem documents, not the parent blueprint's HTML
pages: the handler below is looked up before the parent's, and a catch-all rule
turns unknown addresses (404) and wrong methods on known ones (405) into JSON too,
which routing errors would otherwise bypass (they belong to no blueprint).
"""

from __future__ import annotations

from flask import Blueprint, current_app, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.wrappers import Response

from ...i18n import gettext as _
from ..ratelimit import limit_blueprint
from . import views

blueprint = Blueprint("api", __name__, url_prefix="/api")
blueprint.before_request(limit_blueprint("RATELIMIT_API_PER_IP"))
blueprint.add_url_rule("/reports.geojson", "reports_geojson", views.reports_geojson)
blueprint.add_url_rule("/tiles/<cc_int:z>/<cc_int:x>/<cc_int:y>.mvt", "report_tile", views.report_tile)

_EVERY_METHOD = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]


@blueprint.route("/", defaults={"rest": ""}, methods=_EVERY_METHOD)
@blueprint.route("/<path:rest>", methods=_EVERY_METHOD)
def not_found(rest: str) -> Response:
    """No such address in the API, or (when the address exists for GET) a method it does not take."""
    adapter = current_app.create_url_adapter(request)
    try:
        endpoint = adapter.match(method="GET")[0] if adapter is not None else None
    except HTTPException:
        endpoint = None
    if endpoint is not None and endpoint != request.endpoint:
        return api_error(MethodNotAllowed(valid_methods=["GET", "HEAD"]))
    return api_error(NotFound())


@blueprint.errorhandler(HTTPException)
def api_error(error: HTTPException) -> Response:
    status = error.code or 500
    if status == 404:
        title, detail = _("Not found"), _("There is nothing at this address of the API.")
    elif status == 405:
        title, detail = _("Method not allowed"), _("This address of the API only answers GET requests.")
    elif status >= 500:
        title, detail = _("Server error"), _("Something went wrong on our side. Try again later.")
    else:
        title, detail = _("The request could not be understood"), _("Check the address and its parameters.")
    response = views.problem(status, title, detail)
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


# Code-specific handlers of the parent blueprint (400, 404, 413 ...) would be found before a
# handler of the HTTPException class: the API answers these codes itself.
for _code in (400, 403, 404, 405, 413):
    blueprint.register_error_handler(_code, api_error)
