"""Fixtures: every database test runs on SpatiaLite, and again on PostGIS when
``CITIZENCARE_TEST_POSTGRES_URL`` points at a PostgreSQL server (any database
on it; a fresh one is created for the run and dropped afterwards)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from flask_citizencare.database import migrate
from flask_citizencare.models import metadata
from flask_citizencare.services.answer_states import ensure_default_states

from .host import HostUser, host_db, make_host_app

pytest_plugins = [
    "tests.smtp",
    "tests.reporting",
    "tests.browser",
    "tests.staff",
    "tests.imap",
    "tests.thirdparty.fixtures",
]

POSTGRES_ENV = "CITIZENCARE_TEST_POSTGRES_URL"
#: The test municipality's area (min_lon, min_lat, max_lon, max_lat).
BOLOGNA = (11.23, 44.42, 11.43, 44.56)
BACKENDS = ["spatialite"] + (["postgis"] if os.environ.get(POSTGRES_ENV) else [])


def pytest_report_header() -> str:
    if len(BACKENDS) == 1:
        return f"databases: spatialite only (set {POSTGRES_ENV} to run the suite on PostGIS too)"
    return "databases: " + ", ".join(BACKENDS)


@contextmanager
def fresh_postgres_database(prefix: str = "cc_test") -> Iterator[str]:
    """A new, empty database on the test server; dropped on exit."""
    admin_url = make_url(os.environ[POSTGRES_ENV])
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def dispose(app: Flask) -> None:
    """Close the app's pooled connections (PostgreSQL would keep them open)."""
    db = app.extensions["citizencare"].db
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database of ``backend`` with the extension's schema, shared by the session."""
    with _database(backend, tmp_path_factory) as url:
        app = make_host_app(url)
        migrate.upgrade(app)
        dispose(app)
        yield url


@contextmanager
def _database(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if backend == "spatialite":
        yield f"sqlite:///{tmp_path_factory.mktemp('spatialite') / 'test.sqlite'}"
    else:
        with fresh_postgres_database() as url:
            yield url


@pytest.fixture
def new_database(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh, empty database of ``backend`` for this test alone."""
    with _database(backend, tmp_path_factory) as url:
        yield url


def empty_tables(app: Flask) -> None:
    """Every row removed, then the database as a fresh migration leaves it (the default answer states)."""
    db = app.extensions["citizencare"].db
    with app.app_context():
        with db.engine.begin() as connection:
            for table in reversed(metadata.sorted_tables):
                connection.execute(table.delete())
            if sa.inspect(connection).has_table(HostUser.__tablename__):
                connection.execute(HostUser.__table__.delete())
            with Session(connection) as session:
                ensure_default_states(session)


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The minimal host site on the migrated test database; tables emptied afterwards."""
    app = make_host_app(
        database_url,
        CITIZENCARE_PHOTO_DIR=str(tmp_path / "photos"),
        CITIZENCARE_AREA=BOLOGNA,
    )
    yield app
    empty_tables(app)
    dispose(app)


@pytest.fixture
def client(app: Flask):  # type: ignore[no-untyped-def]
    return app.test_client()


@pytest.fixture
def db_session(app: Flask):  # type: ignore[no-untyped-def]
    with app.app_context():
        yield host_db.session
