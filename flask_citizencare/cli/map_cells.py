"""``flask citizencare map ...``: the public map's cluster cells."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ..context import db_session
from ..queries.map_cells import rebuild

map_group = AppGroup("map", help="The public map's cluster cells.")


@map_group.command("rebuild")
def map_rebuild() -> None:
    """Recount the cluster cells from the reports.

    Triggers keep the cells exact on every change; this is for after writes
    that bypassed them (a restore, a bulk load with triggers off).
    """
    session = db_session()
    cells = rebuild(session.connection())
    session.commit()
    click.echo(f"map cells rebuilt: {cells} cell(s)")
