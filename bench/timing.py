"""What the benchmarks share: a bench app, timing loops and percentiles.

Imported by the scripts in this folder (which put the repository on
``sys.path`` first); never part of the test run.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from time import perf_counter
from typing import Any

from flask import Flask
from flask_login import FlaskLoginClient, LoginManager
from flask_sqlalchemy import SQLAlchemy

from flask_citizencare import CitizenCare

#: The PostgreSQL server when neither the environment nor --url names one.
DEFAULT_SERVER_URL = "postgresql+psycopg://postgres@127.0.0.1/postgres"


def server_url() -> str:
    """The benchmarks' PostgreSQL server (any database on it): $CITIZENCARE_BENCH_POSTGRES_URL,
    then $CITIZENCARE_TEST_POSTGRES_URL, then the local server."""
    return (
        os.environ.get("CITIZENCARE_BENCH_POSTGRES_URL")
        or os.environ.get("CITIZENCARE_TEST_POSTGRES_URL")
        or DEFAULT_SERVER_URL
    )


class BenchUser:
    """The one logged-in user of a staff benchmark; the app gives it the bench's roles."""

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        return "bench-user"


def bench_app(name: str, url: str, *, roles: Iterable[str] = (), **config: Any) -> Flask:
    """The extension on ``url`` in a bare Flask app; with ``roles``, ``app.test_client(user=BenchUser())``
    is logged in with them (CSRF off, so forms can be posted)."""
    app = Flask(name)
    app.config.update(SQLALCHEMY_DATABASE_URI=url, SECRET_KEY="benchmark-only-key", **config)
    citizencare = CitizenCare(app, db=SQLAlchemy())
    if roles:
        granted = list(roles)
        app.config["WTF_CSRF_ENABLED"] = False
        login = LoginManager(app)
        login.user_loader(lambda user_id: BenchUser() if user_id == "bench-user" else None)
        citizencare.role_loader(lambda user: granted if isinstance(user, BenchUser) else [])
        app.test_client_class = FlaskLoginClient
    return app


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (``share`` 0.5 is the median, 0.95 the p95)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def timed(fn: Callable[[], Any], runs: int, warmup: int = 3) -> list[float]:
    """Seconds of each of ``runs`` calls after ``warmup`` untimed ones."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        start = perf_counter()
        fn()
        times.append(perf_counter() - start)
    return times


def interleaved(fns: dict[str, Callable[[], Any]], runs: int, warmup: int = 3) -> dict[str, list[float]]:
    """Like :func:`timed` for several cases, one call of each per round, so load spikes hit all alike."""
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(runs):
        for name, fn in fns.items():
            start = perf_counter()
            fn()
            times[name].append(perf_counter() - start)
    return times
