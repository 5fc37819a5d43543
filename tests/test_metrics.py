"""The Prometheus scrape: values from a known data set, access, no personal data, database down."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_sqlalchemy import SQLAlchemy
from prometheus_client.parser import text_string_to_metric_families

from flask_citizencare import CitizenCare, state
from flask_citizencare.errors import ConfigurationError
from flask_citizencare.models import Category, OutboxMail
from flask_citizencare.models.jobs import SCHEDULED
from flask_citizencare.services.job_runs import record

from .conftest import dispose
from .factories import create_report
from .host import host_db, make_host_app
from .reporting import jpeg, post_report, submitted

METRICS = "/citizencare/metrics"
OUTSIDER = {"REMOTE_ADDR": "203.0.113.9"}


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of an exposition, by name and labels."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(found: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float:
    return found[(name, frozenset(labels.items()))]


def scrape(client: FlaskClient) -> str:
    response = client.get(METRICS)
    assert response.status_code == 200, response.data
    return response.get_data(as_text=True)


def _mail(state_: str, created_at: datetime, **fields: Any) -> OutboxMail:
    return OutboxMail(
        message_id=f"<{state_}-{created_at.timestamp()}@example.org>",
        template="ack",
        recipient="anna.rossi@example.org",
        locale="it",
        subject="Segnalazione ricevuta",
        body_text="Grazie.",
        state=state_,
        created_at=created_at,
        **fields,
    )


def test_the_scrape_reads_outbox_cases_breaches_and_job_runs(app: Flask, client: FlaskClient) -> None:
    now = datetime.now(UTC)
    with app.app_context():
        session = host_db.session
        create_report(session, level=1, due_at=now - timedelta(hours=2))
        create_report(session, level=1, due_at=now + timedelta(hours=2))
        create_report(
            session, status="acknowledged", acknowledged_at=now, level=2, due_at=now - timedelta(minutes=5)
        )
        create_report(
            session,
            status="closed",
            acknowledged_at=now,
            resolved_at=now,
            closed_at=now,
            level=2,
            due_at=now - timedelta(days=1),
        )
        session.add_all(
            [
                _mail("pending", now - timedelta(seconds=600)),
                _mail("pending", now - timedelta(seconds=60)),
                _mail("sent", now - timedelta(days=3), sent_at=now),
                _mail("dead", now - timedelta(days=2)),
            ]
        )
        session.commit()
        engine = state(app).db.engine
    succeeded = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    record(engine, "mail ingest", "started", succeeded - timedelta(seconds=3))
    record(engine, "mail ingest", "succeeded", succeeded)
    record(engine, "outbox send", "failed", succeeded, "SMTPServerDisconnected")

    found = samples(scrape(client))

    assert value(found, "citizencare_database_up") == 1
    assert value(found, "citizencare_outbox_pending") == 2
    assert 600 <= value(found, "citizencare_outbox_oldest_pending_age_seconds") < 3600
    assert value(found, "citizencare_outbox_dead_letters") == 1
    assert value(found, "citizencare_open_cases", status="new") == 2
    assert value(found, "citizencare_open_cases", status="acknowledged") == 1
    assert value(found, "citizencare_open_cases", status="in_progress") == 0
    assert value(found, "citizencare_sla_breaches", level="1") == 1
    assert value(found, "citizencare_sla_breaches", level="2") == 1
    assert value(found, "citizencare_mail_last_poll_timestamp_seconds") == succeeded.timestamp()
    success = "citizencare_job_last_success_timestamp_seconds"
    assert value(found, success, job="mail ingest") == succeeded.timestamp()
    assert value(found, "citizencare_job_last_start_timestamp_seconds", job="mail ingest") == (
        succeeded.timestamp() - 3
    )
    assert value(found, "citizencare_job_last_failure_timestamp_seconds", job="outbox send") == (
        succeeded.timestamp()
    )
    # A command that never ran shows as 0 (1970), so "time since last success" alerts on it.
    assert value(found, success, job="outbox send") == 0
    assert {labels for name, labels in found if name == success} == {
        frozenset({("job", job)}) for job in SCHEDULED
    }


def test_an_empty_database_gives_zeros_not_gaps(app: Flask, client: FlaskClient) -> None:
    found = samples(scrape(client))
    assert value(found, "citizencare_outbox_pending") == 0
    assert value(found, "citizencare_outbox_oldest_pending_age_seconds") == 0
    assert value(found, "citizencare_sla_breaches", level="1") == 0
    assert value(found, "citizencare_mail_last_poll_timestamp_seconds") == 0


def test_the_request_histogram_counts_our_pages(app: Flask, client: FlaskClient) -> None:
    for _ in range(3):
        assert client.get("/citizencare/healthz").status_code == 200
    assert client.get("/citizencare/no-such-page").status_code == 404

    found = samples(scrape(client))
    labels = {"endpoint": "citizencare.health.healthz", "method": "GET", "status": "2xx"}
    assert value(found, "citizencare_request_duration_seconds_count", **labels) == 3
    assert value(found, "citizencare_request_duration_seconds_bucket", le="+Inf", **labels) == 3
    assert value(found, "citizencare_request_duration_seconds_sum", **labels) > 0
    # Endpoint names only: a path that matched no page leaves no label of its own.
    assert not any("no-such-page" in str(labels) for _, labels in found)


def test_the_scrape_is_for_monitoring_addresses_only(client: FlaskClient) -> None:
    response = client.get(METRICS, environ_base=OUTSIDER)
    assert response.status_code == 403
    assert "citizencare_" not in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"


def test_the_monitoring_networks_are_a_setting(database_url: str) -> None:
    app = make_host_app(database_url, CITIZENCARE_MONITORING_NETWORKS=["203.0.113.0/24"])
    client = app.test_client()
    assert client.get(METRICS, environ_base=OUTSIDER).status_code == 200
    assert client.get(METRICS).status_code == 403
    dispose(app)


def test_the_scrape_sets_no_cookie_and_is_never_cached(client: FlaskClient) -> None:
    response = client.get(METRICS)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


def test_the_path_is_a_setting_and_none_turns_the_metrics_off(database_url: str) -> None:
    moved = make_host_app(database_url, CITIZENCARE_METRICS_PATH="/internal/prometheus")
    assert moved.test_client().get("/citizencare/internal/prometheus").status_code == 200
    assert moved.test_client().get(METRICS).status_code == 404
    off = make_host_app(database_url, CITIZENCARE_METRICS_PATH=None)
    assert off.test_client().get(METRICS).status_code == 404
    assert "citizencare_metrics" not in off.extensions
    dispose(moved)
    dispose(off)


def test_no_personal_data_in_the_exposition(app: Flask, client: FlaskClient, category: Category) -> None:
    assert (
        post_report(client, category.id, name="Giulia Verdi", email="giulia.verdi@example.org").status_code
        == 303
    )
    text = scrape(client)
    assert value(samples(text), "citizencare_open_cases", status="new") == 1
    for personal in ("Giulia", "Verdi", "giulia.verdi", "example.org", "@"):
        assert personal not in text


def test_photo_store_errors_are_counted(
    app: Flask, client: FlaskClient, category: Category, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = state(app).photo_store

    def full(key: str, data: bytes, content_type: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store, "stage", full)
    assert post_report(client, category.id, photos=[(jpeg(), "a.jpg")]).status_code == 503
    found = samples(scrape(client))
    assert value(found, "citizencare_photo_store_errors_total", operation="write") == 1
    assert value(found, "citizencare_photo_store_errors_total", operation="read") == 0

    monkeypatch.undo()
    assert post_report(client, category.id, photos=[(jpeg(), "a.jpg")]).status_code == 303
    key = submitted(app).photos[0].storage_key

    def unreadable(key: str) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(store, "open", unreadable)
    with pytest.raises(OSError):  # the test app lets it through; a real one answers 500
        client.get(f"/citizencare/photos/{key}")
    found = samples(scrape(client))
    assert value(found, "citizencare_photo_store_errors_total", operation="read") == 1
    assert value(found, "citizencare_photo_store_errors_total", operation="write") == 1


def test_with_the_database_down_the_scrape_still_answers() -> None:
    # A PostgreSQL port where nothing listens: the connection is refused at once.
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY="a-test-secret-that-is-long-enough",
        SQLALCHEMY_DATABASE_URI="postgresql+psycopg://postgres@127.0.0.1:9/citizencare",
    )
    CitizenCare(app, db=SQLAlchemy(app))
    client = app.test_client()
    assert client.get("/citizencare/healthz").status_code == 200
    started = time.monotonic()
    response = client.get(METRICS)
    assert time.monotonic() - started < 10  # a hang guard, not a timing measure
    assert response.status_code == 200
    found = samples(response.get_data(as_text=True))
    assert value(found, "citizencare_database_up") == 0
    assert any(name.startswith("process_") for name, _ in found)
    assert (
        value(
            found,
            "citizencare_request_duration_seconds_count",
            endpoint="citizencare.health.healthz",
            method="GET",
            status="2xx",
        )
        == 1
    )
    assert not any(name == "citizencare_outbox_pending" for name, _ in found)


def test_wrong_metrics_settings_stop_start_up(database_url: str) -> None:
    with pytest.raises(ConfigurationError, match="CITIZENCARE_METRICS_PATH"):
        make_host_app(database_url, CITIZENCARE_METRICS_PATH="metrics")
    with pytest.raises(ConfigurationError, match="CITIZENCARE_MONITORING_NETWORKS"):
        make_host_app(database_url, CITIZENCARE_MONITORING_NETWORKS=["10.0.0.0/33"])
    with pytest.raises(ConfigurationError, match="CITIZENCARE_MONITORING_NETWORKS"):
        make_host_app(database_url, CITIZENCARE_MONITORING_NETWORKS=["the office"])


#: A site without the `metrics` extra: prometheus_client cannot be imported.
WITHOUT_PROMETHEUS = """
import logging, sys
sys.modules["prometheus_client"] = None
logging.basicConfig(level=logging.WARNING)
from tests.conftest import dispose
from tests.host import make_host_app

app = make_host_app(sys.argv[1])
client = app.test_client()
assert client.get("/citizencare/healthz").status_code == 200
print(client.get("/citizencare/metrics").status_code)
dispose(app)
"""


def test_without_prometheus_client_the_site_works_and_says_metrics_are_off(database_url: str) -> None:
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_PROMETHEUS, database_url],
        env={**os.environ, "PYTHONPATH": str(root)},
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "404"
    assert "metrics are off" in done.stderr
    assert "prometheus_client is not installed" in done.stderr
