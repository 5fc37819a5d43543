"""``/healthz`` and ``/readyz`` under the extension's URL prefix: uncached, without a session cookie."""

from __future__ import annotations

import socket
import threading
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from flask_citizencare import CitizenCare
from flask_citizencare.database import migrate
from flask_citizencare.errors import ConfigurationError

from .conftest import BOLOGNA, dispose
from .host import make_host_app
from .smtp import free_port

READYZ = "/citizencare/readyz"
STRANGER = {"REMOTE_ADDR": "203.0.113.7"}


def test_healthz_answers_ok_without_cookie_or_cache(app: Flask) -> None:
    response = app.test_client().get("/citizencare/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


def test_healthz_follows_the_url_prefix(app: Flask) -> None:
    assert app.url_map.bind("localhost").build("citizencare.health.healthz") == "/citizencare/healthz"


def readyz(app: Flask, **environ: str) -> tuple[int, dict[str, Any]]:
    response = app.test_client().get(READYZ, environ_base=environ)
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers
    return response.status_code, response.get_json()


def failing(answer: dict[str, Any]) -> set[str]:
    return {name for name, check in answer["checks"].items() if not check["ok"]}


def test_readyz_is_ready_when_every_check_passes(app: Flask, backend: str) -> None:
    status, answer = readyz(app)
    assert status == 200
    assert answer["status"] == "ready"
    assert set(answer["checks"]) == {"database", "schema", "photos"}  # limits in memory: no Redis
    assert all(check["ok"] for check in answer["checks"].values())
    assert answer["checks"]["database"]["detail"].startswith(f"{backend} at ")
    assert "newest revision" in answer["checks"]["schema"]["detail"]
    # The probe left nothing behind in the photo store.
    store = app.extensions["citizencare"].photo_store
    assert list(store.keys()) == [] and list((store.root / ".staging").iterdir()) == []


def postgres_app_at(port: int, photos: Path) -> Flask:
    """A site whose PostgreSQL is on a loopback ``port`` (no table is made at start-up)."""
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY="host-secret",
        TESTING=True,
        SQLALCHEMY_DATABASE_URI=f"postgresql+psycopg://citizencare:s3cret-pw@127.0.0.1:{port}/x",
        CITIZENCARE_PHOTO_DIR=str(photos),
    )
    SQLAlchemy(app)
    CitizenCare(app, db=app.extensions["sqlalchemy"])
    return app


def readyz_within(app: Flask, seconds: float) -> tuple[int, dict[str, Any]]:
    answers: list[tuple[int, dict[str, Any]]] = []
    thread = threading.Thread(target=lambda: answers.append(readyz(app)), daemon=True)
    thread.start()
    thread.join(seconds)
    assert answers, f"/readyz did not answer within {seconds} s"
    return answers[0]


def test_readyz_answers_503_at_once_when_postgresql_is_not_there(tmp_path: Path) -> None:
    app = postgres_app_at(free_port(), tmp_path / "photos")
    status, answer = readyz_within(app, 15)
    assert status == 503
    assert answer["status"] == "not ready"
    assert failing(answer) == {"database", "schema"}
    detail = answer["checks"]["database"]["detail"]
    assert "Connection refused" in detail
    assert "s3cret-pw" not in detail and "citizencare:***@127.0.0.1" in detail


def test_readyz_answers_503_when_postgresql_stops_answering(tmp_path: Path) -> None:
    """A server that takes the connection but never speaks (a stopped process): the connect timeout."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # the kernel completes the handshake; nobody ever answers
        app = postgres_app_at(silent.getsockname()[1], tmp_path / "photos")
        status, answer = readyz_within(app, 15)
    assert status == 503
    assert failing(answer) == {"database", "schema"}
    assert "timeout" in answer["checks"]["database"]["detail"].lower()


def test_a_monitoring_network_that_is_none_stops_start_up(database_url: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="CITIZENCARE_MONITORING_NETWORKS"):
        make_host_app(database_url, CITIZENCARE_MONITORING_NETWORKS=["10.0.0.0/8", "the office"])


def test_readyz_answers_503_below_the_newest_migration(new_database: str, tmp_path: Path) -> None:
    app = make_host_app(
        new_database, CITIZENCARE_PHOTO_DIR=str(tmp_path / "photos"), CITIZENCARE_AREA=BOLOGNA
    )
    try:
        migrate.upgrade(app)
        assert readyz(app)[0] == 200
        migrate.downgrade(app, "-1")
        status, answer = readyz(app)
        assert status == 503
        assert failing(answer) == {"schema"}
        assert f"newest is {migrate.head_revision()}" in answer["checks"]["schema"]["detail"]
    finally:
        dispose(app)


def test_readyz_answers_503_when_the_photo_folder_cannot_be_made(database_url: str, tmp_path: Path) -> None:
    # Below a regular file no folder can be made, not even by root (whom chmod does not stop).
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    app = make_host_app(database_url, CITIZENCARE_PHOTO_DIR=str(blocker / "photos"), CITIZENCARE_AREA=BOLOGNA)
    try:
        status, answer = readyz(app)
        assert status == 503
        assert failing(answer) == {"photos"}
        assert "cannot be created or written" in answer["checks"]["photos"]["detail"]
    finally:
        dispose(app)


@pytest.mark.parametrize("reachable", [True, False], ids=["redis up", "redis at a closed port"])
def test_readyz_pings_the_rate_limits_redis(database_url: str, tmp_path: Path, reachable: bool) -> None:
    port = 6379 if reachable else free_port()
    app = make_host_app(
        database_url,
        CITIZENCARE_PHOTO_DIR=str(tmp_path / "photos"),
        CITIZENCARE_AREA=BOLOGNA,
        CITIZENCARE_RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{port}/0",
    )
    try:
        status, answer = readyz(app)
        assert status == (200 if reachable else 503)
        assert failing(answer) == (set() if reachable else {"redis"})
        assert f"redis://127.0.0.1:{port}/0" in answer["checks"]["redis"]["detail"]
    finally:
        dispose(app)


def test_readyz_shows_no_detail_outside_the_monitoring_networks(app: Flask) -> None:
    status, answer = readyz(app, **STRANGER)
    assert status == 200
    assert answer == {
        "status": "ready",
        "checks": {"database": {"ok": True}, "schema": {"ok": True}, "photos": {"ok": True}},
    }
    for loopback in ("127.0.0.1", "::1", "::ffff:127.0.0.1"):
        assert "detail" in readyz(app, REMOTE_ADDR=loopback)[1]["checks"]["database"]
    app.config["CITIZENCARE_MONITORING_NETWORKS"] = ["203.0.113.0/24"]
    assert "detail" in readyz(app, **STRANGER)[1]["checks"]["database"]
    assert "detail" not in readyz(app)[1]["checks"]["database"]  # loopback is no longer listed


def test_readyz_limits_strangers_but_not_the_monitoring(app: Flask) -> None:
    app.config["CITIZENCARE_RATELIMIT_READYZ_PER_IP"] = "3 per minute"
    assert [readyz(app)[0] for _ in range(10)] == [200] * 10
    client = app.test_client()
    answers = [client.get(READYZ, environ_base=STRANGER) for _ in range(5)]
    assert [answer.status_code for answer in answers] == [200, 200, 200, 429, 429]
    limited = answers[-1]
    assert limited.get_json() == {"status": "too many requests"}
    assert int(limited.headers["Retry-After"]) > 0
    assert limited.headers["Cache-Control"] == "no-store" and "Set-Cookie" not in limited.headers
    assert readyz(app, REMOTE_ADDR="::1")[0] == 200
