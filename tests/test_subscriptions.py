"""Subscribing to service notices and local alerts: double opt-in, duplicates, bad links, floods,
one-click unsubscribe. Through the real pages, outbox and database."""

from __future__ import annotations

import re
import time

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import TimestampSigner

from flask_citizencare import tokens
from flask_citizencare.models import OutboxMail, Subscription
from flask_citizencare.services.mail.recipients import address_key
from flask_citizencare.tokens import Purpose

from .host import host_db
from .reporting import page_tokens
from .staff import Team

NOTICES = "/citizencare/subscriptions/notices"
ALERTS = "/citizencare/subscriptions/alerts"
CITIZEN = "cittadina@example.org"
DISTRICTS = [{"name": "Navile", "bbox": (11.33, 44.50, 11.40, 44.55)}]


def post(client: FlaskClient, url: str, language: str = "it", **fields: object) -> tuple[int, str]:
    tokens_ = page_tokens(client.get(url).get_data(as_text=True))
    answer = client.post(url, data={**tokens_, **fields}, headers={"Accept-Language": language})
    return answer.status_code, answer.get_data(as_text=True)


def rows(app: Flask) -> list[Subscription]:
    with app.app_context():
        found = list(host_db.session.scalars(sa.select(Subscription).order_by(Subscription.id)))
        host_db.session.expunge_all()
        return found


def mails(app: Flask, template: str = "subscription_confirm") -> list[OutboxMail]:
    with app.app_context():
        found = list(
            host_db.session.scalars(
                sa.select(OutboxMail).where(OutboxMail.template == template).order_by(OutboxMail.id)
            )
        )
        host_db.session.expunge_all()
        return found


def link_in(mail: OutboxMail, path: str) -> str:
    match = re.search(rf"https?://[^/\s]+(/citizencare/subscriptions/{path}/[^\s]+)", mail.body_text)
    assert match, mail.body_text
    return match.group(1)


def test_double_opt_in_then_one_click_unsubscribe(app: Flask, client: FlaskClient) -> None:
    page = client.get(NOTICES, headers={"Accept-Language": "en"})
    assert page.status_code == 200 and "Subscribe to service notices" in page.get_data(as_text=True)
    status, _ = post(client, NOTICES, email=" Cittadina@Example.org ", scope="all")
    assert status == 303
    [row] = rows(app)
    assert (row.email, row.topic, row.confirmed_at, row.locale) == (CITIZEN, "notices", None, "it")
    [mail] = mails(app)
    assert mail.recipient == CITIZEN and mail.report_id is None
    assert "List-Unsubscribe" not in mail.headers  # nothing to stop yet
    assert "Tutti gli avvisi di servizio" in mail.body_text
    confirm = client.get(link_in(mail, "confirm"), headers={"Accept-Language": "en"})
    assert confirm.status_code == 200 and "Subscription confirmed" in confirm.get_data(as_text=True)
    assert rows(app)[0].confirmed_at is not None
    assert client.get(link_in(mail, "confirm")).status_code == 200  # idempotent
    # The unsubscribe link of the subscription's mails: GET shows buttons, a one-click POST ends it.
    with app.test_request_context():
        token = tokens.sign(Purpose.SUBSCRIPTION_UNSUBSCRIBE, {"s": row.id, "a": address_key(CITIZEN)})
    url = f"/citizencare/subscriptions/unsubscribe/{token}"
    shown = client.get(url)
    assert shown.status_code == 200 and rows(app)[0].unsubscribed_at is None
    done = client.post(url, data={"List-Unsubscribe": "One-Click"})  # no CSRF token: RFC 8058
    assert done.status_code == 200 and rows(app)[0].unsubscribed_at is not None
    assert client.post(url, data={"List-Unsubscribe": "One-Click"}).status_code == 200  # again: same
    # A confirmation link cannot bring an ended subscription back.
    assert client.get(link_in(mail, "confirm")).status_code == 404


def test_unsubscribe_all_ends_every_subscription_of_the_address(app: Flask, client: FlaskClient) -> None:
    app.config["CITIZENCARE_DISTRICTS"] = DISTRICTS
    assert post(client, NOTICES, email=CITIZEN, scope="all")[0] == 303
    assert post(client, ALERTS, email=CITIZEN, topic="proposals", district="Navile")[0] == 303
    assert post(client, NOTICES, email="altro@example.org", scope="all")[0] == 303
    first = rows(app)[0]
    with app.test_request_context():
        token = tokens.sign(Purpose.SUBSCRIPTION_UNSUBSCRIBE, {"s": first.id, "a": address_key(CITIZEN)})
    answer = client.post(f"/citizencare/subscriptions/unsubscribe/{token}", data={"all": "1"})
    assert answer.status_code == 200
    assert [(r.email, r.unsubscribed_at is not None) for r in rows(app)] == [
        (CITIZEN, True),
        (CITIZEN, True),
        ("altro@example.org", False),
    ]


