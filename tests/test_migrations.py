"""Our Alembic history: builds the models' schema on both databases, beside the host's; the newest
migration keeps every row of the previous release, up and down."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from alembic.config import Config
from alembic.script import ScriptDirectory
from flask import Flask
from geoalchemy2 import Geometry

from flask_citizencare import state
from flask_citizencare.database import migrate
from flask_citizencare.models import metadata

from .conftest import dispose
from .host import make_host_app


def table_names(app: Flask) -> set[str]:
    with app.app_context():
        return set(sa.inspect(state(app).db.engine).get_table_names())


def test_upgrade_builds_exactly_the_models_and_downgrade_removes_them(
    new_database: str, backend: str
) -> None:
    app = make_host_app(new_database)
    try:
        db = state(app).db
        with app.app_context(), db.engine.begin() as connection:
            # The host's own Flask-Migrate history must be left alone.
            connection.execute(sa.text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
            connection.execute(sa.text("INSERT INTO alembic_version VALUES ('host0001')"))

        assert migrate.current_revision(app) is None
        migrate.upgrade(app)
        assert migrate.current_revision(app) == migrate.head_revision()
        tables = table_names(app)
        assert set(metadata.tables) <= tables
        assert {"alembic_version_citizencare", "alembic_version", "host_people"} <= tables
        assert migrate.pending_differences(app) == []

        with app.app_context(), db.engine.connect() as connection:
            assert (
                connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == "host0001"
            )
            if backend == "postgis":
                index = connection.execute(
                    sa.text("SELECT indexdef FROM pg_indexes WHERE indexname = 'idx_cc_reports_point'")
                ).scalar()
                assert index and "USING gist" in index
            else:
                enabled = connection.execute(
                    sa.text(
                        "SELECT spatial_index_enabled FROM geometry_columns "
                        "WHERE f_table_name = 'cc_reports' AND f_geometry_column = 'point'"
                    )
                ).scalar()
                assert enabled == 1

        migrate.downgrade(app, "base")
        remaining = table_names(app)
        assert not {name for name in remaining if name.startswith("cc_")}
        assert {"alembic_version", "host_people"} <= remaining

        migrate.upgrade(app)  # and back again
        assert migrate.pending_differences(app) == []
    finally:
        dispose(app)


def test_schema_check_notices_a_drift(new_database: str) -> None:
    app = make_host_app(new_database)
    try:
        migrate.upgrade(app)
        with app.app_context(), state(app).db.engine.begin() as connection:
            connection.execute(sa.text("DROP INDEX ix_cc_reports_created_at"))
        differences = migrate.pending_differences(app)
        assert any("ix_cc_reports_created_at" in repr(d) for d in differences)

        result = app.test_cli_runner().invoke(args=["citizencare", "db", "check"])
        assert result.exit_code == 1 and "ix_cc_reports_created_at" in result.output
    finally:
        dispose(app)


def test_cli_upgrade_and_current(new_database: str) -> None:
    app = make_host_app(new_database)
    try:
        runner = app.test_cli_runner()
        result = runner.invoke(args=["citizencare", "db", "upgrade"])
        assert result.exit_code == 0, result.output
        assert f"citizencare schema at {migrate.head_revision()}" in result.output
        result = runner.invoke(args=["citizencare", "db", "check"])
        assert result.exit_code == 0 and "models and database agree" in result.output
    finally:
        dispose(app)


#: Columns the newest migration drops on purpose (the contract step of an expand/contract change,
#: one release after the code stopped reading them): ``{"table": {"column", ...}}``. Empty while the
#: newest migration only adds.
CONTRACTED: dict[str, set[str]] = {}

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
POINT = "SRID=4326;POINT(11.3426 44.4949)"

#: Rows of the previous release's tables, by table; only the columns that table has are written, the
#: other required ones get plain values (:func:`_filler`). Ids are fixed so the foreign keys agree.
ROWS: dict[str, list[dict[str, Any]]] = {
    "cc_offices": [
        {"id": 1, "code": "strade", "name": "Manutenzione strade", "email": "strade@comune.example"}
    ],
    "cc_categories": [
        {
            "id": 1,
            "code": "buche",
            "name": "Buche stradali",
            "group": "Strade",
            "kinds": "both",
            "names": {"en": "Potholes"},
            "help_texts": {},
            "questions": [],
            "urgent_notices": {},
            "default_office_id": 1,
            "active": True,
        },
    ],
    "cc_staff": [
        {
            "id": 1,
            "user_id": "7",
            "display_name": "Olga",
            "email": "olga@comune.example",
            "role": "operator",
            "created_at": NOW,
        }
    ],
    "cc_reports": [
        {
            "id": n,
            "public_id": f"2026-00000{n}",
            "tracking_token": f"token-{n}-{'x' * 30}",
            "kind": "issue",
            "category_id": 1,
            "title": f"Buca {n} in via Saragozza",
            "description": "Profonda, davanti al civico 12.",
            "answers": {"lane": "bike"},
            "point": POINT,
            "address": "Via Saragozza 12",
            "channel": "web",
            "status": "new",
            "priority": "normal",
            "level": 1,
            "is_public": True,
            "moderated": False,
            "supports_count": 0,
            "duplicates_count": 0,
            "received_at": NOW,
            "created_at": NOW,
            "updated_at": NOW,
            "version": 1,
            "office_id": 1,
        }
        for n in (1, 2)
    ],
    "cc_reporter_contacts": [
        {"id": 1, "report_id": 1, "name": "Giulia Verdi", "email": "giulia@example.org"}
    ],
    "cc_status_events": [
        {
            "id": n,
            "report_id": n,
            "at": NOW,
            "action": "submit",
            "to_status": "new",
            "actor_kind": "citizen",
            "public": True,
            "data": {},
        }
        for n in (1, 2)
    ],
    "cc_messages": [
        {
            "id": 1,
            "report_id": 1,
            "visibility": "public",
            "author_kind": "staff",
            "author_id": 1,
            "body": "Grazie, la squadra interviene domani.",
            "source": "web",
            "created_at": NOW,
        },
        {
            "id": 2,
            "report_id": 1,
            "visibility": "private",
            "author_kind": "reporter",
            "body": "Grazie a voi.",
            "source": "email",
            "created_at": NOW,
        },
    ],
    "cc_photos": [
        {
            "id": 1,
            "report_id": 1,
            "storage_key": "a" * 32,
            "thumbnail_key": "b" * 32,
            "content_type": "image/jpeg",
            "width": 1600,
            "height": 1200,
            "size": 123456,
            "position": 0,
            "hidden": False,
            "created_at": NOW,
        },
    ],
    "cc_followers": [{"id": 1, "report_id": 1, "email": "vicino@example.org", "created_at": NOW}],
    "cc_outbox": [
        {
            "id": 1,
            "message_id": "<1.x@comune.example>",
            "report_id": 1,
            "template": "received",
            "recipient": "giulia@example.org",
            "locale": "it",
            "subject": "Segnalazione 2026-000001 ricevuta",
            "body_text": "Grazie.",
            "headers": {},
            "state": "pending",
            "attempts": 0,
            "created_at": NOW,
            "next_attempt_at": NOW,
        }
    ],
    "cc_audit_entries": [
        {
            "id": 1,
            "at": NOW,
            "actor_id": 1,
            "actor_name": "Olga",
            "subject_type": "category",
            "subject_id": 1,
            "subject_label": "Buche stradali",
            "action": "update",
            "changes": {"name": ["Buche", "Buche stradali"]},
        }
    ],
}


def _script() -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", str(migrate.migrations_folder()))
    return ScriptDirectory.from_config(config)


def previous_and_head() -> tuple[str, str]:
    """The revision before the newest one, and the newest: read from the history, never written here."""
    script = _script()
    head = script.get_current_head()
    assert head is not None
    previous = script.get_revision(head).down_revision
    assert isinstance(previous, str), (
        f"the newest migration {head} must follow one revision, not {previous!r}"
    )
    return previous, head


def our_tables(connection: sa.Connection) -> list[str]:
    """Our tables in the database, without SQLite's full-text virtual tables and their shadow tables."""
    names = [name for name in sa.inspect(connection).get_table_names() if name.startswith("cc_")]
    if connection.dialect.name != "sqlite":
        return names
    virtual = [
        row[0]
        for row in connection.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%'"
        )
    ]
    return [n for n in names if not any(n == v or n.startswith(f"{v}_") for v in virtual)]


