"""What the extension leaves in a host before anyone asks: no connection, no tables, no files.

Creating the app (even ``flask --help``) must not touch the host's database;
SpatiaLite's metadata tables and PostGIS come with ``flask citizencare db upgrade``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import flask_migrate
import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.engine import make_url

from flask_citizencare import engine_options_for
from flask_citizencare.database import migrate as citizencare_migrate

from .conftest import POSTGRES_ENV
from .thirdparty import create_app
from .thirdparty.fixtures import TEST_CONFIG, dispose_engines, stock_env_warnings

ROOT = Path(__file__).resolve().parent.parent
HOST_TABLES = {"user", "post", "alembic_version"}


@pytest.fixture
def connections() -> Iterator[list[str]]:
    """One entry for every connection any SQLAlchemy engine opens meanwhile."""
    opened: list[str] = []

    def record(dbapi_connection: object, record: object) -> None:
        opened.append("connect")

    sa.event.listen(sa.engine.Engine, "connect", record)
    yield opened
    sa.event.remove(sa.engine.Engine, "connect", record)


def tables(url: str) -> set[str]:
    # The app's SQLite module: two SQLite libraries in one process do not see each other's WAL writes.
    engine = sa.create_engine(url, **engine_options_for(url))
    try:
        with engine.connect() as connection:
            return set(sa.inspect(connection).get_table_names())
    finally:
        engine.dispose()


def has_postgis(url: str) -> bool:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return bool(connection.scalar(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'postgis'")))
    finally:
        engine.dispose()


def test_creating_the_app_opens_no_connection(
    new_database: str, tmp_path: Path, connections: list[str]
) -> None:
    app = create_app(new_database, CITIZENCARE_PHOTO_DIR=str(tmp_path / "photos"), **TEST_CONFIG)
    assert connections == []
    if new_database.startswith("sqlite"):
        assert not Path(make_url(new_database).database or "").exists()
    else:
        assert tables(new_database) == set() and not has_postgis(new_database)
    assert not (tmp_path / "photos").exists()
    dispose_engines(app)


@pytest.mark.slow
def test_flask_help_touches_no_database(tmp_path: Path) -> None:
    """``flask --help`` on a SQLite file that does not exist and on a PostgreSQL nobody listens to."""
    missing = tmp_path / "never.sqlite"
    urls = [f"sqlite:///{missing}"]
    if os.environ.get(POSTGRES_ENV):
        urls.append(make_url(os.environ[POSTGRES_ENV]).set(port=1).render_as_string(hide_password=False))
    for url in urls:
        env = {**os.environ, "TEST_DATABASE_URL": url, "TEST_CONFIG": json.dumps(TEST_CONFIG)}
        result = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "tests.thirdparty.factory", "--help"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        assert "citizencare" in result.stdout and "db" in result.stdout
    assert not missing.exists()


def test_spatial_metadata_comes_with_our_upgrade_only(new_database: str, tmp_path: Path) -> None:
    app = create_app(new_database, CITIZENCARE_PHOTO_DIR=str(tmp_path / "photos"), **TEST_CONFIG)
    try:
        with app.app_context(), stock_env_warnings():
            flask_migrate.upgrade()
        assert tables(new_database) == HOST_TABLES
        if not new_database.startswith("sqlite"):
            assert not has_postgis(new_database)

        doctor = app.test_cli_runner().invoke(args=["citizencare", "doctor"])
        assert doctor.exit_code == 1
        assert "no citizencare tables yet" in doctor.output
        assert "flask citizencare db upgrade" in doctor.output

        citizencare_migrate.upgrade(app)
        after = tables(new_database)
        assert HOST_TABLES | {"alembic_version_citizencare", "cc_reports"} <= after
        if new_database.startswith("sqlite"):
            assert {"geometry_columns", "spatial_ref_sys", "spatialite_history"} <= after
        else:
            assert has_postgis(new_database)
        assert app.test_cli_runner().invoke(args=["citizencare", "doctor"]).exit_code == 0
    finally:
        dispose_engines(app)


def test_doctor_says_where_photos_are(thirdparty_app: Flask) -> None:
    result = thirdparty_app.test_cli_runner().invoke(args=["citizencare", "doctor"])
    folder = Path(thirdparty_app.config["CITIZENCARE_PHOTO_DIR"]).resolve()
    (line,) = [line for line in result.output.splitlines() if " photos " in line]
    assert line.startswith("ok") and f"stored in {folder}" in line


def test_our_pages_before_our_upgrade_say_so(new_database: str, tmp_path: Path) -> None:
    """The host migrated its own tables only: our pages answer 503 with a message, the host's work."""
    app = create_app(new_database, CITIZENCARE_PHOTO_DIR=str(tmp_path / "photos"), **TEST_CONFIG)
    try:
        with app.app_context(), stock_env_warnings():
            flask_migrate.upgrade()
        client = app.test_client()
        assert client.get("/index").status_code == 200
        page = client.get("/segnalazioni/", headers={"Accept-Language": "en"})
        assert page.status_code == 503
        assert "Citizen care is not available yet" in page.get_data(as_text=True)
        api = client.get("/segnalazioni/api/reports.geojson")
        assert api.status_code == 503 and api.mimetype == "application/problem+json"
        assert client.get("/index").status_code == 200  # the host's session was left usable
    finally:
        dispose_engines(app)
