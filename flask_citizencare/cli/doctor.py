"""``flask citizencare doctor``: is the extension set up in this host? One line per check.

The readiness checks are those of ``/readyz`` (:mod:`flask_citizencare.readiness`);
to them come the set-up's own (spatial support, the host's migrations, layout,
receipt font), which fail the command, and the warnings of :mod:`.setup_warnings`,
which do not.
"""

from __future__ import annotations

import sys

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import with_appcontext

from ..context import app_object, state
from ..database.engine import connect, has_spatial_metadata
from ..database.host_migrations import host_env_problem
from ..readiness import UPGRADE, Check, readiness_checks
from ..receipts import font_status
from ..web.layout import layout_report
from ..web.layout_assets import blocked_assets, blocked_message
from .setup_warnings import setup_warnings

__all__ = ["Check", "doctor_command", "run_checks"]


@click.command("doctor")
@with_appcontext
def doctor_command() -> None:
    """Check the set-up: database, schema, photo folder, Redis, spatial support, the host's migrations.

    Then warn about settings unfit for production (SECRET_KEY, reply domain, SMTP, IMAP).
    Exits 1 when something needs doing; each line says what. Warnings alone exit 0.
    """
    app = app_object()
    checks = run_checks(app)
    warnings = setup_warnings(app)
    width = max(len(check.name) for check in checks + warnings)
    for check in checks:
        click.echo(f"{'ok' if check.ok else 'PROBLEM':<7}  {check.name:<{width}}  {check.detail}")
    for check in warnings:
        click.echo(f"{'ok' if check.ok else 'WARNING':<7}  {check.name:<{width}}  {check.detail}")
    if not all(check.ok for check in checks):
        sys.exit(1)


def run_checks(app: Flask) -> list[Check]:
    """The readiness checks, spatial support after the database, then the set-up's own checks."""
    cc = state(app)
    with app.app_context():
        engine = cc.db.engine
    checks = readiness_checks(app)
    if checks[0].ok:
        checks.insert(1, _spatial(engine, cc.backend))
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


def _spatial(engine: sa.Engine, backend: str) -> Check:
    what = "the PostGIS extension" if backend == "postgis" else "SpatiaLite's metadata tables"
    with connect(engine) as connection:
        present = has_spatial_metadata(connection)
    if present:
        return Check("spatial", True, f"{what} present")
    return Check("spatial", False, f"{what} missing: {UPGRADE}")
