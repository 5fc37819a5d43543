"""The offices administration screen: list, create, edit, deactivate, delete; roles and bad input."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from flask_citizencare.models import Office, OfficeMember, Report, StaffMember

from .factories import create_report
from .host import host_db
from .staff import Team, client_for

URL = "/citizencare/staff/admin/offices"
EN = {"Accept-Language": "en"}


def csrf(client: FlaskClient, url: str = URL) -> str:
    html = client.get(url, headers=EN).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def snapshot(app: Flask) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    with app.app_context():
        offices = [
            tuple(r)
            for r in host_db.session.execute(
                sa.select(
                    Office.id, Office.code, Office.name, Office.email, Office.active, Office.external
                ).order_by(Office.id)
            )
        ]
        members = [
            tuple(r)
            for r in host_db.session.execute(
                sa.select(OfficeMember.office_id, OfficeMember.staff_id).order_by(
                    OfficeMember.office_id, OfficeMember.staff_id
                )
            )
        ]
        host_db.session.remove()
        return offices, members


def office_by_code(app: Flask, code: str) -> Office | None:
    with app.app_context():
        office = host_db.session.scalar(sa.select(Office).where(Office.code == code))
        if office is not None:
            host_db.session.expunge(office)
        host_db.session.remove()
        return office


def technicians_of(app: Flask, office_id: int) -> set[int]:
    with app.app_context():
        ids = set(
            host_db.session.scalars(
                sa.select(OfficeMember.staff_id).where(OfficeMember.office_id == office_id)
            )
        )
        host_db.session.remove()
        return ids


def add_case(app: Flask, office_id: int, status: str) -> None:
    """A case of ``office_id`` in ``status``, with the times that status needs."""
    now = datetime.now(UTC)
    times: dict[str, Any] = {"acknowledged_at": now}
    if status == "closed":
        times.update(resolved_at=now, closed_at=now)
    with app.app_context():
        create_report(host_db.session, office_id=office_id, status=status, **times)
        host_db.session.commit()
        host_db.session.remove()


def form(token: str, **fields: Any) -> dict[str, Any]:
    return {"csrf_token": token, "code": "verde", "name": "Verde pubblico", "email": "", **fields}


def test_managers_see_the_list_with_counts(app: Flask, team: Team) -> None:
    add_case(app, team.roads.id, "new")
    add_case(app, team.roads.id, "closed")
    html = client_for(app, team, "marco").get(URL, headers=EN).get_data(as_text=True)
    assert "Manutenzione strade" in html and "Illuminazione" in html and "<code>roads</code>" in html
    row = html[html.index("<code>roads</code>") : html.index("</tr>", html.index("<code>roads</code>"))]
    cells = re.findall(r"<td>([^<]*)</td>", row)
    assert cells[1:5] == ["1", "1", "active", "no"]  # one technician (Tina), one open case
    assert 'href="/citizencare/staff/admin/offices"' in html  # the menu entry


def test_admin_creates_an_office_with_technicians(app: Flask, team: Team) -> None:
    ada = client_for(app, team, "ada")
    tina, luca = team.members["tina"].id, team.members["luca"].id
    response = ada.post(
        URL + "/new",
        data=form(
            csrf(ada, URL + "/new"),
            code=" Verde-Nord ",
            email="verde@comune.example",
            external="y",
            technicians=[str(tina), str(luca)],
        ),
        headers=EN,
    )
    assert response.status_code == 303
    office = office_by_code(app, "verde-nord")
    assert office is not None and office.external and office.active and office.email == "verde@comune.example"
    assert technicians_of(app, office.id) == {tina, luca}
    html = ada.get(URL, headers=EN).get_data(as_text=True)
    assert "Office Verde pubblico saved." in html


def test_manager_edits_an_office_and_its_technicians(app: Flask, team: Team) -> None:
    marco = client_for(app, team, "marco")
    url = f"{URL}/{team.roads.id}"
    page = marco.get(url, headers=EN).get_data(as_text=True)
    assert 'value="roads"' in page and "checked" in page  # Tina is in it
    luca = team.members["luca"].id
    response = marco.post(
        url, data=form(csrf(marco, url), code="strade", name="Strade", technicians=[str(luca)]), headers=EN
    )
    assert response.status_code == 303
    office = office_by_code(app, "strade")
    assert (
        office is not None and office.id == team.roads.id and office.name == "Strade" and not office.external
    )
    assert technicians_of(app, office.id) == {luca}


def test_non_technician_members_stay_when_technicians_change(app: Flask, team: Team) -> None:
    with app.app_context():
        host_db.session.add(OfficeMember(staff_id=team.members["olga"].id, office_id=team.roads.id))
        host_db.session.commit()
    marco = client_for(app, team, "marco")
    url = f"{URL}/{team.roads.id}"
    assert marco.post(url, data=form(csrf(marco, url), code="roads", name="Strade")).status_code == 303
    assert technicians_of(app, team.roads.id) == {team.members["olga"].id}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"code": "ROADS"}, "Another office already has the code roads."),
        ({"code": "verde nord"}, "The code must be at most 64 lowercase letters"),
        ({"code": "a" * 65}, "The code must be at most 64 lowercase letters"),
        ({"code": ""}, "The code must be at most 64 lowercase letters"),
        ({"name": "  "}, "Give the office a name."),
        ({"name": "n" * 201}, "The name can be at most 200 characters long."),
        ({"email": "not-an-address"}, "Enter a valid e-mail address"),
        ({"technicians": ["999999"]}, "Choose the technicians from the list of active technicians."),
        ({"technicians": ["abc"]}, "Choose the technicians from the list of active technicians."),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(
    app: Flask, team: Team, fields: dict[str, Any], message: str
) -> None:
    ada = client_for(app, team, "ada")
    token = csrf(ada, URL + "/new")
    before = snapshot(app)
    response = ada.post(URL + "/new", data=form(token, **fields), headers=EN)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert message in response.get_data(as_text=True)
    assert snapshot(app) == before


@pytest.mark.parametrize("who", ["marco", "olga"])
def test_a_manager_or_operator_cannot_be_chosen_as_technician(app: Flask, team: Team, who: str) -> None:
    ada = client_for(app, team, "ada")
    before = snapshot(app)
    response = ada.post(
        URL + "/new", data=form(csrf(ada, URL + "/new"), technicians=[str(team.members[who].id)]), headers=EN
    )
    assert response.status_code == 400
    assert snapshot(app) == before


def test_an_inactive_technician_cannot_be_chosen(app: Flask, team: Team) -> None:
    with app.app_context():
        member = host_db.session.get(StaffMember, team.members["luca"].id)
        assert member is not None
        member.active = False
        host_db.session.commit()
    ada = client_for(app, team, "ada")
    page = ada.get(URL + "/new", headers=EN).get_data(as_text=True)
    assert "Luca" not in page and "Tina" in page
    before = snapshot(app)
    response = ada.post(
        URL + "/new",
        data=form(csrf(ada, URL + "/new"), technicians=[str(team.members["luca"].id)]),
        headers=EN,
    )
    assert response.status_code == 400 and snapshot(app) == before


def test_the_service_checks_technicians_itself(app: Flask, team: Team) -> None:
    from flask_citizencare.services import offices
    from flask_citizencare.services.errors import InvalidInput

    from .staff import actor_for

    with app.test_request_context(headers=EN):
        data = offices.OfficeInput("verde", "Verde", None, False, frozenset({team.members["marco"].id}))
        with pytest.raises(InvalidInput, match="active technicians"):
            offices.create_office(actor_for(team, "ada"), data)
        host_db.session.remove()
    assert office_by_code(app, "verde") is None


def test_a_nul_byte_is_refused(app: Flask, team: Team) -> None:
    ada = client_for(app, team, "ada")
    before = snapshot(app)
    response = ada.post(URL + "/new", data=form(csrf(ada, URL + "/new"), name="Verde\x00"), headers=EN)
    assert response.status_code == 400 and snapshot(app) == before


def test_a_missing_csrf_token_changes_nothing(app: Flask, team: Team) -> None:
    ada = client_for(app, team, "ada")
    before = snapshot(app)
    assert ada.post(URL + "/new", data=form(""), headers=EN).status_code == 400
    assert ada.post(f"{URL}/{team.roads.id}/deactivate", data={}, headers=EN).status_code == 400
    assert snapshot(app) == before


def test_deactivating_warns_about_open_cases_and_reactivating_works(app: Flask, team: Team) -> None:
    for _ in range(2):
        add_case(app, team.roads.id, "in_progress")
    marco = client_for(app, team, "marco")
    response = marco.post(f"{URL}/{team.roads.id}/deactivate", data={"csrf_token": csrf(marco)}, headers=EN)
    assert response.status_code == 303
    html = marco.get(URL, headers=EN).get_data(as_text=True)
    assert "Office Manutenzione strade deactivated." in html
    assert "It still holds 2 open cases: move them to another office." in html
    office = office_by_code(app, "roads")
    assert office is not None and not office.active
    response = marco.post(f"{URL}/{team.roads.id}/activate", data={"csrf_token": csrf(marco)}, headers=EN)
    assert response.status_code == 303
    office = office_by_code(app, "roads")
    assert office is not None and office.active


def test_an_office_named_by_a_routing_rule_is_not_deactivated(app: Flask, team: Team) -> None:
    app.config["CITIZENCARE_ROUTING"] = [
        {"office": "roads", "categories": ["lamps"]},
        {"office": "lights", "categories": ["potholes"]},
    ]
    marco = client_for(app, team, "marco")
    before = snapshot(app)
    response = marco.post(f"{URL}/{team.lights.id}/deactivate", data={"csrf_token": csrf(marco)}, headers=EN)
    assert response.status_code == 409
    assert "routing rule 2 sends cases to lights" in response.get_data(as_text=True)
    url = f"{URL}/{team.lights.id}"
    response = marco.post(url, data=form(csrf(marco, url), code="luci", name="Luci"), headers=EN)
    assert response.status_code == 409 and "The code cannot change: routing rule 2" in response.get_data(
        as_text=True
    )
    assert snapshot(app) == before


def test_delete_only_an_office_that_never_had_cases(app: Flask, team: Team) -> None:
    add_case(app, team.roads.id, "closed")
    with app.app_context():
        spare = Office(code="spare", name="Spare")
        host_db.session.add(spare)
        host_db.session.flush()
        host_db.session.add(OfficeMember(staff_id=team.members["tina"].id, office_id=spare.id))
        host_db.session.commit()
        spare_id = spare.id
    ada = client_for(app, team, "ada")
    before = snapshot(app)
    response = ada.post(f"{URL}/{team.roads.id}/delete", data={"csrf_token": csrf(ada)}, headers=EN)
    assert response.status_code == 409 and "deactivate it instead" in response.get_data(as_text=True)
    # lights never had a case, but it is the lamps' default office
    response = ada.post(f"{URL}/{team.lights.id}/delete", data={"csrf_token": csrf(ada)}, headers=EN)
    assert response.status_code == 409 and "default office of a category" in response.get_data(as_text=True)
    assert snapshot(app) == before
    response = ada.post(f"{URL}/{spare_id}/delete", data={"csrf_token": csrf(ada)}, headers=EN)
    assert response.status_code == 303
    assert office_by_code(app, "spare") is None and technicians_of(app, spare_id) == set()
    with app.app_context():
        assert host_db.session.scalar(sa.select(sa.func.count()).select_from(Report)) == 1


def test_an_unknown_office_is_404(app: Flask, team: Team) -> None:
    ada = client_for(app, team, "ada")
    assert ada.get(f"{URL}/999999", headers=EN).status_code == 404
    assert ada.post(f"{URL}/999999/deactivate", data={"csrf_token": csrf(ada)}, headers=EN).status_code == 404


@pytest.mark.parametrize(
    ("who", "language", "text"),
    [("olga", "it", "Non consentito"), ("tina", "ca", "No permès"), ("luca", "en", "Not allowed")],
)
def test_operators_and_technicians_get_403_in_their_language(
    app: Flask, team: Team, who: str, language: str, text: str
) -> None:
    client = client_for(app, team, who)
    headers = {"Accept-Language": language}
    before = snapshot(app)
    for url in (URL, URL + "/new", f"{URL}/{team.roads.id}"):
        response = client.get(url, headers=headers)
        assert response.status_code == 403 and text in response.get_data(as_text=True)
    token = csrf(client, "/citizencare/staff/preferences")
    assert client.post(URL + "/new", data=form(token), headers=headers).status_code == 403
    for action in ("deactivate", "delete"):
        response = client.post(f"{URL}/{team.roads.id}/{action}", data={"csrf_token": token}, headers=headers)
        assert response.status_code == 403
    assert snapshot(app) == before
    assert 'href="/citizencare/staff/admin/offices"' not in client.get(
        "/citizencare/staff/", headers=headers
    ).get_data(as_text=True)
