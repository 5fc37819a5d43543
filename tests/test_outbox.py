"""The outbox worker: delivery over real SMTP, retries, dead letters, header injection, concurrency."""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_citizencare.context import db_session
from flask_citizencare.errors import ConfigurationError
from flask_citizencare.models import OutboxMail
from flask_citizencare.models.base import utcnow
from flask_citizencare.services.mail.outbox import claim_due, dead_letters, deliver_pending

from .host import host_db
from .smtp import SmtpSink, free_port, running_smtp_server

SUBJECT = "Segnalazione 2026-000001 presa in carico"
INJECTION = "\r\nBcc: victim@example.org"


def queue(app: Flask, count: int = 1, **fields: Any) -> list[int]:
    """Write ``count`` pending mails (committed) and return their ids."""
    with app.app_context():
        mails = [
            OutboxMail(
                **{
                    "message_id": f"<{uuid.uuid4().hex}@segnalazioni.example.org>",
                    "template": "acknowledgement",
                    "recipient": "cittadino@example.org",
                    "locale": "it",
                    "subject": SUBJECT,
                    "body_text": "Grazie per la segnalazione. Può seguirla qui: https://example.org/t/abc",
                    "next_attempt_at": utcnow() - timedelta(seconds=1),
                    **fields,
                }
            )
            for _ in range(count)
        ]
        host_db.session.add_all(mails)
        host_db.session.commit()
        return [mail.id for mail in mails]


def load(app: Flask, mail_id: int) -> OutboxMail:
    with app.app_context():
        mail = host_db.session.get(OutboxMail, mail_id)
        assert mail is not None
        host_db.session.expunge(mail)
        return mail


def deliver(app: Flask, **kwargs: Any) -> Any:
    with app.app_context():
        return deliver_pending(**{"worker": "test", **kwargs})


def test_a_pending_mail_is_delivered_once_with_its_headers(app: Flask, smtp: SmtpSink) -> None:
    app.config["CITIZENCARE_MAIL_FROM"] = "Comune di Prova <segnalazioni@example.org>"
    [mail_id] = queue(
        app,
        reply_to="r+2026-000001.abc@reply.example.org",
        body_html="<p>Grazie per la segnalazione.</p>",
        headers={
            "List-Unsubscribe": "<https://example.org/unsubscribe/abc>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "X-Not-Allowed": "dropped",
        },
    )
    row = load(app, mail_id)

    run = deliver(app)
    assert (run.sent, run.retried, run.dead) == (1, 0, 0)
    assert deliver(app).sent == 0  # nothing left

    [received] = smtp.received
    assert received.rcpt_tos == ["cittadino@example.org"]
    assert received.mail_from == "segnalazioni@example.org"
    message = received.message
    assert message["Subject"] == SUBJECT
    assert message["To"] == "cittadino@example.org"
    assert message["From"] == "Comune di Prova <segnalazioni@example.org>"
    assert message["Message-ID"] == row.message_id
    assert message["Reply-To"] == "r+2026-000001.abc@reply.example.org"
    assert message["List-Unsubscribe"] == "<https://example.org/unsubscribe/abc>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Date"] is not None
    assert "X-Not-Allowed" not in message
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and "Può seguirla" in text.get_content()
    assert html is not None and "<p>Grazie" in html.get_content()

    sent = load(app, mail_id)
    assert sent.state == "sent"
    assert sent.sent_at is not None
    assert sent.claimed_by is None and sent.claimed_until is None
    assert sent.attempts == 1


def test_smtp_down_keeps_the_mail_and_delivers_it_later_exactly_once(app: Flask) -> None:
    app.config.update(CITIZENCARE_SMTP_HOST="127.0.0.1", CITIZENCARE_SMTP_PORT=free_port())
    [mail_id] = queue(app)
    start = utcnow()

    run = deliver(app, now=start)
    assert (run.sent, run.retried, run.dead) == (0, 1, 0)
    waiting = load(app, mail_id)
    assert waiting.state == "pending"
    assert waiting.attempts == 1
    assert waiting.next_attempt_at > start
    assert waiting.last_error and "\n" not in waiting.last_error
    assert "refused" in waiting.last_error.lower() or "error" in waiting.last_error.lower()
    assert waiting.claimed_by is None

    with running_smtp_server() as sink:
        app.config.update(CITIZENCARE_SMTP_PORT=sink.port)
        assert deliver(app, now=start).sent == 0  # not due yet
        later = waiting.next_attempt_at + timedelta(seconds=1)
        assert deliver(app, now=later).sent == 1
        assert deliver(app, now=later + timedelta(hours=7)).sent == 0
        assert len(sink.received) == 1
        assert sink.received[0].message["Message-ID"] == waiting.message_id

    done = load(app, mail_id)
    assert done.state == "sent"
    assert done.attempts == 2


