"""Following a public report by e-mail, one-click unsubscribe, and staff mails for citizens' replies.

Everything goes through the real outbox and a real SMTP server (aiosmtpd on loopback).
"""

from __future__ import annotations

import re
import time
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import TimestampSigner

from flask_citizencare import tokens
from flask_citizencare.domain.lifecycle import Action
from flask_citizencare.models import Category, Follower, OutboxMail, Report, StaffMember
from flask_citizencare.queries.reports import tracked_report
from flask_citizencare.services.mail.outbox import deliver_pending
from flask_citizencare.services.mail.recipients import address_key
from flask_citizencare.services.replies import ingest_message
from flask_citizencare.services.threads import post_message
from flask_citizencare.tokens import Purpose

from . import test_ingest
from .factories import create_report
from .host import host_db
from .reporting import hidden_value, page_tokens
from .smtp import SmtpSink, html_of, text_of
from .staff import Team, act, actor_for, case_path, client_for

REPORTER = {"name": "Giulia Verdi", "email": "giulia.verdi@example.org", "phone": "+39 333 123 4567"}
OTHER = {"name": "Paolo Neri", "email": "paolo.neri@example.org", "phone": "+39 347 765 4321"}
FAN = "fan@example.net"
NEIGHBOUR = "vicina@example.net"


# -- helpers --------------------------------------------------------------------


def deliver(app: Flask) -> str:
    with app.app_context():
        return str(deliver_pending(worker="test"))


def outbox(app: Flask) -> list[tuple[str, str]]:
    """(template, recipient) of every outbox row, oldest first."""
    with app.app_context():
        return [
            (row.template, row.recipient)
            for row in host_db.session.scalars(sa.select(OutboxMail).order_by(OutboxMail.id))
        ]


def to(messages: list[EmailMessage], address: str) -> list[EmailMessage]:
    return [m for m in messages if str(m["To"]).lower() == address.strip().lower()]


def new_case(app: Flask, team: Team, contact: dict[str, str] | None = REPORTER, **fields: Any) -> int:
    with app.app_context():
        category = host_db.session.get(Category, team.potholes.id)
        report = create_report(
            host_db.session(), category=category, contact=contact, office_id=team.roads.id, **fields
        )
        host_db.session.commit()
        return report.id


def report_of(app: Flask, report_id: int) -> tuple[str, str]:
    """(public number, tracking token)."""
    with app.app_context():
        report = host_db.session.get(Report, report_id)
        assert report is not None
        return report.public_id, report.tracking_token


def say(app: Flask, team: Team, who: str, report_id: int, visibility: str, body: str) -> None:
    with app.test_request_context():
        report = host_db.session.get(Report, report_id)
        assert report is not None
        post_message(
            actor_for(team, who), report_id, expected_version=report.version, visibility=visibility, body=body
        )


def followers(app: Flask, report_id: int) -> list[tuple[str, str | None, bool]]:
    """(address, locale, confirmed) of the report's follower rows."""
    with app.app_context():
        rows = host_db.session.scalars(
            sa.select(Follower).where(Follower.report_id == report_id).order_by(Follower.id)
        )
        return [(r.email, r.locale, r.confirmed_at is not None) for r in rows]


def unsubscribed(app: Flask, report_id: int) -> set[str]:
    """Addresses that took themselves off the report."""
    with app.app_context():
        query = sa.select(Follower.email).where(
            Follower.report_id == report_id, Follower.unsubscribed_at.is_not(None)
        )
        return set(host_db.session.scalars(query))


def ask_to_follow(client: FlaskClient, number: str, address: str) -> Any:
    page = client.get(f"/citizencare/reports/{number}")
    assert page.status_code == 200
    return client.post(
        f"/citizencare/reports/{number}/follow",
        data={"email": address, **page_tokens(page.get_data(as_text=True))},
    )


def link(text: str, path: str) -> str:
    """The path of the first absolute link to ``path…`` in ``text``."""
    match = re.search(rf"https?://[^\s\"<>]*{re.escape(path)}[^\s\"<>]*", text)
    assert match, f"no link to {path} in {text!r}"
    return urlsplit(match.group(0)).path


