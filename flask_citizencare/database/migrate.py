"""Our Alembic history, run beside the host's own migrations.

The extension's revisions live in their own folder and record themselves in
their own version table, so ``flask db upgrade`` (the host's Flask-Migrate)
and ``flask citizencare db upgrade`` (ours) never step on each other.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask

from ..context import state
from ..models import metadata
from .comparison import configure_comparison
from .engine import connect, prepare_spatial_database

VERSION_TABLE = "alembic_version_citizencare"

#: Our Alembic history, inside the package (in a checkout and in the wheel alike).
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def migrations_folder() -> Path:
    """The folder of our Alembic history (``flask_citizencare/migrations``)."""
    return MIGRATIONS


@contextmanager
def alembic_config(app: Flask) -> Iterator[Config]:
    """An Alembic config bound to one connection of the app's engine, in one transaction."""

    folder = migrations_folder()
    config = Config()
    config.set_main_option("script_location", str(folder))
    config.set_main_option("version_table", VERSION_TABLE)
    with app.app_context():
        engine = state(app).db.engine
        with connect(engine) as connection, connection.begin():
            config.attributes["connection"] = connection
            yield config


def upgrade(app: Flask, revision: str = "head", sql: bool = False) -> None:
    """Bring our tables to ``revision``; a new database first gets PostGIS or SpatiaLite's metadata."""

    with app.app_context():
        prepare_spatial_database(state(app).db.engine)
    with alembic_config(app) as config:
        command.upgrade(config, revision, sql=sql)


def downgrade(app: Flask, revision: str = "-1") -> None:
    with alembic_config(app) as config:
        command.downgrade(config, revision)


def current_revision(app: Flask) -> str | None:
    with alembic_config(app) as config:
        return revision_of(config.attributes["connection"])


def revision_of(connection: sa.Connection) -> str | None:
    """Our revision recorded in the database of ``connection`` (None before our first upgrade)."""
    context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
    return context.get_current_revision()


def head_revision() -> str | None:
    config = Config()
    config.set_main_option("script_location", str(migrations_folder()))
    return ScriptDirectory.from_config(config).get_current_head()


def pending_differences(app: Flask) -> list[Any]:
    """What autogenerate would change: empty when the models and the database agree."""

    with alembic_config(app) as config:
        context = MigrationContext.configure(
            config.attributes["connection"], opts=configure_comparison({"version_table": VERSION_TABLE})
        )
        return list(compare_metadata(context, metadata))
