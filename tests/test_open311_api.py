"""The Open311 API's frame: formats, errors in the spec's shape, keys, limits, jurisdiction, discovery."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from flask_citizencare.context import db_session
from flask_citizencare.domain.open311.rates import normalise_rate
from flask_citizencare.models import ApiKey, AuditEntry
from flask_citizencare.services.api_keys import revoke_key

from .conftest import BOLOGNA, dispose, empty_tables
from .host import make_host_app
from .open311 import API, assert_in_order, child_names, new_key, xml_root


def error_of(response) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    """The one error of a spec error document, in either format."""
    if response.content_type.startswith("application/json"):
        (error,) = response.get_json()
        assert set(error) == {"code", "description"}
        return error["code"], error["description"]
    root = xml_root(response.data, "errors")
    (error,) = list(root)
    assert error.tag == "error"
    assert child_names(error) == ["code", "description"]
    return int(error.findtext("code") or 0), error.findtext("description") or ""


def test_discovery_in_both_formats(client: FlaskClient) -> None:
    answer = client.get(f"{API}/discovery.json")
    assert answer.status_code == 200
    assert answer.content_type == "application/json; charset=utf-8"
    data = answer.get_json()
    assert list(data) == ["changeset", "contact", "key_service", "endpoints"]
    (endpoint,) = data["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == f"http://localhost{API}"
    assert endpoint["formats"] == ["text/xml", "application/json"]

    answer = client.get(f"{API}/discovery.xml")
    assert answer.content_type == "text/xml; charset=utf-8"
    root = xml_root(answer.data, "discovery")
    assert_in_order(root, ["changeset", "contact", "key_service", "endpoints"])
    endpoint_element = root.find("endpoints/endpoint")
    assert endpoint_element is not None
    assert_in_order(endpoint_element, ["specification", "url", "changeset", "type", "formats"])
    assert [f.text for f in endpoint_element.findall("formats/format")] == ["text/xml", "application/json"]


def test_get_answers_carry_an_etag_and_304_when_unchanged(client: FlaskClient) -> None:
    first = client.get(f"{API}/discovery.json")
    assert first.headers["Cache-Control"] == "public, max-age=0, must-revalidate"
    again = client.get(f"{API}/discovery.json", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_the_locale_parameter_chooses_the_language(client: FlaskClient) -> None:
    italian = client.get(f"{API}/discovery.json").get_json()
    english = client.get(f"{API}/discovery.json?locale=en").get_json()
    catalan = client.get(f"{API}/discovery.json?locale=ca_ES").get_json()
    assert "Ufficio Relazioni con il Pubblico" in italian["contact"]
    assert "Public Relations Office" in english["contact"]
    assert "Oficina" in catalan["contact"]


@pytest.mark.parametrize("suffix", ["json", "xml"])
def test_unknown_addresses_and_formats_get_the_spec_error(client: FlaskClient, suffix: str) -> None:
    answer = client.get(f"{API}/nothing-here.{suffix}?locale=en")
    assert answer.status_code == 404
    assert answer.content_type.startswith("application/json" if suffix == "json" else "text/xml")
    assert error_of(answer) == (404, "There is nothing at this address of the API.")
    html = client.get(f"{API}/discovery.html")
    assert html.status_code == 404
    assert error_of(html)[0] == 404


def test_a_method_the_address_does_not_take_is_405_with_allow(client: FlaskClient) -> None:
    answer = client.delete(f"{API}/discovery.json")
    assert answer.status_code == 405
    assert answer.headers["Allow"] == "GET"
    assert error_of(answer)[0] == 405


def test_a_nul_byte_is_refused_in_the_spec_format(client: FlaskClient) -> None:
    answer = client.get(f"{API}/discovery.xml?jurisdiction_id=a%00b")
    assert answer.status_code == 400
    assert error_of(answer)[0] == 400


def test_a_parameter_given_twice_differently_is_refused(client: FlaskClient) -> None:
    answer = client.get(f"{API}/discovery.json?jurisdiction_id=a&jurisdiction_id=b&locale=en")
    assert answer.status_code == 400
    assert error_of(answer) == (400, "jurisdiction_id: give this parameter once.")


def test_keys_are_checked_when_given(app: Flask, client: FlaskClient) -> None:
    key = new_key(app, "reader", can_post=False)
    assert client.get(f"{API}/discovery.json?api_key={key}").status_code == 200
    for bad in ("cc311_nope", "x" * 5000, key + "x"):
        answer = client.get(f"{API}/discovery.json", query_string={"api_key": bad, "locale": "en"})
        assert answer.status_code == 403
        assert error_of(answer) == (403, "api_key: this API key is not valid, or it was revoked.")
    with app.app_context():
        stored = db_session().query(ApiKey).one()
        assert stored.uses == 1
        assert stored.last_used_at is not None
        assert key not in (stored.key_hash, stored.prefix)
        revoke_key(db_session(), "reader")
        assert db_session().query(AuditEntry).filter_by(subject_type="api_key").count() == 2
    assert client.get(f"{API}/discovery.json?api_key={key}").status_code == 403


@pytest.fixture
def limited_app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = make_host_app(
        database_url,
        CITIZENCARE_PHOTO_DIR=str(tmp_path / "photos"),
        CITIZENCARE_AREA=BOLOGNA,
        CITIZENCARE_RATELIMIT_OPEN311_PER_IP="3 per minute",
        CITIZENCARE_RATELIMIT_OPEN311_PER_KEY="5 per minute",
    )
    yield app
    empty_tables(app)
    dispose(app)


def test_addresses_and_keys_are_counted_apart(limited_app: Flask) -> None:
    client = limited_app.test_client()
    for _ in range(3):
        assert client.get(f"{API}/discovery.json").status_code == 200
    flooded = client.get(f"{API}/discovery.xml?locale=en")
    assert flooded.status_code == 429
    assert int(flooded.headers["Retry-After"]) >= 1
    code, description = error_of(flooded)
    assert code == 429 and description.startswith("Too many requests")

    own_rate = new_key(limited_app, "slow", rate="2 per minute")
    default_rate = new_key(limited_app, "default")
    for _ in range(2):
        assert client.get(f"{API}/discovery.json?api_key={own_rate}").status_code == 200
    assert client.get(f"{API}/discovery.json?api_key={own_rate}").status_code == 429
    answers = [client.get(f"{API}/discovery.json?api_key={default_rate}").status_code for _ in range(6)]
    assert answers == [200] * 5 + [429]


@pytest.fixture
def jurisdiction_app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = make_host_app(
        database_url,
        CITIZENCARE_PHOTO_DIR=str(tmp_path / "photos"),
        CITIZENCARE_OPEN311_JURISDICTION="comune.prova.it",
        CITIZENCARE_OPEN311_PREFIX="/georeport",
        CITIZENCARE_OPEN311_CONTACT="api@comune.prova.it",
    )
    yield app
    empty_tables(app)
    dispose(app)


def test_the_configured_jurisdiction_and_prefix(jurisdiction_app: Flask) -> None:
    client = jurisdiction_app.test_client()
    base = "/citizencare/georeport/v2"
    assert client.get(f"{base}/discovery.json?jurisdiction_id=comune.prova.it").status_code == 200
    assert client.get(f"{base}/discovery.json").status_code == 200
    other = client.get(f"{base}/discovery.json?jurisdiction_id=altro.it&locale=en")
    assert other.status_code == 404
    assert error_of(other) == (404, "jurisdiction_id: this server answers only for comune.prova.it.")
    assert client.get(f"{API}/discovery.json").status_code == 404
    assert json.loads(client.get(f"{base}/discovery.json").data)["contact"] == "api@comune.prova.it"


def test_open311_can_be_switched_off(database_url: str, tmp_path: Path) -> None:
    app = make_host_app(database_url, CITIZENCARE_OPEN311_ENABLED=False)
    try:
        assert app.test_client().get(f"{API}/discovery.json").status_code == 404
        assert not [rule for rule in app.url_map.iter_rules() if "open311" in rule.endpoint]
    finally:
        dispose(app)


def test_apikey_commands(app: Flask) -> None:
    runner = app.test_cli_runner()
    created = runner.invoke(
        args=["citizencare", "apikey", "create", "FixMyStreet", "--can-post", "--rate", "120/min"]
    )
    assert created.exit_code == 0, created.output
    key = created.stdout.strip().splitlines()[0]
    assert key.startswith("cc311_") and len(key) > 40
    twice = runner.invoke(args=["citizencare", "apikey", "create", "FixMyStreet"])
    assert twice.exit_code != 0 and "exists" in twice.output
    bad_rate = runner.invoke(args=["citizencare", "apikey", "create", "other", "--rate", "lots"])
    assert bad_rate.exit_code != 0 and "not a rate" in bad_rate.output

    listed = runner.invoke(args=["citizencare", "apikey", "list"])
    assert "FixMyStreet" in listed.output and "120 per minute" in listed.output and "post" in listed.output
    assert key not in listed.output
    assert app.test_client().get(f"{API}/discovery.json?api_key={key}").status_code == 200

    revoked = runner.invoke(args=["citizencare", "apikey", "revoke", "FixMyStreet"])
    assert revoked.exit_code == 0 and "revoked" in revoked.output
    assert runner.invoke(args=["citizencare", "apikey", "revoke", "FixMyStreet"]).exit_code != 0
    assert app.test_client().get(f"{API}/discovery.json?api_key={key}").status_code == 403
    assert "revoked" in runner.invoke(args=["citizencare", "apikey", "list"]).output


@pytest.mark.parametrize(
    ("written", "rate"),
    [
        ("120/min", "120 per minute"),
        ("10/s", "10 per second"),
        ("5000/day; 60/m", "5000 per day; 60 per minute"),
        ("60 per minute", "60 per minute"),
    ],
)
def test_rates_as_people_write_them(written: str, rate: str) -> None:
    assert normalise_rate(written) == rate
