"""Backup and restore as docs/deployment.md ("Backups, restore and upgrades") tells it:
``pg_dump -Fc`` first, then the photo folder, restored into a new database and a new folder,
checked with ``storage sweep`` and rebuilt.

The real PostgreSQL client programs run against the test server; nothing is faked.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_citizencare import state
from flask_citizencare.access import Actor
from flask_citizencare.database import migrate
from flask_citizencare.domain.lifecycle import Action, Role
from flask_citizencare.models import MapCell, Message, Photo, Report, StaffMember, StatusEvent, metadata
from flask_citizencare.services.triage import ActionInput, apply_action

from .conftest import BOLOGNA, POSTGRES_ENV, dispose, fresh_postgres_database
from .factories import create_category, create_office
from .host import host_db, make_host_app
from .reporting import jpeg, post_report
from .staff import add_staff

pytestmark = pytest.mark.slow


def client_program(name: str) -> str:
    """``pg_dump`` or ``pg_restore`` on the PATH, else the newest of Debian's versioned folders."""
    found = shutil.which(name) or next(
        iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))[::-1]), None
    )
    if found is None:
        pytest.skip(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return found


def libpq_url(url: str) -> str:
    """The SQLAlchemy URL as the PostgreSQL programs read it (no ``+psycopg`` driver)."""
    return sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextmanager
def site_role() -> Iterator[str]:
    """A login role that is not a superuser, as the site's own database user is; dropped on exit."""
    name = f"cc_site_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(os.environ[POSTGRES_ENV], isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE ROLE "{name}" LOGIN'))
    try:
        yield name
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP ROLE IF EXISTS "{name}"'))
        admin.dispose()


def restore_list(pg_restore: str, dump: Path) -> Path:
    """The dump's table of contents without what only the extensions' owner may restore."""
    listing = subprocess.run([pg_restore, "-l", str(dump)], capture_output=True, text=True, check=True).stdout
    kept = [
        line
        for line in listing.splitlines()
        if "COMMENT - EXTENSION" not in line and "TABLE DATA public spatial_ref_sys" not in line
    ]
    path = dump.with_suffix(".list")
    path.write_text("\n".join(kept) + "\n")
    return path


def run(*args: str) -> None:
    completed = subprocess.run(args, capture_output=True, text=True, check=False)
    assert completed.returncode == 0, f"{args[0]} failed: {completed.stderr}"


def row_counts(app: Flask) -> dict[str, int]:
    """Rows of every one of our tables (the map cells among them)."""
    with app.app_context(), state(app).db.engine.connect() as connection:
        return {
            table.name: connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            for table in metadata.sorted_tables
        }


def file_reports(app: Flask, category_id: int, count: int) -> None:
    """Reports filed through the web form, each with a real photo stored in the app's folder."""
    client = app.test_client()
    for n in range(count):
        response = post_report(
            client,
            category_id,
            photos=[(jpeg(800, 600, color=("orange", "teal", "navy")[n % 3]), f"foto{n}.jpg")],
            title=f"Buca numero {n} in via Saragozza",
            lat=str(44.49 + n * 0.003),
            lon=str(11.33 + n * 0.004),
        )
        assert response.status_code == 303, response.get_data(as_text=True)


def staff_action(app: Flask, member_id: int, action: Action, **fields: object) -> None:
    """A staff member applies ``action`` to the first report through the triage service."""
    with app.test_request_context():
        session = host_db.session
        member = session.get(StaffMember, member_id)
        report = session.scalars(sa.select(Report).order_by(Report.id)).first()
        assert member is not None and report is not None
        actor = Actor(member, frozenset({Role(member.role), Role.CITIZEN}))
        apply_action(actor, report.id, action, ActionInput(report.version, **fields))  # type: ignore[arg-type]
        session.remove()


def test_dump_then_photos_restores_into_a_new_database_and_folder(backend: str, tmp_path: Path) -> None:
    if backend != "postgis":
        pytest.skip(
            "pg_dump/pg_restore back up PostgreSQL; a SpatiaLite database is one file "
            f"(set {POSTGRES_ENV} to run this test)"
        )
    pg_dump, pg_restore = client_program("pg_dump"), client_program("pg_restore")
    if shutil.which("rsync") is None:
        pytest.skip("rsync is not installed (Debian: apt-get install rsync)")
    photos, backup, restored_photos = tmp_path / "photos", tmp_path / "backup", tmp_path / "restored-photos"
    dump = backup / "citizencare.dump"

    with (
        site_role() as role,
        fresh_postgres_database("cc_backup") as source_url,
        fresh_postgres_database("cc_restored") as target_url,
    ):
        source = make_host_app(source_url, CITIZENCARE_PHOTO_DIR=str(photos), CITIZENCARE_AREA=BOLOGNA)
        target: Flask | None = None
        try:
            migrate.upgrade(source)
            with source.app_context():
                office = create_office(host_db.session, code="strade", name="Manutenzione strade")
                category = create_category(
                    host_db.session, code="buche", name="Buche", default_office_id=office.id
                )
                _, operator = add_staff("olga", "operator", [])
                _, technician = add_staff("tina", "technician", [office])
                host_db.session.commit()
                category_id, office_id = category.id, office.id
                operator_id, technician_id = operator.id, technician.id
                host_db.session.remove()
            file_reports(source, category_id, 4)
            # Staff take the first report in charge, assign it and answer it: events, a message, mails.
            staff_action(source, operator_id, Action.ACKNOWLEDGE)
            staff_action(source, operator_id, Action.ASSIGN, office_id=office_id, assignee_id=technician_id)
            staff_action(
                source, technician_id, Action.RESOLVE, public_reply="Buca chiusa con asfalto a freddo."
            )
            before = row_counts(source)
            assert before["cc_reports"] == 4 and before["cc_photos"] == 4
            assert (
                before["cc_messages"] >= 1 and before["cc_status_events"] >= 6 and before["cc_map_cells"] > 0
            )
            with source.app_context():
                kept = host_db.session.scalars(sa.select(Photo).order_by(Photo.id)).first()
                assert kept is not None
                key, token = kept.storage_key, kept.report.tracking_token
                host_db.session.remove()
            original = (photos / key[:2] / key).read_bytes()

            # 1. The database first.
            backup.mkdir()
            run(pg_dump, "-Fc", "--no-owner", "-f", str(dump), "--dbname", libpq_url(source_url))
            # A report filed between the dump and the copy: its files are in the copy, its row is not.
            file_reports(source, category_id, 1)
            # 2. Then the photo folder.
            run("rsync", "-a", "--delete", f"{photos}/", f"{backup / 'photos'}/")

            # Restore: a database the site's (non-superuser) role owns, the extensions created in it by
            # a superuser, then the dump restored by the site's role, then the folder.
            admin = sa.create_engine(target_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(
                    sa.text(f'ALTER DATABASE "{sa.make_url(target_url).database}" OWNER TO "{role}"')
                )
                for extension in ("postgis", "pg_trgm"):
                    connection.execute(sa.text(f"CREATE EXTENSION IF NOT EXISTS {extension}"))
            admin.dispose()
            site_url = sa.make_url(target_url).set(username=role).render_as_string(hide_password=False)
            run(
                pg_restore,
                "--no-owner",
                "--exit-on-error",
                "-L",
                str(restore_list(pg_restore, dump)),
                "--dbname",
                libpq_url(site_url),
                str(dump),
            )
            run("rsync", "-a", f"{backup / 'photos'}/", f"{restored_photos}/")

            target = make_host_app(
                site_url, CITIZENCARE_PHOTO_DIR=str(restored_photos), CITIZENCARE_AREA=BOLOGNA
            )
            runner = target.test_cli_runner()
            swept = runner.invoke(args=["citizencare", "storage", "sweep", "--staged-age", "0"])
            assert swept.exit_code == 0, swept.output
            assert "removed 2 orphan file(s)" in swept.output  # the late report's photo and thumbnail
            assert "missing" not in swept.output
            for command in (["map", "rebuild"], ["stats", "refresh", "--full"], ["db", "check"]):
                result = runner.invoke(args=["citizencare", *command])
                assert result.exit_code == 0, (command, result.output)
            with target.app_context(), state(target).db.engine.begin() as connection:
                connection.execute(sa.text("ANALYZE"))

            after = row_counts(target)
            for table in (Report, Photo, Message, StatusEvent, MapCell):
                name = table.__tablename__
                assert after[name] == before[name], name
            # Statistics are rebuilt, and the commands run after the restore record their runs.
            rebuilt = ("cc_stats", "cc_job_runs")
            assert {k: v for k, v in after.items() if not k.startswith(rebuilt)} == {
                k: v for k, v in before.items() if not k.startswith(rebuilt)
            }
            assert after["cc_job_runs"] > before["cc_job_runs"]
            assert migrate.current_revision(target) == migrate.head_revision()
            files = [p for p in restored_photos.rglob("*") if p.is_file()]
            assert len(files) == 2 * after["cc_photos"]

            with target.test_client().get(f"/citizencare/track/{token}/photos/{key}") as served:
                assert served.status_code == 200
                assert served.get_data() == original
        finally:
            dispose(source)
            if target is not None:
                dispose(target)
