"""``/healthz`` under the extension's URL prefix: up, uncached, without a session cookie."""

from __future__ import annotations

from flask import Flask


def test_healthz_answers_ok_without_cookie_or_cache(app: Flask) -> None:
    response = app.test_client().get("/citizencare/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


def test_healthz_follows_the_url_prefix(app: Flask) -> None:
    assert app.url_map.bind("localhost").build("citizencare.health.healthz") == "/citizencare/healthz"
