"""The request id and the access line of every request to our pages (not the host's own pages).

The id comes from ``X-Request-ID`` when the proxy (nginx: ``$request_id``)
sent a valid one and ``CITIZENCARE_TRUST_REQUEST_ID`` is on; otherwise it is
a fresh one. It goes back in the answer's ``X-Request-ID`` header.

The access line (logger ``flask_citizencare.access``, level INFO) has the
method, the endpoint, the path without its query string (query strings carry
tokens and addresses), the status and the duration, and no client address.
"""

from __future__ import annotations

import logging
import time

from flask import Flask, Response, current_app, g, request

from .context import clear_request_id, current_request_id, new_request_id, set_request_id, valid_request_id

log = logging.getLogger("flask_citizencare.access")

HEADER = "X-Request-ID"
#: The name of the extension's outer blueprint (``flask_citizencare.blueprints.blueprint``).
BLUEPRINT = "citizencare"
_STARTED = "citizencare_request_started"


def ours() -> bool:
    """True when the request is for one of our blueprints' endpoints."""
    return bool(request.blueprints) and request.blueprints[-1] == BLUEPRINT


def _incoming() -> str | None:
    if not current_app.config.get("CITIZENCARE_TRUST_REQUEST_ID", True):
        return None
    value = request.headers.get(HEADER)
    return value if valid_request_id(value) else None


def _start() -> None:
    if not ours():
        return
    setattr(g, _STARTED, time.perf_counter())
    set_request_id(_incoming() or new_request_id())


def _finish(response: Response) -> Response:
    if not ours():
        return response
    request_id = current_request_id()
    if request_id is None or not hasattr(g, _STARTED):  # an earlier before_request answered
        request_id = _incoming() or new_request_id()
        set_request_id(request_id)
    response.headers[HEADER] = request_id
    started = g.get(_STARTED)
    duration = (time.perf_counter() - started) * 1000 if started is not None else None
    log.info(
        "%s %s %s",
        request.method,
        request.path,
        response.status_code,
        extra={
            "request_id": request_id,
            "method": request.method,
            "endpoint": request.endpoint,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": round(duration, 1) if duration is not None else None,
        },
    )
    return response


def _teardown(_: BaseException | None) -> None:
    g.pop(_STARTED, None)
    clear_request_id()


def install(app: Flask) -> None:
    """Add the hooks to ``app``; the id is set before any other ``before_request`` runs."""
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request(_finish)
    app.teardown_request(_teardown)
