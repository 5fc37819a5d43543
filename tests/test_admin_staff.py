"""The staff administration page: admins add host users, change roles and offices, deactivate."""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from flask_citizencare.context import state
from flask_citizencare.models import StaffMember

from .host import HostUser, host_db
from .staff import Team, client_for

URL = "/citizencare/staff/admin/staff"


def csrf(client: FlaskClient, url: str = URL) -> str:
    html = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def english(client: FlaskClient) -> FlaskClient:
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def table_roles(app: Flask) -> None:
    """Roles from our staff table, as when the host registers no role loader."""
    state(app).hooks._role_loader = None


def host_user(app: Flask, email: str, roles: str = "citizen") -> str:
    with app.app_context():
        user = HostUser(email=email, roles=roles)
        host_db.session.add(user)
        host_db.session.commit()
        return str(user.id)


def snapshot(app: Flask) -> list[tuple[Any, ...]]:
    with app.app_context():
        members = host_db.session.scalars(sa.select(StaffMember).order_by(StaffMember.id)).all()
        return [
            (m.id, m.user_id, m.display_name, m.email, m.role, m.active, sorted(o.code for o in m.offices))
            for m in members
        ]


def member(app: Flask, user_id: str) -> tuple[Any, ...] | None:
    return next((row for row in snapshot(app) if row[1] == user_id), None)


def post(client: FlaskClient, url: str = URL, **data: Any):  # type: ignore[no-untyped-def]
    return client.post(url, data={"csrf_token": csrf(client), **data})


def test_the_admin_sees_the_list_and_the_filter(app: Flask, team: Team, table_roles: None) -> None:
    ada = english(client_for(app, team, "ada"))
    html = ada.get(URL).get_data(as_text=True)
    assert f'href="{URL}" aria-current="page">Staff' in html
    for name in ("Olga", "Marco", "Ada", "Tina", "Luca"):
        assert f'<th scope="row">{name}</th>' in html
    assert "tina@comune.example" in html and "Manutenzione strade" in html
    assert 'id="add-role"' in html and "The site decides the roles" not in html
    assert post(ada, f"{URL}/{team.members['olga'].id}/active", active="0").status_code == 303
    assert '<th scope="row">Olga</th>' not in ada.get(URL).get_data(as_text=True)
    inactive = ada.get(URL + "?show=inactive").get_data(as_text=True)
    assert '<th scope="row">Olga</th>' in inactive and '<th scope="row">Tina</th>' not in inactive
    assert '<th scope="row">Olga</th>' in ada.get(URL + "?show=all").get_data(as_text=True)


def test_add_a_host_user_as_technician(app: Flask, team: Team, table_roles: None) -> None:
    user_id = host_user(app, "nina@comune.example")
    ada = english(client_for(app, team, "ada"))
    response = post(
        ada,
        user_id=user_id,
        display_name="Nina",
        email="nina@comune.example",
        role="technician",
        offices=["roads", "lights"],
    )
    assert response.status_code == 303
    assert "Nina was added to the staff." in ada.get(URL).get_data(as_text=True)
    assert member(app, user_id)[2:] == (
        "Nina",
        "nina@comune.example",
        "technician",
        True,
        ["lights", "roads"],
    )
    # and she can now log in to the staff area as a technician
    with app.app_context():
        nina = host_db.session.get(HostUser, int(user_id))
    assert app.test_client(user=nina).get("/citizencare/staff/").status_code == 200


def test_edit_role_offices_name_and_email(app: Flask, team: Team, table_roles: None) -> None:
    ada = english(client_for(app, team, "ada"))
    tina = team.members["tina"]
    response = post(
        ada, f"{URL}/{tina.id}", display_name="Tina T.", email="", role="manager", offices=["lights"]
    )
    assert response.status_code == 303
    assert member(app, tina.user_id)[2:] == ("Tina T.", None, "manager", True, ["lights"])
    assert "Changes to Tina T. saved." in ada.get(URL).get_data(as_text=True)


def test_deactivate_and_reactivate_keep_the_row(app: Flask, team: Team, table_roles: None) -> None:
    ada = english(client_for(app, team, "ada"))
    olga = team.members["olga"]
    assert post(ada, f"{URL}/{olga.id}/active", active="0").status_code == 303
    assert member(app, olga.user_id)[5] is False
    assert client_for(app, team, "olga").get("/citizencare/staff/").status_code == 403
    assert post(ada, f"{URL}/{olga.id}/active", active="1").status_code == 303
    assert member(app, olga.user_id)[5] is True
    assert client_for(app, team, "olga").get("/citizencare/staff/").status_code == 200


@pytest.mark.parametrize("name", ["olga", "marco", "tina"])
def test_other_roles_get_403_in_their_language(app: Flask, team: Team, name: str) -> None:
    before = snapshot(app)
    other = client_for(app, team, name)
    other.environ_base["HTTP_ACCEPT_LANGUAGE"] = "it"
    response = other.get(URL)
    assert response.status_code == 403 and "Non consentito" in response.get_data(as_text=True)
    token = csrf(other, "/citizencare/staff/preferences")
    new = host_user(app, "x@comune.example")
    data = {"csrf_token": token, "user_id": new, "display_name": "X", "role": "admin"}
    assert other.post(URL, data=data).status_code == 403
    data = {"csrf_token": token, "display_name": "X", "role": "admin"}
    assert other.post(f"{URL}/{team.members[name].id}", data=data).status_code == 403
    assert (
        other.post(f"{URL}/{team.members['ada'].id}/active", data={"active": "0", **data}).status_code == 403
    )
    assert snapshot(app) == before
    # and the link is not in their menu
    assert ">Staff<" not in english(other).get("/citizencare/staff/").get_data(as_text=True)


