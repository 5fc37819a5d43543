"""Two ``flask citizencare outbox send --loop`` processes on one database deliver every mail once.

Real OS processes, the real ``flask`` command, one aiosmtpd server: PostgreSQL
claims with ``FOR UPDATE SKIP LOCKED``, SQLite with the conditional claim
``UPDATE``. The server answers each DATA a little late, so the two workers'
passes overlap.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_citizencare.models import JobRun, OutboxMail

from .host import host_db
from .smtp import SmtpSink, running_smtp_server
from .test_outbox import queue

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
MAILS = 200
#: Seconds the server takes to accept each mail: the run lasts seconds, not milliseconds.
DATA_DELAY = 0.02


class SlowSmtpSink(SmtpSink):
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(DATA_DELAY)
        return await super().handle_DATA(server, session, envelope)


def states(app: Flask) -> dict[str, int]:
    with app.app_context():
        rows = host_db.session.execute(
            sa.select(OutboxMail.state, sa.func.count()).group_by(OutboxMail.state)
        ).all()
        host_db.session.rollback()
        return {state: count for state, count in rows}


def test_two_worker_processes_deliver_each_mail_exactly_once(
    app: Flask, database_url: str, tmp_path: Path
) -> None:
    ids = queue(app, MAILS)
    with app.app_context():
        queued = set(host_db.session.scalars(sa.select(OutboxMail.message_id).where(OutboxMail.id.in_(ids))))
    assert len(queued) == MAILS

    with running_smtp_server(SlowSmtpSink) as sink:
        config = {
            "CITIZENCARE_SMTP_HOST": sink.host,
            "CITIZENCARE_SMTP_PORT": sink.port,
            "CITIZENCARE_MAIL_FROM": "Comune di Prova <segnalazioni@example.org>",
            "CITIZENCARE_PHOTO_DIR": str(tmp_path / "photos"),
        }
        env = {**os.environ, "TEST_DATABASE_URL": database_url, "TEST_CONFIG": json.dumps(config)}
        command = [sys.executable, "-m", "flask", "--app", "tests.host.factory", "citizencare", "outbox"]
        workers = []
        for name in ("worker-a", "worker-b"):
            out = tmp_path / f"{name}.out"
            with out.open("w") as stdout:
                process = subprocess.Popen(
                    [*command, "send", "--loop", "--interval", "0.2", "--limit", "5", "--worker", name],
                    cwd=ROOT,
                    env=env,
                    stdout=stdout,
                    stderr=subprocess.STDOUT,
                )
            workers.append((name, process, out))
        try:
            deadline = time.monotonic() + 180
            while len(sink.received) < MAILS or states(app) != {"sent": MAILS}:
                if time.monotonic() > deadline or any(p.poll() is not None for _, p, _ in workers):
                    logs = "\n".join(f"{name}:\n{out.read_text()}" for name, _, out in workers)
                    pytest.fail(f"{len(sink.received)} of {MAILS} mails arrived; {states(app)}\n{logs}")
                time.sleep(0.2)
            time.sleep(1)  # a worker sending a mail twice would do it now
            # Each pass records its run: the workers, still running, have recorded successes.
            with app.app_context():
                run = host_db.session.get(JobRun, "outbox send")
                assert run is not None and run.last_succeeded_at is not None, "no pass recorded"
                assert run.last_failed_at is None
                host_db.session.remove()
        finally:
            for _, process, _ in workers:
                process.send_signal(signal.SIGTERM)
            for _, process, _ in workers:
                process.wait(timeout=30)

        arrived = [message["Message-ID"] for message in sink.messages]

    assert sorted(arrived) == sorted(queued)  # every mail, each exactly once
    assert states(app) == {"sent": MAILS}
    sent_by = {}
    for name, process, out in workers:
        output = out.read_text()
        assert process.returncode == 0, output
        assert "Traceback" not in output
        match = re.search(r"stopped; sent (\d+), retried 0, dead 0$", output.strip())
        assert match is not None, output
        sent_by[name] = int(match.group(1))
    assert sum(sent_by.values()) == MAILS
    assert all(count > 0 for count in sent_by.values()), sent_by  # both really worked, side by side
