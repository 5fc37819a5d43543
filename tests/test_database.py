"""Start-up against the database: SpatiaLite found, or a one-line reason why not.

Creating the app never connects to the database; PostGIS (found or created) and
an unreachable server are ``flask citizencare db upgrade``'s business.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.engine import make_url

from flask_citizencare import CitizenCare, ConfigurationError, state
from flask_citizencare.database import migrate
from flask_citizencare.models import Report

from .conftest import POSTGRES_ENV, dispose, fresh_postgres_database
from .host import make_host_app

ROOT = Path(__file__).resolve().parent.parent
needs_postgres = pytest.mark.skipif(not os.environ.get(POSTGRES_ENV), reason=f"{POSTGRES_ENV} not set")


def bare_app(url: str, **config: object) -> tuple[Flask, SQLAlchemy]:
    app = Flask(__name__)
    app.config.update({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "test-only-key-of-bare-app", **config})
    db = SQLAlchemy()
    CitizenCare(app, db=db)
    return app, db


def test_sqlite_module_can_load_extensions(tmp_path: Path) -> None:
    app, db = bare_app(f"sqlite:///{tmp_path / 'a.sqlite'}")
    with app.app_context():
        assert hasattr(db.engine.dialect.loaded_dbapi.Connection, "enable_load_extension")
        with db.engine.connect() as connection:
            assert connection.execute(sa.text("SELECT spatialite_version()")).scalar()
            assert connection.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
    dispose(app)


def test_host_that_initialised_sqlalchemy_first_still_gets_spatialite(tmp_path: Path) -> None:
    app = make_host_app(f"sqlite:///{tmp_path / 'b.sqlite'}")
    with app.app_context():
        engine = state(app).db.engine
        with engine.connect() as connection:
            assert (
                connection.execute(sa.text("SELECT ST_AsText(MakePoint(11.3, 44.5, 4326))")).scalar()
                == "POINT(11.3 44.5)"
            )
    dispose(app)


def test_in_memory_sqlite_works_end_to_end() -> None:
    app, db = bare_app("sqlite://")
    migrate.upgrade(app)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Report)) == 0


def test_missing_spatialite_is_explained(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="apt-get install libsqlite3-mod-spatialite") as info:
        bare_app(f"sqlite:///{tmp_path / 'c.sqlite'}", CITIZENCARE_SPATIALITE_LIBRARY="mod_no_such_library")
    assert "\n" not in str(info.value)


def test_unsupported_database_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="PostgreSQL with PostGIS or SQLite with SpatiaLite"):
        bare_app("mysql+pymysql://user@localhost/db")


def test_missing_database_url_is_explained() -> None:
    app = Flask(__name__)
    app.config["SECRET_KEY"] = "test-only-key-of-bare-app"
    with pytest.raises(ConfigurationError, match="SQLALCHEMY_DATABASE_URI"):
        CitizenCare(app, db=SQLAlchemy())


@needs_postgres
def test_unreachable_postgres_is_explained_by_the_upgrade() -> None:
    url = make_url(os.environ[POSTGRES_ENV]).set(port=1).render_as_string(hide_password=False)
    app, _ = bare_app(url)  # creating the app does not connect
    with pytest.raises(ConfigurationError, match="cannot connect to PostgreSQL"):
        migrate.upgrade(app)


@needs_postgres
def test_database_without_postgis_and_without_rights_is_explained() -> None:
    """A non-superuser cannot create PostGIS (it is not a trusted extension)."""
    admin_url = make_url(os.environ[POSTGRES_ENV])
    name = f"cc_nogis_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE ROLE "{name}" LOGIN NOSUPERUSER'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}" OWNER "{name}"'))
    try:
        url = admin_url.set(database=name, username=name, password=None).render_as_string(hide_password=False)
        app, _ = bare_app(url)
        with pytest.raises(ConfigurationError, match="ask a superuser to run `CREATE EXTENSION postgis;`"):
            migrate.upgrade(app)
        dispose(app)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(sa.text(f'DROP ROLE IF EXISTS "{name}"'))
        admin.dispose()


@needs_postgres
def test_postgis_is_created_by_the_upgrade_when_the_user_may() -> None:
    postgis = sa.text("SELECT extname FROM pg_extension WHERE extname = 'postgis'")
    with fresh_postgres_database() as url:
        app, db = bare_app(url)
        with app.app_context():
            assert db.session.scalar(postgis) is None  # not at app creation
            db.session.rollback()
        migrate.upgrade(app)
        with app.app_context():
            assert db.session.scalar(postgis) == "postgis"
        dispose(app)


def run_flask(url: str, config: dict[str, object], *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TEST_DATABASE_URL": url, "TEST_CONFIG": json.dumps(config)}
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "tests.host.factory", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"CITIZENCARE_SPATIALITE_LIBRARY": "mod_no_such_library"}, "libsqlite3-mod-spatialite"),
        ({"CITIZENCARE_MAP_ZOM": 3}, "unknown setting CITIZENCARE_MAP_ZOM"),
    ],
)
def test_cli_prints_one_line_instead_of_a_traceback(tmp_path: Path, config: dict, expected: str) -> None:
    result = run_flask(f"sqlite:///{tmp_path / 'cli.sqlite'}", config, "citizencare", "db", "current")
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert "Traceback" not in result.stderr
    assert len(lines) == 1 and lines[0].startswith("Error: ") and expected in lines[0]
