"""The host's own Alembic autogenerate leaves our tables, and the spatial database's, alone.

The third-party host (:mod:`tests.thirdparty`) uses Flask-Migrate's stock
``env.py``; nothing in it was changed for us.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from flask import Flask

from flask_citizencare import CitizenCare, alembic_filters

from . import thirdparty
from .thirdparty.fixtures import TEST_CONFIG, dispose_engines, stock_env_warnings

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = Path(thirdparty.__file__).parent / "migrations"


@pytest.fixture
def migrations_copy(tmp_path: Path) -> Path:
    """The host's migrations folder, copied: a failing autogenerate must not write into the repository."""
    folder = tmp_path / "host-migrations"
    shutil.copytree(MIGRATIONS, folder, ignore=shutil.ignore_patterns("__pycache__"))
    return folder


def revisions(folder: Path) -> list[str]:
    return sorted(path.name for path in (folder / "versions").glob("*.py"))


def as_in_a_new_process(app: Flask) -> None:
    """Forget the hook the stock ``env.py`` leaves in ``configure_args``.

    On its first run it stores its "no empty revision" hook there, bound to that
    run's Alembic config; later runs in the same process (the fixture's
    ``flask db upgrade`` ran first) would use it with the wrong config. On the
    command line every command is a new process, which starts without it.
    """
    app.extensions["migrate"].configure_args.pop("process_revision_directives", None)


def autogenerate(app: Flask, folder: Path) -> list[str]:
    """Run the host's ``flask db migrate`` (in-process); the revision files it leaves."""
    as_in_a_new_process(app)
    with app.app_context(), stock_env_warnings():
        flask_migrate.migrate(directory=str(folder), message="x")
    return revisions(folder)


def db_check(app: Flask, folder: Path) -> None:
    """The host's ``flask db check``: SystemExit(1) when autogenerate finds anything to do."""
    as_in_a_new_process(app)
    with app.app_context(), stock_env_warnings():
        flask_migrate.check(directory=str(folder))


@pytest.fixture
def variants(thirdparty_app: Flask, tmp_path: Path) -> Iterator[Any]:
    """Build the host's app with its Flask-Migrate set up otherwise, on the migrated database."""
    apps: list[Flask] = []

    def build(*, migrate_after: bool = False, **migrate_options: Any) -> Flask:
        app = Flask("tests.thirdparty")
        app.config.update(
            SECRET_KEY="thirdparty-variant-secret-key-for-tests",
            TESTING=True,
            SQLALCHEMY_DATABASE_URI=thirdparty_app.config["SQLALCHEMY_DATABASE_URI"],
            CITIZENCARE_PHOTO_DIR=str(tmp_path / "variant-photos"),
            **TEST_CONFIG,
        )
        thirdparty.db.init_app(app)
        migrate = flask_migrate.Migrate(db=thirdparty.db, directory=str(MIGRATIONS), **migrate_options)
        if not migrate_after:
            migrate.init_app(app)
        CitizenCare().init_app(app, db=thirdparty.db)
        if migrate_after:
            migrate.init_app(app)
        apps.append(app)
        return app

    yield build
    for app in apps:
        dispose_engines(app)


def test_host_autogenerate_writes_no_revision(thirdparty_app: Flask, migrations_copy: Path) -> None:
    before = revisions(migrations_copy)
    assert autogenerate(thirdparty_app, migrations_copy) == before
    db_check(thirdparty_app, migrations_copy)


def test_without_the_filters_autogenerate_would_drop_our_tables(
    thirdparty_app: Flask, migrations_copy: Path
) -> None:
    """The control: Flask-Migrate's configure_args replaced by a host, our filters gone."""
    thirdparty_app.extensions["migrate"].configure_args = {"compare_type": True, "render_as_batch": True}
    with pytest.raises(SystemExit):
        db_check(thirdparty_app, migrations_copy)
    (written,) = set(autogenerate(thirdparty_app, migrations_copy)) - set(revisions(MIGRATIONS))
    script = (migrations_copy / "versions" / written).read_text()
    assert "op.drop_table('cc_reports')" in script
    assert "op.drop_table('alembic_version_citizencare')" in script
    assert "op.drop_table('spatial_ref_sys')" in script


