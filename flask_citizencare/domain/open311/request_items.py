"""A public report as an Open311 ``request`` item: the spec's fields in the spec's order.

Only what the public map already shows goes in: never the reporter's contact,
device or account, nor a private message or photo (the rows given here carry
none). Plain Python: the query (:mod:`flask_citizencare.queries.open311_requests`)
resolves labels and URLs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from ..lifecycle import Status
from .documents import iso


@dataclass(frozen=True)
class RequestRow:
    """What a request item says of one public report, already in the client's language."""

    id: int
    public_id: str
    status: str
    #: The last public answer (newest public thread message, or a proposal's published answer).
    status_notes: str | None
    service_name: str
    service_code: str
    description: str
    agency_responsible: str | None
    service_notice: str | None
    received_at: datetime
    updated_at: datetime
    resolve_due_at: datetime | None
    address: str | None
    lat: float | None
    lon: float | None
    #: Absolute URLs of the public photos, in their order.
    photos: Sequence[str]
    status_label: str
    #: ``None`` while the public may not see the count (``domain.supports.count_is_public``).
    supports: int | None
    duplicates: int


def _moment(value: datetime | None, zone: tzinfo) -> str | None:
    return iso(value.astimezone(zone)) if value is not None else None


def request_item(row: RequestRow, zone: tzinfo, *, extensions: bool = False) -> dict[str, Any]:
    """The ``request`` element of ``row``: times in ``zone``; with ``extensions``, our fields after."""
    status = Status(row.status)
    item: dict[str, Any] = {
        "service_request_id": row.public_id,
        "status": status.open311,
        "status_notes": row.status_notes,
        "service_name": row.service_name,
        "service_code": row.service_code,
        "description": row.description,
        "agency_responsible": row.agency_responsible,
        "service_notice": row.service_notice,
        "requested_datetime": _moment(row.received_at, zone),
        "updated_datetime": _moment(row.updated_at, zone),
        "expected_datetime": _moment(row.resolve_due_at, zone) if status.is_open else None,
        "address": row.address,
        "address_id": None,
        "zipcode": None,
        "lat": row.lat,
        "long": row.lon,
        "media_url": row.photos[0] if row.photos else None,
    }
    if extensions:
        item.update(
            status_label=row.status_label,
            supports=row.supports,
            duplicates=row.duplicates,
            photos=list(row.photos),
        )
    return item
