"""The OpenAPI 3.1 description of the Open311 API, written from :data:`~.endpoints.ENDPOINTS`.

Served at ``<open311 prefix>/v2/openapi.json``. It is generated with apispec
from the very declarations that make the URL rules and parse the parameters
(:mod:`.endpoints`, :mod:`.params`), so it cannot drift from what the server
accepts: a parameter added to an endpoint is described the moment it is
parsed.

Every endpoint gets one path per format: ``/requests.json`` (``application/json``,
its answer described by a schema) and ``/requests.xml`` (``text/xml``, a
string). Both answer 400, 403, 404 and 429 with the spec's error document
(``[{"code": integer, "description": string}]`` in JSON).

The response schema names an endpoint may give as ``response=``:

- ``discovery``: discovery's object;
- ``services``: the list of services (the spec's ``services.json``);
- ``service_definition``: one service's attributes (``service-definition.json``);
- ``requests``: a list of requests (``requests.json``; also one request by id);
- ``request_created``: the answer to ``POST /requests`` (id or token, notice, account);
- ``tokens``: the answer to ``tokens/{token}``;
- ``updates``: service request updates (FixMyStreet's extension);
- ``update_created``: the answer to ``POST /servicerequestupdates``;
- ``error``: the spec's error document (every endpoint's 4xx).

The spec's schemas are shipped in ``schemas/`` (CC BY 3.0, see its README);
their draft-4 ``"$ref": "request.json"`` become ``#/components/schemas/request``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from functools import cache
from importlib.resources import files
from typing import Any

from apispec import APISpec

from .endpoints import Endpoint, KeyUse
from .params import Param

OPENAPI_VERSION = "3.1.0"
TITLE = "Open311 GeoReport v2"
#: The spec's schema files and the component name each becomes.
SPEC_SCHEMAS = {
    "service.json": "service",
    "services.json": "services",
    "service-definition.json": "service_definition",
    "request.json": "request",
    "requests.json": "requests",
}
_NULLABLE_TEXT = {"anyOf": [{"type": "string"}, {"type": "null"}]}
#: Our own schemas: what the spec describes only in prose, and FixMyStreet's updates.
OWN_SCHEMAS: dict[str, dict[str, Any]] = {
    "discovery": {
        "type": "object",
        "description": "Where the API is, its specification and formats, and whom to ask for a key.",
        "required": ["changeset", "contact", "key_service", "endpoints"],
        "properties": {
            "changeset": {"type": "string", "format": "date-time"},
            "contact": {"type": "string"},
            "key_service": {"type": "string"},
            "endpoints": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["specification", "url", "type", "formats"],
                    "properties": {
                        "specification": {"type": "string"},
                        "url": {"type": "string", "format": "uri"},
                        "changeset": {"type": "string", "format": "date-time"},
                        "type": {"type": "string", "enum": ["production", "test"]},
                        "formats": {"type": "array", "items": {"type": "string"}},
                    },
                },
            },
        },
    },
    "request_created": {
        "type": "array",
        "description": "The request filed: its id, or a token to ask for the id later (tokens/{token}).",
        "items": {
            "type": "object",
            "properties": {
                "service_request_id": _NULLABLE_TEXT,
                "token": _NULLABLE_TEXT,
                "service_notice": _NULLABLE_TEXT,
                "account_id": _NULLABLE_TEXT,
            },
        },
    },
    "tokens": {
        "type": "array",
        "description": "The request filed under a token, once it has an id.",
        "items": {
            "type": "object",
            "required": ["token"],
            "properties": {"service_request_id": _NULLABLE_TEXT, "token": {"type": "string"}},
        },
    },
    "update": {
        "type": "object",
        "description": "A public change of a request (FixMyStreet's servicerequestupdates extension).",
        "required": ["update_id", "service_request_id", "status", "updated_datetime"],
        "properties": {
            "update_id": {"type": "string"},
            "service_request_id": {"type": "string"},
            "status": {"type": "string"},
            "updated_datetime": {"type": "string", "format": "date-time"},
            "description": _NULLABLE_TEXT,
            "media_url": {"anyOf": [{"type": "string", "format": "uri"}, {"type": "null"}]},
        },
    },
    "updates": {"type": "array", "items": {"$ref": "#/components/schemas/update"}},
    "update_created": {
        "type": "array",
        "description": "The update added: its id.",
        "items": {
            "type": "object",
            "required": ["update_id"],
            "properties": {"update_id": {"type": "string"}},
        },
    },
    "error": {
        "type": "array",
        "description": "What was wrong: the HTTP status and a description in the client's language.",
        "items": {
            "type": "object",
            "required": ["code", "description"],
            "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
        },
    },
}
#: Every schema name ``response=`` may give.
SCHEMA_NAMES = frozenset(SPEC_SCHEMAS.values()) | frozenset(OWN_SCHEMAS)
_ERRORS = {
    "400": "A parameter is missing or wrong: the description names it.",
    "403": "The API key is missing, unknown, revoked or may not file requests.",
    "404": "No such service, request or token, or another jurisdiction_id.",
    "429": "Too many requests: the Retry-After header says when to try again.",
}
_CONTENT = {"json": "application/json", "xml": "text/xml"}
_RULE_VARIABLE = re.compile(r"<(?:[a-z_]+(?:\([^)]*\))?:)?([a-z_]+)>")


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _rewrite_refs(schema: Any) -> Any:
    """Draft 4's file references (``request.json``) as references to our components."""
    if isinstance(schema, Mapping):
        result = {}
        for key, value in schema.items():
            if key == "$ref" and isinstance(value, str) and value in SPEC_SCHEMAS:
                result[key] = f"#/components/schemas/{SPEC_SCHEMAS[value]}"
            else:
                result[key] = _rewrite_refs(value)
        return result
    if isinstance(schema, list):
        return [_rewrite_refs(item) for item in schema]
    return schema


