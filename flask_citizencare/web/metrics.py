"""The app's Prometheus instruments: request latency of our pages and photo store errors.

``prometheus_client`` is optional (the ``metrics`` extra). Each app has its own
:class:`CollectorRegistry`, so several apps in one process (tests) do not
collide. When ``PROMETHEUS_MULTIPROC_DIR`` is set (gunicorn with several
workers), the instruments write to that folder and a scrape adds up every
worker's files (prometheus_client's multiprocess mode); the environment
variable must be set before the process starts.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from time import perf_counter
from typing import Any

from flask import Flask, Response, current_app, g, has_app_context, request

from ..errors import ConfigurationError

try:
    import prometheus_client
    from prometheus_client import multiprocess
except ImportError:  # a site without the `metrics` extra: metrics off
    prometheus_client = None  # type: ignore[assignment]

KEY = "citizencare_metrics"
SETTING = "CITIZENCARE_METRICS_PATH"
#: Request latency buckets in seconds: pages take tens of milliseconds, uploads seconds.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
#: What a photo store error counts (a bounded label).
PHOTO_OPERATIONS = ("write", "publish", "read")


@dataclass
class Instruments:
    """One app's metrics; ``registry`` is None in multiprocess mode (the files are the truth)."""

    registry: Any
    multiprocess_dir: str | None
    requests: Any
    photo_store_errors: Any

    def sources(self) -> list[Any]:
        """What a scrape reads besides the database: this process, or every worker's files."""
        if self.multiprocess_dir:
            return [multiprocess.MultiProcessCollector(None, path=self.multiprocess_dir)]  # type: ignore[no-untyped-call]
        return [self.registry]


def install(app: Flask) -> None:
    """Set up the instruments and the request hooks, or say why metrics are off."""
    path = app.config[SETTING]
    if path is None:
        return
    if not isinstance(path, str) or not path.startswith("/") or path == "/":
        raise ConfigurationError(f"{SETTING} must be a path starting with '/', or None; not {path!r}")
    if prometheus_client is None:
        app.logger.warning(
            "metrics are off: %s is set but prometheus_client is not installed "
            "(pip install 'flask-citizencare[metrics]', or set it to None)",
            SETTING,
        )
        return
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None
    registry = None if folder else prometheus_client.CollectorRegistry()
    if registry is not None:
        prometheus_client.ProcessCollector(registry=registry)
        prometheus_client.PlatformCollector(registry=registry)
        prometheus_client.GCCollector(registry=registry)
    app.extensions[KEY] = Instruments(
        registry=registry,
        multiprocess_dir=folder,
        requests=prometheus_client.Histogram(
            "citizencare_request_duration_seconds",
            "Time to answer a request to one of the extension's pages.",
            ("endpoint", "method", "status"),
            buckets=BUCKETS,
            registry=registry,
        ),
        photo_store_errors=prometheus_client.Counter(
            "citizencare_photo_store_errors",
            "Photo store operations that failed with an OSError (disk full, object store down).",
            ("operation",),
            registry=registry,
        ),
    )
    for operation in PHOTO_OPERATIONS:
        app.extensions[KEY].photo_store_errors.labels(operation=operation)
    # Ahead of the other hooks of the app, and the last to see the response.
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request_funcs.setdefault(None, []).insert(0, _observe)


def instruments(app: Any) -> Instruments | None:
    """The app's instruments, or None when the metrics are off."""
    found = app.extensions.get(KEY)
    return found if isinstance(found, Instruments) else None


def _ours() -> bool:
    blueprint = request.blueprint or ""
    return blueprint == "citizencare" or blueprint.startswith("citizencare.")


def _start() -> None:
    if _ours():
        g.citizencare_request_started = perf_counter()


def _observe(response: Response) -> Response:
    started = g.pop("citizencare_request_started", None)
    found = instruments(current_app)
    if started is not None and found is not None and request.endpoint:
        found.requests.labels(
            endpoint=request.endpoint,
            method=request.method,
            status=f"{response.status_code // 100}xx",
        ).observe(perf_counter() - started)
    return response


def count_photo_store_error(operation: str) -> None:
    """Count one failed photo store operation (nothing without an app or without metrics)."""
    if not has_app_context():
        return
    found = instruments(current_app)
    if found is not None:
        found.photo_store_errors.labels(operation=operation).inc()


class Scrape:
    """Several collectors read as one registry by ``generate_latest``."""

    def __init__(self, sources: Iterable[Any]) -> None:
        self.sources = list(sources)

    def collect(self) -> Iterator[Any]:
        for source in self.sources:
            yield from source.collect()


def exposition(sources: Iterable[Any]) -> tuple[bytes, str]:
    """The text exposition of ``sources`` and its content type."""
    assert prometheus_client is not None
    return prometheus_client.generate_latest(Scrape(sources)), prometheus_client.CONTENT_TYPE_LATEST
