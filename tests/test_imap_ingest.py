"""``flask citizencare mail ingest --imap``: replies read from a real IMAP server (a private Dovecot)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.engine import make_url

from flask_citizencare.database import migrate
from flask_citizencare.models import JobRun, Message, Report, StatusEvent

from .conftest import POSTGRES_ENV, dispose
from .factories import create_category, create_report
from .host import host_db, make_host_app
from .imap import ImapServer
from .smtp import free_port
from .test_ingest import DOMAIN, LOCAL, SECRET, fixture_for

# Needs Dovecot (`make system-tests`), like the browser tests need Chromium: not in `make test-quick`.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
INGEST = ["citizencare", "mail", "ingest", "--imap"]


def imap_settings(server: ImapServer, **overrides: Any) -> dict[str, Any]:
    return {
        "CITIZENCARE_IMAP_HOST": server.host,
        "CITIZENCARE_IMAP_PORT": server.port,
        "CITIZENCARE_IMAP_SECURITY": "none",
        "CITIZENCARE_IMAP_USERNAME": server.username,
        "CITIZENCARE_IMAP_PASSWORD": server.password,
        "CITIZENCARE_REPLY_SECRET": SECRET.decode(),
        "CITIZENCARE_REPLY_DOMAIN": DOMAIN,
        "CITIZENCARE_REPLY_LOCAL": LOCAL,
        **overrides,
    }


@pytest.fixture
def imap_app(app: Flask, imap_server: ImapServer) -> Flask:
    app.config.update(imap_settings(imap_server))
    return app


def new_report(app: Flask) -> int:
    with app.app_context():
        category = create_category(host_db.session)
        report = create_report(host_db.session, category=category)
        host_db.session.commit()
        return report.id


def thread(app: Flask, report_id: int) -> list[Message]:
    with app.app_context():
        report = host_db.session.get(Report, report_id)
        assert report is not None
        messages = list(report.messages)
        for message in messages:
            host_db.session.expunge(message)
        return messages


def counts(app: Flask) -> tuple[int, int]:
    with app.app_context():
        return (
            host_db.session.scalar(sa.select(sa.func.count()).select_from(Message)) or 0,
            host_db.session.scalar(sa.select(sa.func.count()).select_from(StatusEvent)) or 0,
        )


def outcome_lines(output: str) -> list[str]:
    """``imap:<uid>: <result>`` lines, the uid cut off, in order."""
    return [line.split(": ", 1)[1] for line in output.splitlines() if line.startswith("imap:")]


def test_replies_go_into_their_threads_and_leave_the_folder(imap_app: Flask, imap_server: ImapServer) -> None:
    first, second = new_report(imap_app), new_report(imap_app)
    imap_server.append(fixture_for("gmail_reply.eml", first))
    imap_server.append(fixture_for("iphone_reply.eml", second))
    imap_server.append(fixture_for("auto_reply.eml", first))
    imap_server.append(fixture_for("forged_token.eml", first))
    imap_server.append(fixture_for("bounce.eml", second))
    messages, events = counts(imap_app)

    result = imap_app.test_cli_runner().invoke(args=INGEST)
    assert result.exit_code == 0, result.output
    lines = outcome_lines(result.output)
    assert lines[:2] == [f"posted report {first}", f"posted report {second}"]
    assert [line.split(" ")[0] for line in lines[2:]] == [
        "ignored:automatic",
        "ignored:forged",
        "ignored:bounce",
    ]

    [gmail] = thread(imap_app, first)
    assert gmail.source == "email" and gmail.body.startswith("Buongiorno,\nla buca in via Rizzoli")
    [iphone] = thread(imap_app, second)
    assert iphone.body == "Ecco la foto della buca, è profonda almeno 10 cm."
    with imap_app.app_context():
        report = host_db.session.get(Report, second)
        assert report is not None and [p.message_id for p in report.photos] == [iphone.id]
    assert counts(imap_app) == (messages + 2, events)  # the ignored mail changed nothing
    # handled and ignored alike are gone: flagged deleted and expunged
    assert imap_server.count() == 0

    again = imap_app.test_cli_runner().invoke(args=INGEST)
    assert again.exit_code == 0 and again.output == ""
    assert len(thread(imap_app, first)) == 1


def test_handled_messages_move_to_the_done_folder_and_a_redelivery_is_a_duplicate(
    imap_app: Flask, imap_server: ImapServer
) -> None:
    imap_app.config["CITIZENCARE_IMAP_DONE_FOLDER"] = "Elaborati"
    report_id = new_report(imap_app)
    raw = fixture_for("gmail_reply.eml", report_id)
    imap_server.append(raw)
    imap_server.append(fixture_for("vacation.eml", report_id))

    result = imap_app.test_cli_runner().invoke(args=INGEST)
    assert result.exit_code == 0, result.output
    assert [line.split(" ")[0] for line in outcome_lines(result.output)] == ["posted", "ignored:automatic"]
    assert imap_server.count() == 0
    moved = imap_server.messages("Elaborati")
    assert len(moved) == 2 and moved[0].replace(b"\r\n", b"\n") == raw.replace(b"\r\n", b"\n")

    imap_server.append(raw)  # the same mail delivered again
    again = imap_app.test_cli_runner().invoke(args=INGEST)
    assert again.exit_code == 0, again.output
    assert outcome_lines(again.output) == [
        f"duplicate report {report_id} (<CAJx8d0G7u2kq=Zr1nA0b5pQ@mail.gmail.example>)"
    ]
    assert imap_server.count() == 0 and len(imap_server.messages("Elaborati")) == 3
    assert len(thread(imap_app, report_id)) == 1


@contextmanager
def database_down(url: str) -> Iterator[None]:
    """Make the database unreachable for new connections, then bring it back."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(str(parsed.database))
        away = path.with_name(path.name + ".away")
        path.rename(away)
        path.mkdir()  # SQLite cannot open a directory: "unable to open database file"
        try:
            yield
        finally:
            path.rmdir()
            away.rename(path)
        return
    admin = sa.create_engine(os.environ[POSTGRES_ENV], isolation_level="AUTOCOMMIT")
    name = parsed.database
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            connection.execute(
                sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"),
                {"name": name},
            )
        yield
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        admin.dispose()


