"""Our log lines: one JSON line per request and per job, the request id carried into mails and
audit entries, and no personal data in what is written."""

from __future__ import annotations

import io
import json
import logging
import re
import runpy
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from flask_citizencare.cli.jobs import job_run
from flask_citizencare.errors import ConfigurationError
from flask_citizencare.logs import setup as log_setup
from flask_citizencare.logs.json_format import JsonFormatter
from flask_citizencare.models import AuditEntry, Category, OutboxMail
from flask_citizencare.services import audit
from flask_citizencare.services.replies import ingest_message

from .conftest import dispose
from .host import host_db, make_host_app
from .reporting import post_report
from .smtp import SmtpSink
from .staff import Team, client_for
from .test_audit import OFFICES, csrf
from .test_ingest import fixture_for, new_report
from .test_outbox import deliver

Lines = Callable[[], list[dict[str, Any]]]
HEX32 = re.compile(r"[0-9a-f]{32}")
INDEX = "/citizencare/"


@pytest.fixture
def output(app: Flask) -> Iterator[io.StringIO]:
    """What our JSON handler writes (CITIZENCARE_LOG_FORMAT = "json"), at DEBUG."""
    handler = log_setup.configure("json", "DEBUG")
    assert handler is not None and isinstance(handler, logging.StreamHandler)
    stream = io.StringIO()
    handler.setStream(stream)
    yield stream
    log_setup.configure(None)


@pytest.fixture
def lines(output: io.StringIO) -> Lines:
    return lambda: [json.loads(line) for line in output.getvalue().splitlines()]


def access_lines(lines: Lines) -> list[dict[str, Any]]:
    return [line for line in lines() if line["logger"] == "flask_citizencare.access"]


def test_a_request_writes_one_json_access_line_with_its_request_id(client: FlaskClient, lines: Lines) -> None:
    response = client.get(INDEX + "?email=mario.rossi@example.org&token=s3cret")
    assert response.status_code == 200
    request_id = response.headers["X-Request-ID"]
    assert HEX32.fullmatch(request_id)
    [line] = access_lines(lines)
    assert line["request_id"] == request_id
    assert line["method"] == "GET"
    assert line["path"] == INDEX  # without the query string
    assert line["endpoint"] == "citizencare.public.index"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["level"] == "INFO" and line["time"].endswith("+00:00")
    assert "127.0.0.1" not in json.dumps(line)  # no client address
    text = json.dumps(lines())
    assert "mario.rossi" not in text and "s3cret" not in text


def test_a_valid_incoming_request_id_is_kept(client: FlaskClient, lines: Lines) -> None:
    response = client.get(INDEX, headers={"X-Request-ID": "nginx-4f2a:01.b_c"})
    assert response.headers["X-Request-ID"] == "nginx-4f2a:01.b_c"
    assert [line["request_id"] for line in access_lines(lines)] == ["nginx-4f2a:01.b_c"]


@pytest.mark.parametrize(
    "value",
    ["a" * 65, "abc\ndef", "abc\r\nSet-Cookie: x=1", "abc\x00def", "caffè", "", "a b"],
    ids=["65-chars", "newline", "crlf-injection", "nul", "non-ascii", "empty", "space"],
)
def test_a_bad_incoming_request_id_is_replaced(client: FlaskClient, lines: Lines, value: str) -> None:
    # Through the raw WSGI environ: the test client would refuse some of these as headers.
    response = client.get(INDEX, environ_overrides={"HTTP_X_REQUEST_ID": value})
    request_id = response.headers["X-Request-ID"]
    assert HEX32.fullmatch(request_id), request_id
    assert response.headers.getlist("X-Request-ID") == [request_id]
    assert not any("x=1" in cookie for cookie in response.headers.getlist("Set-Cookie"))
    assert [line["request_id"] for line in access_lines(lines)] == [request_id]


def test_the_incoming_id_is_ignored_when_not_trusted(app: Flask, client: FlaskClient, lines: Lines) -> None:
    app.config["CITIZENCARE_TRUST_REQUEST_ID"] = False
    response = client.get(INDEX, headers={"X-Request-ID": "from-the-client"})
    assert HEX32.fullmatch(response.headers["X-Request-ID"])


def test_the_hosts_own_pages_are_left_alone(app: Flask, lines: Lines) -> None:
    app.add_url_rule("/host-page", "host_page", lambda: "the host's page")
    response = app.test_client().get("/host-page", headers={"X-Request-ID": "abc"})
    assert response.status_code == 200
    assert "X-Request-ID" not in response.headers
    assert access_lines(lines) == []


