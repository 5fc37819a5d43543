"""Our Alembic history: builds the models' schema on both databases, beside the host's."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask

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