def test_the_same_request_twice_makes_no_second_row(app: Flask, client: FlaskClient) -> None:
    sent = post(client, NOTICES, email=CITIZEN, scope="all")
    again = post(client, NOTICES, email=CITIZEN.upper(), scope="all")
    assert sent[0] == again[0] == 303
    assert len(rows(app)) == 1
    assert len(mails(app)) == 2  # waiting: the confirmation again
    client.get(link_in(mails(app)[0], "confirm"))
    assert post(client, NOTICES, email=CITIZEN, scope="all")[0] == 303
    assert len(rows(app)) == 1 and len(mails(app)) == 2  # confirmed: nothing new, no mail
    # The page says the same whatever the address is subscribed to (no enumeration).
    page = client.get("/citizencare/subscriptions/sent", headers={"Accept-Language": "en"})
    assert "If this address was not subscribed to this yet" in page.get_data(as_text=True)
    # Something else is a second subscription.
    assert (
        post(client, ALERTS, email=CITIZEN, topic="reports", place="44.495, 11.345", radius="300")[0] == 303
    )
    assert [r.topic for r in rows(app)] == ["notices", "reports"]
    assert rows(app)[1].radius_m == 300 and rows(app)[1].area is not None


@pytest.mark.parametrize(
    ("url", "fields", "message"),
    [
        (NOTICES, {"email": "not an address", "scope": "all"}, "valid e-mail address"),
        (
            NOTICES,
            {"email": CITIZEN, "scope": "categories", "category": "999999"},
            "categories from the list",
        ),
        (NOTICES, {"email": CITIZEN, "scope": "categories", "category": "1e9"}, "categories from the list"),
        (NOTICES, {"email": CITIZEN, "scope": "categories"}, "at least one category"),
        (NOTICES, {"email": CITIZEN, "scope": "area", "district": "Atlantide"}, "district from the list"),
        (
            NOTICES,
            {"email": CITIZEN, "scope": "area", "place": "44.495, 11.345", "radius": "10"},
            "50 and 5000",
        ),
        (
            NOTICES,
            {"email": CITIZEN, "scope": "area", "place": "44.495, 11.345", "radius": "9" * 30},
            "50 and 5000",
        ),
        (NOTICES, {"email": CITIZEN, "scope": "area", "place": "45.9, 12.9"}, "outside the municipality"),
        (
            NOTICES,
            {"email": CITIZEN, "scope": "area", "place": "Via Inesistente 1"},
            "could not find this place",
        ),
        (NOTICES, {"email": CITIZEN, "scope": "area", "place": "nan, nan"}, "could not find this place"),
        (NOTICES, {"email": CITIZEN, "scope": "whatever"}, "what you want to receive"),
        (ALERTS, {"email": CITIZEN, "topic": "reports"}, "an area or some categories"),
        (ALERTS, {"email": CITIZEN, "topic": "proposals"}, "your district"),
        (
            ALERTS,
            {"email": CITIZEN, "topic": "reports", "place": "44.495, 11.345", "frequency": "hourly"},
            "how often",
        ),
        (ALERTS, {"email": "a@b.example\r\nBcc: x@y.example", "topic": "proposals"}, "valid e-mail address"),
    ],
)
def test_bad_requests_get_a_clear_400_and_change_nothing(
    app: Flask, client: FlaskClient, url: str, fields: dict[str, str], message: str
) -> None:
    app.config["CITIZENCARE_DISTRICTS"] = DISTRICTS
    status, html = post(client, url, language="en", **fields)
    assert status == 400 and message in html
    assert rows(app) == [] and mails(app) == []


def test_forged_and_expired_links_change_nothing(app: Flask, client: FlaskClient) -> None:
    post(client, NOTICES, email=CITIZEN, scope="all")
    [row] = rows(app)
    last_week = int(time.time()) - 8 * 86400
    with app.test_request_context():
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(TimestampSigner, "get_timestamp", lambda self: last_week)
            old = tokens.sign(Purpose.SUBSCRIPTION_CONFIRM, {"s": row.id, "a": address_key(CITIZEN)})
        other = tokens.sign(Purpose.SUBSCRIPTION_CONFIRM, {"s": row.id, "a": address_key("x@example.org")})
        wrong_kind = tokens.sign(Purpose.FOLLOW_CONFIRM, {"s": row.id, "a": address_key(CITIZEN)})
        unsubscribe_other = tokens.sign(
            Purpose.SUBSCRIPTION_UNSUBSCRIBE, {"s": row.id, "a": address_key("x@example.org")}
        )
    expired = client.get(f"/citizencare/subscriptions/confirm/{old}", headers={"Accept-Language": "en"})
    assert expired.status_code == 410 and "expired" in expired.get_data(as_text=True)
    assert "scaduto" in client.get(f"/citizencare/subscriptions/confirm/{old}").get_data(as_text=True)
    for token in (other, wrong_kind, "x" * 40, "x" * 1000, link_in(mails(app)[0], "confirm")[-30:]):
        answer = client.get(f"/citizencare/subscriptions/confirm/{token}", headers={"Accept-Language": "en"})
        assert answer.status_code == 404 and "not valid" in answer.get_data(as_text=True)
    for method in (client.get, client.post):
        assert method(f"/citizencare/subscriptions/unsubscribe/{unsubscribe_other}").status_code == 404
    assert client.post("/citizencare/subscriptions/unsubscribe/garbage", data={"all": "1"}).status_code == 404
    [row] = rows(app)
    assert row.confirmed_at is None and row.unsubscribed_at is None


