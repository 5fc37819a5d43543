"""The Prometheus scrape at ``CITIZENCARE_METRICS_PATH`` (under the extension's URL prefix).

Only monitoring addresses (``CITIZENCARE_MONITORING_NETWORKS``) get an answer;
it sets no session cookie, is never cached and has no rate limit (a scraper
asks every few seconds). The route exists only when the metrics are on.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request
from flask.sansio.blueprints import BlueprintSetupState

from ..context import state
from ..models.base import utcnow
from ..web.metrics import exposition, instruments
from ..web.monitoring import is_monitoring_address

blueprint = Blueprint("metrics", __name__)


@blueprint.record_once
def _route(setup: BlueprintSetupState) -> None:
    if instruments(setup.app) is not None:
        setup.add_url_rule(setup.app.config["CITIZENCARE_METRICS_PATH"], "metrics", metrics)


def metrics() -> Response:
    if not is_monitoring_address(request):
        response = Response("forbidden: not a monitoring address\n", 403, mimetype="text/plain")
    else:
        # Imported here: prometheus_client is optional, and this view exists only when it is there.
        from ..queries.metrics import DatabaseCollector

        found = instruments(current_app)
        assert found is not None
        database = DatabaseCollector(state().db.engine, utcnow())
        body, content_type = exposition([*found.sources(), database])
        response = Response(body, 200, content_type=content_type)
    response.headers["Cache-Control"] = "no-store"
    return response
