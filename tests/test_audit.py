"""The audit trail: entries of the offices, staff and templates services; the page, its filters, roles."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from flask_citizencare.context import state
from flask_citizencare.labels import AUDIT_SUBJECTS
from flask_citizencare.models import AuditEntry, CannedReply, Office, StaffMember
from flask_citizencare.services.audit import SUBJECT_TYPES

from .host import HostUser, host_db
from .staff import Team, client_for

AUDIT = "/citizencare/staff/admin/audit"
OFFICES = "/citizencare/staff/admin/offices"
STAFF = "/citizencare/staff/admin/staff"
TEMPLATES = "/citizencare/staff/admin/templates"
EN = {"Accept-Language": "en"}


def csrf(client: FlaskClient, url: str) -> str:
    html = client.get(url, headers=EN).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def trail(app: Flask, subject_type: str | None = None) -> list[tuple[Any, ...]]:
    with app.app_context():
        query = sa.select(
            AuditEntry.subject_type, AuditEntry.action, AuditEntry.actor_name, AuditEntry.changes
        ).order_by(AuditEntry.id)
        if subject_type is not None:
            query = query.where(AuditEntry.subject_type == subject_type)
        rows = [tuple(r) for r in host_db.session.execute(query)]
        host_db.session.remove()
        return rows


@pytest.fixture
def table_roles(app: Flask) -> None:
    """Roles from our staff table (the test host maps roles itself otherwise)."""
    state(app).hooks._role_loader = None


def test_the_subject_types_all_have_a_name() -> None:
    assert set(AUDIT_SUBJECTS) == set(SUBJECT_TYPES)


def test_office_changes_are_entries_with_before_and_after(app: Flask, team: Team) -> None:
    client = client_for(app, team, "marco")
    tina = str(team.members["tina"].id)
    data = {"code": "verde", "name": "Verde pubblico", "email": "", "technicians": [tina]}
    assert (
        client.post(f"{OFFICES}/new", data={"csrf_token": csrf(client, OFFICES + "/new"), **data}).status_code
        == 303
    )
    with app.app_context():
        office_id = host_db.session.scalar(sa.select(Office.id).where(Office.code == "verde"))
        host_db.session.remove()
    edit = f"{OFFICES}/{office_id}"
    token = csrf(client, edit)
    assert (
        client.post(edit, data={"csrf_token": token, **data, "name": "Verde", "technicians": []}).status_code
        == 303
    )
    assert client.post(edit, data={"csrf_token": token, **data, "name": "Verde"}).status_code == 303
    assert client.post(f"{edit}/deactivate", data={"csrf_token": token}).status_code == 303
    assert client.post(f"{edit}/activate", data={"csrf_token": token}).status_code == 303
    assert client.post(f"{edit}/delete", data={"csrf_token": token}).status_code == 303

    rows = trail(app, "office")
    assert [r[1] for r in rows] == ["create", "update", "update", "deactivate", "activate", "delete"]
    assert all(r[2] == "Marco" for r in rows)
    assert rows[0][3]["technicians"] == [None, ["Tina"]]
    assert rows[1][3] == {"name": ["Verde pubblico", "Verde"], "technicians": [["Tina"], []]}
    assert rows[3][3] == {"active": [True, False]}
    assert rows[5][3]["code"] == ["verde", None]


def test_the_office_page_shows_its_history(app: Flask, team: Team) -> None:
    client = client_for(app, team, "marco")
    edit = f"{OFFICES}/{team.roads.id}"
    data = {"code": "roads", "name": "Strade e marciapiedi", "email": ""}
    assert client.post(edit, data={"csrf_token": csrf(client, edit), **data}).status_code == 303
    html = client.get(edit, headers=EN).get_data(as_text=True)
    assert "History of changes" in html and "Changed" in html and "Strade e marciapiedi" in html


def test_a_refused_change_writes_no_entry(app: Flask, team: Team) -> None:
    client = client_for(app, team, "marco")
    data = {"code": "lights", "name": "Doppione", "email": ""}
    assert (
        client.post(f"{OFFICES}/new", data={"csrf_token": csrf(client, OFFICES + "/new"), **data}).status_code
        == 400
    )
    assert trail(app) == []


def test_staff_changes_are_entries(app: Flask, team: Team, table_roles: None) -> None:
    client = client_for(app, team, "ada")
    token = csrf(client, STAFF)
    with app.app_context():
        user = HostUser(email="nuovo@comune.example", roles="citizen")
        host_db.session.add(user)
        host_db.session.commit()
        user_id = str(user.id)
    added = {"user_id": user_id, "display_name": "Nuovo", "role": "operator", "offices": ["roads"]}
    assert client.post(STAFF, data={"csrf_token": token, **added}).status_code == 303
    with app.app_context():
        member_id = host_db.session.scalar(sa.select(StaffMember.id).where(StaffMember.user_id == user_id))
        host_db.session.remove()
    change = {"display_name": "Nuovo", "role": "technician", "offices": ["lights"]}
    assert client.post(f"{STAFF}/{member_id}", data={"csrf_token": token, **change}).status_code == 303
    assert (
        client.post(f"{STAFF}/{member_id}/active", data={"csrf_token": token, "active": "0"}).status_code
        == 303
    )
    assert (
        client.post(f"{STAFF}/{member_id}/active", data={"csrf_token": token, "active": "1"}).status_code
        == 303
    )

    rows = trail(app, "staff")
    assert [r[1] for r in rows] == ["create", "update", "deactivate", "activate"]
    assert rows[1][3] == {"offices": [["roads"], ["lights"]], "role": ["operator", "technician"]}
    html = client.get(STAFF, headers=EN).get_data(as_text=True)
    assert "Latest changes of the staff" in html and "Deactivated" in html


# -- The page ---------------------------------------------------------------------------------------


def add_entries(app: Flask, team: Team, count: int, **values: Any) -> None:
    with app.app_context():
        base = datetime(2026, 3, 1, 10, tzinfo=UTC)
        for n in range(count):
            host_db.session.add(
                AuditEntry(
                    **{
                        "at": base + timedelta(days=n),
                        "actor_id": team.members["marco"].id,
                        "actor_name": "Marco",
                        "subject_type": "office",
                        "subject_id": team.roads.id,
                        "subject_label": f"Voce {n:03d}",
                        "action": "update",
                        "changes": {"name": [f"a{n}", f"b{n}"]},
                        **values,
                    }
                )
            )
        host_db.session.commit()


def labels(html: str) -> list[str]:
    return re.findall(r"Voce \d{3}", html)


def test_the_page_filters_and_pages_without_javascript(app: Flask, team: Team) -> None:
    add_entries(app, team, 60)
    add_entries(
        app, team, 1, subject_type="template", subject_id=None, subject_label="Voce 900", action="create"
    )
    add_entries(
        app,
        team,
        1,
        actor_id=team.members["ada"].id,
        actor_name="Ada",
        subject_type="staff",
        subject_label="Voce 901",
    )
    client = client_for(app, team, "marco")
    page = client.get(AUDIT, headers=EN).get_data(as_text=True)
    shown = labels(page)
    assert len(shown) == 50 and shown[0] == "Voce 901"
    assert "Response template" in page and "Office" in page and "Created" in page
    assert f'href="/citizencare/staff/admin/offices/{team.roads.id}"' in page
    older = re.search(r'href="([^"]+)" rel="next"', page)
    assert older
    second = client.get(older.group(1).replace("&amp;", "&"), headers=EN).get_data(as_text=True)
    assert len(labels(second)) == 12 and not set(labels(second)) & set(shown)
    assert 'rel="next"' not in second

    assert labels(client.get(f"{AUDIT}?subject_type=template", headers=EN).get_data(as_text=True)) == [
        "Voce 900"
    ]
    assert labels(client.get(f"{AUDIT}?action=create", headers=EN).get_data(as_text=True)) == ["Voce 900"]
    ada = team.members["ada"].id
    assert labels(client.get(f"{AUDIT}?actor={ada}", headers=EN).get_data(as_text=True)) == ["Voce 901"]
    ranged = client.get(f"{AUDIT}?subject_type=office&since=2026-03-03&until=2026-03-05", headers=EN)
    assert labels(ranged.get_data(as_text=True)) == ["Voce 004", "Voce 003", "Voce 002"]
    filtered = client.get(f"{AUDIT}?subject_type=office&action=update", headers=EN).get_data(as_text=True)
    older = re.search(r'href="([^"]+)" rel="next"', filtered)
    assert older and "subject_type=office" in older.group(1) and "action=update" in older.group(1)


@pytest.mark.parametrize(
    "query",
    [
        "subject_type=bogus",
        "action=%3Cscript%3E",
        "actor=" + "9" * 20,
        "actor=-1",
        "since=2026-13-45",
        "until=99999-01-01",
        "since=0001-01-01&until=9999-12-31",
        "before=" + "9" * 20,
        "before=abc",
        "x" * 3000 + "=1",
    ],
)
def test_forged_filters_are_ignored(app: Flask, team: Team, query: str) -> None:
    add_entries(app, team, 3)
    response = client_for(app, team, "marco").get(f"{AUDIT}?{query}", headers=EN)
    assert response.status_code == 200
    assert len(labels(response.get_data(as_text=True))) == 3


def test_nul_bytes_in_a_filter_are_a_400(app: Flask, team: Team) -> None:
    assert client_for(app, team, "marco").get(f"{AUDIT}?action=%00").status_code == 400


@pytest.mark.parametrize(("name", "status"), [("olga", 403), ("tina", 403), ("marco", 200), ("ada", 200)])
def test_managers_and_admins_only(app: Flask, team: Team, name: str, status: int) -> None:
    assert client_for(app, team, name).get(AUDIT).status_code == status


def test_the_nav_offers_templates_and_audit_to_supervisors(app: Flask, team: Team) -> None:
    manager = client_for(app, team, "marco").get("/citizencare/staff/", headers=EN).get_data(as_text=True)
    assert "Response templates" in manager and "Audit trail" in manager
    operator = client_for(app, team, "olga").get("/citizencare/staff/", headers=EN).get_data(as_text=True)
    assert TEMPLATES not in operator and AUDIT not in operator


def test_the_history_says_actions_in_the_reader_s_language(app: Flask, team: Team) -> None:
    add_entries(app, team, 1, action="deactivate")
    html = client_for(app, team, "marco").get(AUDIT, headers=EN).get_data(as_text=True)
    assert "<td>Deactivated</td>" in html and "<td>deactivate</td>" not in html
    assert "<td>Office:" in html


# -- Invitations through the host's user_factory -------------------------------------------------


@pytest.fixture
def user_factory(app: Flask) -> list[tuple[str, str, str, str]]:
    calls: list[tuple[str, str, str, str]] = []

    def make_user(username: str, display_name: str, email: str, password: str) -> str:
        calls.append((username, display_name, email, password))
        existing = host_db.session.scalar(sa.select(HostUser).where(HostUser.email == email))
        if existing is not None:
            raise ValueError("taken")
        user = HostUser(email=email, roles="citizen")
        host_db.session.add(user)
        host_db.session.flush()
        return str(user.id)

    state(app).hooks.user_factory(make_user)
    return calls


def test_without_the_hook_only_existing_users_are_linked(app: Flask, team: Team, table_roles: None) -> None:
    client = client_for(app, team, "ada")
    assert "Invite a person" not in client.get(STAFF, headers=EN).get_data(as_text=True)
    token = csrf(client, STAFF)
    data = {"csrf_token": token, "email": "x@comune.example", "display_name": "X", "role": "operator"}
    response = client.post(f"{STAFF}/invite", data=data, headers=EN)
    assert response.status_code == 409 and "does not let us create accounts" in response.get_data(
        as_text=True
    )


def test_invite_creates_the_host_account_and_the_staff_row(
    app: Flask, team: Team, table_roles: None, user_factory: list[tuple[str, str, str, str]]
) -> None:
    client = client_for(app, team, "ada")
    assert "Invite a person" in client.get(STAFF, headers=EN).get_data(as_text=True)
    data = {
        "csrf_token": csrf(client, STAFF),
        "email": "Nina@Comune.example",
        "display_name": "Nina Neri",
        "role": "technician",
        "offices": ["roads"],
    }
    response = client.post(f"{STAFF}/invite", data=data, headers=EN)
    assert response.status_code == 303, response.get_data(as_text=True)
    [(username, name, email, password)] = user_factory
    assert (username, name, email) == ("Nina@Comune.example", "Nina Neri", "Nina@Comune.example")
    assert len(password) >= 24
    with app.app_context():
        user = host_db.session.scalar(sa.select(HostUser).where(HostUser.email == email))
        member = host_db.session.scalar(sa.select(StaffMember).where(StaffMember.user_id == str(user.id)))
        assert member is not None and member.role == "technician" and member.display_name == "Nina Neri"
        assert [o.code for o in member.offices] == ["roads"]
        host_db.session.remove()
    assert [r[1] for r in trail(app, "staff")] == ["invite"]

    again = client.post(f"{STAFF}/invite", data=data, headers=EN)
    assert again.status_code == 409 and "already on the staff list" in again.get_data(as_text=True)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"email": ""}, "e-mail address of the person"),
        ({"email": "not-an-address"}, "valid e-mail address"),
        ({"display_name": ""}, "name shown to colleagues"),
        ({"display_name": "x" * 201}, "too long"),
        ({"role": "citizen"}, "Choose a role"),
        ({"offices": ["nowhere"]}, "Choose offices"),
    ],
)
def test_bad_invitations_create_nothing(
    app: Flask,
    team: Team,
    table_roles: None,
    user_factory: list[tuple[str, str, str, str]],
    overrides: dict[str, Any],
    message: str,
) -> None:
    client = client_for(app, team, "ada")
    data = {"email": "nina@comune.example", "display_name": "Nina", "role": "operator", **overrides}
    response = client.post(f"{STAFF}/invite", data={"csrf_token": csrf(client, STAFF), **data}, headers=EN)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert user_factory == []
    assert trail(app) == []


def test_the_host_refusing_the_account_is_a_clear_message(
    app: Flask, team: Team, table_roles: None, user_factory: list[tuple[str, str, str, str]]
) -> None:
    client = client_for(app, team, "ada")
    # carla already has an account in the site: the factory refuses a second one.
    data = {"email": "carla@comune.example", "display_name": "Carla", "role": "operator"}
    response = client.post(f"{STAFF}/invite", data={"csrf_token": csrf(client, STAFF), **data}, headers=EN)
    assert response.status_code == 400 and "could not create an account" in response.get_data(as_text=True)
    assert trail(app) == []


def test_a_manager_cannot_invite(
    app: Flask, team: Team, user_factory: list[tuple[str, str, str, str]]
) -> None:
    response = client_for(app, team, "marco").post(
        f"{STAFF}/invite", data={"email": "x@comune.example", "display_name": "X", "role": "admin"}
    )
    assert response.status_code == 403
    assert user_factory == []


def test_when_the_host_maps_roles_the_new_account_needs_a_role_there(
    app: Flask, team: Team, user_factory: list[tuple[str, str, str, str]]
) -> None:
    client = client_for(app, team, "ada")
    html = client.get(STAFF, headers=EN).get_data(as_text=True)
    assert 'id="invite-role"' not in html  # roles are the site's
    data = {"email": "nina@comune.example", "display_name": "Nina"}
    response = client.post(f"{STAFF}/invite", data={"csrf_token": csrf(client, STAFF), **data}, headers=EN)
    assert response.status_code == 409
    assert "gives it no staff role" in response.get_data(as_text=True)
    with app.app_context():
        assert host_db.session.scalar(sa.select(HostUser).where(HostUser.email == "nina@comune.example"))
        assert (
            host_db.session.scalar(sa.select(StaffMember).where(StaffMember.email == "nina@comune.example"))
            is None
        )
        host_db.session.remove()


def test_the_canned_replies_page_is_audited_and_checks_placeholders(app: Flask, team: Team) -> None:
    canned = "/citizencare/staff/canned"
    client = client_for(app, team, "olga")
    token = csrf(client, canned)
    data = {"csrf_token": token, "title": "Grazie", "body": "Grazie, {numero}.", "language": "it"}
    assert client.post(canned, data=data).status_code == 303
    bad = client.post(canned, data={**data, "body": "Gentile {nome}."}, headers=EN)
    assert bad.status_code == 400 and "unknown placeholder {nome}" in bad.get_data(as_text=True)
    with app.app_context():
        reply_id = host_db.session.scalar(sa.select(CannedReply.id))
        host_db.session.remove()
    assert client.post(canned, data={**data, "id": str(reply_id), "title": "Grazie!"}).status_code == 303
    assert (
        client.post(canned, data={"csrf_token": token, "id": str(reply_id), "deactivate": "1"}).status_code
        == 303
    )
    rows = trail(app, "template")
    assert [r[1] for r in rows] == ["create", "update", "deactivate"]
    assert all(r[2] == "Olga" for r in rows)
    assert rows[1][3] == {"title": ["Grazie", "Grazie!"]}


def test_rows_link_to_the_pages_of_objects_that_still_exist(app: Flask, team: Team) -> None:
    add_entries(app, team, 1, subject_type="category", subject_id=team.potholes.id, subject_label="Voce 100")
    add_entries(app, team, 1, subject_type="template", subject_id=999_999, subject_label="Voce 101")
    add_entries(app, team, 1, subject_type="calendar", subject_id=None, subject_label="Voce 102")
    add_entries(
        app, team, 1, subject_type="staff", subject_id=team.members["olga"].id, subject_label="Voce 103"
    )
    manager = client_for(app, team, "marco").get(AUDIT, headers=EN).get_data(as_text=True)
    assert f'href="/citizencare/staff/admin/categories/{team.potholes.id}">Voce 100</a>' in manager
    assert ">Voce 101</a>" not in manager and "Voce 101" in manager  # deleted: no page
    assert 'href="/citizencare/staff/admin/calendar">Voce 102</a>' in manager
    assert ">Voce 103</a>" not in manager  # the staff page is the admins'
    admin = client_for(app, team, "ada").get(AUDIT, headers=EN).get_data(as_text=True)
    assert f'admin/staff?show=all#member-{team.members["olga"].id}">Voce 103</a>' in admin