def test_an_address_gets_few_confirmations_and_few_subscriptions(app: Flask, client: FlaskClient) -> None:
    app.config.update(
        CITIZENCARE_SUBSCRIPTION_CONFIRMATIONS_PER_DAY=4,
        CITIZENCARE_SUBSCRIPTIONS_PER_ADDRESS=2,
        CITIZENCARE_RATELIMIT_SUBSCRIBE_PER_ADDRESS="100 per hour",
    )
    for _ in range(5):  # the same waiting request: three confirmations per subscription a day
        assert post(client, NOTICES, email=CITIZEN, scope="all")[0] == 303
    assert len(rows(app)) == 1 and len(mails(app)) == 3
    places = ["44.491, 11.341", "44.492, 11.342", "44.493, 11.343"]
    for place in places:  # two subscriptions per address at most
        assert post(client, NOTICES, email=CITIZEN, scope="area", place=place)[0] == 303
    assert len(rows(app)) == 2 and len(mails(app)) == 4
    # Four confirmations a day in all: another address is not affected.
    assert post(client, NOTICES, email="altro@example.org", scope="all")[0] == 303
    assert len(mails(app)) == 5


def test_floods_per_address_and_per_ip_are_refused_with_429(app: Flask) -> None:
    app.config.update(
        CITIZENCARE_RATELIMIT_SUBSCRIBE_PER_ADDRESS="3 per hour",
        CITIZENCARE_RATELIMIT_SUBSCRIBE_PER_IP="5 per hour",
    )
    first = app.test_client()
    first.environ_base["REMOTE_ADDR"] = "192.0.2.10"
    statuses = [post(first, NOTICES, language="en", email=CITIZEN, scope="all")[0] for _ in range(4)]
    assert statuses == [303, 303, 303, 429]
    # Another client address, the same e-mail address: still refused.
    second = app.test_client()
    second.environ_base["REMOTE_ADDR"] = "192.0.2.11"
    status, html = post(second, NOTICES, language="en", email=CITIZEN, scope="all")
    assert status == 429 and "Too many" in html
    # One client address, many e-mail addresses: refused after five posts.
    third = app.test_client()
    third.environ_base["REMOTE_ADDR"] = "192.0.2.12"
    statuses = [post(third, NOTICES, email=f"p{n}@example.org", scope="all")[0] for n in range(6)]
    assert statuses == [303] * 5 + [429]
    assert len(mails(app)) == 3 + 5  # the refused posts wrote nothing


def test_a_bot_is_answered_as_if_and_gets_nothing(app: Flask, client: FlaskClient) -> None:
    status, _ = post(client, NOTICES, email=CITIZEN, scope="all", website="http://spam.example")
    assert status == 303 and rows(app) == [] and mails(app) == []


def test_the_forms_work_without_javascript_in_three_languages(
    app: Flask, client: FlaskClient, team: Team
) -> None:
    app.config["CITIZENCARE_DISTRICTS"] = DISTRICTS
    for language, words in (("it", "Avvisi locali"), ("en", "Local alerts"), ("ca", "Avisos locals")):
        html = client.get(ALERTS, headers={"Accept-Language": language}).get_data(as_text=True)
        assert words in html and 'name="district"' in html and "<script" not in html.split("cc-form")[1]
    html = client.get(NOTICES).get_data(as_text=True)
    assert 'value="Navile"' in html and f'value="{team.potholes.id}"' in html
    assert post(client, NOTICES, email=CITIZEN, scope="categories", category=str(team.potholes.id))[0] == 303
    assert post(client, NOTICES, email=CITIZEN, scope="area", district="Navile")[0] == 303
    assert [(r.categories, r.district, r.area is not None) for r in rows(app)] == [
        ([team.potholes.id], None, False),
        ([], "Navile", True),
    ]
