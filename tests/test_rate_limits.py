"""Rate limits of the public forms, one-use links and API: 429 with Retry-After, in the user's language.

Counters live in memory (the default store) except in the Redis tests, which
use the real server on 127.0.0.1:6379 with a key prefix of their own.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient

from flask_citizencare import ConfigurationError
from flask_citizencare.models import Category

from .conftest import BOLOGNA, dispose, empty_tables
from .reporting import counts, form_tokens, post_report, submitted

REDIS_URL = "redis://127.0.0.1:6379/0"

MakeApp = Callable[..., Flask]


@pytest.fixture
def make_app(database_url: str, tmp_path: Path) -> Iterator[MakeApp]:
    """Apps on the test database with settings of the test's own; emptied and closed afterwards."""
    from .host import make_host_app

    made: list[Flask] = []

    def make(**config: Any) -> Flask:
        app = make_host_app(
            database_url,
            CITIZENCARE_PHOTO_DIR=str(tmp_path / "photos"),
            CITIZENCARE_AREA=BOLOGNA,
            **config,
        )
        made.append(app)
        return app

    yield make
    if made:
        empty_tables(made[0])
    for app in made:
        dispose(app)


def client_from(app: Flask, address: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def assert_limited(response: Any, *, problem: bool = False) -> int:
    """A 429 with a positive Retry-After in seconds; the page or problem document says so."""
    assert response.status_code == 429
    seconds = int(response.headers["Retry-After"])
    assert 0 < seconds <= 24 * 3600
    if problem:
        assert response.mimetype == "application/problem+json"
        body = json.loads(response.get_data(as_text=True))
        assert body["status"] == 429 and body["title"]
    else:
        assert response.mimetype == "text/html"
    return seconds


def test_report_form_is_limited_per_email_then_per_address(
    app: Flask, client: FlaskClient, category: Category
) -> None:
    app.config["CITIZENCARE_RATELIMIT_REPORT_PER_EMAIL"] = "2 per hour"
    app.config["CITIZENCARE_RATELIMIT_REPORT_PER_IP"] = "5 per hour"  # the refused post counts too
    for n in range(2):
        assert post_report(client, category.id, title=f"Buca {n}").status_code == 303
    refused = post_report(client, category.id, email="GIULIA.Verdi@example.org ", title="Buca 3")
    assert_limited(refused)
    page = refused.get_data(as_text=True)
    assert "Troppe richieste" in page and "non è stato salvato nulla: riprova tra" in page
    assert counts(app)["cc_reports"] == 2
    # The form itself is still shown: only posts are counted.
    assert client.get("/citizencare/new").status_code == 200

    # Another address goes through, until the client's own limit.
    assert post_report(client, category.id, email="anna@example.org").status_code == 303
    assert post_report(client, category.id, email="bruno@example.org").status_code == 303
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    english = post_report(client, category.id, email="carla@example.org")
    assert_limited(english)
    assert "Too many requests" in english.get_data(as_text=True)
    assert counts(app)["cc_reports"] == 4  # five posts from this client: the sixth is refused

    # Someone else, from another address, is not affected.
    other = client_from(app, "192.0.2.7")
    assert post_report(other, category.id, email="dario@example.org").status_code == 303


def test_ipv6_clients_count_per_64_network(app: Flask, category: Category) -> None:
    app.config["CITIZENCARE_RATELIMIT_REPORT_PER_IP"] = "1 per hour"
    first = client_from(app, "2001:db8:1:2::10")
    same_network = client_from(app, "2001:db8:1:2:ffff::1")
    other_network = client_from(app, "2001:db8:1:3::10")
    assert post_report(first, category.id, email="a@example.org").status_code == 303
    assert_limited(post_report(same_network, category.id, email="b@example.org"))
    assert post_report(other_network, category.id, email="c@example.org").status_code == 303


def test_add_information_is_limited_per_report(app: Flask, client: FlaskClient, category: Category) -> None:
    assert post_report(client, category.id).status_code == 303
    url = f"/citizencare/track/{submitted(app).tracking_token}"
    app.config["CITIZENCARE_RATELIMIT_ADD_INFORMATION_PER_REPORT"] = "2 per hour"
    for n in range(2):
        assert client.post(url, data={**form_tokens(client, url), "text": f"Nota {n}"}).status_code == 303
    assert_limited(client.post(url, data={**form_tokens(client, url), "text": "Nota 3"}))
    assert counts(app)["cc_messages"] == 2
    assert client.get(url).status_code == 200


def test_add_information_is_limited_per_address(app: Flask, client: FlaskClient, category: Category) -> None:
    for email in ("a@example.org", "b@example.org"):
        assert post_report(client, category.id, email=email).status_code == 303
    app.config["CITIZENCARE_RATELIMIT_ADD_INFORMATION_PER_IP"] = "1 per hour"
    first, second = (f"/citizencare/track/{token}" for token in tracking_tokens(app))
    assert client.post(first, data={**form_tokens(client, first), "text": "Uno"}).status_code == 303
    assert_limited(client.post(second, data={**form_tokens(client, second), "text": "Due"}))


def tracking_tokens(app: Flask) -> list[str]:
    import sqlalchemy as sa

    from flask_citizencare.models import Report

    from .host import host_db

    with app.app_context():
        return list(host_db.session.scalars(sa.select(Report.tracking_token).order_by(Report.id)))


def follow(client: FlaskClient, number: str, address: str) -> Any:
    return client.post(
        f"/citizencare/reports/{number}/follow",
        data={**form_tokens(client, f"/citizencare/reports/{number}"), "email": address},
    )


def test_follow_requests_are_limited_per_target_address_and_per_client(
    app: Flask, category: Category
) -> None:
    client = app.test_client()
    assert post_report(client, category.id).status_code == 303
    number = submitted(app).public_id
    app.config["CITIZENCARE_RATELIMIT_FOLLOW_PER_ADDRESS"] = "2 per hour"
    app.config["CITIZENCARE_RATELIMIT_FOLLOW_PER_IP"] = "3 per hour"
    for _ in range(2):
        assert follow(client, number, "vittima@example.org").status_code == 303
    outbox_before = counts_of_outbox(app)
    # From any client: the target address is what is protected.
    elsewhere = client_from(app, "198.51.100.9")
    assert_limited(follow(elsewhere, number, "Vittima@Example.org"))
    assert counts_of_outbox(app) == outbox_before
    assert follow(client, number, "altra@example.org").status_code == 303
    assert_limited(follow(client, number, "terza@example.org"))


def counts_of_outbox(app: Flask) -> int:
    import sqlalchemy as sa

    from flask_citizencare.models import OutboxMail

    from .host import host_db

    with app.app_context():
        return int(host_db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMail)) or 0)


