"""``flask --app example_site site ...`` commands."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from .accounts import create_or_update_user
from .demo_mail import demo_mail_command
from .extensions import db

site_cli = AppGroup("site", help="Comune di Esempio: the site's own tables and accounts, the demo's mail.")
site_cli.add_command(demo_mail_command)


@site_cli.command("init-db")
def init_db() -> None:
    """Create the site's own tables (comune_users).

    The extension's tables are not on this metadata: create them with
    `flask citizencare db upgrade`.
    """
    db.create_all()
    click.echo("site tables ready: " + ", ".join(sorted(db.metadata.tables)))


@site_cli.command("create-user")
@click.argument("username")
@click.option("--display-name", required=True, help="Name shown on the site.")
@click.option("--email", required=True)
@click.password_option(help="Asked for when not given.")
def create_user(username: str, display_name: str, email: str, password: str) -> None:
    """Create an account, or update the one with this USERNAME."""
    user_id = create_or_update_user(username, display_name, email, password)
    db.session.commit()
    click.echo(f"user {username!r} has id {user_id}")
