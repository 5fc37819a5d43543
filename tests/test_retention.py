"""Retention and erasure of citizens' personal data: what goes, what stays, and that it is done once."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from flask_citizencare.models import (
    Follower,
    Message,
    OutboxMail,
    Report,
    ReporterContact,
    StatusEvent,
    Subscription,
)
from flask_citizencare.services import surveys
from flask_citizencare.services.replies import ingest_message
from flask_citizencare.services.retention import Erased, erase_address, run_retention

from . import test_ingest
from .factories import create_category, create_report
from .host import host_db
from .staff import Team, case_path, client_for

NOW = datetime.now(UTC)
OLD = NOW - timedelta(days=800)  # past the default 24 months
RECENT = NOW - timedelta(days=200)
MARIO = "mario.rossi@example.net"
FAN = "fan@example.org"
TABLES = ("cc_reporter_contacts", "cc_followers", "cc_outbox", "cc_messages", "cc_status_events")


@dataclass
class Case:
    id: int
    public_id: str
    survey: str


def make_case(
    app: Flask,
    *,
    closed_at: datetime,
    status: str = "resolved",
    email: str = MARIO,
    category_code: str | None = None,
    mail_id: str = "<CAJx8d0G7@mail.example.net>",
) -> Case:
    """A public report of ``email`` finished at ``closed_at``, with a reply by mail, a follower and mails."""
    with app.test_request_context():
        session = host_db.session
        fields: dict[str, Any] = {"acknowledged_at": closed_at, "created_at": closed_at - timedelta(days=3)}
        if status in ("resolved", "closed"):
            fields["resolved_at"] = closed_at
        if status == "rejected":
            fields = {"reject_reason": "Non di competenza comunale."}
        category = create_category(session, **({"code": category_code} if category_code else {}))
        report = create_report(
            session,
            category=category,
            status=status,
            contact=(
                {"name": "Mario Rossi", "email": email, "phone": "+39 333 1234567", "user_id": "77"}
                if email == MARIO
                else {"name": "Altra Persona", "email": email, "phone": "+39 333 7654321"}
            ),
            **fields,
        )
        report.events[0].at = closed_at
        report.messages.append(
            Message(
                visibility="private",
                author_kind="reporter",
                body="La buca è ancora lì.",
                source="email",
                email_message_id=mail_id,
            )
        )
        report.messages.append(
            Message(visibility="public", author_kind="system", body="Intervento eseguito, grazie.")
        )
        session.add(Follower(report_id=report.id, email=FAN, locale="it", confirmed_at=closed_at))
        for n, (recipient, state) in enumerate(
            ((email, "sent"), (email, "pending"), (FAN, "sent"), ("tina@comune.example", "sent"))
        ):
            session.add(
                OutboxMail(
                    message_id=f"<{report.id}.{n}@test>",
                    report_id=report.id,
                    template="received",
                    recipient=recipient,
                    locale="it",
                    subject="Segnalazione",
                    body_text="...",
                    state=state,
                )
            )
        session.flush()
        token = surveys.survey_token(report)
        case = Case(report.id, report.public_id, token)
        session.commit()
        return case


def counts(app: Flask) -> dict[str, int]:
    with app.app_context():
        return {
            table: int(host_db.session.scalar(sa.text(f"SELECT count(*) FROM {table}")) or 0)
            for table in TABLES
        }


def holds(app: Flask, text: str) -> list[str]:
    """The tables of ours that hold ``text`` anywhere in a row (the privacy check)."""
    found = []
    with app.app_context():
        for table in (*TABLES, "cc_subscriptions"):
            rows = host_db.session.execute(sa.text(f"SELECT * FROM {table}")).all()
            if any(text.lower() in str(value).lower() for row in rows for value in row):
                found.append(table)
    return found


#: What differs between two renderings of the same page: hidden form tokens, the CSP nonce, export times.
VOLATILE = re.compile(rb'<input [^>]*type="hidden"[^>]*>|nonce="[^"]*"|"generated_at":"[^"]*"')


def public_views(client: FlaskClient, public_id: str) -> list[bytes]:
    pages = [
        f"/citizencare/reports/{public_id}",
        "/citizencare/opendata/reports.csv",
        "/citizencare/opendata/reports.geojson",
        "/citizencare/dashboard",
    ]
    bodies = []
    for page in pages:
        response = client.get(page, headers={"Accept-Language": "it"})
        assert response.status_code == 200, page
        # What changes from one request to the next anyway: the form's CSRF token, the export's time.
        bodies.append(VOLATILE.sub(b"", response.get_data()))
    return bodies


def retain(app: Flask, **options: Any) -> Erased:
    with app.app_context():
        return run_retention(host_db.session, now=NOW, **options)


def test_retention_forgets_the_reporter_and_keeps_the_public_report(
    app: Flask, client: FlaskClient, team: Team
) -> None:
    old = make_case(app, closed_at=OLD)
    recent = make_case(app, closed_at=RECENT, email="anna@example.net", mail_id="<recent@x>")
    before = counts(app)
    public_before = public_views(client, old.public_id)
    assert client.get(f"/citizencare/survey/{old.survey}").status_code == 200

    dry = retain(app, dry_run=True)
    assert dry.reports == [old.public_id] and dry.followers == 1 and dry.sent_mails == 2
    assert counts(app) == before and holds(app, MARIO)  # a dry run changes nothing

    done = retain(app)
    assert (done.reports, done.contacts, done.followers) == ([old.public_id], 1, 1)
    assert (done.unsent_mails, done.sent_mails, done.message_ids) == (1, 2, 1)
    after = counts(app)
    assert after["cc_followers"] == before["cc_followers"] - 1
    assert after["cc_outbox"] == before["cc_outbox"] - 3  # the staff member's mail stays
    assert after["cc_reporter_contacts"] == before["cc_reporter_contacts"]  # blanked, kept as the marker
    assert after["cc_messages"] == before["cc_messages"]
    assert after["cc_status_events"] == before["cc_status_events"] + 1

    # Nothing left that names the reporter or the follower of the old report; the recent one intact.
    for text in (MARIO, "Mario Rossi", "333 1234567", "CAJx8d0G7"):
        assert holds(app, text) == [], text
    assert holds(app, "anna@example.net") == ["cc_reporter_contacts", "cc_outbox"]
    with app.app_context():
        contact = host_db.session.scalar(
            sa.select(ReporterContact).where(ReporterContact.report_id == old.id)
        )
        assert contact is not None and contact.erased_at is not None
        assert (contact.name, contact.email, contact.phone, contact.user_id) == (None, None, None, None)
        [event] = host_db.session.scalars(
            sa.select(StatusEvent).where(StatusEvent.report_id == old.id, StatusEvent.action == "retention")
        )
        assert (event.public, event.note, event.actor_kind, event.to_status) == (
            False,
            None,
            "system",
            "resolved",
        )
        assert host_db.session.scalar(sa.select(Follower.email).where(Follower.report_id == recent.id)) == FAN

    # The public page, the open data and the dashboard are what they were.
    assert public_views(client, old.public_id) == public_before
    # The survey link and the reply address are dead; the staff see a "citizen" wrote.
    assert client.get(f"/citizencare/survey/{old.survey}").status_code == 404
    assert client.get(f"/citizencare/survey/{recent.survey}").status_code == 200
    with app.test_request_context():
        app.config.update(
            CITIZENCARE_REPLY_SECRET=test_ingest.SECRET,
            CITIZENCARE_REPLY_DOMAIN=test_ingest.DOMAIN,
            CITIZENCARE_REPLY_LOCAL=test_ingest.LOCAL,
        )
        assert ingest_message(test_ingest.fixture_for("gmail_reply.eml", old.id)).status == "ignored:erased"
    page = client_for(app, team, "olga").get(case_path(app, old.id), headers={"Accept-Language": "it"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "cittadino" in html and "Mario" not in html
    assert "Dati personali cancellati" in html

    # A second run does nothing.
    assert retain(app) == Erased()
    assert counts(app) == after


def test_batches_commit_one_by_one_and_an_interrupted_run_resumes(app: Flask) -> None:
    cases = [make_case(app, closed_at=OLD, email=f"p{n}@example.net", mail_id=f"<{n}@x>") for n in range(5)]
    seen: list[list[str]] = []

    def interrupt(batch: Erased) -> None:
        seen.append(batch.reports)
        if len(seen) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        retain(app, batch_size=2, after_batch=interrupt)
    assert seen == [[cases[0].public_id, cases[1].public_id], [cases[2].public_id, cases[3].public_id]]
    assert [holds(app, f"p{n}@example.net") == [] for n in range(5)] == [True] * 4 + [False]
    rest = retain(app, batch_size=2)
    assert rest.reports == [cases[4].public_id] and rest.batches == 1
    assert holds(app, "@example.net") == []


def test_months_are_counted_from_the_closure_and_per_category(app: Flask) -> None:
    app.config["CITIZENCARE_RETENTION_MONTHS_BY_CATEGORY"] = {"minori": 60, "rapide": 3}
    kept_longer = make_case(app, closed_at=OLD, category_code="minori", mail_id="<1@x>")
    quick = make_case(app, closed_at=RECENT, category_code="rapide", email="q@example.net", mail_id="<2@x>")
    rejected = make_case(app, closed_at=OLD, status="rejected", email="r@example.net", mail_id="<3@x>")
    with app.app_context():
        open_report = create_report(host_db.session, contact={"email": "o@example.net"}, created_at=OLD)
        open_report.events[0].at = OLD
        host_db.session.commit()
    done = retain(app)
    assert sorted(done.reports) == sorted([quick.public_id, rejected.public_id])
    assert kept_longer.public_id not in done.reports
    assert holds(app, "o@example.net") == ["cc_reporter_contacts"]


def test_erasure_on_request_removes_everything_tied_to_the_address(
    app: Flask, client: FlaskClient, team: Team
) -> None:
    open_case = make_case(app, closed_at=RECENT, mail_id="<a@x>")
    other = make_case(app, closed_at=RECENT, email="anna@example.net", mail_id="<b@x>")
    with app.app_context():
        host_db.session.add(Follower(report_id=other.id, email=MARIO, locale="it"))  # a pending request
        host_db.session.add(Subscription(email=MARIO, locale="it", topic="notices", confirmed_at=NOW))
        host_db.session.commit()
    before = counts(app)
    public_before = public_views(client, open_case.public_id)

    with app.app_context():
        dry = erase_address(host_db.session, " Mario.Rossi@Example.NET ", dry_run=True)
    assert dry.reports == [open_case.public_id] and counts(app) == before

    with app.app_context():
        receipt = erase_address(host_db.session, " Mario.Rossi@Example.NET ", now=NOW)
    assert receipt.reports == [open_case.public_id]
    assert (receipt.contacts, receipt.followers, receipt.notice_subscriptions) == (1, 1, 1)
    assert (receipt.unsent_mails, receipt.sent_mails, receipt.message_ids) == (1, 1, 1)
    assert any(open_case.public_id in line for line in receipt.lines())
    assert holds(app, MARIO) == [] and holds(app, "Mario Rossi") == []
    # Other people stay: the follower of Mario's report, Anna and her report.
    assert holds(app, FAN) == ["cc_followers", "cc_outbox"]
    assert holds(app, "anna@example.net") == ["cc_reporter_contacts", "cc_outbox"]
    with app.app_context():
        events = host_db.session.scalars(
            sa.select(StatusEvent).where(StatusEvent.report_id == open_case.id, StatusEvent.action == "erase")
        ).all()
        assert [(e.public, e.note, e.data) for e in events] == [(False, None, {})]
        report = host_db.session.get(Report, open_case.id)
        assert report is not None and report.contact_erased
    assert public_views(client, open_case.public_id) == public_before
    assert client.get(f"/citizencare/survey/{open_case.survey}").status_code == 404

    with app.app_context():
        again = erase_address(host_db.session, MARIO)
    assert again == Erased()


def test_the_commands_print_what_they_did(app: Flask) -> None:
    case = make_case(app, closed_at=OLD)
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["citizencare", "retention", "run", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would erase 1 report(s)" in dry.output and case.public_id in dry.output
    done = runner.invoke(args=["citizencare", "retention", "run", "--batch-size", "1"])
    assert done.exit_code == 0 and "reporter contacts erased: 1" in done.output
    assert "reports: 0" in runner.invoke(args=["citizencare", "retention", "run"]).output

    make_case(app, closed_at=RECENT, email="luisa@example.net", mail_id="<l@x>")
    erased = runner.invoke(args=["citizencare", "erase", "--email", "luisa@example.net"])
    assert erased.exit_code == 0 and "reporter contacts erased: 1" in erased.output
    assert "reports: 0" in runner.invoke(args=["citizencare", "erase", "--email", "luisa@example.net"]).output
    bad = runner.invoke(args=["citizencare", "erase", "--email", "nobody"])
    assert bad.exit_code == 2 and "e-mail address" in bad.output


@pytest.mark.parametrize(
    "config",
    [
        {"CITIZENCARE_RETENTION_MONTHS": 0},
        {"CITIZENCARE_RETENTION_MONTHS": "24"},
        {"CITIZENCARE_RETENTION_MONTHS_BY_CATEGORY": {"strade": -1}},
        {"CITIZENCARE_RETENTION_MONTHS_BY_CATEGORY": [("strade", 3)]},
    ],
)
def test_unusable_retention_settings_stop_start_up(database_url: str, config: dict[str, Any]) -> None:
    from flask_citizencare import ConfigurationError

    from .host import make_host_app

    with pytest.raises(ConfigurationError, match="RETENTION_MONTHS"):
        make_host_app(database_url, **config)