@pytest.mark.slow
def test_host_cli_migrate_and_check(thirdparty_app: Flask, migrations_copy: Path) -> None:
    """``flask db check`` and ``flask db migrate`` as the host's developers type them."""
    env = {
        **os.environ,
        "TEST_DATABASE_URL": thirdparty_app.config["SQLALCHEMY_DATABASE_URI"],
        "TEST_CONFIG": json.dumps({"CITIZENCARE_PHOTO_DIR": thirdparty_app.config["CITIZENCARE_PHOTO_DIR"]}),
    }

    def flask(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "flask", "--app", "tests.thirdparty.factory", "db", *args]
        return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)

    dispose_engines(thirdparty_app)
    check = flask("check", "-d", str(migrations_copy))
    assert check.returncode == 0, check.stderr
    assert "No new upgrade operations detected" in check.stdout + check.stderr
    migrate = flask("migrate", "-m", "x", "-d", str(migrations_copy))
    assert migrate.returncode == 0, migrate.stderr
    assert "No changes in schema detected" in migrate.stdout + migrate.stderr
    assert revisions(migrations_copy) == revisions(MIGRATIONS)


def test_the_hosts_own_filters_are_kept(variants: Any, migrations_copy: Path) -> None:
    """A host that hides a legacy table of its own keeps hiding it; ours are added beside its filter."""
    seen: list[str] = []

    def host_filter(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        seen.append(f"{type_}:{name}")
        return name != "legacy_archive"

    app = variants(include_object=host_filter)
    with app.app_context(), thirdparty.db.engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE legacy_archive (id INTEGER PRIMARY KEY)"))
    db_check(app, migrations_copy)
    assert "table:legacy_archive" in seen and "table:user" in seen
    assert not any(name.startswith("table:cc_") for name in seen)  # ours first: the host's never sees them


def test_migrate_initialised_after_citizencare(variants: Any, migrations_copy: Path) -> None:
    app = variants(migrate_after=True)
    assert autogenerate(app, migrations_copy) == revisions(MIGRATIONS)
    db_check(app, migrations_copy)


def test_a_second_app_context_does_not_chain_the_filters_twice(variants: Any) -> None:
    app = variants(migrate_after=True)
    with app.app_context():
        first = dict(app.extensions["migrate"].configure_args)
    with app.app_context():
        assert app.extensions["migrate"].configure_args == first


def test_filters_for_a_hand_written_env(thirdparty_app: Flask) -> None:
    """``context.configure(..., **flask_citizencare.alembic_filters())``: only the host's tables compared."""
    with thirdparty_app.app_context(), thirdparty.db.engine.connect() as connection:
        bare = MigrationContext.configure(connection, opts={"target_metadata": thirdparty.db.metadata})
        assert any(diff[0] == "remove_table" for diff in compare_metadata(bare, thirdparty.db.metadata))
        filtered = MigrationContext.configure(
            connection, opts={"target_metadata": thirdparty.db.metadata, **alembic_filters()}
        )
        assert compare_metadata(filtered, thirdparty.db.metadata) == []


def test_doctor_is_happy_with_the_stock_env(thirdparty_app: Flask) -> None:
    result = thirdparty_app.test_cli_runner().invoke(args=["citizencare", "doctor"])
    assert result.exit_code == 0, result.output
    assert "the host's Alembic autogenerate does not see our tables" in result.output


def test_doctor_warns_when_the_filters_are_missing(thirdparty_app: Flask) -> None:
    thirdparty_app.extensions["migrate"].configure_args = {"compare_type": True}
    result = thirdparty_app.test_cli_runner().invoke(args=["citizencare", "doctor"])
    assert result.exit_code == 1
    (line,) = [line for line in result.output.splitlines() if "host migrations" in line]
    assert line.startswith("PROBLEM") and "alembic_filters()" in line


def test_doctor_warns_about_an_env_that_ignores_configure_args(
    thirdparty_app: Flask, migrations_copy: Path
) -> None:
    env = migrations_copy / "env.py"
    env.write_text(env.read_text().replace("current_app.extensions['migrate'].configure_args", "{}"))
    thirdparty_app.extensions["migrate"].directory = str(migrations_copy)
    result = thirdparty_app.test_cli_runner().invoke(args=["citizencare", "doctor"])
    assert result.exit_code == 1
    assert "does not pass Flask-Migrate's configure_args" in result.output
