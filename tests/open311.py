"""Helpers of the Open311 tests: the spec's JSON schemas, XML element order, API keys."""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import jsonschema
from flask import Flask
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from flask_citizencare.services.api_keys import create_key

SCHEMAS = Path(__file__).resolve().parent / "open311_schemas"
API = "/citizencare/open311/v2"


@cache
def _registry() -> Registry:
    resources = []
    for path in SCHEMAS.glob("*.json"):
        if path.name == "swagger.json":
            continue
        contents = json.loads(path.read_text())
        resources.append((path.name, Resource.from_contents(contents, default_specification=DRAFT4)))
    return Registry().with_resources(resources)


def validate(data: Any, schema: str) -> None:
    """Raise unless ``data`` conforms to the spec's ``schema`` (``services.json``, ``requests.json`` ...)."""
    contents = json.loads((SCHEMAS / schema).read_text())
    jsonschema.Draft4Validator(contents, registry=_registry()).validate(data)


def xml_root(body: bytes, root: str) -> ElementTree.Element:
    """The parsed document; its root element must be ``root``."""
    element = ElementTree.fromstring(body)  # noqa: S314 (our own answers)
    assert element.tag == root, element.tag
    return element


def child_names(element: ElementTree.Element) -> list[str]:
    return [child.tag for child in element]


def assert_in_order(element: ElementTree.Element, expected: Sequence[str]) -> None:
    """The children of ``element`` named in ``expected`` come in that order (others may be between)."""
    names = [name for name in child_names(element) if name in expected]
    assert names == [name for name in expected if name in names], names


def new_key(app: Flask, name: str = "client", *, can_post: bool = True, rate: str | None = None) -> str:
    """A live key (its text) for the tests' client."""
    with app.app_context():
        from flask_citizencare.context import db_session

        return create_key(db_session(), name, can_post=can_post, rate=rate)[1]
