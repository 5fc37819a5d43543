"""``flask citizencare doctor``: is the extension set up in this host? One line per check."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import with_appcontext

from ..context import app_object, state
from ..database import migrate
from ..database.engine import connect, has_spatial_metadata
from ..database.host_migrations import host_env_problem
from ..errors import ConfigurationError
from ..receipts import font_status
from ..storage import LocalPhotoStore, PhotoStore
from ..storage.local import photo_location
from ..web.layout import layout_report
from ..web.layout_assets import blocked_assets, blocked_message

UPGRADE = "run `flask citizencare db upgrade`"


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


@click.command("doctor")
@with_appcontext
def doctor_command() -> None:
    """Check the set-up: database, spatial support, schema, photo folder, the host's migrations.

    Exits 1 when something needs doing; each line says what.
    """
    checks = run_checks(app_object())
    width = max(len(check.name) for check in checks)
    for check in checks:
        click.echo(f"{'ok' if check.ok else 'PROBLEM':<7}  {check.name:<{width}}  {check.detail}")
    if not all(check.ok for check in checks):
        sys.exit(1)


def run_checks(app: Flask) -> list[Check]:
    cc = state(app)
    with app.app_context():
        engine = cc.db.engine
    checks = [_database(engine, cc.backend)]
    if checks[0].ok:
        checks.append(_spatial(engine, cc.backend))
        checks.append(_schema(app))
    checks.append(_photos(cc.photo_store))
    problem = host_env_problem(app)
    checks.append(
        Check("host migrations", False, problem)
        if problem
        else Check("host migrations", True, "the host's Alembic autogenerate does not see our tables")
    )
    checks.append(_layout(app))
    unicode, detail = font_status()
    # Receipts work without the font (core-font fallback): a note, not a problem.
    checks.append(Check("receipt font", True, detail if unicode else f"works; {detail}"))
    return checks


def _layout(app: Flask) -> Check:
    """A layout lacking ``head``, ``scripts`` or ``title`` works (assets go into ``content``)."""
    with app.app_context():
        report = layout_report(app)
    if report.problem is not None or report.lacks("content"):
        return Check("layout", False, report.message() or report.template)
    blocked = blocked_message(report.template, blocked_assets(app.config, report.external))
    if blocked is not None:
        return Check("layout", False, blocked)
    message = report.message()
    if message:
        return Check("layout", True, f"works; {message}")
    return Check("layout", True, f"{report.template} has every block our pages fill")


def _database(engine: sa.Engine, backend: str) -> Check:
    url = engine.url.render_as_string(hide_password=True)
    file = engine.url.database if engine.dialect.name == "sqlite" else None
    if file and file != ":memory:" and not file.startswith("file:") and not Path(file).exists():
        # Connecting would create an empty file: say so instead.
        return Check("database", False, f"{backend} at {url}: the file does not exist yet, {UPGRADE}")
    try:
        with connect(engine) as connection:
            connection.execute(sa.text("SELECT 1"))
    except (ConfigurationError, sa.exc.DBAPIError) as exc:
        return Check("database", False, f"{backend} at {url}: {exc}")
    return Check("database", True, f"{backend} at {url}, reachable")


def _spatial(engine: sa.Engine, backend: str) -> Check:
    what = "the PostGIS extension" if backend == "postgis" else "SpatiaLite's metadata tables"
    with connect(engine) as connection:
        present = has_spatial_metadata(connection)
    if present:
        return Check("spatial", True, f"{what} present")
    return Check("spatial", False, f"{what} missing: {UPGRADE}")


def _schema(app: Flask) -> Check:
    applied, head = migrate.current_revision(app), migrate.head_revision()
    if applied is None:
        return Check("schema", False, f"no citizencare tables yet (newest revision {head}): {UPGRADE}")
    if applied != head:
        return Check("schema", False, f"at revision {applied}, newest is {head}: {UPGRADE}")
    return Check("schema", True, f"at the newest revision, {head}")


def _photos(store: PhotoStore) -> Check:
    where = photo_location(store)
    if not isinstance(store, LocalPhotoStore):
        return Check("photos", True, f"stored by {where}")
    root = store.root.resolve()
    existing = next((folder for folder in (root, *root.parents) if folder.exists()), None)
    if existing is None or not existing.is_dir() or not _writable(existing):
        return Check("photos", False, f"{where} cannot be created or written: set CITIZENCARE_PHOTO_DIR")
    note = "" if root.exists() else " (created at the first upload)"
    return Check(
        "photos",
        True,
        f"stored in {where}{note}; keep it out of version control and backed up, "
        "or set CITIZENCARE_PHOTO_DIR",
    )


def _writable(folder: Path) -> bool:
    return os.access(folder, os.W_OK | os.X_OK)