def test_a_message_that_fails_stays_in_the_folder_until_it_is_handled(
    new_database: str, imap_server: ImapServer, tmp_path: Path
) -> None:
    app = make_host_app(new_database, CITIZENCARE_PHOTO_DIR=str(tmp_path / "photos"))
    migrate.upgrade(app)
    app.config.update(imap_settings(imap_server))
    try:
        report_id = new_report(app)
        imap_server.append(fixture_for("gmail_reply.eml", report_id))
        imap_server.append(fixture_for("auto_reply.eml", report_id))
        dispose(app)

        with database_down(new_database):
            result = app.test_cli_runner().invoke(args=INGEST)
            dispose(app)
        assert result.exit_code == 75, result.output
        assert "failed (OperationalError" in result.output
        # the ignored auto-reply needed no database and is gone; the reply stays, unseen
        [kept] = imap_server.messages()
        assert b"la buca in via Rizzoli" in kept.replace(b"=\r\n", b"").replace(b"=\n", b"")
        assert imap_server.count() == 1

        result = app.test_cli_runner().invoke(args=INGEST)
        assert result.exit_code == 0, result.output
        assert outcome_lines(result.output) == [f"posted report {report_id}"]
        assert imap_server.count() == 0
        assert len(thread(app, report_id)) == 1
    finally:
        dispose(app)


def flask_cli(url: str, config: dict[str, Any], *args: str) -> tuple[list[str], dict[str, str]]:
    """The command and environment of ``flask --app tests.host.factory ARGS`` (the real CLI)."""
    env = {**os.environ, "TEST_DATABASE_URL": url, "TEST_CONFIG": json.dumps(config)}
    return [sys.executable, "-m", "flask", "--app", "tests.host.factory", *args], env


