"""Response templates: the managers' screen, bad input, and the replies sent by themselves."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from flask_citizencare.domain.lifecycle import Action
from flask_citizencare.models import (
    AuditEntry,
    CannedReply,
    Category,
    Message,
    OutboxMail,
    Report,
    StatusEvent,
)
from flask_citizencare.services.auto_replies import send_auto_replies
from flask_citizencare.services.errors import ActionRefused
from flask_citizencare.services.triage import reopen_by_citizen

from .factories import create_category, create_report
from .host import host_db
from .staff import Team, act, case_path, client_for

URL = "/citizencare/staff/admin/templates"
NEW = URL + "/new"
EN = {"Accept-Language": "en"}


def csrf(client: FlaskClient, url: str = NEW) -> str:
    html = client.get(url, headers=EN).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def fields(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": "presa-in-carico",
        "title": "Presa in carico",
        "body": "La segnalazione {numero} ({categoria}) è presa in carico: ora è {stato}.",
        "language": "it",
        "category": "",
        "status": "acknowledged",
        "auto_send": "y",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def post_template(client: FlaskClient, url: str = NEW, **overrides: Any) -> Any:
    return client.post(url, data={"csrf_token": csrf(client), **fields(**overrides)}, headers=EN)


def templates(app: Flask) -> list[tuple[Any, ...]]:
    with app.app_context():
        rows = [
            tuple(r)
            for r in host_db.session.execute(
                sa.select(
                    CannedReply.code,
                    CannedReply.title,
                    CannedReply.body,
                    CannedReply.language,
                    CannedReply.category_id,
                    CannedReply.status,
                    CannedReply.auto_send,
                    CannedReply.active,
                ).order_by(CannedReply.id)
            )
        ]
        host_db.session.remove()
        return rows


def new_case(app: Flask, team: Team, *, locale: str | None = "it", category: Category | None = None) -> int:
    with app.app_context():
        report = create_report(
            host_db.session,
            category=host_db.session.get(Category, (category or team.potholes).id),
            address="Via Roma 1",
            contact={"name": "Carla", "email": "carla@example.org", **({"locale": locale} if locale else {})},
        )
        host_db.session.commit()
        return report.id


def public_messages(app: Flask, report_id: int) -> list[Message]:
    with app.app_context():
        rows = list(
            host_db.session.scalars(
                sa.select(Message)
                .where(Message.report_id == report_id, Message.visibility == "public")
                .order_by(Message.id)
            )
        )
        host_db.session.expunge_all()
        host_db.session.remove()
        return rows


def mails(app: Flask, report_id: int, template: str = "message") -> list[OutboxMail]:
    with app.app_context():
        rows = list(
            host_db.session.scalars(
                sa.select(OutboxMail)
                .where(OutboxMail.report_id == report_id, OutboxMail.template == template)
                .order_by(OutboxMail.id)
            )
        )
        host_db.session.expunge_all()
        host_db.session.remove()
        return rows


def add_template(app: Flask, **values: Any) -> int:
    with app.app_context():
        template = CannedReply(
            **{"title": "T", "body": "Testo", "language": "it", "active": True, "auto_send": False, **values}
        )
        host_db.session.add(template)
        host_db.session.commit()
        return template.id


# -- The screen ------------------------------------------------------------------------------------


def test_a_manager_creates_edits_and_deactivates_a_template(app: Flask, team: Team) -> None:
    client = client_for(app, team, "marco")
    page = client.get(URL, headers=EN)
    assert page.status_code == 200 and "Response templates" in page.get_data(as_text=True)

    response = post_template(client, category=str(team.potholes.id))
    assert response.status_code == 303, response.get_data(as_text=True)
    [row] = templates(app)
    assert row[:2] == ("presa-in-carico", "Presa in carico")
    assert row[4:] == (team.potholes.id, "acknowledged", True, True)
    with app.app_context():
        template_id = host_db.session.scalar(sa.select(CannedReply.id))
        host_db.session.remove()

    edit = f"{URL}/{template_id}"
    assert "Presa in carico" in client.get(edit, headers=EN).get_data(as_text=True)
    response = post_template(client, edit, title="Presa in carico (strade)", auto_send=None, category="")
    assert response.status_code == 303
    [row] = templates(app)
    assert row[1] == "Presa in carico (strade)" and row[4] is None and row[6] is False

    token = csrf(client, URL)
    assert client.post(f"{edit}/deactivate", data={"csrf_token": token}).status_code == 303
    assert templates(app)[0][7] is False
    listed = client.get(URL, headers=EN).get_data(as_text=True)
    assert ">Presa in carico (strade)</a>" not in listed
    inactive = client.get(URL + "?show=inactive", headers=EN).get_data(as_text=True)
    assert ">Presa in carico (strade)</a>" in inactive
    assert client.post(f"{edit}/activate", data={"csrf_token": token}).status_code == 303
    assert templates(app)[0][7] is True

    with app.app_context():
        actions = list(
            host_db.session.scalars(
                sa.select(AuditEntry.action)
                .where(AuditEntry.subject_type == "template", AuditEntry.subject_id == template_id)
                .order_by(AuditEntry.id)
            )
        )
        host_db.session.remove()
    assert actions == ["create", "update", "deactivate", "activate"]
    history = client.get(edit, headers=EN).get_data(as_text=True)
    assert "History of changes" in history and "Deactivated" in history and "Marco" in history


def test_the_list_filters_by_category_state_and_language(app: Flask, team: Team) -> None:
    add_template(app, code="a", title="Alfa", category_id=team.potholes.id, status="acknowledged")
    add_template(app, code="b", title="Beta", category_id=team.lamps.id, status="resolved")
    add_template(app, code="c", title="Gamma", language="en")
    client = client_for(app, team, "marco")

    def shown(query: str) -> set[str]:
        html = client.get(f"{URL}?{query}", headers=EN).get_data(as_text=True)
        return {t for t in ("Alfa", "Beta", "Gamma") if f">{t}</a>" in html}

    assert shown("") == {"Alfa", "Beta", "Gamma"}
    assert shown(f"category={team.potholes.id}") == {"Alfa"}
    assert shown("category=general") == {"Gamma"}
    assert shown("state=resolved") == {"Beta"}
    assert shown("state=none") == {"Gamma"}
    assert shown("language=en") == {"Gamma"}
    # Forged filters are ignored (NUL bytes: the request guard's 400), never a server error.
    for forged in ("category=" + "9" * 20, "category=-1", "state=bogus", "language=xx", "show=x"):
        assert client.get(f"{URL}?{forged}", headers=EN).status_code == 200, forged
    assert client.get(f"{URL}?category=%00", headers=EN).status_code == 400


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"body": "Gentile {nome}, la segnalazione {numero}."}, "unknown placeholder {nome}"),
        ({"body": "x" * 10_001}, "1 to 10000 characters"),
        ({"body": "a\x00b"}, ""),  # NUL bytes: the request guard's 400, before the view
        ({"title": "a\x00b"}, ""),
        ({"body": "a\x07b"}, "control characters"),
        ({"status": "bogus"}, "Choose a state from the list"),
        ({"status": "", "auto_send": "y"}, "needs the state"),
        ({"category": "9" * 20}, "not one of the choices"),
        ({"category": "999999"}, "Choose an active category"),
        ({"language": "de"}, "Choose one of the languages offered"),
        ({"code": "Not a slug!"}, "lowercase letters"),
        ({"code": ""}, "Give the template a code"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(
    app: Flask, team: Team, overrides: dict[str, Any], message: str
) -> None:
    response = post_template(client_for(app, team, "marco"), **overrides)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert templates(app) == []


def test_duplicate_code_and_inactive_category_are_refused(app: Flask, team: Team) -> None:
    add_template(app, code="presa-in-carico")
    client = client_for(app, team, "marco")
    response = post_template(client)
    assert response.status_code == 400
    assert "already has the code presa-in-carico" in response.get_data(as_text=True)

    with app.app_context():
        old = create_category(host_db.session, code="old", name="Vecchia", active=False)
        host_db.session.commit()
        old_id = old.id
    response = post_template(client, code="altro", category=str(old_id))
    assert response.status_code == 400 and "Choose an active category" in response.get_data(as_text=True)
    assert len(templates(app)) == 1


def test_the_limit_of_ten_thousand_characters_is_inclusive(app: Flask, team: Team) -> None:
    assert post_template(client_for(app, team, "marco"), body="x" * 10_000).status_code == 303


@pytest.mark.parametrize("name", ["olga", "tina"])
def test_operators_and_technicians_get_403(app: Flask, team: Team, name: str) -> None:
    add_template(app, code="x")
    client = client_for(app, team, name)
    assert client.get(URL).status_code == 403
    assert client.get(NEW).status_code == 403
    assert client.post(NEW, data=fields()).status_code == 403
    with app.app_context():
        template_id = host_db.session.scalar(sa.select(CannedReply.id))
        host_db.session.remove()
    assert client.post(f"{URL}/{template_id}/deactivate").status_code == 403
    assert templates(app)[0][7] is True


def test_unknown_template_is_404(app: Flask, team: Team) -> None:
    client = client_for(app, team, "ada")
    assert client.get(f"{URL}/999999").status_code == 404
    assert client.get(f"{URL}/{'9' * 20}").status_code == 404
    token = csrf(client)
    assert client.post(f"{URL}/999999/deactivate", data={"csrf_token": token}).status_code == 404


def test_post_without_csrf_changes_nothing(app: Flask, team: Team) -> None:
    response = client_for(app, team, "marco").post(NEW, data=fields())
    assert response.status_code == 400
    assert templates(app) == []


# -- Sent by themselves --------------------------------------------------------------------------


def test_auto_send_once_when_the_case_enters_the_state_and_the_reporter_is_mailed(
    app: Flask, team: Team
) -> None:
    assert post_template(client_for(app, team, "marco")).status_code == 303
    report_id = new_case(app, team)
    act(app, team, "olga", report_id, Action.ACKNOWLEDGE)

    [message] = public_messages(app, report_id)
    with app.app_context():
        report = host_db.session.get(Report, report_id)
        assert report is not None
        assert (
            message.body
            == f"La segnalazione {report.public_id} (Buche) è presa in carico: ora è Presa in carico."
        )
        assert message.author_kind == "staff" and message.author_id == team.members["olga"].id
        events = [e for e in report.events if e.action == "message"]
        assert len(events) == 1 and events[0].public and events[0].data["template"]
        host_db.session.remove()
    # One mail, not two: the "taken in charge" mail carries the template's text.
    assert mails(app, report_id) == []
    [mail] = mails(app, report_id, "taken_in_charge")
    assert mail.recipient == "carla@example.org" and mail.locale == "it"
    assert message.body in mail.body_text and message.body in (mail.body_html or "")
    assert "L'ufficio scrive:" in mail.body_text

    # The next change enters a state without a template: nothing more.
    act(app, team, "olga", report_id, Action.ASSIGN, office_id=team.roads.id)
    assert len(public_messages(app, report_id)) == 1
    assert mails(app, report_id) == []
    [assigned] = mails(app, report_id, "assigned")
    assert "L'ufficio scrive:" not in assigned.body_text


def test_the_office_placeholder_names_the_office_just_assigned(app: Flask, team: Team) -> None:
    add_template(app, code="a", status="in_progress", auto_send=True, body="Assegnata a {ufficio}.")
    report_id = new_case(app, team)
    act(app, team, "olga", report_id, Action.ASSIGN, office_id=team.lights.id)
    assert [m.body for m in public_messages(app, report_id)] == ["Assegnata a Illuminazione."]


def test_never_twice_for_the_same_event(app: Flask, team: Team) -> None:
    add_template(app, code="t", status="acknowledged", auto_send=True, body="Presa in carico {numero}.")
    report_id = new_case(app, team)
    act(app, team, "olga", report_id, Action.ACKNOWLEDGE)
    with app.test_request_context():
        report = host_db.session.get(Report, report_id)
        assert report is not None
        event = next(e for e in report.events if e.action == "acknowledge")
        assert send_auto_replies(host_db.session, report, event, author=None) == []
        host_db.session.commit()
    assert len(public_messages(app, report_id)) == 1


def test_in_the_reporter_s_language_else_the_default(app: Flask, team: Team) -> None:
    add_template(app, code="it", status="acknowledged", auto_send=True, body="Presa in carico {numero}.")
    add_template(
        app,
        code="en",
        status="acknowledged",
        auto_send=True,
        language="en",
        body="Taken in charge: {status}.",
    )
    english = new_case(app, team, locale="en")
    catalan = new_case(app, team, locale="ca")
    for report_id in (english, catalan):
        act(app, team, "olga", report_id, Action.ACKNOWLEDGE)
    assert [m.body for m in public_messages(app, english)] == ["Taken in charge: Taken in charge."]
    [catalan_reply] = public_messages(app, catalan)
    assert catalan_reply.body.startswith("Presa in carico 20")
    [mail] = mails(app, english, "taken_in_charge")
    assert mail.locale == "en" and "The office writes:" in mail.body_text
    assert "Taken in charge: Taken in charge." in mail.body_text


def test_the_category_s_own_template_wins_over_the_general_one(app: Flask, team: Team) -> None:
    add_template(app, code="general", status="acknowledged", auto_send=True, body="Generale.")
    add_template(
        app, code="buche", status="acknowledged", auto_send=True, body="Buche.", category_id=team.potholes.id
    )
    pothole = new_case(app, team)
    lamp = new_case(app, team, category=team.lamps)
    for report_id in (pothole, lamp):
        act(app, team, "olga", report_id, Action.ACKNOWLEDGE)
    assert [m.body for m in public_messages(app, pothole)] == ["Buche."]
    assert [m.body for m in public_messages(app, lamp)] == ["Generale."]


def test_nothing_for_a_state_without_template_or_an_inactive_or_manual_one(app: Flask, team: Team) -> None:
    add_template(app, code="resolved", status="resolved", auto_send=True, body="Risolta.")
    add_template(app, code="off", status="acknowledged", auto_send=True, active=False, body="Spenta.")
    add_template(app, code="manual", status="acknowledged", auto_send=False, body="A mano.")
    report_id = new_case(app, team)
    act(app, team, "olga", report_id, Action.ACKNOWLEDGE)
    assert public_messages(app, report_id) == []
    assert mails(app, report_id) == []


def test_not_for_bulk_loaded_cases(app: Flask, team: Team) -> None:
    """A case written straight in a state (an import, the demo data) sends nothing."""
    add_template(app, code="t", status="acknowledged", auto_send=True, body="Presa in carico.")
    with app.app_context():
        report = create_report(
            host_db.session,
            category=host_db.session.get(Category, team.potholes.id),
            status="acknowledged",
            acknowledged_at=datetime.now(UTC),
            contact={"name": "Carla", "email": "carla@example.org"},
        )
        report.events.append(StatusEvent(action="acknowledge", from_status="new", to_status="acknowledged"))
        host_db.session.commit()
        report_id = report.id
    assert public_messages(app, report_id) == []


def test_a_refused_change_sends_nothing(app: Flask, team: Team) -> None:
    add_template(app, code="t", status="rejected", auto_send=True, body="Respinta.")
    report_id = new_case(app, team)
    with pytest.raises(ActionRefused):
        act(app, team, "olga", report_id, Action.REJECT)  # no reason: refused
    assert public_messages(app, report_id) == []


def test_the_case_page_offers_the_templates_of_its_category_and_state_first(app: Flask, team: Team) -> None:
    add_template(app, code="g", title="Generale")
    add_template(app, code="s", title="Solo stato", status="new")
    add_template(app, code="c", title="Categoria e stato", status="new", category_id=team.potholes.id)
    add_template(app, code="o", title="Altro stato", status="resolved")
    report_id = new_case(app, team)
    html = client_for(app, team, "olga").get(case_path(app, report_id)).get_data(as_text=True)
    positions = [html.index(t) for t in ("Categoria e stato", "Solo stato", "Generale", "Altro stato")]
    assert positions == sorted(positions)


def test_a_citizen_s_reopening_by_mail_gets_the_template_from_the_system(app: Flask, team: Team) -> None:
    add_template(app, code="riaperta", status="in_progress", auto_send=True, body="Riaperta: {stato}.")
    now = datetime.now(UTC)
    with app.test_request_context():
        report = create_report(
            host_db.session,
            category=host_db.session.get(Category, team.potholes.id),
            status="resolved",
            acknowledged_at=now,
            resolved_at=now,
            office_id=team.roads.id,
            contact={"name": "Carla", "email": "carla@example.org"},
        )
        host_db.session.commit()
        report_id = report.id
        assert reopen_by_citizen(report, "Non è risolto", now) is not None
        host_db.session.commit()
    [message] = public_messages(app, report_id)
    assert message.body.startswith("Riaperta: ") and "{stato}" not in message.body
    assert message.author_kind == "system" and message.author_id is None
    assert len(mails(app, report_id)) == 1
