"""``flask citizencare settings``: every CITIZENCARE_ setting, its value and its help."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from ..config import PREFIX, SETTINGS


@click.command("settings")
@with_appcontext
def settings_command() -> None:
    """List every CITIZENCARE_ setting with its current value."""
    for name, setting in SETTINGS.items():
        value = current_app.config.get(PREFIX + name)
        shown = "***" if "PASSWORD" in name and value else repr(value)
        click.echo(f"{PREFIX}{name} = {shown}\n    {setting.help}")
