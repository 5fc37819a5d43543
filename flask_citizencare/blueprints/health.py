"""``/healthz`` and ``/readyz`` (under the extension's URL prefix), never cached, without a session cookie.

``/healthz``: the process is up and answers. It reads nothing, so a load
balancer may ask it as often as it likes.

``/readyz``: the checks of :mod:`flask_citizencare.readiness` (database,
migrations, photo store, the rate limits' Redis), 200 when all pass, 503
otherwise. The monitoring networks (``CITIZENCARE_MONITORING_NETWORKS``) get
each check's detail and are never rate-limited; anyone else gets the names
and results only, under ``CITIZENCARE_RATELIMIT_READYZ_PER_IP``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from ..context import app_object
from ..readiness import readiness_checks
from ..web.monitoring import is_monitoring_address
from .ratelimit import RateLimited, check, client_ip

blueprint = Blueprint("health", __name__)


@blueprint.get("/healthz")
def healthz() -> ResponseReturnValue:
    response = jsonify(status="ok")
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.get("/readyz")
def readyz() -> ResponseReturnValue:
    monitoring = is_monitoring_address(request)
    if not monitoring:
        try:
            check("RATELIMIT_READYZ_PER_IP", client_ip())
        except RateLimited as limited:
            # JSON like the other answers of /readyz, not the HTML page of our forms' limits.
            response = jsonify(status="too many requests")
            response.status_code = 429
            response.headers["Retry-After"] = str(limited.seconds)
            response.headers["Cache-Control"] = "no-store"
            return response
    results = readiness_checks(app_object())
    ready = all(result.ok for result in results)
    checks: dict[str, dict[str, Any]] = {
        result.name: {"ok": result.ok, "detail": result.detail} if monitoring else {"ok": result.ok}
        for result in results
    }
    response = jsonify(status="ready" if ready else "not ready", checks=checks)
    response.status_code = 200 if ready else 503
    response.headers["Cache-Control"] = "no-store"
    return response
