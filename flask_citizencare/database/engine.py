"""Connect the host's Flask-SQLAlchemy engine to a spatial database.

``SQLALCHEMY_DATABASE_URI`` decides: SQLite gets SpatiaLite loaded on every
connection, PostgreSQL must offer PostGIS. An unsupported database, or a
SpatiaLite that cannot be loaded, is refused at start-up with a message that
says what to install, never later inside a request.

Creating the app never connects to the host's database (``flask --help`` must
not create files or tables in it): SpatiaLite is tried on a throwaway in-memory
database, and what a new database needs (SpatiaLite's metadata tables, the
PostGIS extension) is made by ``flask citizencare db upgrade``
(:func:`prepare_spatial_database`).
"""

from __future__ import annotations

import importlib
import logging
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.engine import make_url

from ..errors import ConfigurationError

log = logging.getLogger(__name__)

SPATIALITE_HELP = (
    "install SpatiaLite: `apt-get install libsqlite3-mod-spatialite` (Debian/Ubuntu), "
    "`brew install libspatialite` (macOS), or set CITIZENCARE_SPATIALITE_LIBRARY to the module's path"
)
POSTGIS_HELP = (
    "install PostGIS on the database server (`apt-get install postgresql-15-postgis-3` on Debian) "
    "and run `CREATE EXTENSION postgis;` in the database, or let `flask citizencare db upgrade` create it"
)


def backend_name(url: str | sa.URL) -> str:
    """``"spatialite"`` or ``"postgis"`` for a database URL; refuse anything else."""
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        return "spatialite"
    if backend == "postgresql":
        return "postgis"
    raise ConfigurationError(
        f"flask-citizencare needs PostgreSQL with PostGIS or SQLite with SpatiaLite, "
        f"not {backend!r}: change SQLALCHEMY_DATABASE_URI"
    )


def _can_load_extensions(module: Any) -> bool:
    return hasattr(module.Connection, "enable_load_extension")


def sqlite_module() -> ModuleType:
    """The DBAPI module that can load SpatiaLite on this Python.

    Many Pythons (pyenv builds, macOS's) compile ``sqlite3`` without extension
    loading; ``pysqlite3-binary`` ships its own SQLite that has it.
    """
    if _can_load_extensions(sqlite3):
        return sqlite3
    try:
        module = importlib.import_module("pysqlite3.dbapi2")
    except ImportError:
        raise ConfigurationError(
            "this Python's sqlite3 cannot load extensions, so SpatiaLite cannot be used: "
            "`pip install pysqlite3-binary` (Linux x86_64) or use a Python built with "
            "--enable-loadable-sqlite-extensions"
        ) from None
    return module


def engine_options_for(url: str | sa.URL) -> dict[str, Any]:
    """Engine options the host can pass to Flask-SQLAlchemy itself, if it prefers.

    On PostgreSQL every connection taken from the pool is checked first
    (``pool_pre_ping``, one round trip): after the server restarts (an upgrade,
    a failover) the pooled connections are dead, and without the check each
    gunicorn worker would answer a 500 for every one of them before it noticed.
    """
    if backend_name(url) == "spatialite":
        return {"module": sqlite_module()}
    return {"pool_pre_ping": True}


def _spatialite_listener(library: str, busy_timeout: float, journal_mode: str):  # type: ignore[no-untyped-def]
    """Set up every new SQLite connection: SpatiaLite, foreign keys, waiting for locks, WAL.

    SQLite allows one writer at a time. Without a long enough busy timeout a
    flood of submissions makes the writers that wait longest fail with
    "database is locked" (a 500); in WAL mode readers never block the writer
    nor the writer the readers, so the wait is only for the other writers.
    """

    def load_spatialite(dbapi_connection: Any, connection_record: Any) -> None:
        dbapi_connection.enable_load_extension(True)
        try:
            dbapi_connection.load_extension(library)
        finally:
            dbapi_connection.enable_load_extension(False)
        # After loading SpatiaLite, which sets its own five seconds; before anything that may wait.
        dbapi_connection.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys = ON")
            if journal_mode:
                _set_journal_mode(cursor, journal_mode)
        finally:
            cursor.close()

    return load_spatialite


def _set_journal_mode(cursor: Any, mode: str) -> None:
    """Switch the database's journal mode (persistent, so only when it differs: switching needs a lock)."""
    cursor.execute("PRAGMA journal_mode")
    current = str(cursor.fetchone()[0]).lower()
    if current in (mode.lower(), "memory"):  # an in-memory database has no journal to choose
        return
    cursor.execute(f"PRAGMA journal_mode = {mode}")
    if str(cursor.fetchone()[0]).lower() != mode.lower():
        log.warning("SQLite kept journal mode %s instead of %s", current, mode)


def _replace_engine(db: SQLAlchemy, app: Flask, options: dict[str, Any]) -> sa.Engine:
    """Swap the default engine for one built with ``options``.

    Needed when the host initialised Flask-SQLAlchemy before us with a SQLite
    module that cannot load extensions. Flask-SQLAlchemy keeps engines per app
    in ``_app_engines``; there is no public way to rebuild one.
    """
    engines = getattr(db, "_app_engines", None)
    if engines is None or app not in engines:
        raise ConfigurationError(
            "initialise CitizenCare before db.init_app(app), or pass "
            "SQLALCHEMY_ENGINE_OPTIONS=flask_citizencare.engine_options_for(url)"
        )
    old = engines[app][None]
    merged = {**app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}), **options}
    if old.url.database in (None, "", ":memory:"):
        merged.setdefault("poolclass", sa.pool.StaticPool)
        merged.setdefault("connect_args", {"check_same_thread": False})
    new = sa.create_engine(old.url, **merged)
    old.dispose()
    engines[app][None] = new
    return new


