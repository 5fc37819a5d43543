"""``flask citizencare catalogue import | export``: the whole catalogue as one YAML file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from flask.cli import AppGroup

from ..context import db_session, state
from ..domain.catalogue_file import (
    MAX_FILE_BYTES,
    Catalogue,
    CatalogueFileError,
    document,
    dump,
    load,
    parse_catalogue,
)
from ..services.catalogue import (
    CatalogueRefused,
    Change,
    ImportPlan,
    codes,
    district_names,
    export_catalogue,
    import_catalogue,
)
from ..services.sla_settings import run_recompute

#: The catalogues shipped with the package, by name (``--shipped NAME``).
SHIPPED = Path(__file__).resolve().parent.parent / "catalogues"
VALUE_MAX = 100

catalogue_group = AppGroup(
    "catalogue",
    help="The catalogue (offices, categories, routing, service levels, calendar, templates) as a YAML file.",
)


def shipped_catalogues() -> list[str]:
    return sorted(path.stem for path in SHIPPED.glob("*.yaml"))


def read_catalogue(source: Path | str) -> Catalogue:
    """The parsed catalogue file at ``source`` (``-``: standard input); ClickException with every problem."""
    try:
        with click.open_file(str(source), "rb") as stream:
            raw = stream.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise click.ClickException(f"cannot read {source}: {exc.strerror or exc}") from None
    session = db_session()
    offices, categories = codes(session)
    try:
        return parse_catalogue(
            load(raw),
            languages=state().settings.languages,
            districts=district_names(),
            known_offices=offices,
            known_categories=categories,
        )
    except CatalogueFileError as exc:
        raise click.ClickException(_problems(source, exc.problems)) from None


def _problems(source: Path | str, problems: tuple[str, ...]) -> str:
    lines = "\n".join(f"  {problem}" for problem in problems)
    return f"{source} cannot be imported, nothing was changed:\n{lines}"


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= VALUE_MAX else text[: VALUE_MAX - 1] + "…"


_MARK = {"create": "+", "update": "~", "delete": "-", "unchanged": "="}
_WORD = {"create": "created", "update": "changed", "delete": "removed", "unchanged": "unchanged"}


def echo_plan(plan: ImportPlan) -> None:
    """The diff: per section, per object, created / changed fields before → after / unchanged."""
    section = None
    for change in plan.changes:
        if change.section != section:
            section = change.section
            click.echo(f"{section}:")
            if section == "routing":
                click.echo(
                    "  (the file's routing rules replace the stored ones as a whole list, in its order)"
                )
        click.echo(f"  {_MARK[change.action]} {change.label}: {_WORD[change.action]}")
        if change.action == "update":
            _echo_fields(change)
    if plan.catalogue.routing is None:
        click.echo("routing: not in the file, the stored rules stay as they are")
    for name in ("service_levels", "calendar"):
        if getattr(plan.catalogue, name) is None:
            click.echo(f"{name}: not in the file, left as it is")


def _echo_fields(change: Change) -> None:
    for name, (before, after) in change.changes.items():
        if name == "questions" and isinstance(before, list) and isinstance(after, list):
            for line in _question_lines(before, after):
                click.echo(f"      {line}")
        else:
            for line in _field_lines(name, before, after):
                click.echo(f"      {line}")


def _field_lines(name: str, before: Any, after: Any, depth: int = 0) -> list[str]:
    """``name: before → after``, or one line per changed key of two mappings (two levels down)."""
    if isinstance(before, dict) and isinstance(after, dict) and depth < 2:
        lines = []
        for key in [*before, *(k for k in after if k not in before)]:
            if before.get(key) != after.get(key):
                lines.extend(_field_lines(f"{name}.{key}", before.get(key), after.get(key), depth + 1))
        return lines
    return [f"{name}: {_shown(before)} → {_shown(after)}"]


def _question_lines(before: list[Any], after: list[Any]) -> list[str]:
    """The questions' diff by key: added, removed, each changed field, a new order."""
    old = {q.get("key"): q for q in before if isinstance(q, dict)}
    new = {q.get("key"): q for q in after if isinstance(q, dict)}
    lines = []
    for key, question in new.items():
        if key not in old:
            lines.append(f"questions[{key}]: added")
            continue
        for name in sorted(set(old[key]) | set(question)):
            if old[key].get(name) != question.get(name):
                was, now = _shown(old[key].get(name)), _shown(question.get(name))
                lines.append(f"questions[{key}].{name}: {was} → {now}")
    lines.extend(f"questions[{key}]: removed" for key in old if key not in new)
    kept = [k for k in old if k in new]
    if kept != [k for k in new if k in old]:
        lines.append(f"questions: order {_shown(kept)} → {_shown([k for k in new if k in old])}")
    return lines


@catalogue_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path), required=False)
@click.option(
    "--shipped",
    type=click.Choice(shipped_catalogues()),
    help="Import a catalogue that ships with flask-citizencare instead of a file.",
)
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
def import_command(file: Path | None, shipped: str | None, dry_run: bool) -> None:
    """Create or update the catalogue from a YAML (or JSON) file, matched by code; show the diff first.

    Nothing is deleted except stored routing rules, which a file's routing list
    replaces as a whole. The file is checked whole first: with any mistake,
    every problem is listed with its place and nothing is written. One
    transaction: the import is applied whole or not at all.
    """
    if (file is None) == (shipped is None):
        raise click.UsageError("give a catalogue FILE or --shipped NAME")
    source = SHIPPED / f"{shipped}.yaml" if shipped else file
    assert source is not None
    catalogue = read_catalogue(source)
    try:
        plan = import_catalogue(db_session(), catalogue, dry_run=dry_run, source=source.name)
    except CatalogueRefused as exc:
        raise click.ClickException(_problems(source, exc.problems)) from None
    echo_plan(plan)
    counts = (
        f"{plan.count('create')} created, {plan.count('update')} changed, "
        f"{plan.count('delete')} removed, {plan.count('unchanged')} unchanged"
    )
    if not plan.changed:
        click.echo(f"{source.name}: nothing to change, the catalogue already matches the file ({counts}).")
    elif dry_run:
        click.echo(f"{source.name}: dry run, nothing was written ({counts}).")
    else:
        click.echo(f"{source.name}: imported ({counts}).")
        if plan.changes_due_times:
            job = run_recompute()
            if job is not None and job.done:
                click.echo(f"Due times recomputed: {job.changed} of {job.total} open case(s) changed.")
            else:
                click.echo("Due times will be recomputed by `flask citizencare sla recompute`.")


@catalogue_group.command("export")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path), default="-")
def export_command(file: Path) -> None:
    """Write the whole catalogue as a YAML file (standard output by default)."""
    catalogue, uncoded = export_catalogue(db_session())
    text = dump(document(catalogue, state().settings.languages))
    with click.open_file(str(file), "w", encoding="utf-8") as stream:
        stream.write(text)
    if uncoded:
        click.echo(
            f"{uncoded} response template(s) without a code were left out: give them a code to export them.",
            err=True,
        )
