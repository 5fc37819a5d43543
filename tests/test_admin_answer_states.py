"""The answer states administration screen: list, create, edit, reorder, deactivate, delete; bad input."""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from flask_citizencare.models import AnswerState, AuditEntry, Category, ProposalAnswer
from flask_citizencare.services import answer_states as service
from flask_citizencare.services.answer_states import ensure_default_states
from flask_citizencare.services.errors import Forbidden, InvalidInput, NotNow

from .factories import create_report
from .host import host_db
from .staff import Team, actor_for, client_for

URL = "/citizencare/staff/admin/answer-states"
EN = {"Accept-Language": "en"}


def csrf(client: FlaskClient, url: str = URL) -> str:
    html = client.get(url, headers=EN).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def install(app: Flask) -> dict[str, int]:
    with app.app_context():
        ensure_default_states(host_db.session())
        host_db.session.commit()
        found = {s.code: s.id for s in host_db.session.scalars(sa.select(AnswerState))}
        host_db.session.remove()
        return found


def rows(app: Flask) -> list[tuple[Any, ...]]:
    with app.app_context():
        found = [
            (s.code, s.name, dict(s.names or {}), s.colour, s.meaning, s.needs_reason, s.needs_date, s.active)
            for s in host_db.session.scalars(
                sa.select(AnswerState).order_by(AnswerState.position, AnswerState.id)
            )
        ]
        host_db.session.remove()
        return found


def audit_actions(app: Flask) -> list[tuple[str, str]]:
    with app.app_context():
        found = [
            (e.subject_label, e.action)
            for e in host_db.session.scalars(
                sa.select(AuditEntry).where(AuditEntry.subject_type == "answer_state").order_by(AuditEntry.id)
            )
        ]
        host_db.session.remove()
        return found


def form(token: str, **fields: Any) -> dict[str, Any]:
    return {
        "csrf_token": token,
        "code": "postponed",
        "name_it": "Rinviata",
        "name_en": "Postponed",
        "name_ca": "Ajornada",
        "colour": "#FFCC00",
        "meaning": "under_review",
        "active": "y",
        **fields,
    }


def test_the_list_shows_swatches_labels_per_language_and_meanings(app: Flask, team: Team) -> None:
    install(app)
    html = client_for(app, team, "marco").get(URL, headers=EN).get_data(as_text=True)
    assert 'href="/citizencare/staff/admin/answer-states"' in html  # the menu entry
    assert "/citizencare/answer-states.css" in html
    row = html[html.index('data-state="not_accepted"') :]
    row = row[: row.index("</tr>")]
    assert 'lang="it" data-language="it">Non accolta<' in row
    assert 'lang="en" data-language="en">Not accepted<' in row
    assert 'lang="ca" data-language="ca">No acceptada<' in row
    assert "cc-swatch cc-answer-state--not_accepted" in row and "#b8283e" in row
    assert "reason" in row and "Not accepted" in row
    for language, label in (("it", "Realizzata"), ("en", "Implemented"), ("ca", "Realitzada")):
        page = client_for(app, team, "marco").get(URL, headers={"Accept-Language": language})
        assert f'cc-answer-state--implemented">{label}</span>' in page.get_data(as_text=True)


def test_a_manager_creates_a_state_in_three_languages(app: Flask, team: Team) -> None:
    install(app)
    marco = client_for(app, team, "marco")
    response = marco.post(URL + "/new", data=form(csrf(marco, URL + "/new")), headers=EN)
    assert response.status_code == 303, response.get_data(as_text=True)
    created = rows(app)[-1]
    assert created == (
        "postponed",
        "Rinviata",
        {"en": "Postponed", "ca": "Ajornada"},
        "#ffcc00",
        "under_review",
        False,
        False,
        True,
    )
    assert audit_actions(app) == [("Rinviata (postponed)", "create")]
    css = app.test_client().get("/citizencare/answer-states.css").get_data(as_text=True)
    assert ".cc-answer-state--postponed { background-color: #ffcc00; color: #000000;" in css


