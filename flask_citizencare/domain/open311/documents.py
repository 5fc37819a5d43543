"""Open311 documents: one structure of plain data, written as the spec's XML or as its JSON.

A document is a list of items (``services``, ``requests`` ...) or one object
(``discovery``, a service definition). Items are dicts whose order is the
spec's element order; a nested list is written in XML as one element per item,
named by :data:`LIST_ITEMS` (``attributes`` → ``attribute``). Values: ``None``
is an empty element in XML and ``null`` in JSON; booleans are ``true``/``false``;
datetimes are ISO 8601 with the offset of the zone given.

Plain Python: no Flask here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from xml.etree import ElementTree

XML = "xml"
JSON = "json"
FORMATS = (XML, JSON)
CONTENT_TYPES = {XML: "text/xml; charset=utf-8", JSON: "application/json; charset=utf-8"}
#: The element of each item of a nested list, in XML.
LIST_ITEMS = {
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "photos": "photo",
    "keywords_list": "keyword",
}
_XML_DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>\n'
#: Characters XML 1.0 cannot carry at all (a client's text may hold them): dropped.
_NOT_XML = dict.fromkeys([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xFFFE, 0xFFFF])


@dataclass(frozen=True)
class Document:
    """What an endpoint answers: ``data`` under ``root``, each item of a list named ``item``."""

    root: str
    data: Sequence[Mapping[str, Any]] | Mapping[str, Any]
    item: str | None = None
    status: int = 200
    #: The JSON text of ``data``, already written (by the database): sent as it is. Such a
    #: document has no ``data`` and is JSON only.
    json_text: str | None = None


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 with its offset, to the second (``2026-12-03T09:30:00+01:00``); None stays None."""
    if moment is None:
        return None
    return moment.replace(microsecond=0).isoformat()


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return iso(value) or ""
    if isinstance(value, float):
        return repr(value)
    return str(value).translate(_NOT_XML)


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, Mapping):
        return {key: _json_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_value(item) for item in value]
    return value


def _fill(element: ElementTree.Element, name: str, value: Any) -> None:
    child = ElementTree.SubElement(element, name)
    if value is None:
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            _fill(child, key, item)
    elif isinstance(value, list | tuple):
        item_name = LIST_ITEMS.get(name, "item")
        for item in value:
            _fill(child, item_name, item)
    else:
        child.text = _text(value)


def to_xml(document: Document) -> bytes:
    """The document as the spec's XML, UTF-8, with its declaration."""
    root = ElementTree.Element(document.root)
    if isinstance(document.data, Mapping):
        for key, value in document.data.items():
            _fill(root, key, value)
    else:
        for item in document.data:
            _fill(root, document.item or "item", item)
    body: bytes = ElementTree.tostring(root, encoding="utf-8", xml_declaration=False)
    return _XML_DECLARATION + body


def to_json(document: Document) -> bytes:
    return json.dumps(_json_value(document.data), ensure_ascii=False, separators=(",", ":")).encode()


def render(document: Document, fmt: str) -> bytes:
    if document.json_text is not None:
        if fmt != JSON:
            raise ValueError("a document written as JSON text has no other format")
        return document.json_text.encode()
    return to_xml(document) if fmt == XML else to_json(document)


def errors(status: int, descriptions: Sequence[str]) -> Document:
    """The spec's error document: ``<errors><error><code/><description/></error></errors>``."""
    return Document(
        "errors",
        [{"code": status, "description": text} for text in descriptions],
        item="error",
        status=status,
    )
