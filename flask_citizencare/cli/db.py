"""``flask citizencare db ...``: the extension's own migrations."""

from __future__ import annotations

import sys

import click
from alembic import command
from flask.cli import AppGroup

from ..context import app_object
from ..database import migrate

db_group = AppGroup("db", help="The extension's own migrations (version table alembic_version_citizencare).")


@db_group.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Create or update the cc_ tables (and PostGIS, on PostgreSQL)."""
    migrate.upgrade(app_object(), revision)
    click.echo(f"citizencare schema at {migrate.current_revision(app_object())}")


@db_group.command("downgrade")
@click.argument("revision", default="-1")
def db_downgrade(revision: str) -> None:
    """Step the cc_ tables back (``base`` removes them all)."""
    migrate.downgrade(app_object(), revision)


@db_group.command("current")
def db_current() -> None:
    """Print the applied revision and the newest one shipped."""
    applied = migrate.current_revision(app_object())
    click.echo(f"applied: {applied or 'none'}; newest: {migrate.head_revision()}")


@db_group.command("check")
def db_check() -> None:
    """Exit 1 if the database and the models differ (run after upgrade)."""
    differences = migrate.pending_differences(app_object())
    for difference in differences:
        click.echo(repr(difference))
    if differences:
        sys.exit(1)
    click.echo("models and database agree")


@db_group.command("revision")
@click.option("-m", "--message", required=True)
def db_revision(message: str) -> None:
    """Write a new migration from the model changes (for developers of the extension)."""
    with migrate.alembic_config(app_object()) as config:
        command.revision(config, message=message, autogenerate=True)