def test_editing_keeps_the_code_and_is_audited(app: Flask, team: Team) -> None:
    ids = install(app)
    ada = client_for(app, team, "ada")
    url = f"{URL}/{ids['accepted']}"
    page = ada.get(url, headers=EN).get_data(as_text=True)
    assert 'value="Accolta"' in page and 'value="Accepted"' in page and 'value="Acceptada"' in page
    response = ada.post(
        url,
        data=form(csrf(ada, url), code="accepted", name_it="Approvata", name_en="Approved", name_ca="",
                  colour="#00804d", meaning="accepted"),
        headers=EN,
    )  # fmt: skip
    assert response.status_code == 303
    assert rows(app)[1][:3] == ("accepted", "Approvata", {"en": "Approved"})
    [(label, action)] = audit_actions(app)
    assert action == "update" and label == "Approvata (accepted)"
    changed = ada.post(url, data=form(csrf(ada, url), code="approved", meaning="accepted"), headers=EN)
    assert changed.status_code == 400 and "cannot change" in changed.get_data(as_text=True)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"code": "ACCEPTED"}, "Another answer state already has the code accepted."),
        ({"code": "with space"}, "The code must be at most 40 lowercase letters"),
        ({"code": "1st"}, "The code must be at most 40 lowercase letters"),
        ({"code": "a" * 41}, "The code must be at most 40 lowercase letters"),
        ({"colour": "red"}, "The colour must be written as # and six hexadecimal digits"),
        ({"colour": "#12345"}, "The colour must be written as # and six hexadecimal digits"),
        ({"colour": "#1234567"}, "The colour must be written as # and six hexadecimal digits"),
        ({"name_it": ""}, "Give the state a label in"),
        ({"name_it": "x" * 81}, "A label can be at most 80 characters long."),
        ({"name_en": "Post\x00poned"}, "The request could not be understood"),
        ({"code": "post\x00poned"}, "The request could not be understood"),
        ({"name_en": "Post\x07poned"}, "control characters"),
        ({"meaning": "maybe"}, "Not a valid choice"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(
    app: Flask, team: Team, fields: dict[str, str], message: str
) -> None:
    install(app)
    before = rows(app)
    marco = client_for(app, team, "marco")
    response = marco.post(URL + "/new", data=form(csrf(marco, URL + "/new"), **fields), headers=EN)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert rows(app) == before and audit_actions(app) == []


def test_the_service_checks_everything_itself(app: Flask, team: Team) -> None:
    install(app)
    with app.test_request_context(headers=EN):
        marco = actor_for(team, "marco")
        good = service.AnswerStateInput("postponed", {"it": "Rinviata"}, "#ffcc00", "under_review")
        for bad in (
            service.AnswerStateInput(
                "postponed", {"it": "Rinviata", "de": "Verschoben"}, "#ffcc00", "accepted"
            ),
            service.AnswerStateInput("postponed", {"it": "Rinviata"}, "#ffcc0", "accepted"),
            service.AnswerStateInput("postponed", {"it": "Rin\x00viata"}, "#ffcc00", "accepted"),
            service.AnswerStateInput("postponed", {"it": "Rinviata"}, "#ffcc00", "rejected"),
            service.AnswerStateInput("implemented", {"it": "Doppia"}, "#ffcc00", "implemented"),
        ):
            with pytest.raises(InvalidInput):
                service.create_state(marco, bad)
        with pytest.raises(Forbidden):
            service.create_state(actor_for(team, "olga"), good)
        with pytest.raises(Forbidden):
            service.create_state(actor_for(team, "tina"), good)
        host_db.session.remove()
    assert len(rows(app)) == 5 and audit_actions(app) == []


def test_reorder_deactivate_and_delete_only_what_no_answer_uses(app: Flask, team: Team) -> None:
    ids = install(app)
    marco = client_for(app, team, "marco")
    token = csrf(marco)
    assert marco.post(f"{URL}/{ids['implemented']}/up", data={"csrf_token": token}).status_code == 303
    assert [r[0] for r in rows(app)][-2:] == ["implemented", "not_accepted"]
    first = marco.post(f"{URL}/{ids['under_evaluation']}/up", data={"csrf_token": token}, headers=EN)
    assert first.status_code == 409 and "already first" in first.get_data(as_text=True)

    with app.app_context():
        category = host_db.session.get(Category, team.potholes.id)
        report = create_report(host_db.session(), category=category, kind="proposal")
        host_db.session.add(ProposalAnswer(report_id=report.id, state_id=ids["not_accepted"], body="No."))
        host_db.session.commit()
        host_db.session.remove()
    used = marco.post(f"{URL}/{ids['not_accepted']}/delete", data={"csrf_token": token}, headers=EN)
    assert used.status_code == 409 and "deactivate it instead" in used.get_data(as_text=True)
    assert (
        marco.post(f"{URL}/{ids['not_accepted']}/deactivate", data={"csrf_token": token}).status_code == 303
    )
    assert dict((r[0], r[-1]) for r in rows(app))["not_accepted"] is False
    again = marco.post(f"{URL}/{ids['not_accepted']}/deactivate", data={"csrf_token": token}, headers=EN)
    assert again.status_code == 409
    assert marco.post(f"{URL}/{ids['not_accepted']}/activate", data={"csrf_token": token}).status_code == 303
    assert (
        marco.post(f"{URL}/{ids['partially_accepted']}/delete", data={"csrf_token": token}).status_code == 303
    )
    assert "partially_accepted" not in [r[0] for r in rows(app)]
    actions = [a for _l, a in audit_actions(app)]
    assert actions[0] == "reorder" and actions[-3:] == ["deactivate", "activate", "delete"]
    with app.test_request_context(), pytest.raises(NotNow):
        service.delete_state(actor_for(team, "marco"), ids["not_accepted"])


def test_others_get_403_and_a_missing_token_or_unknown_id_changes_nothing(app: Flask, team: Team) -> None:
    ids = install(app)
    before = rows(app)
    for who in ("olga", "tina"):
        client = client_for(app, team, who)
        assert client.get(URL).status_code == 403
        assert client.post(URL + "/new", data=form("x")).status_code == 403
        assert client.post(f"{URL}/{ids['accepted']}/delete", data={}).status_code == 403
    marco = client_for(app, team, "marco")
    assert marco.post(f"{URL}/{ids['accepted']}/delete", data={}).status_code == 400
    assert marco.get(f"{URL}/999999").status_code == 404
    assert marco.post(f"{URL}/999999/delete", data={"csrf_token": csrf(marco)}).status_code == 404
    assert marco.get(f"{URL}/99999999999999999999").status_code == 404
    assert rows(app) == before and audit_actions(app) == []
