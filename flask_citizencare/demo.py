"""Demo data (placeholder until the demo-data generator lands)."""
from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.command("demo-data")
@click.option("--reports", "count", type=click.IntRange(min=0), default=1000, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
@with_appcontext
def demo_data_command(count: int, seed: int) -> None:
    """Load demo categories, offices, staff and reports (idempotent)."""
    raise click.ClickException("not written yet")
