"""The headers of our mail as the SMTP server receives them: protocol headers literal, never encoded.

Read from the raw bytes aiosmtpd received (unfolded by hand as RFC 5322
§2.2.3 says), not through Python's parser, which would decode an RFC 2047
encoded word and hide exactly the defect a mail client trips on.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from flask_citizencare.domain.mail import reply_address
from flask_citizencare.models import Category, OutboxMail

from .host import host_db
from .reporting import post_report
from .smtp import REPLY_LOCAL, REPLY_SECRET, SmtpSink
from .test_outbox import deliver, load, queue

#: Long, as real ones are: the Reply-To passes 78 columns (the unsubscribe URL does with any host).
REPLY_DOMAIN = "segnalazioni.comune.sanlazzarodisavena.bologna.example"
#: Headers that may carry RFC 2047 encoded words: free text (RFC 2047 §5).
FREE_TEXT = {"subject", "from", "to"}


def raw_headers(content: bytes) -> dict[str, list[str]]:
    """Each header's values as sent (folds undone, nothing decoded), by lower-case name."""
    head = re.split(rb"\r?\n\r?\n", content, maxsplit=1)[0].decode("ascii")
    unfolded = re.sub(r"\r?\n(?=[ \t])", "", head)
    found: dict[str, list[str]] = {}
    for line in unfolded.splitlines():
        name, _colon, value = line.partition(":")
        found.setdefault(name.strip().lower(), []).append(value.strip())
    return found


def physical_lines(content: bytes) -> list[bytes]:
    return re.split(rb"\r?\n\r?\n", content, maxsplit=1)[0].splitlines()


def test_the_one_click_unsubscribe_arrives_as_a_plain_uri(
    mail_app: Flask, smtp: SmtpSink, client: FlaskClient, category: Category
) -> None:
    mail_app.config.update(CITIZENCARE_REPLY_DOMAIN=REPLY_DOMAIN)
    assert post_report(client, category.id).status_code == 303  # the "received" mail to the reporter
    with mail_app.app_context():
        row = host_db.session.scalars(sa.select(OutboxMail)).one()
        host_db.session.expunge(row)
    assert deliver(mail_app).sent == 1
    [received] = smtp.received
    headers = raw_headers(received.content)

    [unsubscribe] = headers["list-unsubscribe"]
    assert re.fullmatch(r"<https?://[!-~]+>", unsubscribe), unsubscribe  # RFC 2369: <URI>, nothing else
    url = unsubscribe[1:-1]
    assert "/citizencare/unsubscribe/" in url and len(url) > 78
    assert headers["list-unsubscribe-post"] == ["List-Unsubscribe=One-Click"]
    assert headers["message-id"] == [row.message_id]
    with mail_app.app_context():
        [reporter_id] = host_db.session.scalars(sa.select(OutboxMail.report_id)).all()
    assert headers["reply-to"] == [reply_address(REPLY_LOCAL, reporter_id, REPLY_SECRET, REPLY_DOMAIN)]
    for name, values in headers.items():
        if name not in FREE_TEXT:
            assert not any("=?" in value for value in values), (name, values)
    assert all(len(line) <= 998 for line in physical_lines(received.content))

    # What a mail client does with it (RFC 8058): POST the body to the URI, without cookies or token.
    done = client.post(
        urlsplit(url).path,
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert done.status_code == 200


def test_thread_headers_are_message_ids_folded_between_them(app: Flask, smtp: SmtpSink) -> None:
    app.config["CITIZENCARE_MAIL_FROM"] = "Comune di Prova <segnalazioni@example.org>"
    ids = [f"<{c * 40}.{n}@mail.{REPLY_DOMAIN}>" for n, c in enumerate("abc")]
    [mail_id] = queue(app, headers={"In-Reply-To": ids[-1], "References": " ".join(ids)})
    assert deliver(app).sent == 1
    [received] = smtp.received
    headers = raw_headers(received.content)
    assert headers["in-reply-to"] == [ids[-1]]
    assert headers["references"] == [" ".join(ids)]
    references = [line for line in physical_lines(received.content) if b"." in line and b"@mail." in line]
    assert len(references) >= 3 and all(len(line) <= 998 for line in references)
    assert received.message["References"] == " ".join(ids)  # what a parser reads back
    assert load(app, mail_id).state == "sent"


def test_a_header_that_cannot_be_written_literally_is_not_sent(app: Flask, smtp: SmtpSink) -> None:
    [mail_id] = queue(app, headers={"List-Unsubscribe": "<https://comune.example/disiscrizione/città>"})
    run = deliver(app)
    assert (run.sent, run.dead) == (0, 1) and not smtp.received
    dead = load(app, mail_id)
    assert dead.state == "dead" and "List-Unsubscribe" in (dead.last_error or "")
