"""The two ways demo rows reach the database, inside the caller's transaction.

PostgreSQL: ``COPY ... FROM STDIN`` on the psycopg 3 connection (points as
EWKT text). SQLite: ``executemany`` of one INSERT per table, points through
``MakePoint`` (SpatiaLite's triggers keep the R*Tree index up to date).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa

from ..database.copy import binary_types, copy_rows, point_ewkb, point_ewkt
from .generate import (
    ANSWER_COLUMNS,
    ANSWER_DATES,
    ANSWER_DATETIMES,
    CONTACT_COLUMNS,
    CONTACT_DATETIMES,
    EVENT_COLUMNS,
    EVENT_DATETIMES,
    MESSAGE_COLUMNS,
    MESSAGE_DATETIMES,
    REPORT_COLUMNS,
    REPORT_DATETIMES,
    REPORT_POINT,
    SUPPORT_COLUMNS,
    SUPPORT_DATETIMES,
    Chunk,
)

#: Every table the loader writes, with its columns (all ids but the reports' come from the database).
TABLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("cc_reports", REPORT_COLUMNS),
    ("cc_status_events", EVENT_COLUMNS),
    ("cc_messages", MESSAGE_COLUMNS),
    ("cc_reporter_contacts", CONTACT_COLUMNS),
    ("cc_supports", SUPPORT_COLUMNS),
    ("cc_proposal_answers", ANSWER_COLUMNS),
)


def _columns(columns: Sequence[str]) -> str:
    return ", ".join(f'"{c}"' for c in columns)


class Writer:
    #: Whether making the next chunk in a thread while this one is written pays off:
    #: yes when the database works in another process, no for SQLite in ours.
    overlap = False

    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection
        self.driver: Any = connection.connection.driver_connection

    def lock(self) -> None:
        """Keep other writers out of the tables whose ids and public ids we hand out."""

    def first_id(self) -> int:
        return int(
            self.connection.exec_driver_sql("SELECT coalesce(max(id), 0) + 1 FROM cc_reports").scalar_one()
        )

    def start(self) -> None:
        """Before the first chunk."""

    def write(self, chunk: Chunk) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        """After the last chunk."""

    def close(self) -> None:
        """Always, last: put back what start() changed on the connection."""


class PostgresWriter(Writer):
    """``COPY`` in binary format: less to format here and nothing to parse on the server.

    The column types are read from the database; a table with a type we do not
    know how to send in binary (say, after a migration to jsonb) falls back to
    text ``COPY``.
    """

    overlap = True

    def __init__(self, connection: sa.Connection) -> None:
        super().__init__(connection)
        self.formats: dict[str, list[str] | None] = {}
        for table, columns in TABLES:
            self.formats[table] = binary_types(connection, table, columns)

    def lock(self) -> None:
        self.connection.exec_driver_sql("LOCK TABLE cc_reports, cc_counters IN SHARE ROW EXCLUSIVE MODE")

    def first_id(self) -> int:
        # Never hand out ids the sequence has already given (rows may have been deleted).
        following = self.connection.exec_driver_sql(
            "SELECT nextval(pg_get_serial_sequence('cc_reports', 'id'))"
        ).scalar_one()
        return max(int(following), super().first_id())

    def write(self, chunk: Chunk) -> None:
        binary = self.formats["cc_reports"] is not None
        with self.driver.cursor() as cursor:
            self._copy(cursor, "cc_reports", REPORT_COLUMNS, map(_ewkb if binary else _ewkt, chunk.reports))
            self._copy(cursor, "cc_status_events", EVENT_COLUMNS, chunk.events)
            self._copy(cursor, "cc_messages", MESSAGE_COLUMNS, chunk.messages)
            self._copy(cursor, "cc_reporter_contacts", CONTACT_COLUMNS, chunk.contacts)
            self._copy(cursor, "cc_supports", SUPPORT_COLUMNS, chunk.supports)
            self._copy(cursor, "cc_proposal_answers", ANSWER_COLUMNS, chunk.answers)

    def _copy(self, cursor: Any, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        copy_rows(cursor, table, columns, rows, self.formats[table])

    def finish(self) -> None:
        self.connection.exec_driver_sql(
            "SELECT setval(pg_get_serial_sequence('cc_reports', 'id'), (SELECT max(id) FROM cc_reports))"
        )
        # GIN indexes (full-text search) collect new entries in a pending list that every
        # search scans and the planner counts against the index until VACUUM merges it:
        # merge it now, so searching right after a load is as fast as later. Optional:
        # a user who does not own the index may not, and that is fine.
        gin_indexes = self.connection.exec_driver_sql(
            "SELECT i.indexrelid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_am a ON a.oid = c.relam "
            "WHERE a.amname = 'gin' AND i.indrelid = ANY(%(tables)s::regclass[])",
            {"tables": [table for table, _ in TABLES]},
        ).scalars()
        for index in list(gin_indexes):
            try:
                with self.connection.begin_nested():
                    clean = "SELECT gin_clean_pending_list(%(index)s)"
                    self.connection.exec_driver_sql(clean, {"index": index})
            except sa.exc.DBAPIError:
                continue


def _ewkb(row: tuple[Any, ...]) -> Sequence[Any]:
    point = row[REPORT_POINT]
    if point is None:
        return row
    out = list(row)
    out[REPORT_POINT] = point_ewkb(point[0], point[1])
    return out


def _ewkt(row: tuple[Any, ...]) -> Sequence[Any]:
    point = row[REPORT_POINT]
    if point is None:
        return row
    out = list(row)
    out[REPORT_POINT] = point_ewkt(point[0], point[1])
    return out


class SpatialiteWriter(Writer):
    def __init__(self, connection: sa.Connection) -> None:
        super().__init__(connection)
        values = ["?"] * len(REPORT_COLUMNS)
        values[REPORT_POINT] = "MakePoint(?, ?, 4326)"
        # Our own table and column names only: nothing from outside goes into the SQL.
        self.sql = {
            "cc_reports": f"INSERT INTO cc_reports ({_columns(REPORT_COLUMNS)}) VALUES ({', '.join(values)})",  # noqa: S608
            **{
                table: f"INSERT INTO {table} ({_columns(columns)}) VALUES ({', '.join('?' * len(columns))})"  # noqa: S608
                for table, columns in TABLES[1:]
            },
        }

    def start(self) -> None:
        # A bigger page cache for the load: the unique indexes on random tokens
        # touch pages all over. Put back by close() (the connection is pooled).
        self.cache_size = self.driver.execute("PRAGMA cache_size").fetchone()[0]
        self.driver.execute("PRAGMA cache_size = -262144")

    def close(self) -> None:
        if hasattr(self, "cache_size"):
            self.driver.execute(f"PRAGMA cache_size = {int(self.cache_size)}")

    def write(self, chunk: Chunk) -> None:
        cursor = self.driver.cursor()
        try:
            cursor.executemany(
                self.sql["cc_reports"], (_sqlite(r, REPORT_DATETIMES, REPORT_POINT) for r in chunk.reports)
            )
            cursor.executemany(
                self.sql["cc_status_events"], (_sqlite(r, EVENT_DATETIMES) for r in chunk.events)
            )
            cursor.executemany(
                self.sql["cc_messages"], (_sqlite(r, MESSAGE_DATETIMES) for r in chunk.messages)
            )
            cursor.executemany(
                self.sql["cc_reporter_contacts"], (_sqlite(r, CONTACT_DATETIMES) for r in chunk.contacts)
            )
            cursor.executemany(
                self.sql["cc_supports"], (_sqlite(r, SUPPORT_DATETIMES) for r in chunk.supports)
            )
            cursor.executemany(
                self.sql["cc_proposal_answers"],
                (_sqlite(r, ANSWER_DATETIMES, dates=ANSWER_DATES) for r in chunk.answers),
            )
        finally:
            cursor.close()


def _sqlite(
    row: tuple[Any, ...], datetimes: Sequence[int], point: int | None = None, dates: Sequence[int] = ()
) -> list[Any]:
    """Datetimes and dates as SQLAlchemy stores them on SQLite (naive UTC text, ISO dates); the point
    as two parameters."""
    out = list(row)
    for i in datetimes:
        value = out[i]
        if value is not None:
            out[i] = value.isoformat(" ", "microseconds")[:26]
    for i in dates:
        if out[i] is not None:
            out[i] = out[i].isoformat()
    if point is not None:
        xy = out[point]
        out[point : point + 1] = xy if xy is not None else (None, None)
    return out


def writer_for(backend: str, connection: sa.Connection) -> Writer:
    return PostgresWriter(connection) if backend == "postgis" else SpatialiteWriter(connection)