def reflect(connection: sa.Connection) -> sa.MetaData:
    reflected = sa.MetaData()
    reflected.reflect(connection, only=our_tables(connection))
    return reflected


def _filler(column: sa.Column[Any]) -> Any:
    """A plain value for a required column the rows above do not name."""
    kind = column.type
    if isinstance(kind, Geometry):
        return POINT
    if isinstance(kind, sa.Boolean):
        return False
    if isinstance(kind, sa.Integer | sa.Numeric | sa.Float):
        return 1
    if isinstance(kind, sa.DateTime):
        return NOW
    if isinstance(kind, sa.Date):
        return date(2026, 3, 2)
    if isinstance(kind, sa.JSON):
        return {}
    length = getattr(kind, "length", None) or 20
    return "x" * min(length, 20)


def fill(connection: sa.Connection, tables: sa.MetaData) -> None:
    for name, rows in ROWS.items():
        table = tables.tables.get(name)
        assert table is not None, f"{name} is not at the previous revision: update ROWS"
        for row in rows:
            values = {key: value for key, value in row.items() if key in table.c}
            for column in table.columns:
                if column.name not in values and not column.nullable and column.server_default is None:
                    if not (column.primary_key and column.autoincrement):
                        values[column.name] = _filler(column)
            connection.execute(table.insert().values(values))
    if connection.dialect.name == "postgresql":  # the rows came with their ids: move the sequences on
        for name in ROWS:
            connection.execute(
                sa.text(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))"
                )
            )