@cache
def spec_schemas() -> dict[str, dict[str, Any]]:
    """The spec's JSON schemas shipped in the package, as OpenAPI components."""
    folder = files(__package__).joinpath("schemas")
    schemas = {}
    for filename, name in SPEC_SCHEMAS.items():
        contents = json.loads(folder.joinpath(filename).read_text(encoding="utf-8"))
        contents.pop("$schema", None)
        schemas[name] = _rewrite_refs(contents)
    return schemas


def openapi_path(endpoint: Endpoint, fmt: str) -> str:
    """``/services/<service_code>`` → ``/services/{service_code}.json``."""
    return _RULE_VARIABLE.sub(r"{\1}", endpoint.path) + f".{fmt}"


def _param_schema(param: Param) -> dict[str, Any]:
    schema = dict(param.schema)
    if param.description:
        schema.setdefault("description", param.description)
    return schema


def _extra_params(endpoint: Endpoint) -> list[Param]:
    """``locale`` and ``api_key``: read by the dispatcher for every endpoint, declared here."""
    from .params import word

    declared = {param.name for param in endpoint.params}
    location = "form" if endpoint.method == "POST" else "query"
    extra = []
    if "api_key" not in declared:
        extra.append(
            Param(
                "api_key",
                word,
                {"type": "string"},
                "Your API key: needed to file requests and updates; a key given is counted under its "
                "own rate limit.",
                required=endpoint.key is KeyUse.POST,
                location=location,
            )
        )
    if "locale" not in declared:
        extra.append(
            Param(
                "locale",
                word,
                {"type": "string", "example": "it"},
                "The language of names, descriptions and errors (it, en, ca ...).",
                location="query",
            )
        )
    return extra


def _body(params: Iterable[Param], multipart: bool) -> dict[str, Any]:
    params = list(params)
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {param.name: _param_schema(param) for param in params},
        # attribute[CODE]: the service definition's attributes, one field each.
        "additionalProperties": {"type": "string"},
    }
    required = [param.name for param in params if param.required]
    if required:
        schema["required"] = required
    content = {"application/x-www-form-urlencoded": {"schema": schema}}
    if multipart:
        with_media = json.loads(json.dumps(schema))
        with_media["properties"]["media"] = {
            "type": "string",
            "contentMediaType": "image/jpeg",
            "description": "A photo (JPEG, PNG or WebP).",
        }
        content["multipart/form-data"] = {"schema": with_media}
    return {"required": bool(required), "content": content}


def _responses(endpoint: Endpoint, fmt: str) -> dict[str, Any]:
    content_type = _CONTENT[fmt]
    if fmt == "json":
        ok: dict[str, Any] = _ref(endpoint.response) if endpoint.response else {}
        error: dict[str, Any] = _ref("error")
    else:
        ok = error = {"type": "string"}
    responses = {"200": {"description": "The answer.", "content": {content_type: {"schema": ok}}}}
    for status, text in _ERRORS.items():
        responses[status] = {"description": text, "content": {content_type: {"schema": error}}}
    return responses


def operation(endpoint: Endpoint, fmt: str) -> dict[str, Any]:
    """The OpenAPI operation of ``endpoint`` in format ``fmt``."""
    params = [*endpoint.params, *_extra_params(endpoint)]
    in_query = [p for p in params if p.location != "form"]
    in_body = [p for p in params if p.location == "form"]
    parameters: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "description": text, "schema": {"type": "string"}}
        for name, text in endpoint.path_params.items()
    ]
    parameters += [
        {
            "name": param.name,
            "in": "query",
            "required": param.required,
            "description": param.description,
            "schema": _param_schema(param),
        }
        for param in in_query
    ]
    result: dict[str, Any] = {
        "operationId": f"{endpoint.name}_{fmt}",
        "summary": endpoint.summary,
        "tags": [endpoint.name],
        "parameters": parameters,
        "responses": _responses(endpoint, fmt),
    }
    if endpoint.description:
        result["description"] = endpoint.description
    if in_body:
        result["requestBody"] = _body(in_body, endpoint.multipart)
    return result


def describe(endpoints: Iterable[Endpoint], server_url: str, *, version: str = "2") -> dict[str, Any]:
    """The OpenAPI 3.1 description of ``endpoints`` served at ``server_url`` (``.../open311/v2``)."""
    spec = APISpec(
        title=TITLE,
        version=version,
        openapi_version=OPENAPI_VERSION,
        info={
            "description": "The Open311 GeoReport v2 API of this municipality, with FixMyStreet's "
            "servicerequestupdates extension. XML and JSON: every path ends in .xml or .json.",
        },
        servers=[{"url": server_url}],
    )
    for name, schema in spec_schemas().items():
        spec.components.schema(name, schema)
    for name, schema in OWN_SCHEMAS.items():
        spec.components.schema(name, schema)
    by_path: dict[str, dict[str, Any]] = {}
    for endpoint in endpoints:
        for fmt in ("json", "xml"):
            by_path.setdefault(openapi_path(endpoint, fmt), {})[endpoint.method.lower()] = operation(
                endpoint, fmt
            )
    for path, operations in by_path.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()
