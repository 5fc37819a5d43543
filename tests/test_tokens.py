"""Signed tokens: one key per purpose, never the bare SECRET_KEY; no start-up on a key anyone knows."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_sqlalchemy import SQLAlchemy
from itsdangerous import TimestampSigner, URLSafeSerializer, URLSafeTimedSerializer

from flask_citizencare import CitizenCare, ConfigurationError, tokens
from flask_citizencare.tokens import ExpiredToken, InvalidToken, Purpose

from .conftest import BOLOGNA, dispose
from .factories import create_report
from .host import host_db

STRONG = "3b9f0c6e2d4a8b1f7e5c9a0d6b2e4f81"


def bare_app(database_url: str, **config: Any) -> Flask:
    app = Flask(__name__)
    app.config.update(SQLALCHEMY_DATABASE_URI=database_url, **config)
    CitizenCare(app, db=SQLAlchemy())
    dispose(app)
    return app


# -- start-up ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    [
        "comune-di-esempio-dev-key-change-me",  # the example site's, published in the repository
        "dev",
        "Secret",
        " changeme ",
        b'_5#y2L"F4Q8z\n\xec]/',  # Flask's quickstart
        "short-key-12",
        "abababababababababababab",
    ],
)
def test_a_well_known_key_stops_start_up(database_url: str, key: str | bytes) -> None:
    with pytest.raises(ConfigurationError, match="SECRET_KEY cannot be used outside debug mode"):
        bare_app(database_url, SECRET_KEY=key)


def test_a_missing_key_stops_start_up_in_every_mode(database_url: str) -> None:
    for mode in ({}, {"DEBUG": True}, {"TESTING": True}):
        with pytest.raises(ConfigurationError, match="SECRET_KEY is not set"):
            bare_app(database_url, **mode)


def test_development_keys_are_accepted_in_debug_and_testing(database_url: str) -> None:
    bare_app(database_url, SECRET_KEY="dev", DEBUG=True)
    bare_app(database_url, SECRET_KEY="comune-di-esempio-dev-key-change-me", TESTING=True)
    bare_app(database_url, SECRET_KEY=STRONG)


def test_the_example_sites_development_key_is_known() -> None:
    from example_site.config import DEV_SECRET_KEY

    assert tokens.weakness(DEV_SECRET_KEY) is not None
    assert tokens.weakness(STRONG) is None


# -- tokens -----------------------------------------------------------------------------------


def test_each_purpose_has_its_own_key_and_none_is_the_session_key(app: Flask) -> None:
    with app.app_context():
        keys = {tokens.purpose_key(purpose) for purpose in Purpose}
        assert len(keys) == len(Purpose)
        assert app.secret_key not in keys and all(len(key) == 32 for key in keys)
        token = tokens.sign(Purpose.SURVEY, {"r": 1})
        assert tokens.verify(Purpose.SURVEY, token) == {"r": 1}
        for other in set(Purpose) - {Purpose.SURVEY}:
            with pytest.raises(InvalidToken):
                tokens.verify(other, token)
        assert tokens.digest(Purpose.ADDRESS, "a@b.it") != tokens.digest(Purpose.SURVEY, "a@b.it")
        app.config["SECRET_KEY"] = STRONG
        with pytest.raises(InvalidToken):
            tokens.verify(Purpose.SURVEY, token)


def test_tampered_long_and_expired_tokens_are_refused(app: Flask) -> None:
    with app.app_context():
        token = tokens.sign(Purpose.UNSUBSCRIBE, {"r": 1, "a": "x"})
        body, stamp, signature = token.split(".")
        flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
        for bad in (f"{body}.{stamp}.{flipped}", token[:-2], "", "x" * 301, f"{body}.{stamp}"):
            with pytest.raises(InvalidToken):
                tokens.verify(Purpose.UNSUBSCRIBE, bad)
        with pytest.raises(InvalidToken):
            tokens.verify(Purpose.UNSUBSCRIBE, token, max_length=len(token) - 1)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - 100)
            old = tokens.sign(Purpose.UNSUBSCRIBE, [1])
        assert tokens.verify(Purpose.UNSUBSCRIBE, old, max_age=200) == [1]
        assert tokens.verify(Purpose.UNSUBSCRIBE, old) == [1]  # no max_age: no expiry
        with pytest.raises(ExpiredToken):
            tokens.verify(Purpose.UNSUBSCRIBE, old, max_age=50)


def test_links_signed_with_the_bare_session_key_are_refused(app: Flask, client: FlaskClient) -> None:
    """What anyone holding SECRET_KEY (or its published development value) could forge before."""
    with app.test_request_context():
        now = datetime.now(UTC)
        report = create_report(host_db.session, status="resolved", acknowledged_at=now, resolved_at=now)
        host_db.session.commit()
        payload = {"r": report.id, "t": report.tracking_token[:8]}
        survey = URLSafeTimedSerializer(app.secret_key, salt="citizencare-survey").dumps(payload)
        unsubscribe = URLSafeSerializer(app.secret_key, salt="citizencare-unsubscribe").dumps(
            {"r": report.id, "a": "0" * 24}
        )
        cursor = URLSafeSerializer(app.secret_key, salt="citizencare.api.reports-cursor").dumps(
            ["2099-01-01T00:00:00+00:00", 1]
        )
        genuine = tokens.sign(Purpose.SURVEY, payload)
    assert client.get(f"/citizencare/survey/{genuine}").status_code == 200
    assert client.get(f"/citizencare/survey/{survey}").status_code == 404
    assert client.get(f"/citizencare/unsubscribe/{unsubscribe}").status_code == 404
    bbox = ",".join(map(str, BOLOGNA))
    response = client.get("/citizencare/api/reports.geojson", query_string={"bbox": bbox, "cursor": cursor})
    assert response.status_code == 400 and response.get_json()["parameter"] == "cursor"
