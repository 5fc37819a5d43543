"""Replies by mail: the fixtures of ``tests/mail`` posted into real reports, reopening resolved ones."""

from __future__ import annotations

import mailbox
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_citizencare.access import Actor
from flask_citizencare.domain.lifecycle import Action, Role, Status
from flask_citizencare.domain.mail import reply_address
from flask_citizencare.models import Message, Photo, Report, StaffMember, StatusEvent
from flask_citizencare.services.mail.reply_addresses import reply_secret
from flask_citizencare.services.replies import IngestResult, ingest_message
from flask_citizencare.services.triage import ActionInput, apply_action

from .factories import create_report
from .host import host_db
from .smtp import REPLY_DOMAIN, REPLY_LOCAL, REPLY_SECRET
from .staff import Team
from .test_mail_parsing import IGNORED_FIXTURES

MAIL = Path(__file__).parent / "mail"
SECRET, DOMAIN, LOCAL = REPLY_SECRET, REPLY_DOMAIN, REPLY_LOCAL
FIXTURE_ADDRESS = reply_address(LOCAL, 123, SECRET, DOMAIN)


def fixture_for(name: str, report_id: int, message_id: str | None = None) -> bytes:
    """A fixture mail addressed to ``report_id`` (optionally with another Message-ID)."""
    raw = (MAIL / name).read_bytes()
    raw = raw.replace(FIXTURE_ADDRESS.encode(), reply_address(LOCAL, report_id, SECRET, DOMAIN).encode())
    raw = raw.replace(b"risposte+123.", f"risposte+{report_id}.".encode())  # the forged one too
    if message_id is not None:
        lines = raw.split(b"\n")
        lines = [
            f"Message-ID: {message_id}".encode() if line.lower().startswith(b"message-id:") else line
            for line in lines
        ]
        raw = b"\n".join(lines)
    return raw


def new_report(team: Team) -> int:
    with host_db.session.no_autoflush:
        category = host_db.session.get(type(team.potholes), team.potholes.id)
        report = create_report(host_db.session(), category=category, received_at=datetime.now(UTC))
    host_db.session.commit()
    return report.id


def actor(team: Team, name: str, role: Role) -> Actor:
    member = host_db.session.get(StaffMember, team.members[name].id)
    assert member is not None
    return Actor(member, frozenset({role, Role.CITIZEN}))


def act(team: Team, name: str, role: Role, report_id: int, action: Action, **fields: object) -> Report:
    report = host_db.session.get(Report, report_id)
    assert report is not None
    data = ActionInput(expected_version=report.version, **fields)  # type: ignore[arg-type]
    result = apply_action(actor(team, name, role), report_id, action, data)
    host_db.session.remove()
    return result


def resolved_by_tina(team: Team) -> int:
    """A case assigned to the roads technician, who resolves it; then reassigned elsewhere."""
    report_id = new_report(team)
    act(team, "olga", Role.OPERATOR, report_id, Action.ASSIGN, assignee_id=team.members["tina"].id)
    resolve_again(team, report_id)
    return report_id


def resolve_again(team: Team, report_id: int) -> None:
    act(team, "tina", Role.TECHNICIAN, report_id, Action.RESOLVE, public_reply="Buca chiusa.")


def rows() -> dict[str, int]:
    host_db.session.expire_all()
    return {
        model.__tablename__: host_db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0
        for model in (Report, Message, StatusEvent, Photo)
    } | {"version": sum(host_db.session.scalars(sa.select(Report.version)))}


def load(report_id: int) -> Report:
    host_db.session.expire_all()
    report = host_db.session.get(Report, report_id)
    assert report is not None
    return report


def test_gmail_reply_to_an_open_report_is_posted_privately(mail_app: Flask, team: Team) -> None:
    with mail_app.test_request_context():
        report_id = new_report(team)
        result = ingest_message(fixture_for("gmail_reply.eml", report_id))
        assert result.status == "posted" and result.report_id == report_id and result.message_id
        report = load(report_id)
        assert report.status == Status.NEW.value
        [message] = report.messages
        assert (message.visibility, message.author_kind, message.source) == ("private", "reporter", "email")
        assert message.email_message_id == "<CAJx8d0G7u2kq=Zr1nA0b5pQ@mail.gmail.example>"
        assert message.body.startswith("Buongiorno,\nla buca in via Rizzoli è ancora lì")
        assert "ha scritto" not in message.body and "Gentile cittadina" not in message.body
        token, public_id = report.tracking_token, report.public_id
    client = mail_app.test_client()
    assert "ancora lì" in client.get(f"/citizencare/track/{token}").get_data(as_text=True)
    assert "ancora lì" not in client.get(f"/citizencare/reports/{public_id}").get_data(as_text=True)


