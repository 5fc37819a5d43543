"""Dead letters for the administrators: the staff page, sending again, and the CLI."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from flask_citizencare.context import db_session
from flask_citizencare.models import OutboxMail, Report
from flask_citizencare.models.base import utcnow
from flask_citizencare.services.mail.outbox import deliver_pending, outbox_health

from .factories import create_report
from .host import host_db
from .smtp import SmtpSink, free_port
from .staff import Team, client_for

URL = "/citizencare/staff/outbox"
SUBJECT = "Segnalazione presa in carico"


def write_mail(app: Flask, *, with_report: bool = False, **fields: Any) -> int:
    with app.app_context():
        report_id = create_report(host_db.session()).id if with_report else None
        mail = OutboxMail(
            **{
                "message_id": f"<{uuid.uuid4().hex}@segnalazioni.example.org>",
                "report_id": report_id,
                "template": "acknowledgement",
                "recipient": "cittadino@example.org",
                "locale": "it",
                "subject": SUBJECT,
                "body_text": "Grazie per la segnalazione.",
                "next_attempt_at": utcnow() - timedelta(seconds=1),
                **fields,
            }
        )
        host_db.session.add(mail)
        host_db.session.commit()
        return mail.id


def kill_by_closed_port(app: Flask, **fields: Any) -> int:
    """A mail that dies for real: the SMTP port is closed and one attempt is all it gets."""
    mail_id = write_mail(app, **fields)
    saved = {k: app.config.get(k) for k in ("CITIZENCARE_SMTP_PORT", "CITIZENCARE_OUTBOX_MAX_ATTEMPTS")}
    app.config.update(CITIZENCARE_SMTP_PORT=free_port(), CITIZENCARE_OUTBOX_MAX_ATTEMPTS=1)
    try:
        with app.app_context():
            assert deliver_pending(worker="test").dead >= 1
    finally:
        app.config.update(saved)
    assert load(app, mail_id).state == "dead"
    return mail_id


def load(app: Flask, mail_id: int) -> OutboxMail:
    with app.app_context():
        mail = host_db.session.get(OutboxMail, mail_id)
        assert mail is not None
        host_db.session.expunge(mail)
        return mail


def snapshot(app: Flask) -> list[tuple[Any, ...]]:
    with app.app_context():
        return [
            tuple(row)
            for row in host_db.session.execute(
                sa.select(
                    OutboxMail.id,
                    OutboxMail.state,
                    OutboxMail.attempts,
                    OutboxMail.next_attempt_at,
                    OutboxMail.last_error,
                ).order_by(OutboxMail.id)
            )
        ]


def csrf(client: FlaskClient, url: str) -> str:
    html = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def english(client: FlaskClient) -> FlaskClient:
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def test_an_admin_sees_the_dead_letter_with_its_error_and_the_health(
    app: Flask, team: Team, smtp: SmtpSink
) -> None:
    dead = kill_by_closed_port(app, with_report=True, recipient="rossi@example.org")
    write_mail(app, next_attempt_at=utcnow() + timedelta(hours=1))  # waiting, not due
    write_mail(app)  # due
    error = load(app, dead).last_error
    assert error and "gave up after 1 attempts" in error
    with app.app_context():
        health = outbox_health(db_session(), now=utcnow())
        public_id = host_db.session.scalar(sa.select(Report.public_id))
    assert (health.pending, health.due, health.dead) == (2, 1, 1)
    assert health.oldest_pending is not None and health.oldest_pending <= utcnow()

    ada = english(client_for(app, team, "ada"))
    response = ada.get(URL)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "rossi@example.org" in html and SUBJECT in html and "acknowledgement" in html
    assert "gave up after 1 attempts" in html and "ConnectionRefusedError" in html
    assert f'value="{dead}"' in html and 'type="checkbox" name="mail"' in html
    assert f">{public_id}</a>" in html and f"/citizencare/staff/cases/{public_id}" in html
    assert "<caption>Dead letters, newest first</caption>" in html and 'scope="col"' in html
    assert re.search(r"<dt>Waiting</dt><dd>2</dd>\s*<dt>Due now</dt><dd>1</dd>", html)
    assert "<dt>Dead letters</dt><dd>1</dd>" in html
    assert 'href="/citizencare/staff/outbox" aria-current="page">Outgoing mail' in html
    # the other staff pages do not link it for non-admins
    olga_queue = english(client_for(app, team, "olga")).get("/citizencare/staff/").get_data(as_text=True)
    assert "Outgoing mail" not in olga_queue


@pytest.mark.parametrize("name", ["olga", "marco", "tina"])
def test_other_roles_get_403_and_change_nothing(app: Flask, team: Team, smtp: SmtpSink, name: str) -> None:
    dead = kill_by_closed_port(app)
    before = snapshot(app)
    other = english(client_for(app, team, name))
    response = other.get(URL)
    assert response.status_code == 403 and "Not allowed" in response.get_data(as_text=True)
    token = csrf(other, "/citizencare/staff/preferences")
    assert other.post(URL, data={"csrf_token": token, "mail": str(dead)}).status_code == 403
    assert snapshot(app) == before
    assert load(app, dead).state == "dead"


def test_send_again_puts_it_back_and_the_worker_delivers_it_once(
    app: Flask, team: Team, smtp: SmtpSink
) -> None:
    dead = kill_by_closed_port(app)
    other_dead = kill_by_closed_port(app)
    before = load(app, dead)
    assert smtp.received == []

    ada = english(client_for(app, team, "ada"))
    response = ada.post(URL, data={"csrf_token": csrf(ada, URL), "mail": [str(dead)]})
    assert response.status_code == 303 and response.headers["Location"].endswith(URL)
    page = ada.get(URL).get_data(as_text=True)
    assert "1 mail will be sent again." in page

    again = load(app, dead)
    assert again.state == "pending" and again.attempts == 0
    assert again.message_id == before.message_id
    assert again.claimed_by is None and again.next_attempt_at <= utcnow()
    assert load(app, other_dead).state == "dead"  # not chosen, not touched

    with app.app_context():
        run = deliver_pending(worker="test")
        assert (run.sent, run.retried, run.dead) == (1, 0, 0)
        assert deliver_pending(worker="test", now=utcnow() + timedelta(days=1)).sent == 0
    assert len(smtp.received) == 1
    assert smtp.received[0].message["Message-ID"] == before.message_id
    assert load(app, dead).state == "sent"
    # a second click on the stale page changes nothing
    repeat = ada.post(URL, data={"csrf_token": csrf(ada, URL), "mail": str(dead)})
    assert repeat.status_code == 400
    assert "None of the chosen mails is a dead letter any more" in repeat.get_data(as_text=True)
    assert load(app, dead).state == "sent"


def test_post_without_csrf_token_is_refused(app: Flask, team: Team, smtp: SmtpSink) -> None:
    dead = kill_by_closed_port(app)
    before = snapshot(app)
    ada = english(client_for(app, team, "ada"))
    response = ada.post(URL, data={"mail": str(dead)})
    assert response.status_code == 400 and "The form has expired" in response.get_data(as_text=True)
    response = ada.post(URL, data={"mail": str(dead), "csrf_token": "forged"})
    assert response.status_code == 400
    assert snapshot(app) == before


@pytest.mark.parametrize(
    "picked",
    [
        ["999999"],
        ["abc"],
        ["-3"],
        ["1e3"],
        [],
        ["SENT"],
        ["PENDING"],
    ],
)
def test_bad_or_non_dead_ids_change_nothing(
    app: Flask, team: Team, smtp: SmtpSink, picked: list[str]
) -> None:
    dead = kill_by_closed_port(app)
    sent = write_mail(app, state="sent", attempts=1, sent_at=utcnow())
    pending = write_mail(app, next_attempt_at=utcnow() + timedelta(hours=1), attempts=2, last_error="x")
    ids = {"SENT": str(sent), "PENDING": str(pending)}
    before = snapshot(app)
    ada = english(client_for(app, team, "ada"))
    response = ada.post(URL, data={"csrf_token": csrf(ada, URL), "mail": [ids.get(p, p) for p in picked]})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Nothing was changed" in html or "Choose at least one mail" in html
    assert f'value="{dead}"' in html  # the page is shown again with the list
    assert snapshot(app) == before


def test_a_mix_retries_the_dead_and_says_which_were_left(app: Flask, team: Team, smtp: SmtpSink) -> None:
    dead = kill_by_closed_port(app)
    sent = write_mail(app, state="sent", attempts=1, sent_at=utcnow())
    ada = english(client_for(app, team, "ada"))
    response = ada.post(
        URL, data={"csrf_token": csrf(ada, URL), "mail": [str(dead), str(sent)]}, follow_redirects=True
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "1 mail will be sent again." in html
    assert "1 chosen mail was not a dead letter any more and was left alone." in html
    assert load(app, dead).state == "pending" and load(app, sent).state == "sent"


def test_dead_letters_are_paginated_newest_first(
    app: Flask, team: Team, smtp: SmtpSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flask_citizencare.blueprints.staff import outbox as page

    monkeypatch.setattr(page, "PAGE_SIZE", 2)
    ids = [kill_by_closed_port(app, subject=f"Mail {n}") for n in range(3)]
    ada = english(client_for(app, team, "ada"))
    first = ada.get(URL).get_data(as_text=True)
    assert first.index("Mail 2") < first.index("Mail 1") and "Mail 0" not in first
    older = re.search(r'href="([^"]*before=\d+)[^"]*" rel="next"', first)
    assert older, first
    second = ada.get(older.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert "Mail 0" in second and "Mail 1" not in second and "Mail 2" not in second
    assert f'value="{ids[0]}"' in second and 'rel="next"' not in second
    assert ada.get(URL + "?before=abc").status_code == 200  # ignored, first page


def test_cli_lists_and_retries_dead_letters(app: Flask, smtp: SmtpSink) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["citizencare", "outbox", "dead"])
    assert result.exit_code == 0 and "no dead letters" in result.output

    first = kill_by_closed_port(app, subject="Primo avviso")
    second = kill_by_closed_port(app, recipient="verdi@example.org")
    sent = write_mail(app, state="sent", attempts=1, sent_at=utcnow())
    result = runner.invoke(args=["citizencare", "outbox", "dead"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert [line.split("\t")[0] for line in lines] == [str(second), str(first)]
    fields = lines[1].split("\t")
    assert fields[2:5] == ["cittadino@example.org", "Primo avviso", "1"]
    assert fields[5].startswith("gave up after 1 attempts") and "ConnectionRefusedError" in fields[5]
    assert "verdi@example.org" in lines[0]

    usage = runner.invoke(args=["citizencare", "outbox", "retry"])
    assert usage.exit_code == 2 and "--all-dead" in usage.output
    both = runner.invoke(args=["citizencare", "outbox", "retry", str(first), "--all-dead"])
    assert both.exit_code == 2
    assert load(app, first).state == "dead"

    result = runner.invoke(args=["citizencare", "outbox", "retry", str(first), str(sent), "999999"])
    assert result.exit_code == 1
    assert f"1 back in the queue: {first}" in result.output
    assert f"left alone: {sent} 999999" in result.output
    again = load(app, first)
    assert again.state == "pending" and again.attempts == 0
    assert load(app, sent).state == "sent" and load(app, second).state == "dead"

    result = runner.invoke(args=["citizencare", "outbox", "retry", "--all-dead"])
    assert result.exit_code == 0 and f"1 back in the queue: {second}" in result.output
    with app.app_context():
        assert deliver_pending(worker="test").sent == 2
    assert len(smtp.received) == 2
    assert runner.invoke(args=["citizencare", "outbox", "dead"]).output.strip() == "no dead letters"