def follow_confirmed(app: Flask, smtp: SmtpSink, number: str, address: str, language: str = "it") -> None:
    """Follow ``number`` through the form and the link in the confirmation mail."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    assert ask_to_follow(client, number, address).status_code == 303
    deliver(app)
    [confirmation] = [m for m in to(smtp.messages, address) if "/citizencare/follow/" in text_of(m)][-1:]
    assert client.get(link(text_of(confirmation), "/citizencare/follow/")).status_code == 200


def unsubscribe_path(message: EmailMessage) -> str:
    header = str(message["List-Unsubscribe"]).strip()
    assert header.startswith("<") and header.endswith(">")
    return urlsplit(header[1:-1]).path


# -- following -------------------------------------------------------------------


def test_follow_confirm_and_hear_the_public_news(mail_app: Flask, team: Team, smtp: SmtpSink) -> None:
    report_id = new_case(mail_app, team, contact={**REPORTER, "locale": "it"})
    number, tracking = report_of(mail_app, report_id)
    visitor = mail_app.test_client()
    visitor.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = visitor.get(f"/citizencare/reports/{number}").get_data(as_text=True)
    assert "Follow this report by e-mail" in page and '<label class="cc-label" for="email">' in page

    response = ask_to_follow(visitor, number, "  Fan@Example.NET ")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/citizencare/reports/{number}/follow/sent")
    sent = visitor.get(response.headers["Location"]).get_data(as_text=True)
    assert "Check your mail" in sent and FAN not in sent.lower()
    assert followers(mail_app, report_id) == [(FAN, "en", False)]

    # Not confirmed yet: the reporter hears, the visitor does not.
    act(mail_app, team, "olga", report_id, Action.ACKNOWLEDGE)
    assert outbox(mail_app) == [("follow_confirm", FAN), ("taken_in_charge", REPORTER["email"])]
    assert deliver(mail_app) == "sent 2, retried 0, dead 0"
    [confirmation] = to(smtp.messages, FAN)
    assert confirmation["Subject"] == f"Confirm that you want to follow report {number}"
    assert confirmation["List-Unsubscribe"] is None and confirmation["Reply-To"] is None
    confirm = link(text_of(confirmation), "/citizencare/follow/")
    assert confirm == link(html_of(confirmation), "/citizencare/follow/")
    assert "within 7 days" in text_of(confirmation)

    done = visitor.get(confirm)
    assert done.status_code == 200 and f"You follow report {number}" in done.get_data(as_text=True)
    assert followers(mail_app, report_id) == [(FAN, "en", True)]
    assert visitor.get(confirm).status_code == 200  # opening it again changes nothing
    assert followers(mail_app, report_id) == [(FAN, "en", True)]

    act(
        mail_app,
        team,
        "olga",
        report_id,
        Action.ASSIGN,
        office_id=team.roads.id,
        assignee_id=team.members["tina"].id,
    )
    act(mail_app, team, "tina", report_id, Action.SUSPEND, note="Aspettiamo il bel tempo")
    assert outbox(mail_app)[2:] == [
        ("assigned", REPORTER["email"]),
        ("follower_assigned", FAN),
        ("staff_assigned", "tina@comune.example"),
        ("suspended", REPORTER["email"]),
        ("follower_suspended", FAN),
    ]
    assert deliver(mail_app) == "sent 5, retried 0, dead 0"
    assigned, suspended = to(smtp.messages, FAN)[1:]
    assert assigned["Subject"] == f"Report {number} assigned"  # the visitor's language
    assert "assigned to the office in charge" in text_of(assigned)
    assert "Aspettiamo il bel tempo" in text_of(suspended) and "Aspettiamo il bel tempo" in html_of(suspended)
    public = f"/citizencare/reports/{number}"
    for message in (assigned, suspended):
        content = message.as_string()
        assert f"http://localhost{public}" in text_of(
            message
        ) and f'href="http://localhost{public}"' in html_of(message)
        assert tracking not in content and "/citizencare/track/" not in content
        for value in REPORTER.values():
            assert value not in content
        assert "Tina" not in text_of(message)  # staff names stay in the back office
        assert message["Reply-To"] is None  # a follower's answer must not enter the reporter's thread
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert unsubscribe_path(message).startswith("/citizencare/unsubscribe/")
        assert unsubscribe_path(message) in text_of(message) and unsubscribe_path(message) in html_of(message)
    [reporter_assigned] = [
        m for m in to(smtp.messages, REPORTER["email"]) if "assegnata" in str(m["Subject"])
    ]
    assert unsubscribe_path(reporter_assigned) != unsubscribe_path(assigned)
    assert tracking in text_of(reporter_assigned)


def test_hidden_reports_cannot_be_followed(mail_app: Flask, team: Team) -> None:
    report_id = new_case(mail_app, team, is_public=False)
    number, _ = report_of(mail_app, report_id)
    client = mail_app.test_client()
    assert client.get(f"/citizencare/reports/{number}").status_code == 404
    response = client.post(f"/citizencare/reports/{number}/follow", data={"email": FAN})
    assert response.status_code == 404
    assert followers(mail_app, report_id) == [] and outbox(mail_app) == []


@pytest.mark.parametrize(
    "address",
    [
        "fan@example.net\r\nBcc: victim@example.org",
        "fan@example.net\nSubject: hi",
        "fan@example.net\r\n",
        "not an address",
        "",
    ],
)
def test_bad_addresses_are_refused(mail_app: Flask, team: Team, address: str) -> None:
    report_id = new_case(mail_app, team)
    number, _ = report_of(mail_app, report_id)
    client = mail_app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = ask_to_follow(client, number, address)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "e-mail address" in page and 'aria-invalid="true"' in page
    assert followers(mail_app, report_id) == [] and outbox(mail_app) == []


def test_repeated_requests_do_not_spam_or_tell_who_follows(
    mail_app: Flask, team: Team, smtp: SmtpSink
) -> None:
    report_id = new_case(mail_app, team)
    number, _ = report_of(mail_app, report_id)
    client = mail_app.test_client()
    answers = {ask_to_follow(client, number, NEIGHBOUR).headers["Location"] for _ in range(5)}
    assert len(answers) == 1
    assert outbox(mail_app) == [("follow_confirm", NEIGHBOUR)] * 2  # at most two a day
    assert followers(mail_app, report_id) == [(NEIGHBOUR, "it", False)]

    follow_confirmed(mail_app, smtp, number, FAN)
    before = len(outbox(mail_app))
    again = ask_to_follow(client, number, FAN)  # already follows: same answer, no mail
    assert again.status_code == 303 and again.headers["Location"] in answers
    assert len(outbox(mail_app)) == before

    # One address cannot pile up unconfirmed requests on many reports.
    for _ in range(6):
        other = new_case(mail_app, team)
        ask_to_follow(client, report_of(mail_app, other)[0], "collector@example.net")
    with mail_app.app_context():
        pending = host_db.session.scalar(
            sa.select(sa.func.count()).select_from(Follower).where(Follower.email == "collector@example.net")
        )
    assert pending == 5


def test_unconfirmed_expired_and_tampered_links_do_nothing(
    mail_app: Flask, team: Team, smtp: SmtpSink
) -> None:
    report_id = new_case(mail_app, team)
    number, _ = report_of(mail_app, report_id)
    client = mail_app.test_client()
    ask_to_follow(client, number, FAN)
    deliver(mail_app)
    [confirmation] = to(smtp.messages, FAN)
    confirm = link(text_of(confirmation), "/citizencare/follow/")
    token = confirm.rsplit("/", 1)[1]

    tampered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    assert client.get(f"/citizencare/follow/{tampered}").status_code == 404
    with mail_app.app_context():
        [follower_id] = host_db.session.scalars(sa.select(Follower.id).where(Follower.email == FAN))

    last_week = int(time.time()) - 8 * 86400
    with mail_app.app_context():
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(TimestampSigner, "get_timestamp", lambda self: last_week)
            old = tokens.sign(Purpose.FOLLOW_CONFIRM, {"f": follower_id, "a": address_key(FAN)})
        forged = tokens.sign(
            Purpose.FOLLOW_CONFIRM, {"f": follower_id, "a": address_key("someone.else@example.net")}
        )
    expired = client.get(f"/citizencare/follow/{old}", headers={"Accept-Language": "en"})
    assert expired.status_code == 410 and "expired" in expired.get_data(as_text=True)
    assert "scaduto" in client.get(f"/citizencare/follow/{old}").get_data(as_text=True)
    assert client.get(f"/citizencare/follow/{forged}").status_code == 404
    assert followers(mail_app, report_id) == [(FAN, "it", False)]

    act(mail_app, team, "olga", report_id, Action.ACKNOWLEDGE)
    say(mail_app, team, "olga", report_id, "public", "Interverremo presto")
    assert [recipient for _, recipient in outbox(mail_app)] == [FAN] + [REPORTER["email"]] * 2

    # The report hidden meanwhile: the link no longer confirms.
    with mail_app.app_context():
        host_db.session.execute(sa.update(Report).where(Report.id == report_id).values(is_public=False))
        host_db.session.commit()
    assert client.get(confirm).status_code == 404
    assert followers(mail_app, report_id) == [(FAN, "it", False)]


def test_private_messages_and_notes_never_reach_followers(
    mail_app: Flask, team: Team, smtp: SmtpSink
) -> None:
    report_id = new_case(mail_app, team)
    number, _ = report_of(mail_app, report_id)
    follow_confirmed(mail_app, smtp, number, FAN)
    say(mail_app, team, "olga", report_id, "private", "Mi manda il numero civico? Solo per lei")
    say(mail_app, team, "olga", report_id, "internal", "Nota interna: chiamare il geometra")
    say(mail_app, team, "olga", report_id, "public", "Il sopralluogo è fissato per lunedì")
    assert outbox(mail_app)[1:] == [
        ("message", REPORTER["email"]),
        ("message", REPORTER["email"]),
        ("follower_message", FAN),
    ]
    assert deliver(mail_app) == "sent 3, retried 0, dead 0"
    [answer] = to(smtp.messages, FAN)[1:]
    assert "Il sopralluogo è fissato per lunedì" in text_of(answer)
    everything = "".join(m.as_string() for m in to(smtp.messages, FAN))
    assert "numero civico" not in everything and "geometra" not in everything


def test_the_reporter_gets_one_mail_per_event_even_as_a_follower(
    mail_app: Flask, team: Team, smtp: SmtpSink
) -> None:
    report_id = new_case(mail_app, team)
    number, tracking = report_of(mail_app, report_id)
    follow_confirmed(mail_app, smtp, number, REPORTER["email"].upper())
    assert followers(mail_app, report_id) == [(REPORTER["email"], "it", True)]
    act(mail_app, team, "olga", report_id, Action.ACKNOWLEDGE)
    assert outbox(mail_app)[1:] == [("taken_in_charge", REPORTER["email"])]
    deliver(mail_app)
    assert tracking in text_of(to(smtp.messages, REPORTER["email"])[-1])


def test_a_merge_brings_the_followers_to_the_master(mail_app: Flask, team: Team, smtp: SmtpSink) -> None:
    master_id = new_case(mail_app, team, contact=OTHER)
    duplicate_id = new_case(mail_app, team)
    master_number, master_tracking = report_of(mail_app, master_id)
    duplicate_number, _ = report_of(mail_app, duplicate_id)
    follow_confirmed(mail_app, smtp, master_number, NEIGHBOUR)
    follow_confirmed(mail_app, smtp, duplicate_number, FAN, language="en")
    ask_to_follow(mail_app.test_client(), master_number, "pending@example.net")  # never confirmed
    start = len(outbox(mail_app))

    act(mail_app, team, "olga", duplicate_id, Action.MERGE, master_id=master_id)
    assert outbox(mail_app)[start:] == [("merged", REPORTER["email"]), ("follower_merged", FAN)]
    act(mail_app, team, "olga", master_id, Action.ACKNOWLEDGE)
    assert sorted(outbox(mail_app)[start + 2 :]) == sorted(
        [
            ("taken_in_charge", OTHER["email"]),
            ("follower_taken_in_charge", NEIGHBOUR),
            ("follower_taken_in_charge", REPORTER["email"]),
            ("follower_taken_in_charge", FAN),
        ]
    )
    deliver(mail_app)
    [merged] = [m for m in to(smtp.messages, FAN) if "joined" in str(m["Subject"])]
    assert master_number in text_of(merged) and f"/citizencare/reports/{master_number}" in text_of(merged)
    news = [
        m for m in smtp.messages if "taken in charge" in str(m["Subject"]) or "presa" in str(m["Subject"])
    ]
    for message in news:
        if message["To"] != OTHER["email"]:
            content = message.as_string()
            assert master_tracking not in content and OTHER["email"] not in content
            assert OTHER["name"] not in content and OTHER["phone"] not in content


# -- unsubscribing -----------------------------------------------------------------


def test_one_click_unsubscribe(mail_app: Flask, team: Team, smtp: SmtpSink) -> None:
    report_id = new_case(mail_app, team)
    number, _ = report_of(mail_app, report_id)
    follow_confirmed(mail_app, smtp, number, FAN)
    follow_confirmed(mail_app, smtp, number, NEIGHBOUR)
    act(mail_app, team, "olga", report_id, Action.ACKNOWLEDGE)
    deliver(mail_app)
    [news] = [m for m in to(smtp.messages, FAN) if m["List-Unsubscribe"]]
    [reporter_news] = [m for m in to(smtp.messages, REPORTER["email"]) if m["List-Unsubscribe"]]
    path = unsubscribe_path(news)
    client = mail_app.test_client()

    # A GET (what mail scanners do) only shows the button.
    page = client.get(path)
    assert page.status_code == 200 and f'action="{path}"' in page.get_data(as_text=True)
    assert len(followers(mail_app, report_id)) == 2

    # Tampered tokens change nothing.
    token = path.rsplit("/", 1)[1]
    for bad in (token[:-2] + "xx", "garbage", token.replace(".", "", 1), "a" * 400):
        assert client.get(f"/citizencare/unsubscribe/{bad}").status_code == 404
        assert (
            client.post(f"/citizencare/unsubscribe/{bad}", data="List-Unsubscribe=One-Click").status_code
            == 404
        )
    assert len(followers(mail_app, report_id)) == 2

    # The mail client's one-click POST (RFC 8058): no CSRF token, no cookie.
    response = client.post(
        path, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert followers(mail_app, report_id) == [(NEIGHBOUR, "it", True)]
    assert client.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200  # again: fine

    # The reporter's link stops the reporter's mails for this report only.
    assert client.post(unsubscribe_path(reporter_news), data="List-Unsubscribe=One-Click").status_code == 200
    assert unsubscribed(mail_app, report_id) == {REPORTER["email"]}
    start = len(outbox(mail_app))
    act(mail_app, team, "olga", report_id, Action.ASSIGN, office_id=team.roads.id)
    say(mail_app, team, "olga", report_id, "private", "Solo per la segnalante")
    assert outbox(mail_app)[start:] == [("follower_assigned", NEIGHBOUR)]
    other_id = new_case(mail_app, team)
    act(mail_app, team, "olga", other_id, Action.ACKNOWLEDGE)
    assert outbox(mail_app)[-1] == ("taken_in_charge", REPORTER["email"])

    # Someone typing the reporter's address into the form does not undo it; confirming does.
    follow_confirmed(mail_app, smtp, number, REPORTER["email"])
    assert (REPORTER["email"], "it", True) in followers(mail_app, report_id)
    assert unsubscribed(mail_app, report_id) == set()
    say(mail_app, team, "olga", report_id, "public", "Lavori la prossima settimana")
    assert outbox(mail_app)[-2:] == [("message", REPORTER["email"]), ("follower_message", NEIGHBOUR)]


def test_unsubscribe_works_under_the_hosts_csrf_protection(database_url: str, tmp_path: Path) -> None:
    from flask_wtf.csrf import CSRFProtect

    from flask_citizencare.services.mail.recipients import unsubscribe_token

    from .browser import migrated_example_app
    from .factories import create_category

    with migrated_example_app(database_url, tmp_path) as site:
        assert isinstance(site.extensions["csrf"], CSRFProtect)
        prefix = site.config["CITIZENCARE_URL_PREFIX"]
        with site.test_request_context():
            session = site.extensions["citizencare"].db.session
            report = create_report(session, category=create_category(session), contact=REPORTER)
            session.add(Follower(report_id=report.id, email=FAN, locale="it", confirmed_at=report.created_at))
            session.commit()
            token, number, report_id = unsubscribe_token(report, FAN), report.public_id, report.id
        client = site.test_client()
        refused = client.post(f"{prefix}/reports/{number}/follow", data={"email": NEIGHBOUR})
        assert refused.status_code == 400  # the host's CSRFProtect is on
        response = client.post(f"{prefix}/unsubscribe/{token}", data="List-Unsubscribe=One-Click")
        assert response.status_code == 200
        with site.app_context():
            session = site.extensions["citizencare"].db.session
            left = session.scalars(sa.select(Follower.email).where(Follower.report_id == report_id)).all()
            assert left == []
            assert session.scalars(sa.select(OutboxMail)).all() == []


# -- staff mails for the reporter's replies ----------------------------------------------


def test_the_reporters_message_reaches_the_technician(mail_app: Flask, team: Team, smtp: SmtpSink) -> None:
    with mail_app.app_context():
        host_db.session.execute(
            sa.update(StaffMember).where(StaffMember.id == team.members["tina"].id).values(locale="en")
        )
        host_db.session.commit()
    report_id = new_case(mail_app, team, assignee_id=team.members["tina"].id)
    number, tracking = report_of(mail_app, report_id)
    follow_confirmed(mail_app, smtp, number, FAN)
    client = mail_app.test_client()
    page = client.get(f"/citizencare/track/{tracking}").get_data(as_text=True)
    response = client.post(
        f"/citizencare/track/{tracking}",
        data={"text": "La buca si è allargata", **page_tokens(page)},
    )
    response.request.environ["wsgi.input"].close()
    assert response.status_code == 303
    assert outbox(mail_app)[-1:] == [("staff_reply", "tina@comune.example")]
    deliver(mail_app)
    [mail] = to(smtp.messages, "tina@comune.example")
    assert mail["Subject"] == f"The reporter of {number} wrote"  # Tina's language
    assert "La buca si è allargata" in text_of(mail)
    assert case_path(mail_app, report_id) in text_of(mail)
    assert "/citizencare/staff/preferences" in text_of(mail)
    assert not [m for m in to(smtp.messages, FAN) if "allargata" in m.as_string()]


def test_who_hears_of_a_reply_without_an_assignee(mail_app: Flask, team: Team) -> None:
    from flask_citizencare.services.reports import add_reporter_information

    office_case = new_case(mail_app, team)
    with mail_app.app_context():
        category = host_db.session.get(Category, team.potholes.id)
        loose_case = create_report(host_db.session(), category=category, contact=REPORTER).id
        host_db.session.commit()
    with mail_app.test_request_context():
        for report_id in (office_case, loose_case):
            report = tracked_report(report_of(mail_app, report_id)[1])
            assert report is not None
            add_reporter_information(report, "Ancora lì")
    assert [row for row in outbox(mail_app) if row[0] == "staff_reply"] == [
        ("staff_reply", "tina@comune.example"),  # the office's member
        ("staff_reply", "olga@comune.example"),  # no office: the first-line operators
    ]


def test_a_reply_by_mail_reaches_the_technician(mail_app: Flask, team: Team) -> None:
    report_id = new_case(mail_app, team, assignee_id=team.members["tina"].id)
    with mail_app.app_context():
        result = ingest_message(test_ingest.fixture_for("gmail_reply.eml", report_id))
    assert result.status == "posted"
    assert outbox(mail_app) == [("staff_reply", "tina@comune.example")]


def test_staff_switch_their_mails_off(mail_app: Flask, team: Team) -> None:
    tina = client_for(mail_app, team, "tina")
    page = tina.get("/citizencare/staff/preferences")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert re.search(r'<label[^>]*for="notify_replies"', html)
    assert 'id="notify_replies"' in html and "checked" in html
    refused = tina.post("/citizencare/staff/preferences", data={"notify_assignments": "y"})
    assert refused.status_code == 400
    saved = tina.post(
        "/citizencare/staff/preferences",
        data={"notify_assignments": "y", "csrf_token": hidden_value(html, "csrf_token")},
    )
    assert saved.status_code == 303
    with mail_app.app_context():
        member = host_db.session.get(StaffMember, team.members["tina"].id)
        assert member is not None and member.notify_assignments and not member.notify_replies

    report_id = new_case(mail_app, team, assignee_id=team.members["tina"].id)
    with mail_app.test_request_context():
        from flask_citizencare.services.reports import add_reporter_information

        report = tracked_report(report_of(mail_app, report_id)[1])
        assert report is not None
        add_reporter_information(report, "Nessuno lo legge per mail")
    assert outbox(mail_app) == []  # Tina switched it off, and the case is hers: nobody else is told