def test_backoff_grows_and_the_mail_dies_after_max_attempts(app: Flask) -> None:
    app.config.update(
        CITIZENCARE_SMTP_HOST="127.0.0.1",
        CITIZENCARE_SMTP_PORT=free_port(),
        CITIZENCARE_OUTBOX_MAX_ATTEMPTS=3,
        CITIZENCARE_OUTBOX_BACKOFF_SECONDS=60,
    )
    [mail_id] = queue(app)
    now = utcnow()
    waits = []
    for _ in range(2):
        assert deliver(app, now=now).retried == 1
        row = load(app, mail_id)
        waits.append(row.next_attempt_at - now)
        now = row.next_attempt_at
    assert timedelta(seconds=60) <= waits[0] <= timedelta(seconds=66)
    assert timedelta(seconds=120) <= waits[1] <= timedelta(seconds=132)

    assert deliver(app, now=now).dead == 1
    dead = load(app, mail_id)
    assert dead.state == "dead"
    assert dead.attempts == 3
    assert dead.last_error and dead.last_error.startswith("gave up after 3 attempts")
    with app.app_context():
        assert [m.id for m in dead_letters(db_session())] == [mail_id]
    assert deliver(app, now=now + timedelta(days=1)).retried == 0


@pytest.mark.parametrize(
    "fields",
    [
        {"subject": SUBJECT + INJECTION},
        {"recipient": "cittadino@example.org" + INJECTION},
        {"recipient": "cittadino@example.org, victim@example.org"},
        {"reply_to": "r@reply.example.org" + INJECTION},
        {"headers": {"References": "<a@b>" + INJECTION}},
    ],
    ids=["subject", "recipient", "two-recipients", "reply-to", "extra-header"],
)
def test_header_injection_kills_the_mail_and_sends_nothing(
    app: Flask, smtp: SmtpSink, fields: dict[str, Any]
) -> None:
    [bad] = queue(app, **fields)
    [good] = queue(app)

    run = deliver(app)
    assert (run.sent, run.retried, run.dead) == (1, 0, 1)

    assert len(smtp.received) == 1
    for received in smtp.received:
        assert "victim@example.org" not in received.rcpt_tos
        assert b"victim" not in received.content
        assert "Bcc" not in received.message
    assert load(app, good).state == "sent"
    dead = load(app, bad)
    assert dead.state == "dead"
    assert dead.last_error and "\n" not in dead.last_error and "\r" not in dead.last_error
    assert "line break (header injection attempt?)" in dead.last_error or "single e-mail" in dead.last_error
    with app.app_context():
        assert [m.id for m in dead_letters(db_session())] == [bad]


def test_a_recipient_refused_for_good_is_a_dead_letter(app: Flask, smtp: SmtpSink) -> None:
    [refused] = queue(app, recipient="nobody@example.org")
    [good] = queue(app)
    run = deliver(app)
    assert (run.sent, run.retried, run.dead) == (1, 0, 1)
    dead = load(app, refused)
    assert dead.state == "dead" and dead.last_error and "550" in dead.last_error
    assert load(app, good).state == "sent"
    assert [r.rcpt_tos for r in smtp.received] == [["cittadino@example.org"]]


def test_a_stale_claim_is_taken_over_and_a_live_one_is_not(app: Flask, smtp: SmtpSink) -> None:
    now = utcnow()
    [stale] = queue(app, claimed_by="dead-host:1", claimed_until=now - timedelta(seconds=1))
    [live] = queue(app, claimed_by="busy-host:2", claimed_until=now + timedelta(minutes=5))
    assert deliver(app, now=now).sent == 1
    assert load(app, stale).state == "sent"
    still = load(app, live)
    assert still.state == "pending" and still.claimed_by == "busy-host:2"
    assert len(smtp.received) == 1


