"""``flask citizencare import reports FILE --mapping MAPPING.yaml [--dry-run]``: cases from another system.

See docs/report-import.md for the mapping and
``flask_citizencare/catalogues/import-mapping.example.yaml`` for an example.
"""

from __future__ import annotations

import sys
from pathlib import Path
from time import perf_counter
from typing import Any

import click
import sqlalchemy as sa
import yaml
from flask.cli import AppGroup

from ..context import db_session, state
from ..domain.report_import import MappingError, parse_mapping
from ..queries import map_cells
from ..queries.bulk_load import refresh_after_bulk_load
from ..services.errors import ActionRefused
from ..services.report_import import (
    BATCH_SIZE,
    Catalogue,
    ImportRefused,
    check_file,
    import_file,
    open_source,
)

#: A mapping is a few dozen lines; anything this big is the wrong file.
MAX_MAPPING_BYTES = 1024 * 1024

import_group = AppGroup("import", help="Import historical data from another system.")


def load_mapping(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()[: MAX_MAPPING_BYTES + 1]
    except OSError as exc:
        raise click.ClickException(f"cannot read {path}: {exc.strerror or exc}") from None
    if len(raw) > MAX_MAPPING_BYTES:
        raise click.ClickException(f"{path} is too large for a mapping")
    try:
        data = yaml.safe_load(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise click.ClickException(f"{path} is not UTF-8 text") from None
    except yaml.YAMLError as exc:
        raise click.ClickException(f"{path} is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise click.ClickException(f"{path}: the mapping must be a YAML mapping (key: value)")
    return data


def _bar(length: int, label: str) -> Any:
    return click.progressbar(length=length, label=label, file=sys.stderr, show_pos=True, width=30)


@import_group.command("reports")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--mapping",
    "mapping_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="YAML file: which column gives each field, and how values translate.",
)
@click.option(
    "--dry-run", is_flag=True, help="Check the whole file and say what would be imported; write nothing."
)
@click.option(
    "--batch-size",
    type=click.IntRange(1, 100_000),
    default=BATCH_SIZE,
    show_default=True,
    help="Reports per transaction.",
)
def import_reports_command(file: Path, mapping_path: Path, dry_run: bool, batch_size: int) -> None:
    """Import historical reports from a CSV or GeoJSON file.

    The whole file is checked first; with any problem nothing is written and
    the problems are listed (the first 50 and how many). Then it is written
    in batches, each one transaction: run the same command again after an
    interruption and it goes on where it stopped. A file imported to the end
    is refused. No notification is sent.
    """
    ext = state()
    session = db_session()
    raw = load_mapping(mapping_path)
    catalogue = Catalogue.load(session)
    try:
        mapping = parse_mapping(raw, categories=catalogue.infos, default_timezone=ext.settings.zone.key)
    except MappingError as exc:
        lines = "\n".join(f"  {problem}" for problem in exc.problems)
        raise click.ClickException(f"{mapping_path} cannot be used, nothing was imported:\n{lines}") from None
    try:
        source = open_source(file, mapping)
    except OSError as exc:
        raise click.ClickException(f"cannot read {file}: {exc.strerror or exc}") from None
    started = perf_counter()
    area = ext.settings.area
    try:
        with _bar(0, "Checking") as bar:
            bar.length = None  # unknown until read: counts rows
            check = check_file(session, source, mapping, area=area, catalogue=catalogue, progress=bar.update)
        validation = check.validation
        if not validation.ok:
            more = validation.problem_count - len(validation.problems)
            lines = "\n".join(f"  {problem}" for problem in validation.problems)
            tail = f"\n  ... and {more} more problem(s)" if more else ""
            raise click.ClickException(
                f"{file.name}: {validation.problem_count} problem(s) in {validation.rows} row(s), "
                f"nothing was imported:\n{lines}{tail}"
            )
        statuses = ", ".join(f"{name} {count}" for name, count in sorted(validation.by_status.items()))
        if dry_run:
            session.rollback()
            categories = ", ".join(f"{code} {n}" for code, n in sorted(validation.by_category.items()))
            resumed = (
                f" ({check.previous.rows_done} already written by an earlier run)" if check.previous else ""
            )
            click.echo(
                f"{file.name}: {validation.valid} report(s) would be imported{resumed}, "
                f"checked in {check.seconds:.1f} s\n  by state: {statuses}\n  by category: {categories}\n"
                "Dry run: nothing was written."
            )
            return
        todo = validation.valid - (check.previous.rows_done if check.previous else 0)
        if check.previous is not None:
            click.echo(
                f"Resuming {file.name} after {check.previous.rows_done} report(s) already written.", err=True
            )
        paused = []

        def pause(connection: sa.Connection) -> None:
            paused.append(map_cells.pause_triggers(connection))

        def resume(connection: sa.Connection) -> None:
            if paused[-1]:
                map_cells.resume_triggers(connection, rebuild_cells=False)

        try:
            with _bar(todo, "Importing") as bar:
                result = import_file(
                    session,
                    source,
                    mapping,
                    raw,
                    area=area,
                    check=check,
                    batch_size=batch_size,
                    progress=bar.update,
                    # The map cells' row triggers would run for every report:
                    # one rebuild at the end is cheaper.
                    around_write=(pause, resume),
                )
        except BaseException:
            session.rollback()
            if any(paused):  # the batches written so far are not on the map's cells yet
                map_cells.rebuild(session.connection())
                session.commit()
            raise
    except ImportRefused as exc:
        raise click.ClickException(exc.message) from None
    except ActionRefused as exc:
        raise click.ClickException(exc.message) from None
    after = refresh_after_bulk_load(
        session, timezone=ext.settings.zone, districts=ext.settings.districts, rebuild_map_cells=any(paused)
    )
    seconds = perf_counter() - started
    click.echo(
        f"{file.name}: {result.written} report(s) imported in {result.seconds:.1f} s "
        f"({result.rate:,.0f} rows/s, {result.batches} batch(es)"
        + (f", resumed after {result.resumed_from}" if result.resumed_from else "")
        + f"); checked in {check.seconds:.1f} s; statistics and summaries refreshed in "
        f"{after.seconds:.1f} s; {seconds:.1f} s in all\n  by state: {statuses}"
    )