def test_reply_to_a_recently_resolved_report_reopens_it_to_the_resolver(mail_app: Flask, team: Team) -> None:
    with mail_app.test_request_context():
        report_id = resolved_by_tina(team)
        # someone moves the resolved case to another technician: the reopening still goes to tina
        report = load(report_id)
        report.assignee_id = team.members["luca"].id
        host_db.session.commit()

        result = ingest_message(fixture_for("gmail_reply.eml", report_id))
        assert result.status == "reopened"
        report = load(report_id)
        assert report.status == Status.IN_PROGRESS.value
        assert report.assignee_id == team.members["tina"].id == report.resolver_id
        assert report.resolved_at is None and report.resolve_due_at is not None
        event = report.events[-1]
        assert (event.action, event.from_status, event.to_status) == ("reopen", "resolved", "in_progress")
        assert (event.actor_kind, event.actor_id) == ("citizen", None)
        assert event.note is not None and event.note.startswith("Buongiorno") and len(event.note) <= 200
        assert report.messages[-1].source == "email"


def test_reply_long_after_resolution_is_posted_without_reopening(mail_app: Flask, team: Team) -> None:
    with mail_app.test_request_context():
        report_id = resolved_by_tina(team)
        later = datetime.now(UTC) + timedelta(days=31)
        assert ingest_message(fixture_for("gmail_reply.eml", report_id), now=later).status == "posted"
        report = load(report_id)
        assert report.status == Status.RESOLVED.value and len(report.messages) == 2  # answer + reply
        mail_app.config["CITIZENCARE_REOPEN_DAYS"] = 40
        raw = fixture_for("gmail_reply.eml", report_id, message_id="<other@example.org>")
        assert ingest_message(raw, now=later).status == "reopened"


def test_reply_to_a_closed_report_is_posted_only(mail_app: Flask, team: Team) -> None:
    with mail_app.test_request_context():
        report_id = resolved_by_tina(team)
        act(team, "olga", Role.OPERATOR, report_id, Action.CLOSE)
        assert ingest_message(fixture_for("gmail_reply.eml", report_id)).status == "posted"
        assert load(report_id).status == Status.CLOSED.value


@pytest.mark.parametrize(
    ("name", "reason"),
    IGNORED_FIXTURES,
)
def test_machine_and_forged_mail_changes_nothing(mail_app: Flask, team: Team, name: str, reason: str) -> None:
    with mail_app.test_request_context():
        report_id = resolved_by_tina(team)
        before = rows()
        result = ingest_message(fixture_for(name, report_id))
        assert result.status == f"ignored:{reason}" and not result.changed
        assert rows() == before
        assert load(report_id).status == Status.RESOLVED.value


def test_unknown_report_and_other_secret_are_ignored(mail_app: Flask, team: Team) -> None:
    with mail_app.test_request_context():
        report_id = new_report(team)
        before = rows()
        assert ingest_message(fixture_for("gmail_reply.eml", report_id + 1000)).status == (
            "ignored:unknown_report"
        )
        mail_app.config["CITIZENCARE_REPLY_SECRET"] = b"another-secret"
        assert ingest_message(fixture_for("gmail_reply.eml", report_id)).status == "ignored:forged"
        assert rows() == before


def test_the_default_secret_comes_from_the_secret_key(mail_app: Flask) -> None:
    with mail_app.test_request_context():
        mail_app.config["CITIZENCARE_REPLY_SECRET"] = None
        derived = reply_secret()
        assert len(derived) == 32 and mail_app.config["SECRET_KEY"].encode() not in derived
        mail_app.config["SECRET_KEY"] = "another-key"
        assert reply_secret() != derived


def test_the_same_mail_twice_is_posted_once(mail_app: Flask, team: Team) -> None:
    with mail_app.test_request_context():
        report_id = resolved_by_tina(team)
        raw = fixture_for("gmail_reply.eml", report_id)
        assert ingest_message(raw).status == "reopened"
        before = rows()
        assert ingest_message(raw) == IngestResult(
            "duplicate", report_id, detail="<CAJx8d0G7u2kq=Zr1nA0b5pQ@mail.gmail.example>"
        )
        assert rows() == before


