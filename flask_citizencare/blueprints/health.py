"""``/healthz``: the process is up and answers (under the extension's URL prefix).

It reads nothing, so a load balancer may ask it as often as it likes; readiness
(database, migrations, photo store) is a separate check. No personal data, no
session cookie, never cached.
"""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

blueprint = Blueprint("health", __name__)


@blueprint.get("/healthz")
def healthz() -> ResponseReturnValue:
    response = jsonify(status="ok")
    response.headers["Cache-Control"] = "no-store"
    return response