def test_every_request_gets_its_own_id(client: FlaskClient, lines: Lines) -> None:
    first = client.get(INDEX).headers["X-Request-ID"]
    second = client.get(INDEX).headers["X-Request-ID"]
    assert first != second
    assert [line["request_id"] for line in access_lines(lines)] == [first, second]


def test_a_mail_written_during_a_request_carries_its_id(
    mail_app: Flask, smtp: SmtpSink, client: FlaskClient, category: Category
) -> None:
    client.environ_base["HTTP_X_REQUEST_ID"] = "filing-7f3c"
    assert post_report(client, category.id).status_code == 303  # the "received" mail to the reporter
    with mail_app.app_context():
        assert host_db.session.scalars(sa.select(OutboxMail.request_id)).all() == ["filing-7f3c"]
        host_db.session.remove()
    assert deliver(mail_app).sent == 1
    [received] = smtp.messages
    assert received.get_all("X-Request-ID") == ["filing-7f3c"]


def test_a_staff_change_keeps_the_request_id_in_its_audit_entry(app: Flask, team: Team) -> None:
    client = client_for(app, team, "marco")
    token = csrf(client, OFFICES + "/new")
    response = client.post(
        f"{OFFICES}/new",
        data={"csrf_token": token, "code": "verde", "name": "Verde pubblico", "email": ""},
        headers={"X-Request-ID": "office-change-1"},
    )
    assert response.status_code == 303
    assert response.headers["X-Request-ID"] == "office-change-1"
    with app.app_context():
        entries = host_db.session.execute(sa.select(AuditEntry.subject_type, AuditEntry.request_id)).all()
        host_db.session.remove()
    assert [tuple(e) for e in entries] == [("office", "office-change-1")]


def test_a_job_writes_one_json_line(app: Flask, lines: Lines) -> None:
    result = app.test_cli_runner().invoke(args=["citizencare", "sla", "sweep"])
    assert result.exit_code == 0, result.output
    [line] = [line for line in lines() if line["logger"] == "flask_citizencare.jobs"]
    assert line["job"] == "sla sweep" and line["outcome"] == "succeeded"
    assert HEX32.fullmatch(line["job_id"]) and line["request_id"] == line["job_id"]
    assert isinstance(line["duration_ms"], float)
    assert line["error"] is None


def test_a_failed_job_writes_its_error(app: Flask, lines: Lines) -> None:
    result = app.test_cli_runner().invoke(args=["citizencare", "mail", "ingest", "--imap"])
    assert result.exit_code != 0
    [line] = [line for line in lines() if line["logger"] == "flask_citizencare.jobs"]
    assert line["job"] == "mail ingest" and line["outcome"] == "failed" and line["level"] == "ERROR"
    assert line["error"]


def test_what_a_job_writes_keeps_the_job_id(app: Flask, category: Category) -> None:
    with app.app_context():
        with job_run("catalogue import") as job_id:
            audit.record(
                host_db.session(),
                None,
                "category",
                category.id,
                "Buche",
                "update",
                {"name": "a"},
                {"name": "b"},
                actor_name="import",
            )
            host_db.session.commit()
        assert host_db.session.scalars(sa.select(AuditEntry.request_id)).all() == [job_id]
        host_db.session.remove()


def test_e_mail_addresses_and_personal_fields_are_masked(lines: Lines, output: io.StringIO) -> None:
    log = logging.getLogger("flask_citizencare.services.replies")
    log.warning(
        "reply from %s to %s",
        "mario.rossi@example.org",
        "Report <r+12.ab@segnalazioni.comune.example>",
        extra={
            "reporter": "Mario Rossi",
            "phone": "+39 333 1234567",
            "note": "cc anna.bianchi@example.org",
            "recipients": ["x.y@example.org"],
            "report_id": 12,
        },
    )
    [line] = lines()
    assert line["message"] == "reply from ***@example.org to Report <***@segnalazioni.comune.example>"
    assert line["reporter"] == "***" and line["phone"] == "***"
    assert line["note"] == "cc ***@example.org"
    assert line["recipients"] == ["***@example.org"]
    assert line["report_id"] == 12
    for secret in ("mario.rossi", "Mario Rossi", "333 1234567", "anna.bianchi", "x.y@", "r+12"):
        assert secret not in output.getvalue()


def test_a_traceback_is_masked(lines: Lines, output: io.StringIO) -> None:
    try:
        raise ValueError("no such user: giulia.verdi@example.org")
    except ValueError:
        logging.getLogger("flask_citizencare.services.staff").exception("adding a staff member failed")
    [line] = lines()
    assert "ValueError: no such user: ***@example.org" in line["exc_info"]
    assert "giulia.verdi" not in output.getvalue()