def test_iphone_reply_attaches_its_photo(mail_app: Flask, team: Team) -> None:
    with mail_app.test_request_context():
        report_id = new_report(team)
        assert ingest_message(fixture_for("iphone_reply.eml", report_id)).status == "posted"
        report = load(report_id)
        [message] = report.messages
        assert message.body == "Ecco la foto della buca, è profonda almeno 10 cm."
        [photo] = report.photos
        assert photo.message_id == message.id and photo.content_type == "image/jpeg"


def test_photos_beyond_the_limit_are_left_out_but_the_text_kept(mail_app: Flask, team: Team) -> None:
    mail_app.config["CITIZENCARE_MAX_PHOTOS"] = 1
    with mail_app.test_request_context():
        report_id = new_report(team)
        assert ingest_message(fixture_for("iphone_reply.eml", report_id)).status == "posted"
        raw = fixture_for("iphone_reply.eml", report_id, message_id="<second@icloud.example>")
        assert ingest_message(raw).status == "posted"
        report = load(report_id)
        assert len(report.messages) == 2 and len(report.photos) == 1


def test_reopening_by_mail_is_limited_per_day(mail_app: Flask, team: Team) -> None:
    with mail_app.test_request_context():
        report_id = resolved_by_tina(team)
        statuses = []
        for n in range(4):
            raw = fixture_for("gmail_reply.eml", report_id, message_id=f"<again.{n}@example.org>")
            statuses.append(ingest_message(raw).status)
            if load(report_id).status != Status.RESOLVED.value:
                resolve_again(team, report_id)
        assert statuses == ["reopened", "reopened", "reopened", "posted"]
        report = load(report_id)
        assert report.status == Status.RESOLVED.value
        assert sum(1 for e in report.events if e.action == "reopen" and e.actor_kind == "citizen") == 3
        assert sum(1 for m in report.messages if m.source == "email") == 4
        # a day later the citizen may reopen again
        raw = fixture_for("gmail_reply.eml", report_id, message_id="<next.day@example.org>")
        assert ingest_message(raw, now=datetime.now(UTC) + timedelta(hours=25)).status == "reopened"


def test_cli_reads_one_mail_from_stdin(mail_app: Flask, team: Team) -> None:
    with mail_app.app_context():
        report_id = new_report(team)
    runner = mail_app.test_cli_runner()
    result = runner.invoke(
        args=["citizencare", "mail", "ingest"], input=fixture_for("gmail_reply.eml", report_id)
    )
    assert result.exit_code == 0, result.output
    assert result.output == f"stdin: posted report {report_id}\n"
    ignored = runner.invoke(
        args=["citizencare", "mail", "ingest"], input=fixture_for("bounce.eml", report_id)
    )
    assert ignored.exit_code == 0 and ignored.output.startswith("stdin: ignored:bounce")


def test_cli_processes_a_maildir_and_marks_messages_seen(mail_app: Flask, team: Team, tmp_path: Path) -> None:
    with mail_app.app_context():
        report_id = new_report(team)
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    box.add(fixture_for("gmail_reply.eml", report_id))
    box.add(fixture_for("auto_reply.eml", report_id))
    runner = mail_app.test_cli_runner()
    result = runner.invoke(args=["citizencare", "mail", "ingest", "--maildir", str(tmp_path / "Maildir")])
    assert result.exit_code == 0, result.output
    lines = sorted(line.split(": ", 1)[1] for line in result.output.splitlines())
    assert lines[0].startswith("ignored:automatic") and lines[1] == f"posted report {report_id}"
    box = mailbox.Maildir(tmp_path / "Maildir", create=False)
    assert len(box) == 2 and all("S" in box.get_message(key).get_flags() for key in box.keys())
    assert not list((tmp_path / "Maildir" / "new").iterdir())
    again = runner.invoke(args=["citizencare", "mail", "ingest", "--maildir", str(tmp_path / "Maildir")])
    assert again.exit_code == 0 and again.output == ""
    with mail_app.app_context():
        assert len(load(report_id).messages) == 1


def test_cli_processes_an_mbox(mail_app: Flask, team: Team, tmp_path: Path) -> None:
    with mail_app.app_context():
        report_id = new_report(team)
    box = mailbox.mbox(tmp_path / "replies.mbox", create=True)
    box.add(fixture_for("gmail_reply.eml", report_id))
    box.add(fixture_for("iphone_reply.eml", report_id))
    box.flush()
    box.close()
    runner = mail_app.test_cli_runner()
    result = runner.invoke(args=["citizencare", "mail", "ingest", "--mbox", str(tmp_path / "replies.mbox")])
    assert result.exit_code == 0, result.output
    assert result.output.count(f"posted report {report_id}") == 2
    with mail_app.app_context():
        assert len(load(report_id).messages) == 2