@pytest.mark.parametrize(
    ("change", "expected", "code"),
    [
        ({"CITIZENCARE_IMAP_PASSWORD": "wrong"}, "IMAP login to risposte@127.0.0.1:{port} refused", 1),
        ({"CITIZENCARE_IMAP_HOST": None}, "set CITIZENCARE_IMAP_HOST", 1),
        ({"CITIZENCARE_IMAP_SECURITY": "tls"}, "CITIZENCARE_IMAP_SECURITY must be one of", 1),
        ({"CITIZENCARE_IMAP_SECURITY": "starttls"}, "check CITIZENCARE_IMAP_SECURITY", 1),
        ({"CITIZENCARE_IMAP_PORT": "free"}, "cannot connect to IMAP server risposte@127.0.0.1:", 75),
    ],
)
def test_bad_settings_are_one_line_and_touch_no_mail(
    database_url: str,
    imap_server: ImapServer,
    tmp_path: Path,
    change: dict[str, Any],
    expected: str,
    code: int,
) -> None:
    imap_server.append(fixture_for("auto_reply.eml", 1))
    if change.get("CITIZENCARE_IMAP_PORT") == "free":
        change = {"CITIZENCARE_IMAP_PORT": free_port()}
    config = imap_settings(imap_server, CITIZENCARE_PHOTO_DIR=str(tmp_path / "photos")) | change
    command, env = flask_cli(database_url, config, *INGEST)
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr and "wrong" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    # The job's log line (docs/deployment.md, "Logs"), then the one line that says what to fix.
    assert len(lines) == 2 and lines[0].startswith("job mail ingest failed in ")
    del lines[0]
    assert lines[0].startswith("Error: ")
    assert expected.format(port=imap_server.port) in lines[0]
    assert imap_server.count() == 1


def wait_for(condition: Callable[[], bool], what: str, *logs: Path, timeout: float = 90) -> None:
    """Wait (generously: the machine may be busy) until ``condition``; fail showing ``logs``."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            shown = "\n".join(f"{log.name}:\n{log.read_text()}" for log in logs)
            pytest.fail(f"timed out waiting for {what}\n{shown}")
        time.sleep(0.1)


def job_run(app: Flask) -> JobRun | None:
    """The ``mail ingest`` run record, as the worker last wrote it."""
    with app.app_context():
        row = host_db.session.get(JobRun, "mail ingest")
        host_db.session.remove()
        return row


def test_the_loop_survives_the_server_going_away_and_stops_on_sigterm(
    imap_app: Flask, database_url: str, imap_server: ImapServer, tmp_path: Path
) -> None:
    report_id = new_report(imap_app)
    config = imap_settings(
        imap_server, CITIZENCARE_IMAP_POLL_SECONDS=0.3, CITIZENCARE_PHOTO_DIR=str(tmp_path / "photos")
    )
    out, err = tmp_path / "out.txt", tmp_path / "err.txt"
    command, env = flask_cli(database_url, config, *INGEST, "--loop")
    with out.open("w") as stdout, err.open("w") as stderr:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=stdout, stderr=stderr)
    try:
        imap_server.append(fixture_for("gmail_reply.eml", report_id))
        wait_for(lambda: len(thread(imap_app, report_id)) == 1, "the first reply", out, err)
        wait_for(lambda: imap_server.count() == 0, "the first reply to leave the folder", out, err)
        # Each poll is a run: its last success is the last poll, while the worker keeps running.
        wait_for(lambda: getattr(job_run(imap_app), "last_succeeded_at", None) is not None, "a run", out, err)
        first = job_run(imap_app)
        assert first is not None and first.last_succeeded_at is not None
        succeeded_at = first.last_succeeded_at

        imap_server.stop()
        wait_for(lambda: "cannot connect to IMAP server" in err.read_text(), "a failed poll", out, err)
        assert process.poll() is None  # still running
        wait_for(
            lambda: (job_run(imap_app).last_failed_at or succeeded_at) > succeeded_at,  # type: ignore[union-attr]
            "a failed run",
            out,
            err,
        )
        failed = job_run(imap_app)
        assert failed is not None and failed.last_error and "cannot connect" in failed.last_error
        imap_server.start()
        imap_server.append(fixture_for("iphone_reply.eml", report_id))
        wait_for(
            lambda: len(thread(imap_app, report_id)) == 2,
            "the reply sent while the server was down",
            out,
            err,
        )
        wait_for(lambda: imap_server.count() == 0, "the second reply to leave the folder", out, err)
        failed_at = failed.last_failed_at
        assert failed_at is not None
        wait_for(
            lambda: job_run(imap_app).last_succeeded_at > failed_at,  # type: ignore[union-attr,operator]
            "a successful run after the failed one",
            out,
            err,
        )
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    output = out.read_text()
    assert process.returncode == 0, err.read_text()
    assert output.splitlines()[0].startswith(f"polling INBOX of risposte@127.0.0.1:{imap_server.port} every")
    assert output.count(f"posted report {report_id}") == 2
    assert output.strip().endswith("stopped")
    assert "Traceback" not in err.read_text()