def prepare_database(app: Flask, db: SQLAlchemy) -> str:
    """Make sure ``db`` is initialised on ``app`` with a spatial database; return the backend.

    Call this from ``init_app``. The host may have called ``db.init_app(app)``
    already or not: if not, we do it, after choosing the SQLite module.
    """
    uri = app.config.get("SQLALCHEMY_DATABASE_URI")
    if not uri:
        raise ConfigurationError("SQLALCHEMY_DATABASE_URI is not set: point it at SQLite or PostgreSQL")
    backend = backend_name(uri)
    if "sqlalchemy" not in app.extensions:
        options = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
        for key, value in engine_options_for(uri).items():
            options.setdefault(key, value)
        db.init_app(app)
    elif app.extensions["sqlalchemy"] is not db:
        raise ConfigurationError("CitizenCare(db=...) is not the SQLAlchemy instance registered on this app")

    with app.app_context():
        engine = db.engine
    if backend == "spatialite":
        if not _can_load_extensions(engine.dialect.loaded_dbapi):
            engine = _replace_engine(db, app, {"module": sqlite_module()})
        else:
            engine.dispose()  # connections opened before the listener lack SpatiaLite
        config = app.config
        check_spatialite_library(engine.dialect.loaded_dbapi, config["CITIZENCARE_SPATIALITE_LIBRARY"])
        sa.event.listen(
            engine,
            "connect",
            _spatialite_listener(
                config["CITIZENCARE_SPATIALITE_LIBRARY"],
                float(config["CITIZENCARE_SQLITE_BUSY_TIMEOUT"]),
                config["CITIZENCARE_SQLITE_JOURNAL_MODE"] or "",
            ),
        )
    return backend


def check_spatialite_library(module: Any, library: str) -> None:
    """Load SpatiaLite into a throwaway in-memory database of ``module``: the host's is not touched."""
    connection = module.connect(":memory:")
    try:
        connection.enable_load_extension(True)
        connection.load_extension(library)
        connection.execute("SELECT spatialite_version()").fetchone()
    except module.Error as exc:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConfigurationError(f"SpatiaLite could not be loaded ({message}): {SPATIALITE_HELP}") from None
    finally:
        connection.close()


@contextmanager
def connect(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A connection of ``engine``; failing to open one is a :class:`ConfigurationError` that says why."""
    try:
        connection = engine.connect()
    except sa.exc.OperationalError as exc:
        if engine.dialect.name == "postgresql":
            raise ConfigurationError(
                f"cannot connect to PostgreSQL ({_first_line(exc)}): check SQLALCHEMY_DATABASE_URI"
            ) from None
        raise ConfigurationError(f"cannot open the SQLite database: {_first_line(exc)}") from None
    with connection:
        yield connection


def prepare_spatial_database(engine: sa.Engine) -> None:
    """What a new database needs before our first migration: PostGIS, or SpatiaLite's metadata tables."""
    with connect(engine) as connection:
        if engine.dialect.name == "postgresql":
            _ensure_postgis(connection)
        else:
            _init_spatial_metadata(connection)


def _init_spatial_metadata(connection: sa.Connection) -> None:
    """SpatiaLite's metadata tables (``geometry_columns``, ``spatial_ref_sys``, ...), once per database.

    ``InitSpatialMetaData(1)`` runs in a transaction of its own, so it is called
    outside ours (a ``SELECT`` opens none in the sqlite3 module).
    """
    if connection.exec_driver_sql("SELECT CheckSpatialMetaData()").scalar_one() < 1:
        connection.exec_driver_sql("SELECT InitSpatialMetaData(1)")
        connection.commit()
        log.info("created SpatiaLite's metadata tables")


def has_spatial_metadata(connection: sa.Connection) -> bool:
    """SpatiaLite's metadata tables or the PostGIS extension are in the database."""
    if connection.dialect.name == "postgresql":
        return bool(
            connection.execute(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'postgis'")).scalar()
        )
    return int(connection.exec_driver_sql("SELECT CheckSpatialMetaData()").scalar_one()) > 0


def _ensure_postgis(connection: sa.Connection) -> None:
    """PostGIS must be in the database; create it if this user may (as the first migration would)."""
    installed = connection.execute(
        sa.text("SELECT extversion FROM pg_extension WHERE extname = 'postgis'")
    ).scalar()
    if installed:
        connection.rollback()
        return
    available = connection.execute(
        sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'")
    ).scalar()
    if not available:
        raise ConfigurationError(f"the PostgreSQL server has no PostGIS: {POSTGIS_HELP}")
    try:
        connection.execute(sa.text("CREATE EXTENSION IF NOT EXISTS postgis"))
        connection.commit()
    except sa.exc.DBAPIError as exc:
        raise ConfigurationError(
            f"the database has no PostGIS extension and this user may not create it "
            f"({_first_line(exc)}): ask a superuser to run `CREATE EXTENSION postgis;` in it"
        ) from None
    log.info("created the PostGIS extension")


#: How SQLite and PostgreSQL say that one of our tables is not there.
_MISSING_TABLE = re.compile(
    r'no such table: "?(cc_|alembic_version_citizencare)|relation "cc_\w+" does not exist'
)


def is_missing_schema(exc: sa.exc.DBAPIError) -> bool:
    """The error is one of our tables missing: ``flask citizencare db upgrade`` has not run."""
    return bool(_MISSING_TABLE.search(str(exc.orig) if exc.orig is not None else str(exc)))


def _first_line(exc: sa.exc.DBAPIError) -> str:
    text = str(exc.orig) if exc.orig is not None else str(exc)
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__