@pytest.mark.parametrize(
    "path", ["/citizencare/survey/{}", "/citizencare/follow/{}", "/citizencare/unsubscribe/{}"]
)
def test_guessing_one_use_links_is_limited(app: Flask, client: FlaskClient, path: str) -> None:
    app.config["CITIZENCARE_RATELIMIT_LINKS_PER_IP"] = "3 per hour"
    for n in range(3):
        assert client.get(path.format(f"guess{n}")).status_code == 404
    assert_limited(client.get(path.format("guess4")))


def test_the_three_link_pages_share_one_limit(app: Flask, client: FlaskClient) -> None:
    app.config["CITIZENCARE_RATELIMIT_LINKS_PER_IP"] = "2 per hour"
    assert client.get("/citizencare/survey/x").status_code == 404
    assert client.post("/citizencare/unsubscribe/x", data="List-Unsubscribe=One-Click").status_code == 404
    assert_limited(client.get("/citizencare/follow/x"))


def test_api_and_open_data_answer_429_problem_documents(app: Flask, client: FlaskClient) -> None:
    app.config["CITIZENCARE_RATELIMIT_API_PER_IP"] = "3 per minute"
    assert client.get("/citizencare/api/reports.geojson").status_code == 200
    assert client.get("/citizencare/api/tiles/0/0/0.mvt").status_code != 429  # 501 on SpatiaLite
    assert client.get("/citizencare/opendata/reports.csv").status_code == 200
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    refused = client.get("/citizencare/api/reports.geojson")
    assert 0 < assert_limited(refused, problem=True) <= 60
    assert "too many requests" in json.loads(refused.get_data(as_text=True))["detail"]
    assert_limited(client.get("/citizencare/opendata/reports.geojson"), problem=True)
    assert_limited(client.get("/citizencare/api/nothing-here"), problem=True)
    # The open data page itself is a page for people, and not counted.
    assert client.get("/citizencare/opendata/").status_code == 200


