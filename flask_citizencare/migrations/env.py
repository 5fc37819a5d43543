"""Alembic environment of flask-citizencare's own migrations.

Run through ``flask citizencare db ...`` (see ``flask_citizencare.database.migrate``),
which hands us a connection in ``config.attributes``.
"""

from __future__ import annotations

from alembic import context
from geoalchemy2 import alembic_helpers

from flask_citizencare.database.comparison import configure_comparison
from flask_citizencare.database.migrate import VERSION_TABLE
from flask_citizencare.models import metadata

config = context.config


def run_migrations_online() -> None:
    connection = config.attributes["connection"]
    context.configure(
        **configure_comparison(
            {
                "connection": connection,
                "target_metadata": metadata,
                "version_table": VERSION_TABLE,
                "process_revision_directives": alembic_helpers.writer,
                "transactional_ddl": True,
            }
        )
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported: run them against a database")
run_migrations_online()
