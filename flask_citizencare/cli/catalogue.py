"""``flask citizencare catalogue import | export``: a catalogue without code and without demo data."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import AppGroup

from ..context import db_session
from ..domain.catalogue_file import CatalogueFileError, parse_catalogue
from ..services.catalogue import export_catalogue, import_catalogue

#: The catalogues shipped with the package, by name (``--shipped NAME``).
SHIPPED = Path(__file__).resolve().parent.parent / "catalogues"
#: Bigger than any real catalogue; stops a wrong file (a database dump, a photo) before parsing.
MAX_FILE_BYTES = 5 * 1024 * 1024

catalogue_group = AppGroup("catalogue", help="Offices and categories: import and export a catalogue file.")


def shipped_catalogues() -> list[str]:
    return sorted(path.stem for path in SHIPPED.glob("*.json"))


@catalogue_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path), required=False)
@click.option(
    "--shipped",
    type=click.Choice(shipped_catalogues()),
    help="Import a catalogue that ships with flask-citizencare instead of a file.",
)
@click.option("--dry-run", is_flag=True, help="Check the file and say what would change; write nothing.")
def import_command(file: Path | None, shipped: str | None, dry_run: bool) -> None:
    """Create or update offices and categories from a catalogue file (JSON), matched by code.

    Nothing is deleted. The file is checked whole first: with any mistake,
    every problem is listed and nothing is written.
    """
    if (file is None) == (shipped is None):
        raise click.UsageError("give a catalogue FILE or --shipped NAME")
    source = SHIPPED / f"{shipped}.json" if shipped else file
    assert source is not None
    try:
        with click.open_file(str(source), "rb") as stream:
            raw = stream.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise click.ClickException(f"cannot read {source}: {exc.strerror or exc}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise click.ClickException(f"{source} is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    try:
        document = json.loads(raw.decode("utf-8"))
        catalogue = parse_catalogue(document)
    except UnicodeDecodeError:
        raise click.ClickException(f"{source} is not UTF-8 text") from None
    except (json.JSONDecodeError, RecursionError) as exc:
        raise click.ClickException(f"{source} is not valid JSON: {exc}") from None
    except CatalogueFileError as exc:
        lines = "\n".join(f"  {problem}" for problem in exc.problems)
        raise click.ClickException(f"{source} cannot be imported, nothing was changed:\n{lines}") from None
    session = db_session()
    summary = import_catalogue(session, catalogue, commit=not dry_run)
    if dry_run:
        session.rollback()
    verb = "would create" if dry_run else "created"
    click.echo(
        f"{source.name}: {verb} {summary.offices_created} office(s) and {summary.categories_created} "
        f"categor{'y' if summary.categories_created == 1 else 'ies'}, "
        f"{'would update' if dry_run else 'updated'} {summary.offices_updated} office(s) and "
        f"{summary.categories_updated} categor{'y' if summary.categories_updated == 1 else 'ies'}"
    )


@catalogue_group.command("export")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path), default="-")
def export_command(file: Path) -> None:
    """Write every office and category as a catalogue file (standard output by default)."""
    text = json.dumps(export_catalogue(db_session()), ensure_ascii=False, indent=2) + "\n"
    with click.open_file(str(file), "w", encoding="utf-8") as stream:
        stream.write(text)