def test_limits_can_be_switched_off_or_waived_for_some_networks(make_app: MakeApp) -> None:
    rates = {"CITIZENCARE_RATELIMIT_API_PER_IP": "1 per hour"}
    off = make_app(CITIZENCARE_RATELIMIT_ENABLED=False, **rates)
    exempt = make_app(CITIZENCARE_RATELIMIT_EXEMPT=["10.1.0.0/16", "2001:db8::1"], **rates)
    for app, address in ((off, "127.0.0.1"), (exempt, "10.1.2.3"), (exempt, "2001:db8::1")):
        client = client_from(app, address)
        assert [client.get("/citizencare/api/reports.geojson").status_code for _ in range(3)] == [200] * 3
    outsider = client_from(exempt, "10.2.0.1")
    assert outsider.get("/citizencare/api/reports.geojson").status_code == 200
    assert_limited(outsider.get("/citizencare/api/reports.geojson"), problem=True)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("RATELIMIT_REPORT_PER_IP", "lots"),
        ("RATELIMIT_API_PER_IP", 100),
        ("RATELIMIT_EXEMPT", ["not-a-network"]),
        ("RATELIMIT_STRATEGY", "leaky"),
        ("RATELIMIT_STORAGE_URI", "nosuchstore://x"),
    ],
)
def test_unusable_limit_settings_stop_start_up(make_app: MakeApp, key: str, value: Any) -> None:
    with pytest.raises(ConfigurationError, match="CITIZENCARE_" + key):
        make_app(**{"CITIZENCARE_" + key: value})


def _redis() -> redis.Redis:
    """The test machine's Redis (CI starts it); a missing server fails the test, never skips it."""
    server = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    assert server.ping(), "Redis must run on 127.0.0.1:6379 (scripts/install-system-packages.sh --for-tests)"
    return server


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix of this test alone; its keys are deleted afterwards."""
    server = _redis()
    prefix = f"cc-test-{uuid.uuid4().hex}"
    yield prefix
    for key in server.scan_iter(match=f"*{prefix}*"):
        server.delete(key)
    server.close()


def test_two_app_instances_share_the_counts_through_redis(
    make_app: MakeApp, category: Category, redis_prefix: str
) -> None:
    shared = {
        "CITIZENCARE_RATELIMIT_STORAGE_URI": REDIS_URL,
        "CITIZENCARE_RATELIMIT_KEY_PREFIX": redis_prefix,
        "CITIZENCARE_RATELIMIT_REPORT_PER_EMAIL": "2 per hour",
    }
    first, second = make_app(**shared), make_app(**shared)
    assert first.extensions["citizencare"].rate_limiter is not second.extensions["citizencare"].rate_limiter
    one, two = first.test_client(), second.test_client()
    assert post_report(one, category.id, title="Prima").status_code == 303
    assert post_report(two, category.id, title="Seconda").status_code == 303
    assert_limited(post_report(one, category.id, title="Terza"))
    assert_limited(post_report(two, category.id, title="Quarta"))
    assert counts(first)["cc_reports"] == 2
    keys = [key.decode() for key in _redis().scan_iter(match=f"*{redis_prefix}*")]
    assert keys, "the counters are in Redis"
    assert not any("giulia" in key or "127.0.0.1" in key for key in keys), "keys are hashed"


def test_an_unreachable_store_does_not_block_citizens(
    make_app: MakeApp, category: Category, caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app(
        CITIZENCARE_RATELIMIT_STORAGE_URI="redis://127.0.0.1:9/0",  # the discard port: nothing listens
        CITIZENCARE_RATELIMIT_REPORT_PER_EMAIL="1 per hour",
    )
    client = app.test_client()
    with caplog.at_level(logging.WARNING, logger="flask_citizencare.blueprints.ratelimit"):
        assert post_report(client, category.id, title="Prima").status_code == 303
        assert post_report(client, category.id, title="Seconda").status_code == 303
    assert "rate limit store unreachable" in caplog.text
    assert counts(app)["cc_reports"] == 2
