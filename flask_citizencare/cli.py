"""``flask citizencare ...`` commands."""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from . import migrate
from .config import PREFIX, SETTINGS


def _app() -> Flask:
    """The real app object behind ``current_app`` (Alembic keeps it across calls)."""
    return current_app._get_current_object()  # type: ignore[attr-defined,no-any-return]


citizencare_cli = AppGroup("citizencare", help="Citizen care: database, demo data, settings.")


@citizencare_cli.group("db")
def db_group() -> None:
    """The extension's own migrations (version table alembic_version_citizencare)."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Create or update the cc_ tables (and PostGIS, on PostgreSQL)."""
    migrate.upgrade(_app(), revision)
    click.echo(f"citizencare schema at {migrate.current_revision(_app())}")


@db_group.command("downgrade")
@click.argument("revision", default="-1")
def db_downgrade(revision: str) -> None:
    """Step the cc_ tables back (``base`` removes them all)."""
    migrate.downgrade(_app(), revision)


@db_group.command("current")
def db_current() -> None:
    """Print the applied revision and the newest one shipped."""
    applied = migrate.current_revision(_app())
    click.echo(f"applied: {applied or 'none'}; newest: {migrate.head_revision()}")


@db_group.command("check")
def db_check() -> None:
    """Exit 1 if the database and the models differ (run after upgrade)."""
    differences = migrate.pending_differences(_app())
    for difference in differences:
        click.echo(repr(difference))
    if differences:
        sys.exit(1)
    click.echo("models and database agree")


@db_group.command("revision")
@click.option("-m", "--message", required=True)
def db_revision(message: str) -> None:
    """Write a new migration from the model changes (for developers of the extension)."""
    from alembic import command

    with migrate.alembic_config(_app()) as config:
        command.revision(config, message=message, autogenerate=True)


@citizencare_cli.command("settings")
def settings() -> None:
    """List every CITIZENCARE_ setting with its current value."""
    for name, setting in SETTINGS.items():
        value = current_app.config.get(PREFIX + name)
        shown = "***" if "PASSWORD" in name and value else repr(value)
        click.echo(f"{PREFIX}{name} = {shown}\n    {setting.help}")


def _register_feature_commands() -> None:
    from .demo import demo_data_command

    citizencare_cli.add_command(demo_data_command)


_register_feature_commands()
