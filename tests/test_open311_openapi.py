"""The OpenAPI description of the Open311 API: valid OpenAPI 3.1, and the live server keeps to it.

Schemathesis reads the description from a real server (werkzeug in a thread)
and calls every operation with generated parameters: no answer may be a 5xx,
and every answer must conform to the description (status, content type,
schema). A key allowed to post is created in the test database.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import hypothesis
import jsonschema
import pytest
import requests
import schemathesis
from flask import Flask
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.specs.openapi.definitions import OPENAPI_31

from flask_citizencare.blueprints.open311.endpoints import ENDPOINTS
from flask_citizencare.blueprints.open311.openapi import SCHEMA_NAMES, describe, openapi_path
from tests.browser import LiveServer
from tests.conftest import BOLOGNA, dispose, empty_tables
from tests.host import make_host_app
from tests.open311 import API, new_key

OPENAPI = f"{API}/openapi.json"
#: What "keeps to the description" means: no 5xx; status, content type, headers and body as described.
#: (Not schemathesis' positive_data_acceptance: a value the schema allows may still be refused with a
#: 400 naming it, such as a NUL byte or a date in year 10000.)
CONFORMANCE = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def test_description_is_served_as_json_with_an_etag(client: Any) -> None:
    response = client.get(OPENAPI)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    description = response.get_json()
    assert description["openapi"] == "3.1.0"
    assert description["servers"] == [{"url": f"http://localhost{API}"}]
    etag = response.headers["ETag"]
    assert client.get(OPENAPI, headers={"If-None-Match": etag}).status_code == 304


def test_every_declared_endpoint_has_a_path_per_format(client: Any) -> None:
    paths = client.get(OPENAPI).get_json()["paths"]
    assert ENDPOINTS, "no endpoint declared"
    for spec in ENDPOINTS:
        for fmt, content_type in (("json", "application/json"), ("xml", "text/xml")):
            operation = paths[openapi_path(spec, fmt)][spec.method.lower()]
            assert operation["summary"] == spec.summary
            ok = operation["responses"]["200"]["content"]
            assert list(ok) == [content_type]
            for status in ("400", "403", "404"):
                assert list(operation["responses"][status]["content"]) == [content_type]
            if fmt == "json":
                assert ok[content_type]["schema"] == {"$ref": f"#/components/schemas/{spec.response}"}
                error = operation["responses"]["400"]["content"][content_type]["schema"]
                assert error == {"$ref": "#/components/schemas/error"}
            else:
                assert ok[content_type]["schema"] == {"type": "string"}
            names = {p["name"] for p in operation["parameters"]}
            body = operation.get("requestBody", {}).get("content", {})
            fields = set()
            for media in body.values():
                fields |= set(media["schema"]["properties"])
            for param in spec.params:
                assert param.name in (fields if param.location == "form" else names)
            assert set(spec.path_params) <= names


def test_declared_response_names_are_described() -> None:
    for spec in ENDPOINTS:
        assert spec.response in SCHEMA_NAMES, (spec.name, spec.response)


def test_spec_schemas_become_components() -> None:
    description = describe(ENDPOINTS, "https://example.org/open311/v2")
    schemas = description["components"]["schemas"]
    assert schemas["requests"]["items"]["$ref"] == "#/components/schemas/request"
    assert schemas["services"]["items"]["$ref"] == "#/components/schemas/service"
    assert schemas["error"]["items"]["properties"]["code"] == {"type": "integer"}
    for name in ("discovery", "request_created", "tokens", "updates", "update_created"):
        assert name in schemas


def test_description_is_valid_openapi_3_1(client: Any) -> None:
    """The OpenAPI 3.1 meta-schema (the official one, as schemathesis bundles it) accepts the
    description, every component is a valid JSON Schema 2020-12, and schemathesis loads every
    operation."""
    description = client.get(OPENAPI).get_json()
    meta = jsonschema.Draft202012Validator(OPENAPI_31)
    meta.validate(description)
    for schema in description["components"]["schemas"].values():
        jsonschema.Draft202012Validator.check_schema(schema)
    broken = dict(description, paths={"/discovery.json": {"get": {"responses": "nothing"}}})
    assert not meta.is_valid(broken)
    schema = schemathesis.openapi.from_dict(description)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 2 * len(ENDPOINTS)


@pytest.fixture(scope="module")
def live(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The test host served on 127.0.0.1 with a posting key; its address and the key."""
    app: Flask = make_host_app(
        database_url,
        CITIZENCARE_PHOTO_DIR=str(tmp_path_factory.mktemp("photos")),
        CITIZENCARE_AREA=BOLOGNA,
        CITIZENCARE_RATELIMIT_OPEN311_PER_IP="100000 per minute",
        CITIZENCARE_RATELIMIT_OPEN311_PER_KEY="100000 per minute",
    )
    key = new_key(app, "schemathesis", can_post=True)
    with LiveServer(app) as server:
        yield server.url, key
    empty_tables(app)
    dispose(app)


def test_live_description_loads(live: tuple[str, str]) -> None:
    url, _key = live
    schema = schemathesis.openapi.from_url(url + OPENAPI)
    assert schema.raw_schema["servers"] == [{"url": url + API}]
    answer = requests.get(url + API + "/discovery.json", timeout=10)
    assert answer.status_code == 200
    assert answer.json()["endpoints"][0]["url"] == url + API


@pytest.mark.slow
def test_every_operation_keeps_to_the_description(live: tuple[str, str]) -> None:
    url, key = live
    schema = schemathesis.openapi.from_url(url + OPENAPI)
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        try:
            _calls(operation, url + API, key)()
        except Exception as error:  # collected, reported together
            failures.append(f"{operation.label}: {error}")
    assert not failures, "\n\n".join(failures)


def _calls(operation: Any, base_url: str, key: str) -> Any:
    """A hypothesis test calling ``operation`` with generated cases (the key put in for POSTs)."""

    @hypothesis.settings(
        max_examples=15,
        deadline=None,
        database=None,
        suppress_health_check=list(hypothesis.HealthCheck),
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
    )
    @hypothesis.given(case=operation.as_strategy())
    def check(case: Any) -> None:
        if isinstance(case.body, dict) and "api_key" in case.body:
            case.body["api_key"] = key
        response = case.call(base_url=base_url, timeout=20)
        assert response.status_code < 500, (operation.label, response.status_code, response.text[:300])
        case.validate_response(response, checks=CONFORMANCE)

    return check
