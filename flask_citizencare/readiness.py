"""Is this process ready to serve? The checks shared by ``/readyz`` and ``flask citizencare doctor``.

Each check answers quickly, also when a dependency is down: PostgreSQL is
asked through a connection of its own with a short connect timeout and a
statement timeout (the app's pool has neither), the rate limits' Redis with
the limiter's own two-second socket timeout. Details name places (a URL with
its password hidden, a folder), never personal data.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.pool import NullPool

from .context import state
from .database import migrate
from .database.engine import connect
from .errors import ConfigurationError
from .storage import LocalPhotoStore, PhotoStore
from .storage.local import STAGING, photo_location

UPGRADE = "run `flask citizencare db upgrade`"
#: Seconds to wait for PostgreSQL: to connect, and for one statement.
DATABASE_TIMEOUT = 3
#: The drivers on libpq, which take ``connect_timeout`` and ``options``.
_LIBPQ_DRIVERS = ("psycopg", "psycopg2")


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def readiness_checks(app: Flask) -> list[Check]:
    """Database reachable, our migrations at head, photo store writable, the rate limits' Redis up."""
    cc = state(app)
    with app.app_context():
        engine = cc.db.engine
    database, schema = database_checks(engine, cc.backend)
    checks = [database, schema, photos_check(cc.photo_store)]
    redis = redis_check(app)
    if redis is not None:
        checks.append(redis)
    return checks


def database_checks(engine: sa.Engine, backend: str) -> tuple[Check, Check]:
    """The ``database`` check (SELECT 1) and the ``schema`` check (our revision), on one connection."""
    url = engine.url.render_as_string(hide_password=True)
    file = engine.url.database if engine.dialect.name == "sqlite" else None
    if file and file != ":memory:" and not file.startswith("file:") and not Path(file).exists():
        # Connecting would create an empty file: say so instead.
        return (
            Check("database", False, f"{backend} at {url}: the file does not exist yet, {UPGRADE}"),
            Check("schema", False, "not checked: no database"),
        )
    try:
        with connect(_probe_engine(engine)) as connection:
            connection.execute(sa.text("SELECT 1"))
            database = Check("database", True, f"{backend} at {url}, reachable")
            schema = schema_check(migrate.revision_of(connection), migrate.head_revision())
    except (ConfigurationError, sa.exc.DBAPIError) as exc:
        return (
            Check("database", False, f"{backend} at {url}: {_first_line(exc)}"),
            Check("schema", False, "not checked: the database cannot be reached"),
        )
    return database, schema


def schema_check(applied: str | None, head: str | None) -> Check:
    if applied is None:
        return Check("schema", False, f"no citizencare tables yet (newest revision {head}): {UPGRADE}")
    if applied != head:
        return Check("schema", False, f"at revision {applied}, newest is {head}: {UPGRADE}")
    return Check("schema", True, f"at the newest revision, {head}")


def _probe_engine(engine: sa.Engine) -> sa.Engine:
    """For PostgreSQL on libpq a short-timeout engine of the same URL; else the app's engine."""
    if engine.dialect.name != "postgresql" or engine.dialect.driver not in _LIBPQ_DRIVERS:
        return engine
    return _short_timeout_engine(engine.url)


@lru_cache(maxsize=8)
def _short_timeout_engine(url: sa.URL) -> sa.Engine:
    # No pool: every probe opens its own connection, so a server that stopped answering
    # is met by the connect timeout, and no probe waits for a connection of the app's pool.
    return sa.create_engine(
        url,
        poolclass=NullPool,
        connect_args={
            "connect_timeout": DATABASE_TIMEOUT,
            "options": f"-c statement_timeout={DATABASE_TIMEOUT * 1000}",
            "application_name": "citizencare readiness",
        },
    )


def photos_check(store: PhotoStore) -> Check:
    """The local store's folder exists or can be made, and a file can be written into its staging area."""
    where = photo_location(store)
    if not isinstance(store, LocalPhotoStore):
        return Check("photos", True, f"stored by {where}; not checked")
    staging = store.root / STAGING
    try:
        staging.mkdir(parents=True, exist_ok=True)
        handle, probe = tempfile.mkstemp(dir=staging, prefix=".readiness-")
        try:
            os.write(handle, b"ok")
        finally:
            os.close(handle)
            os.unlink(probe)
    except OSError as exc:
        return Check(
            "photos",
            False,
            f"{where} cannot be created or written ({exc.strerror or type(exc).__name__}): "
            "set CITIZENCARE_PHOTO_DIR",
        )
    return Check(
        "photos",
        True,
        f"stored in {where}, writable; keep it out of version control and backed up, "
        "or set CITIZENCARE_PHOTO_DIR",
    )


def redis_check(app: Flask) -> Check | None:
    """The rate limits' Redis answers PING (None when the limits do not count in Redis)."""
    uri = str(app.config.get("CITIZENCARE_RATELIMIT_STORAGE_URI") or "")
    limiter = state(app).rate_limiter
    if limiter is None or not uri.startswith(("redis", "rediss")):
        return None
    try:
        where = sa.make_url(uri).render_as_string(hide_password=True)
    except (sa.exc.ArgumentError, ValueError):
        where = uri.split("://", 1)[0] + "://..."  # e.g. several sentinels: shown without them
    if limiter.strategy.storage.check():
        return Check("redis", True, f"{where} answers PING")
    return Check("redis", False, f"{where} does not answer PING: the rate limits are not counted")


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
