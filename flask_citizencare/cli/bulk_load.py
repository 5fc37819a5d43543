"""``flask citizencare after-bulk-load``: what an administrator runs after loading data by hand."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..context import db_session, state
from ..queries.bulk_load import refresh_after_bulk_load


@click.command("after-bulk-load")
@click.option(
    "--rebuild-map-cells",
    is_flag=True,
    help="Also recount the map's cluster cells (after a load that bypassed their triggers).",
)
@with_appcontext
def after_bulk_load_command(rebuild_map_cells: bool) -> None:
    """Analyse (and on PostgreSQL vacuum) the report tables and rebuild the dashboard summary.

    Run it after a restore or an import of many reports; `demo-data` does it
    by itself. Until then plans, the map's index-only scans and the
    dashboards are slow or empty.
    """
    result = refresh_after_bulk_load(
        db_session(),
        timezone=state().settings.zone,
        districts=state().settings.districts,
        rebuild_map_cells=rebuild_map_cells,
    )
    cells = f", {result.map_cells} map cell(s) rebuilt" if result.map_cells is not None else ""
    click.echo(
        f"{', '.join(result.tables)} analysed{cells}; dashboard summary rebuilt ({result.summary.rows} "
        f"row(s)), figures as of {result.as_of:%Y-%m-%d %H:%M:%S} UTC, in {result.seconds:.1f} s"
    )
