"""``flask citizencare stats ...``: the dashboards' summary tables."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ..context import db_session, state
from ..queries.statistics import refresh
from .jobs import recorded

stats_group = AppGroup("stats", help="Dashboard summary tables.")


@stats_group.command("refresh")
@recorded("stats refresh")
@click.option("--full", is_flag=True, help="Rebuild every day, not only the days changed since the last run.")
def stats_refresh(full: bool) -> None:
    """Bring the dashboards' summary up to date (run from cron, e.g. every 5 minutes).

    Only the days touched by changes since the previous run are recomputed;
    the first run, --full, or a change of CITIZENCARE_DISTRICTS rebuilds all.
    """
    session = db_session()
    result = refresh(
        session,
        timezone=state().settings.zone,
        districts=state().settings.districts,
        full=full,
    )
    session.commit()
    scope = "all days" if result.full else f"{result.days} changed day(s)"
    click.echo(
        f"dashboard summary refreshed ({scope}; {result.rows} row(s) in all), "
        f"figures as of {result.as_of:%Y-%m-%d %H:%M:%S} UTC"
    )
