"""Keyset page cursors: the sort key of the last row seen, signed so that only our own come back.

Every keyset page (the API's GeoJSON points, the list beside the map, the
staff queue) hands out the same kind of token: the name of its order and the
values of the last row's sort key, as a JSON list (moments in ISO 8601 with
their offset), signed with :func:`~flask_citizencare.tokens.sign` under
:attr:`~flask_citizencare.tokens.Purpose.CURSOR`. A cursor is a position, not a
secret: the signature spares each page from treating a hand-made one as
hostile input, and the order's name keeps a cursor of one order (or page)
from being read as a position in another. Each caller decides what a bad
cursor means (the API refuses it, the queue starts over).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from ..parsing import check_int
from ..tokens import InvalidToken, Purpose, sign, verify

#: Longest cursor accepted: an order's name and three values, signed, take about 150 characters.
MAX_LENGTH = 200

CursorValue = datetime | int | None


class Field(StrEnum):
    """What one position of a cursor holds."""

    #: A timezone-aware moment; decoded in UTC.
    MOMENT = "moment"
    #: A moment or nothing (a paused case has no due time).
    MOMENT_OR_NONE = "moment or none"
    #: An integer a database column can hold (an id, a rank).
    INTEGER = "integer"


class BadCursor(ValueError):
    """A cursor we did not make, or one made for another order."""


def _json(value: CursorValue) -> Any:
    if isinstance(value, datetime):
        # Read back from UTCDateTime columns, moments are aware; a naive one is UTC.
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    return value


def encode(order: str, values: Sequence[CursorValue]) -> str:
    """The signed cursor of a sort key of ``order`` (the last row's values, in the order's column order)."""
    return sign(Purpose.CURSOR, [order, *(_json(value) for value in values)])


def _value(field: Field, raw: Any) -> CursorValue:
    if field is Field.INTEGER:
        if not check_int(raw):
            raise BadCursor()
        return int(raw)
    if raw is None and field is Field.MOMENT_OR_NONE:
        return None
    if not isinstance(raw, str):
        raise BadCursor()
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise BadCursor() from None
    if moment.tzinfo is None:
        raise BadCursor()
    return moment.astimezone(UTC)


def decode(text: str, order: str, fields: Sequence[Field]) -> tuple[CursorValue, ...]:
    """The sort key a cursor of :func:`encode` for ``order`` carries; raises :class:`BadCursor`."""
    try:
        raw = verify(Purpose.CURSOR, text, max_length=MAX_LENGTH)
    except InvalidToken:
        raise BadCursor() from None
    if not isinstance(raw, list) or len(raw) != len(fields) + 1 or raw[0] != order:
        raise BadCursor()
    return tuple(_value(field, value) for field, value in zip(fields, raw[1:], strict=True))
