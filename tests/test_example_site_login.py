"""The example site's log-in: failed attempts are limited per account and per client, each step longer.

The site owns a Flask-Limiter of its own; the extension's limiter lives beside it untouched.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from .browser import migrated_example_app
from .reporting import page_tokens

LOGIN = "/accedi"


@pytest.fixture
def site(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    with migrated_example_app(
        database_url,
        tmp_path,
        SITE_LOGIN_FAILURES_PER_ACCOUNT="2 per 2 seconds; 3 per hour",
        SITE_LOGIN_FAILURES_PER_IP="6 per hour",
    ) as app:
        from example_site import db
        from example_site.accounts import create_or_update_user

        with app.app_context():
            for name in ("olga", "marco"):
                create_or_update_user(name, name.title(), f"{name}@comune.example", f"{name}-password")
            db.session.commit()
        yield app


def log_in(client: FlaskClient, username: str, password: str) -> Any:
    tokens = page_tokens(client.get(LOGIN).get_data(as_text=True))
    data = {"csrf_token": tokens["csrf_token"], "username": username, "password": password}
    return client.post(LOGIN, data=data)


def retry_after(response: Any) -> int:
    assert response.status_code == 429
    return int(response.headers["Retry-After"])


def test_each_further_failure_waits_longer(site: Flask) -> None:
    client = site.test_client()
    assert [log_in(client, "olga", "wrong").status_code for _ in range(2)] == [400, 400]
    refused = log_in(client, "Olga ", "olga-password")  # even the right password waits now
    first_wait = retry_after(refused)
    assert 0 < first_wait <= 2
    page = refused.get_data(as_text=True)
    assert "Troppi tentativi" in page and "riprova tra" in page
    time.sleep(first_wait + 1)  # Retry-After is whole seconds, rounded down
    assert log_in(client, "olga", "wrong").status_code == 400  # the third failure of the hour
    second_wait = retry_after(log_in(client, "olga", "olga-password"))
    assert second_wait > 60 * 30 and second_wait > first_wait
    # Another account from the same client is not held up by olga's.
    assert log_in(client, "marco", "marco-password").status_code == 302


def test_successful_log_ins_do_not_count(site: Flask) -> None:
    for _ in range(4):
        client = site.test_client()
        assert log_in(client, "olga", "olga-password").status_code == 302


def test_one_client_trying_many_accounts_is_stopped(site: Flask) -> None:
    client = site.test_client()
    for n in range(6):
        assert log_in(client, f"guess{n}", "password").status_code == 400
    retry_after(log_in(client, "marco", "marco-password"))
    elsewhere = site.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "192.0.2.44"
    assert log_in(elsewhere, "marco", "marco-password").status_code == 302


def test_the_sites_limiter_and_the_extensions_are_apart(database_url: str, tmp_path: Path) -> None:
    from example_site import limiter

    with migrated_example_app(
        database_url,
        tmp_path,
        RATELIMIT_ENABLED=False,  # the site switches its own limiter off ...
        RATELIMIT_DEFAULT="1 per day",
        CITIZENCARE_RATELIMIT_API_PER_IP="2 per hour",  # ... the extension's still counts
    ) as app:
        client = app.test_client()
        answers = [client.get("/segnalazioni/api/reports.geojson").status_code for _ in range(3)]
        assert answers == [200, 200, 429]
        assert client.get("/").status_code == 200 and client.get("/").status_code == 200
        assert app.extensions["citizencare"].rate_limiter is not None
        assert limiter.enabled is False


def test_an_oversized_log_in_gets_the_sites_own_413_page(site: Flask) -> None:
    """MAX_CONTENT_LENGTH (1 MB) on the site's own pages: its layout and language, not Werkzeug's page."""
    client = site.test_client()
    page = client.post(LOGIN, data={"username": "olga", "password": "x" * (2 * 1024 * 1024)})
    assert page.status_code == 413
    html = page.get_data(as_text=True)
    assert "Hai inviato troppo in una volta" in html and "Codice di errore: 413" in html
