"""Floods of concurrent writers: every request gets its answer, never a 500 ("database is locked")."""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path

import pytest
from flask import Flask

from flask_citizencare import ConfigurationError
from flask_citizencare.models import Category

from .conftest import dispose
from .host import host_db, make_host_app
from .reporting import counts, form_tokens, post_report, submitted

#: Enough writers that the last ones wait longer than SQLite's default five-second busy timeout.
WRITERS = 32
EACH = 3


@pytest.mark.slow
def test_concurrent_writers_never_get_a_server_error(app: Flask, category: Category) -> None:
    # One report first, so the writers can also add information to it from its tracking page.
    seed = app.test_client()
    assert post_report(seed, category.id).status_code == 303
    tracking = f"/citizencare/track/{submitted(app).tracking_token}"
    # Every writer adds to that one report: more than its rate limit allows, which is not tested here.
    app.config["CITIZENCARE_RATELIMIT_ADD_INFORMATION_PER_REPORT"] = f"{2 * WRITERS * EACH} per hour"
    statuses: Counter[int] = Counter()
    errors: list[BaseException] = []
    start = threading.Barrier(WRITERS)

    def writer(number: int) -> None:
        try:
            # Many citizens, each from an address of their own (the rate limits are not what is tested).
            client = app.test_client()
            client.environ_base["REMOTE_ADDR"] = f"192.0.2.{number + 1}"
            report_tokens = [form_tokens(client) for _ in range(EACH)]
            track_tokens = [form_tokens(client, tracking) for _ in range(EACH)]
            start.wait()
            for index in range(EACH):
                answer = post_report(
                    client,
                    category.id,
                    tokens=report_tokens[index],
                    title=f"Buca {number}.{index}",
                    email=f"cittadino{number}@example.org",
                )
                statuses[answer.status_code] += 1
                answer = client.post(tracking, data={**track_tokens[index], "text": f"Nota {number}.{index}"})
                statuses[answer.status_code] += 1
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors
    assert statuses == {303: 2 * WRITERS * EACH}
    assert counts(app)["cc_reports"] == 1 + WRITERS * EACH


def test_sqlite_connections_wait_for_the_writer_and_use_wal(tmp_path: Path) -> None:
    wal = make_host_app(f"sqlite:///{tmp_path / 'wal.sqlite'}")
    kept = make_host_app(
        f"sqlite:///{tmp_path / 'kept.sqlite'}",
        CITIZENCARE_SQLITE_BUSY_TIMEOUT=2.5,
        CITIZENCARE_SQLITE_JOURNAL_MODE=None,
    )
    try:
        for app, timeout, mode in ((wal, 30000, "wal"), (kept, 2500, "delete")):
            with app.app_context(), host_db.engine.connect() as connection:
                assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == timeout
                assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == mode
    finally:
        dispose(wal)
        dispose(kept)


@pytest.mark.parametrize(
    ("key", "value"),
    [("SQLITE_BUSY_TIMEOUT", -1), ("SQLITE_BUSY_TIMEOUT", "30"), ("SQLITE_JOURNAL_MODE", "off")],
)
def test_unusable_sqlite_settings_stop_start_up(tmp_path: Path, key: str, value: object) -> None:
    with pytest.raises(ConfigurationError, match="CITIZENCARE_" + key):
        make_host_app(f"sqlite:///{tmp_path / 'x.sqlite'}", **{"CITIZENCARE_" + key: value})
