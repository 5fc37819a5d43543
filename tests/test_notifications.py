"""Mails to citizens and staff, written with the change and delivered over real SMTP by the outbox."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

import sqlalchemy as sa
from flask import Flask

from flask_citizencare.domain.lifecycle import Action
from flask_citizencare.domain.mail import parse_reply_address
from flask_citizencare.models import Category, OutboxMail, Report, StaffMember
from flask_citizencare.services.mail.outbox import deliver_pending

from .factories import create_report
from .host import host_db
from .reporting import post_report
from .smtp import (
    REPLY_DOMAIN,
    REPLY_LOCAL,
    REPLY_SECRET,
    SmtpSink,
    free_port,
    html_of,
    running_smtp_server,
    text_of,
)
from .staff import Team, act, case_path

SECRET, DOMAIN, LOCAL = REPLY_SECRET, REPLY_DOMAIN, REPLY_LOCAL
REPORTER = {"name": "Giulia Verdi", "email": "giulia.verdi@example.org", "phone": "+39 333 123 4567"}
OTHER = {"name": "Paolo Neri", "email": "paolo.neri@example.org", "phone": "+39 347 765 4321"}


def deliver(app: Flask) -> Any:
    with app.app_context():
        return deliver_pending(worker="test")


def rows(app: Flask) -> list[OutboxMail]:
    with app.app_context():
        mails = list(host_db.session.scalars(sa.select(OutboxMail).order_by(OutboxMail.id)))
        host_db.session.expunge_all()
        return mails


def expected(locale: str, msgid: str, **values: Any) -> str:
    """The message as the shipped catalog translates it (outside any request)."""
    from babel.support import Translations

    from flask_citizencare.i18n import TRANSLATIONS

    return str(Translations.load(str(TRANSLATIONS), [locale]).gettext(msgid)) % values


def new_case(app: Flask, team: Team, contact: dict[str, str] | None = REPORTER, **fields: Any) -> int:
    with app.app_context():
        category = host_db.session.get(Category, team.potholes.id)
        report = create_report(
            host_db.session(), category=category, contact=contact, office_id=team.roads.id, **fields
        )
        host_db.session.commit()
        return report.id


def by_subject(messages: list[EmailMessage], number: str) -> dict[str, EmailMessage]:
    return {str(m["Subject"]): m for m in messages if number in str(m["Subject"])}


def test_a_web_submission_gets_the_received_mail(mail_app: Flask, category: Category, smtp: SmtpSink) -> None:
    client = mail_app.test_client()
    response = post_report(client, category.id)
    assert response.status_code in (302, 303)
    assert str(deliver(mail_app)) == "sent 1, retried 0, dead 0"
    with mail_app.app_context():
        report = host_db.session.scalars(sa.select(Report)).one()
        number, token, report_id = report.public_id, report.tracking_token, report.id
    [message] = smtp.messages
    assert message["To"] == REPORTER["email"]
    assert message["Subject"] == expected("it", "Report %(number)s received", number=number)
    assert number in message["Subject"]
    tracking = f"/citizencare/track/{token}"
    assert tracking in text_of(message) and f'href="http://localhost{tracking}"' in html_of(message)
    unsubscribe = str(message["List-Unsubscribe"]).strip()
    assert unsubscribe.startswith("<http://localhost/citizencare/unsubscribe/") and unsubscribe.endswith(">")
    assert token not in unsubscribe and unsubscribe[1:-1] in text_of(message)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert parse_reply_address(str(message["Reply-To"]), SECRET, DOMAIN, LOCAL) == report_id
    [row] = rows(mail_app)
    assert row.locale == "it" and row.template == "received" and row.report_id == report_id


def test_an_english_reporter_gets_english(mail_app: Flask, category: Category) -> None:
    client = mail_app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    post_report(client, category.id)
    [row] = rows(mail_app)
    assert row.locale == "en"
    with mail_app.app_context():
        number = host_db.session.scalars(sa.select(Report.public_id)).one()
    assert row.subject == f"Report {number} received"
    assert "We received your report" in row.body_text


def test_a_report_without_email_gets_no_mail(mail_app: Flask, category: Category, team: Team) -> None:
    post_report(mail_app.test_client(), category.id, email="")
    assert rows(mail_app) == []
    report_id = new_case(mail_app, team, contact={"name": "Anonimo", "phone": "+39 333 000 0000"})
    act(mail_app, team, "olga", report_id, Action.ACKNOWLEDGE)
    assert rows(mail_app) == []


def test_every_step_of_a_case_tells_the_reporter(mail_app: Flask, team: Team, smtp: SmtpSink) -> None:
    report_id = new_case(
        mail_app, team, contact={**REPORTER, "locale": "it"}, title="Buca <b>grande</b> & profonda"
    )
    other_id = new_case(mail_app, team, contact=OTHER)
    with mail_app.app_context():
        number = host_db.session.get(Report, report_id).public_id  # type: ignore[union-attr]
        other_number = host_db.session.get(Report, other_id).public_id  # type: ignore[union-attr]
    act(mail_app, team, "olga", report_id, Action.ACKNOWLEDGE)
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
    act(mail_app, team, "tina", report_id, Action.RESUME)
    act(mail_app, team, "tina", report_id, Action.RESOLVE, public_reply="Buca chiusa con asfalto a freddo")
    act(mail_app, team, "olga", other_id, Action.REJECT, note="Strada privata, non comunale")

    kinds = [(row.template, row.recipient) for row in rows(mail_app)]
    assert kinds == [
        ("taken_in_charge", REPORTER["email"]),
        ("assigned", REPORTER["email"]),
        ("staff_assigned", "tina@comune.example"),
        ("suspended", REPORTER["email"]),
        ("resumed", REPORTER["email"]),
        ("resolved", REPORTER["email"]),
        ("rejected", OTHER["email"]),
    ]
    assert str(deliver(mail_app)) == "sent 7, retried 0, dead 0"
    mails = by_subject(smtp.messages, number)
    subject = {
        kind: expected("it", msgid, number=number)
        for kind, msgid in (
            ("taken", "Report %(number)s taken in charge"),
            ("assigned", "Report %(number)s assigned"),
            ("staff", "Case %(number)s assigned to you"),
            ("suspended", "Report %(number)s suspended"),
            ("resumed", "Work on report %(number)s has resumed"),
            ("resolved", "Report %(number)s resolved"),
        )
    }
    assert set(mails) == set(subject.values())
    taken = mails[subject["taken"]]
    assert "Buca <b>grande</b> & profonda" in text_of(taken)
    assert "Buca &lt;b&gt;grande&lt;/b&gt; &amp; profonda" in html_of(taken) and "<b>" not in html_of(taken)
    print(
        text_of(resolved := mails[subject["resolved"]]),
        html_of(resolved),
        text_of(mails[subject["assigned"]]),
    )
    assert "Tina" in text_of(mails[subject["assigned"]]) and "Tina" in html_of(mails[subject["assigned"]])
    staff = mails[subject["staff"]]
    assert staff["To"] == "tina@comune.example" and case_path(mail_app, report_id) in text_of(staff)
    assert "Aspettiamo il bel tempo" in text_of(mails[subject["suspended"]])
    resolved = mails[subject["resolved"]]
    assert "Buca chiusa con asfalto a freddo" in text_of(resolved)
    assert "/citizencare/survey/" in text_of(resolved) and "/citizencare/survey/" in html_of(resolved)
    assert parse_reply_address(str(resolved["Reply-To"]), SECRET, DOMAIN, LOCAL) == report_id
    [rejected] = by_subject(smtp.messages, other_number).values()
    assert rejected["Subject"] == expected("it", "Report %(number)s rejected", number=other_number)
    assert rejected["To"] == OTHER["email"] and "Strada privata, non comunale" in text_of(rejected)

    # Nobody reads another citizen's data.
    for message in smtp.messages:
        content = message.as_string()
        for person in (REPORTER, OTHER):
            if message["To"] != person["email"]:
                assert person["email"] not in content and person["phone"] not in content
        assert REPORTER["phone"] not in content and OTHER["phone"] not in content


def test_the_duplicates_reporter_is_told_the_followed_number(mail_app: Flask, team: Team) -> None:
    master_id = new_case(mail_app, team, contact=OTHER)
    report_id = new_case(mail_app, team)
    act(mail_app, team, "olga", report_id, Action.MERGE, master_id=master_id)
    [row] = rows(mail_app)
    with mail_app.app_context():
        master = host_db.session.get(Report, master_id)
        assert master is not None
        master_number, master_token = master.public_id, master.tracking_token
    assert row.template == "merged" and row.recipient == REPORTER["email"]
    assert master_number in row.subject and master_number in row.body_text
    assert OTHER["email"] not in row.body_text and master_token not in row.body_text + (row.body_html or "")


def test_smtp_down_during_a_resolution(mail_app: Flask, team: Team) -> None:
    report_id = new_case(
        mail_app,
        team,
        contact={**REPORTER, "locale": "en"},
        status="in_progress",
        acknowledged_at=datetime.now(UTC),
        assignee_id=team.members["tina"].id,
    )
    mail_app.config.update(CITIZENCARE_SMTP_HOST="127.0.0.1", CITIZENCARE_SMTP_PORT=free_port())
    act(mail_app, team, "tina", report_id, Action.RESOLVE, public_reply="Fixed")
    with mail_app.app_context():
        assert host_db.session.get(Report, report_id).status == "resolved"  # type: ignore[union-attr]
    assert str(deliver(mail_app)) == "sent 0, retried 1, dead 0"
    [row] = rows(mail_app)
    assert row.state == "pending" and row.attempts == 1 and row.template == "resolved"
    with running_smtp_server() as sink:
        mail_app.config.update(CITIZENCARE_SMTP_HOST=sink.host, CITIZENCARE_SMTP_PORT=sink.port)
        with mail_app.app_context():
            host_db.session.execute(sa.update(OutboxMail).values(next_attempt_at=OutboxMail.created_at))
            host_db.session.commit()
        assert str(deliver(mail_app)) == "sent 1, retried 0, dead 0"
        assert str(deliver(mail_app)) == "sent 0, retried 0, dead 0"
        [message] = sink.messages
    assert message["To"] == REPORTER["email"] and message["Subject"].startswith("Report ")
    assert "Fixed" in text_of(message)
    assert rows(mail_app)[0].state == "sent"


def test_an_overdue_case_reminds_its_technician_in_their_language(
    mail_app: Flask, team: Team, smtp: SmtpSink
) -> None:
    with mail_app.app_context():
        tina = host_db.session.get(StaffMember, team.members["tina"].id)
        assert tina is not None
        tina.locale = "en"
        host_db.session.commit()
    report_id = new_case(
        mail_app,
        team,
        assignee_id=team.members["tina"].id,
        status="acknowledged",
        acknowledged_at=datetime(2026, 1, 5, 8, tzinfo=UTC),
        due_at=datetime(2026, 1, 5, 9, tzinfo=UTC),
    )
    result = mail_app.test_cli_runner().invoke(args=["citizencare", "sla", "sweep"])
    assert result.exit_code == 0, result.output
    assert deliver(mail_app).sent == 1
    [message] = smtp.messages
    number = rows(mail_app)[0].subject.split()[1]
    assert message["To"] == "tina@comune.example"
    assert str(message["Subject"]) == f"Overdue: {number} is waiting to be resolved"
    link = f"http://localhost:5000{case_path(mail_app, report_id)}"  # CITIZENCARE_SITE_URL
    assert "has not been resolved within its service level" in text_of(message)
    assert link in text_of(message) and f'href="{link}"' in html_of(message)
    assert REPORTER["email"] not in message.as_string() and REPORTER["phone"] not in message.as_string()
