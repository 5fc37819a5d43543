"""Bulk writes into PostgreSQL with ``COPY ... FROM STDIN``, binary when psycopg can send every column so.

Shared by the demo loader and the historical reports import: many times
faster than any ``INSERT``. Binary COPY needs each column's PostgreSQL type
(:func:`binary_types` reads them from the catalog once per table); a table
with a column of another type goes as text COPY instead. Points travel as
EWKB (binary) or EWKT (text).
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa

__all__ = ["binary_types", "copy_rows", "point_ewkb", "point_ewkt"]

#: PostgreSQL types whose binary form psycopg writes from our Python values.
#: json and varchar travel as text (their binary form is the text), geometry as EWKB.
_BINARY = {
    "integer": "int4",
    "smallint": "int2",
    "bigint": "int8",
    "boolean": "bool",
    "timestamp with time zone": "timestamptz",
    "date": "date",
    "text": "text",
    "character varying": "text",
    "json": "text",
    "geometry": "bytea",
}
_POINT_HEADER = struct.pack("<BIi", 1, 0x20000001, 4326)  # EWKB: little endian, Point with SRID, 4326


def binary_types(connection: sa.Connection, table: str, columns: Sequence[str]) -> list[str] | None:
    """The binary COPY types of ``columns`` of ``table``; None when one has no binary form we send."""
    rows = connection.execute(
        sa.text(
            "SELECT attname, format_type(atttypid, NULL) FROM pg_attribute "
            "WHERE attrelid = CAST(:table AS regclass) AND attnum > 0 AND NOT attisdropped"
        ),
        {"table": table},
    )
    known = {str(name): str(kind) for name, kind in rows}
    types = [_BINARY.get(known.get(c, "")) for c in columns]
    return None if None in types else [t for t in types if t]


def point_ewkb(lon: float, lat: float) -> bytes:
    return _POINT_HEADER + struct.pack("<dd", lon, lat)


def point_ewkt(lon: float, lat: float) -> str:
    return f"SRID=4326;POINT({lon!r} {lat!r})"


def copy_rows(
    cursor: Any, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]], types: list[str] | None
) -> None:
    """``COPY table (columns)`` the ``rows`` through a psycopg ``cursor``; binary when ``types`` is given."""
    names = ", ".join(f'"{c}"' for c in columns)  # our own column names only
    options = " (FORMAT BINARY)" if types else ""
    with cursor.copy(f"COPY {table} ({names}) FROM STDIN{options}") as copy:
        if types:
            copy.set_types(types)
        for row in rows:
            copy.write_row(row)
