"""Real-browser fixtures: the example site served on loopback, Debian's Chromium driven by Playwright.

Map tiles point at a local path that does not exist, so pages never reach the
network (and the "tiles fail" case is what every browser test sees).
"""

from __future__ import annotations

import shutil
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


def example_app(database_url: str, tmp_path: Path, **config: Any) -> Flask:
    from example_site import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "browser-tests-only-key",
            "CITIZENCARE_PHOTO_DIR": str(tmp_path / "photos"),
            "CITIZENCARE_TILE_URL": "/no-tiles/{z}/{x}/{y}.png",
            # The browser fills the forms faster than a person: the minimum fill time is tested apart.
            "CITIZENCARE_FORM_MIN_SECONDS": 0,
            **config,
        }
    )


@contextmanager
def migrated_example_app(database_url: str, tmp_path: Path, **config: Any) -> Iterator[Flask]:
    """The example site on a migrated database; its rows and the site's own table removed afterwards."""
    from example_site import db as site_db
    from flask_citizencare.database import migrate

    from .conftest import dispose, empty_tables

    app = example_app(database_url, tmp_path, **config)
    migrate.upgrade(app)
    try:
        yield app
    finally:
        empty_tables(app)
        with app.app_context():
            site_db.drop_all()
        dispose(app)


def wait_until(page: Any, expression: str, arg: Any = None, timeout: float = 30.0) -> None:
    """Poll a JavaScript predicate until it is true.

    Playwright's ``wait_for_function`` re-evaluates a string predicate with
    ``eval`` inside the page, which our Content-Security-Policy (no
    ``unsafe-eval``) rightly refuses whenever the first check is false. A plain
    ``page.evaluate`` goes through the DevTools protocol, which the policy does
    not apply to, so the polling happens from here.
    """
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression, arg):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout:.0f} s: {expression}")
        page.wait_for_timeout(50)


def console_errors(page: Any) -> list[str]:
    """The errors ``page`` logs from now on: a script's, and what the Content-Security-Policy refused."""
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    return errors


def script_errors(errors: list[str]) -> list[str]:
    """``errors`` but the failed loads: the map's tiles answer 404 here (no network)."""
    return [e for e in errors if "Failed to load resource" not in e]


def accept_conditions(page: Any) -> None:
    """Step 1 of the model's report flow: tick the privacy notice and go on to the report's data."""
    page.check("#consent")
    page.locator("form", has=page.locator("#consent")).locator("button[type=submit]").click()
    page.wait_for_url("**/new/data**")


def log_in(page: Any, server: LiveServer, username: str, password: str) -> None:
    """Log in through the example site's form and land on the staff queue."""
    page.goto(server.url + "/accedi?next=/segnalazioni/staff/")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("form button[type=submit]")
    page.wait_for_url("**/segnalazioni/staff/**")


def tls_context(folder: Path) -> ssl.SSLContext:
    """A server TLS context with a throw-away self-signed certificate for 127.0.0.1 (made by openssl)."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


class LiveServer:
    """``app`` served on a free loopback port; over HTTPS when given a TLS context (see tls_context)."""

    def __init__(self, app: Flask, ssl_context: ssl.SSLContext | None = None) -> None:
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True, ssl_context=ssl_context)
        scheme = "https" if ssl_context else "http"
        self.url = f"{scheme}://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: `apt-get install chromium` (make test installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()
