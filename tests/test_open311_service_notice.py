"""Open311's ``service_notice`` also names the current published notice about the request's
category (listing and filing), in the client's language; schema-valid as before."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient

from .factories import create_category, create_notice, create_report
from .host import host_db
from .open311 import API, new_key, validate


def test_the_current_notice_of_the_category(app: Flask, client: FlaskClient) -> None:
    now = datetime.now(UTC)
    with app.app_context():
        session = host_db.session
        lamps = create_category(
            session, code="lamps", name="Lampioni", urgent_notice="Pericolo? Chiama il 112.",
            urgent_notices={"en": "Danger? Call 112."},
        )  # fmt: skip
        quiet = create_category(session, code="benches", name="Panchine")
        water = create_category(session, code="water", name="Fontane")
        create_notice(
            session, title="Lampioni spenti in centro", titles={"en": "Street lights off downtown"},
            categories=[lamps], starts_at=now - timedelta(hours=1),
        )  # fmt: skip
        create_notice(session, title="Bozza", status="draft", categories=[quiet, water], published_at=None)
        create_notice(
            session, title="Finito", status="resolved", ended_at=now, categories=[quiet],
            starts_at=now - timedelta(days=1),
        )  # fmt: skip
        create_notice(session, title="Fontane chiuse", categories=[water], starts_at=now - timedelta(hours=2))
        for category in (lamps, quiet, water):
            create_report(session, category=category)
        session.commit()
    response = client.get(f"{API}/requests.json", query_string={"locale": "en"})
    assert response.status_code == 200, response.get_data(as_text=True)
    items = json.loads(response.get_data())
    validate(items, "requests.json")
    notices = {item["service_code"]: item["service_notice"] for item in items}
    assert (
        notices["lamps"]
        == "Danger? Call 112. — Known problem, already being handled: Street lights off downtown"
    )
    assert notices["benches"] is None  # a draft and a notice over say nothing
    assert notices["water"] == "Known problem, already being handled: Fontane chiuse"

    key = new_key(app)
    filed = client.post(
        f"{API}/requests.json",
        data={
            "api_key": key,
            "service_code": "water",
            "lat": "44.4949",
            "long": "11.3426",
            "description": "La fontana di piazza non funziona.",
            "email": "maria@example.org",
        },
        headers={"Accept-Language": "en"},
    )
    assert filed.status_code == 200, filed.get_data(as_text=True)
    [answer] = filed.get_json()
    assert answer["service_notice"] == "Known problem, already being handled: Fontane chiuse"