def test_masking_also_applies_with_the_hosts_logging(app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="flask_citizencare"):
        logging.getLogger("flask_citizencare.services.replies").info(
            "reply from %s", "mario.rossi@example.org", extra={"reporter": "Mario Rossi"}
        )
    [record] = caplog.records
    assert record.getMessage() == "reply from ***@example.org"
    assert record.reporter == "***"  # type: ignore[attr-defined]
    assert "mario.rossi" not in caplog.text


def test_filing_a_report_and_a_reply_by_mail_log_no_personal_data(
    mail_app: Flask,
    smtp: SmtpSink,
    client: FlaskClient,
    category: Category,
    team: Team,
    lines: Lines,
    output: io.StringIO,
) -> None:
    assert post_report(client, category.id).status_code == 303
    assert deliver(mail_app).sent == 1
    with mail_app.app_context():
        report_id = new_report(team)
    result = mail_app.test_cli_runner().invoke(
        args=["citizencare", "mail", "ingest"], input=fixture_for("gmail_reply.eml", report_id)
    )
    assert result.exit_code == 0, result.output
    assert f"posted report {report_id}" in result.output
    written = output.getvalue()
    assert access_lines(lines) and any(line["logger"] == "flask_citizencare.jobs" for line in lines())
    # The reporter of the filing (tests/reporting.py) and the sender of the reply.
    for personal in ("Giulia", "Verdi", "giulia.verdi", "333 123 4567", "Maria", "Rossi", "maria.rossi"):
        assert personal.lower() not in written.lower(), personal


def test_the_setting_gives_our_loggers_a_json_handler(database_url: str) -> None:
    root_handlers = list(logging.getLogger().handlers)
    app = make_host_app(database_url, CITIZENCARE_LOG_FORMAT="json")
    ours = logging.getLogger("flask_citizencare")
    try:
        [handler] = [h for h in ours.handlers if h.name == log_setup.HANDLER_NAME]
        assert isinstance(handler.formatter, JsonFormatter)
        assert ours.level == logging.INFO and ours.propagate is False
        assert logging.getLogger().handlers == root_handlers  # the host's root logger is left alone
    finally:
        log_setup.configure(None)
        dispose(app)
    assert not [h for h in ours.handlers if h.name == log_setup.HANDLER_NAME] and ours.propagate


def test_an_unknown_log_format_is_refused(database_url: str) -> None:
    with pytest.raises(ConfigurationError, match="CITIZENCARE_LOG_FORMAT"):
        make_host_app(database_url, CITIZENCARE_LOG_FORMAT="xml")
    log_setup.configure(None)


def test_a_reply_attachment_is_named_by_position_not_by_its_file_name(
    mail_app: Flask, team: Team, lines: Lines, output: io.StringIO
) -> None:
    mail_app.config["CITIZENCARE_MAX_PHOTOS"] = 1
    with mail_app.test_request_context():
        report_id = new_report(team)
        for message_id in (None, "<second@icloud.example>"):
            raw = fixture_for("iphone_reply.eml", report_id, message_id=message_id)
            raw = raw.replace(b"filename=IMG_0042.jpeg", b"filename=Maria_Rossi_via_Roma_3.jpeg")
            assert ingest_message(raw).status == "posted"
    messages = [line["message"] for line in lines()]
    assert "attachment 1 left out: no room for more photos on the report" in messages
    assert "Maria_Rossi" not in output.getvalue()


def test_the_text_format_shows_the_request_id(client: FlaskClient) -> None:
    handler = log_setup.configure("text")
    assert isinstance(handler, logging.StreamHandler)
    stream = io.StringIO()
    handler.setStream(stream)
    try:
        request_id = client.get(INDEX).headers["X-Request-ID"]
    finally:
        log_setup.configure(None)
    [line] = stream.getvalue().splitlines()
    assert f" INFO flask_citizencare.access [{request_id}] GET {INDEX} 200" in line


def test_gunicorns_access_log_leaves_out_personal_data() -> None:
    settings = runpy.run_path(str(Path(__file__).parents[1] / "deploy" / "gunicorn.conf.py"))
    atoms = set(re.findall(r"%\(([^)]+)\)s", settings["access_log_format"]))
    # h: client address, r/q: request line and query string, f: referrer, a: user agent, u: user.
    assert atoms == {"t", "{x-request-id}i", "m", "U", "s", "B", "M"}
