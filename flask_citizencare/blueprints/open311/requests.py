"""Open311 endpoints: ``requests`` (the public reports) and ``requests/<id>`` (one of them)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import url_for

from ...context import db_session, state
from ...domain.open311.documents import JSON, Document
from ...domain.open311.request_items import request_item
from ...i18n import current_language
from ...i18n import gettext as _
from ...labels import public_status_labels
from ...queries.open311_requests import Circle, ItemText, RequestFilter, request_items_json, request_rows
from ...queries.supports import counts_hidden_until_answered
from .discovery import JURISDICTION
from .endpoints import endpoint
from .errors import Open311Error, bad_parameter
from .params import IDS_MAX, Param, bbox, boolean, choices, comma_list, moment, number, whole

#: The spec's default and widest window of ``requested_datetime``.
WINDOW = timedelta(days=90)
PAGE_SIZE_MAX = 1000
RADIUS_MAX = 50_000
_DATE = {"type": "string", "format": "date-time"}
_EXTENSIONS = Param(
    "extensions",
    boolean,
    {"type": "boolean", "default": False},
    "Our extension: adds status_label, supports, duplicates and photos after the spec's fields.",
)
LIST_PARAMS = (
    JURISDICTION,
    Param(
        "service_request_id",
        comma_list,
        {"type": "string"},
        "Comma-separated ids (at most 1,000); when given, every other filter is ignored.",
        maximum=IDS_MAX,
    ),
    Param("service_code", comma_list, {"type": "string"}, "Comma-separated service codes."),
    Param(
        "start_date", moment, _DATE, "Earliest requested_datetime (W3C); default: 90 days before end_date."
    ),
    Param("end_date", moment, _DATE, "Latest requested_datetime (W3C); at most 90 days after start_date."),
    Param(
        "status",
        choices(("open", "closed")),
        {"type": "string", "enum": ["open", "closed", "open,closed"]},
        "open, closed, or both comma-separated.",
    ),
    Param("page", whole, {"type": "integer", "minimum": 1}, "Extension: the page, from 1.", minimum=1),
    Param(
        "page_size",
        whole,
        {"type": "integer", "minimum": 1, "maximum": PAGE_SIZE_MAX, "default": PAGE_SIZE_MAX},
        "Extension: requests per page, 1 to 1,000.",
        minimum=1,
        maximum=PAGE_SIZE_MAX,
    ),
    Param("bbox", bbox, {"type": "string"}, "Extension: min_lon,min_lat,max_lon,max_lat (WGS84)."),
    Param(
        "lat",
        number,
        {"type": "number", "minimum": -90, "maximum": 90},
        "Extension: centre's latitude (with long and radius).",
        minimum=-90,
        maximum=90,
    ),
    Param(
        "long",
        number,
        {"type": "number", "minimum": -180, "maximum": 180},
        "Extension: centre's longitude (with lat and radius).",
        minimum=-180,
        maximum=180,
    ),
    Param(
        "radius",
        whole,
        {"type": "integer", "minimum": 1, "maximum": RADIUS_MAX},
        "Extension: metres around lat/long, 1 to 50,000.",
        minimum=1,
        maximum=RADIUS_MAX,
    ),
    Param("updated_after", moment, _DATE, "Extension: earliest updated_datetime (W3C)."),
    Param("updated_before", moment, _DATE, "Extension: latest updated_datetime (W3C)."),
    _EXTENSIONS,
)


def _window(start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
    """The spec's rules: 90 days by default, never wider; one end given, the other 90 days off."""
    now = datetime.now(UTC)
    if start is None and end is None:
        return now - WINDOW, now
    if start is None:
        assert end is not None
        return end - WINDOW, end
    if end is None:
        return start, min(start + WINDOW, now)
    if end < start:
        raise bad_parameter("end_date", _("give an end after the start."))
    if end - start > WINDOW:
        raise bad_parameter("end_date", _("give a range of at most 90 days."))
    return start, end


def _circle(args: dict[str, Any]) -> Circle | None:
    given = [args[name] for name in ("lat", "long", "radius")]
    if all(value is None for value in given):
        return None
    if any(value is None for value in given):
        raise bad_parameter("radius", _("give lat, long and radius together."))
    return Circle(lat=args["lat"], lon=args["long"], radius_m=args["radius"])


def request_filter(args: dict[str, Any]) -> RequestFilter:
    """The parsed parameters as a :class:`RequestFilter` (400 for a contradiction)."""
    circle = _circle(args)
    if args["service_request_id"]:
        return RequestFilter(ids=args["service_request_id"])
    start, end = _window(args["start_date"], args["end_date"])
    after, before = args["updated_after"], args["updated_before"]
    if after is not None and before is not None and before < after:
        raise bad_parameter("updated_before", _("give an end after the start."))
    size = args["page_size"] or PAGE_SIZE_MAX
    return RequestFilter(
        service_codes=args["service_code"] or (),
        start=start,
        end=end,
        statuses=args["status"] or (),
        updated_after=after,
        updated_before=before,
        bbox=args["bbox"],
        circle=circle,
        limit=size,
        offset=((args["page"] or 1) - 1) * size,
    )


def _photo_prefix() -> tuple[str, str]:
    """A photo's absolute address, cut where its storage key goes."""
    placeholder = "PHOTOKEY"
    prefix, suffix = url_for("citizencare.public.photo", key=placeholder, _external=True).split(placeholder)
    return prefix, suffix


def _items(found: RequestFilter, extensions: bool) -> list[dict[str, Any]]:
    prefix, suffix = _photo_prefix()
    rows = request_rows(
        db_session(), found, language=current_language(), photo_url=lambda key: f"{prefix}{key}{suffix}"
    )
    zone = state().settings.zone
    return [request_item(row, zone, extensions=extensions) for row in rows]


def _document(found: RequestFilter, fmt: str, extensions: bool) -> tuple[Document, int]:
    """The ``service_requests`` document and how many items it holds.

    JSON on PostgreSQL is written by the database itself (:func:`request_items_json`); XML, and
    SpatiaLite (no named time zones in SQLite), build the items in Python. Both give the same items.
    """
    session = db_session()
    if fmt == JSON and session.get_bind().dialect.name == "postgresql":
        prefix, suffix = _photo_prefix()
        text = ItemText(
            language=current_language(),
            zone=state().settings.zone.key,
            status_labels=public_status_labels(),
            photo_prefix=prefix,
            photo_suffix=suffix,
            hide_supports=counts_hidden_until_answered(),
            extensions=extensions,
        )
        body, count = request_items_json(session, found, text)
        return Document("service_requests", (), item="request", json_text=body), count
    items = _items(found, extensions)
    return Document("service_requests", items, item="request"), len(items)


@endpoint(
    "/requests",
    name="requests",
    summary="Public service requests, newest first (at most 1,000; 90 days by default).",
    params=LIST_PARAMS,
    response="requests",
)
def requests_list(fmt: str, args: dict[str, Any], key: Any) -> Document:
    return _document(request_filter(args), fmt, bool(args["extensions"]))[0]


@endpoint(
    "/requests/<service_request_id>",
    name="request",
    summary="One public service request (a list of one).",
    params=(JURISDICTION, _EXTENSIONS),
    response="requests",
    path_params={"service_request_id": "The request's id (service_request_id)."},
)
def request_one(fmt: str, args: dict[str, Any], key: Any, service_request_id: str) -> Document:
    found = RequestFilter(ids=(service_request_id[:40],), limit=1)
    document, count = _document(found, fmt, bool(args["extensions"]))
    if not count:
        raise Open311Error(404, _("service_request_id: there is no public request with this id."))
    return document