def snapshot(connection: sa.Connection, tables: sa.MetaData) -> dict[str, dict[str, list[Any]]]:
    """Every row of every table, column by column (geometries as WKT), in primary-key order."""
    result: dict[str, dict[str, list[Any]]] = {}
    for table in tables.sorted_tables:
        order = list(table.primary_key.columns) or list(table.columns)
        columns = {
            c.name: (sa.func.ST_AsText(c) if isinstance(c.type, Geometry) else c) for c in table.columns
        }
        rows = connection.execute(sa.select(*columns.values()).order_by(*order)).all()
        result[table.name] = {name: [row[i] for row in rows] for i, name in enumerate(columns)}
    return result


def assert_rows_kept(app: Flask, before: dict[str, dict[str, list[Any]]], when: str) -> None:
    with app.app_context(), state(app).db.engine.connect() as connection:
        now = snapshot(connection, reflect(connection))
    for table, columns in before.items():
        assert table in now, f"{when}: table {table} is gone, with its rows"
        for column, values in columns.items():
            if column in CONTRACTED.get(table, set()):
                continue
            assert column in now[table], f"{when}: column {table}.{column} is gone, with its values"
            assert now[table][column] == values, f"{when}: {table}.{column} changed"


def test_newest_migration_keeps_the_previous_release_rows_up_and_down(new_database: str) -> None:
    previous, head = previous_and_head()
    app = make_host_app(new_database)
    try:
        migrate.upgrade(app, previous)
        with app.app_context(), state(app).db.engine.begin() as connection:
            fill(connection, reflect(connection))
        with app.app_context(), state(app).db.engine.connect() as connection:
            before = snapshot(connection, reflect(connection))
        assert (
            len(before["cc_reports"]["id"]) == 2
            and before["cc_reports"]["point"][0] == "POINT(11.3426 44.4949)"
        )
        assert len(before["cc_messages"]["id"]) == 2 and len(before["cc_photos"]["id"]) == 1

        runner = app.test_cli_runner()
        result = runner.invoke(args=["citizencare", "db", "upgrade"])
        assert result.exit_code == 0, result.output
        assert f"citizencare schema at {head}" in result.output
        assert_rows_kept(app, before, f"after upgrading to {head}")

        result = runner.invoke(args=["citizencare", "db", "downgrade"])
        assert result.exit_code == 0, result.output
        assert migrate.current_revision(app) == previous
        assert_rows_kept(app, before, f"after downgrading {head}")
    finally:
        dispose(app)