def test_claims_of_two_workers_never_overlap(app: Flask) -> None:
    ids = queue(app, 10)
    now = utcnow()
    with app.app_context():
        first = claim_due(db_session(), worker="a", limit=6, now=now)
        second = claim_due(db_session(), worker="b", limit=10, now=now)
        third = claim_due(db_session(), worker="c", limit=10, now=now)
        owners = dict(host_db.session.execute(sa.select(OutboxMail.id, OutboxMail.claimed_by)).all())
    assert len(first) == 6 and len(second) == 4 and third == []
    assert sorted(first + second) == sorted(ids)
    assert all(owners[i] == "a" for i in first) and all(owners[i] == "b" for i in second)


def test_two_concurrent_workers_never_send_a_mail_twice(app: Flask, smtp: SmtpSink) -> None:
    ids = queue(app, 40)
    barrier = threading.Barrier(2)
    runs: list[Any] = []
    errors: list[BaseException] = []

    def work(name: str) -> None:
        try:
            with app.app_context():
                barrier.wait()
                for _ in range(20):  # small passes, so both keep competing for the same rows
                    run = deliver_pending(worker=name, limit=5)
                    runs.append(run)
                    if not (run.sent or run.retried or run.dead):
                        break
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            with app.app_context():
                host_db.session.remove()

    threads = [threading.Thread(target=work, args=(f"worker-{n}",)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    assert sum(run.sent for run in runs) == 40
    assert len(smtp.received) == 40
    message_ids = {received.message["Message-ID"] for received in smtp.received}
    assert len(message_ids) == 40
    with app.app_context():
        states = host_db.session.scalars(sa.select(OutboxMail.state).where(OutboxMail.id.in_(ids))).all()
    assert set(states) == {"sent"}


def test_cli_sends_one_pass(app: Flask, smtp: SmtpSink) -> None:
    queue(app, 3)
    result = app.test_cli_runner().invoke(args=["citizencare", "outbox", "send", "--limit", "2"])
    assert result.exit_code == 0, result.output
    assert "sent 2, retried 0, dead 0" in result.output
    result = app.test_cli_runner().invoke(args=["citizencare", "outbox", "send"])
    assert "sent 1, retried 0, dead 0" in result.output
    assert len(smtp.received) == 3


def test_cli_loop_stops_cleanly_on_sigterm(app: Flask, smtp: SmtpSink) -> None:
    queue(app, 2)
    original = signal.getsignal(signal.SIGTERM)

    def terminate_when_ready() -> None:
        deadline = time.monotonic() + 10
        while signal.getsignal(signal.SIGTERM) is original and time.monotonic() < deadline:
            time.sleep(0.01)
        while len(smtp.received) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(os.getpid(), signal.SIGTERM)

    killer = threading.Thread(target=terminate_when_ready)
    killer.start()
    result = app.test_cli_runner().invoke(
        args=["citizencare", "outbox", "send", "--loop", "--interval", "0.1", "--worker", "loop-test"]
    )
    killer.join()
    assert result.exit_code == 0, result.output
    assert "sent 2, retried 0, dead 0" in result.output
    assert result.output.strip().endswith("stopped; sent 2, retried 0, dead 0")
    assert signal.getsignal(signal.SIGTERM) is original
    assert len(smtp.received) == 2


def test_an_unusable_sender_setting_stops_before_touching_the_rows(app: Flask, smtp: SmtpSink) -> None:
    app.config["CITIZENCARE_MAIL_FROM"] = "segnalazioni@example.org\r\nBcc: victim@example.org"
    [mail_id] = queue(app)
    with pytest.raises(ConfigurationError, match="CITIZENCARE_MAIL_FROM"):
        deliver(app)
    untouched = load(app, mail_id)
    assert (untouched.state, untouched.attempts, untouched.claimed_by) == ("pending", 0, None)
    assert smtp.received == []


def test_sent_mail_is_recognised_as_ours_if_it_comes_back(app: Flask) -> None:
    """A mail we sent that loops back into reply-by-mail is ignored, not posted to a thread."""
    from email import message_from_bytes

    from flask_citizencare.domain.mail import is_automatic
    from flask_citizencare.models import OutboxMail
    from flask_citizencare.services.mail.outbox import build_message

    mail = OutboxMail(
        message_id="<loop-test@segnalazioni.example>",
        template="ack",
        recipient="giulia@example.org",
        locale="it",
        subject="Segnalazione presa in carico",
        body_text="Grazie.",
    )
    with app.app_context():
        raw = build_message(mail, sender="segnalazioni@comune.example").as_bytes()
    reason = is_automatic(message_from_bytes(raw))
    assert reason is not None and reason.startswith("loop")