def test_anonymous_gets_the_login_handling(app: Flask, team: Team) -> None:
    response = app.test_client().get(URL)
    assert response.status_code in (302, 401)


def test_post_without_csrf_is_refused(app: Flask, team: Team, table_roles: None) -> None:
    before = snapshot(app)
    ada = english(client_for(app, team, "ada"))
    new = host_user(app, "y@comune.example")
    assert ada.post(URL, data={"user_id": new, "display_name": "Y", "role": "operator"}).status_code == 400
    assert snapshot(app) == before


@pytest.mark.parametrize(
    ("fields", "status", "message"),
    [
        ({"offices": ["nowhere"]}, 400, "Choose offices from the list."),
        ({"role": "wizard"}, 400, "Choose a role from the list."),
        ({"display_name": "  "}, 400, "Enter the name shown to colleagues."),
        ({"user_id": "1" * 20}, 400, "This is not a valid user id."),
        # NUL bytes: the app-wide guard answers 400 before the view runs
        ({"user_id": "1\x002"}, 400, "could not be understood"),
        ({"user_id": ""}, 400, "Enter the user id of the person in the site."),
        ({"user_id": "999999"}, 400, "The site has no user with this id."),
        ({"user_id": "abc"}, 400, "The site has no user with this id."),
        ({"email": "not-an-address"}, 400, "Enter a valid e-mail address, or leave it empty."),
        ({"display_name": "Ni\x00na"}, 400, "could not be understood"),
        ({"display_name": "Ni\x07na"}, 400, "The name is too long or holds control characters."),
        ({"display_name": "N" * 201}, 400, "The name is too long or holds control characters."),
    ],
)
def test_bad_input_when_adding_changes_nothing(
    app: Flask, team: Team, table_roles: None, fields: dict[str, Any], status: int, message: str
) -> None:
    new = host_user(app, "nina@comune.example")
    before = snapshot(app)
    ada = english(client_for(app, team, "ada"))
    data = {"user_id": new, "display_name": "Nina", "role": "technician", "offices": ["roads"], **fields}
    response = post(ada, **data)
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert snapshot(app) == before


def test_a_user_already_on_the_staff_is_sent_to_edit(app: Flask, team: Team, table_roles: None) -> None:
    before = snapshot(app)
    ada = english(client_for(app, team, "ada"))
    response = post(ada, user_id=team.members["tina"].user_id, display_name="Tina", role="admin")
    assert response.status_code == 409
    assert "Tina is already on the staff list: change them there instead." in response.get_data(as_text=True)
    assert snapshot(app) == before


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"offices": ["roads", "nowhere"]}, "Choose offices from the list."),
        ({"role": "wizard"}, "Choose a role from the list."),
        ({"display_name": ""}, "Enter the name shown to colleagues."),
    ],
)
def test_bad_input_when_editing_changes_nothing(
    app: Flask, team: Team, table_roles: None, fields: dict[str, Any], message: str
) -> None:
    before = snapshot(app)
    ada = english(client_for(app, team, "ada"))
    data = {"display_name": "Tina T.", "role": "operator", "offices": ["lights"], **fields}
    response = post(ada, f"{URL}/{team.members['tina'].id}", **data)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert snapshot(app) == before


def test_unknown_member_is_404(app: Flask, team: Team, table_roles: None) -> None:
    ada = english(client_for(app, team, "ada"))
    assert post(ada, f"{URL}/999999", display_name="X", role="operator").status_code == 404
    assert post(ada, f"{URL}/99999999999999999999/active", active="0").status_code == 404


def test_the_last_admin_cannot_step_down(app: Flask, team: Team, table_roles: None) -> None:
    before = snapshot(app)
    ada = english(client_for(app, team, "ada"))
    me = team.members["ada"]
    response = post(ada, f"{URL}/{me.id}/active", active="0")
    assert response.status_code == 409
    assert "Ada is the last active administrator" in response.get_data(as_text=True)
    response = post(ada, f"{URL}/{me.id}", display_name="Ada", role="manager")
    assert response.status_code == 409
    assert "Ada is the last active administrator" in response.get_data(as_text=True)
    assert snapshot(app) == before
    # with a second admin, stepping down is fine
    marco = team.members["marco"]
    assert post(ada, f"{URL}/{marco.id}", display_name="Marco", role="admin").status_code == 303
    assert post(ada, f"{URL}/{me.id}", display_name="Ada", role="manager").status_code == 303
    assert member(app, me.user_id)[4] == "manager"


def test_host_role_loader_makes_roles_read_only(app: Flask, team: Team) -> None:
    assert state(app).host_maps_roles
    ada = english(client_for(app, team, "ada"))
    html = ada.get(URL).get_data(as_text=True)
    assert "The site decides the roles" in html and 'name="role"' not in html
    tina = team.members["tina"]
    # a role sent anyway is ignored; offices and name still change
    response = post(ada, f"{URL}/{tina.id}", display_name="Tina T.", role="admin", offices=["lights"])
    assert response.status_code == 303
    assert member(app, tina.user_id)[2:] == ("Tina T.", None, "technician", True, ["lights"])
    # adding takes the role the host gives
    new = host_user(app, "nina@comune.example", roles="citizen operator")
    assert post(ada, user_id=new, display_name="Nina", role="admin").status_code == 303
    assert member(app, new)[4] == "operator"
    # and refuses someone the host gives no staff role
    citizen = host_user(app, "piero@comune.example", roles="citizen")
    before = snapshot(app)
    response = post(ada, user_id=citizen, display_name="Piero", role="operator")
    assert response.status_code == 400 and "The site gives this user no staff role" in response.get_data(
        as_text=True
    )
    assert snapshot(app) == before
