"""Fixtures for the back office: staff accounts in the test host, logged in with FlaskLoginClient."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask_login import FlaskLoginClient

from flask_citizencare.access import Actor
from flask_citizencare.domain.lifecycle import Action, Role
from flask_citizencare.models import Category, Office, Report, StaffMember
from flask_citizencare.services.triage import ActionInput, apply_action

from .factories import create_category, create_office
from .host import HostUser, host_db


@dataclass
class Team:
    roads: Office
    lights: Office
    potholes: Category
    lamps: Category
    users: dict[str, HostUser]
    members: dict[str, StaffMember]


def add_staff(name: str, role: str, offices: list[Office]) -> tuple[HostUser, StaffMember]:
    user = HostUser(
        email=f"{name}@comune.example", roles=f"citizen {role}" if role != "citizen" else "citizen"
    )
    host_db.session.add(user)
    host_db.session.flush()
    member = None
    if role != "citizen":
        member = StaffMember(
            user_id=str(user.id), display_name=name.title(), email=user.email, role=role, offices=offices
        )
        host_db.session.add(member)
        host_db.session.flush()
    return user, member  # type: ignore[return-value]


@pytest.fixture
def team(app: Flask) -> Team:
    """An operator, a manager, an admin, a technician per office, and a citizen."""
    with app.app_context():
        roads = create_office(host_db.session, code="roads", name="Manutenzione strade")
        lights = create_office(host_db.session, code="lights", name="Illuminazione")
        potholes = create_category(host_db.session, code="potholes", name="Buche", default_office_id=roads.id)
        lamps = create_category(host_db.session, code="lamps", name="Lampioni", default_office_id=lights.id)
        users, members = {}, {}
        for name, role, offices in (
            ("olga", "operator", []),
            ("marco", "manager", []),
            ("ada", "admin", []),
            ("tina", "technician", [roads]),
            ("luca", "technician", [lights]),
            ("carla", "citizen", []),
        ):
            users[name], members[name] = add_staff(name, role, offices)
        host_db.session.commit()
        for obj in [roads, lights, potholes, lamps, *users.values(), *[m for m in members.values() if m]]:
            host_db.session.refresh(obj)
        host_db.session.expunge_all()
    app.test_client_class = FlaskLoginClient
    return Team(roads, lights, potholes, lamps, users, members)


def client_for(app: Flask, team: Team, name: str):  # type: ignore[no-untyped-def]
    return app.test_client(user=team.users[name])


def actor_for(team: Team, name: str) -> Actor:
    """The team member ``name`` as the services see them (their staff role, and citizen)."""
    member = host_db.session.get(StaffMember, team.members[name].id)
    assert member is not None
    return Actor(member, frozenset({Role(member.role), Role.CITIZEN}))


def act(app: Flask, team: Team, who: str, report_id: int, action: Action, **fields: Any) -> None:
    """``who`` applies ``action`` to the report's current version through the triage service."""
    with app.test_request_context():
        report = host_db.session.get(Report, report_id)
        assert report is not None
        apply_action(actor_for(team, who), report_id, action, ActionInput(report.version, **fields))


def case_path(app: Flask, report_id: int) -> str:
    """The staff URL of a case: by its public number (the internal id only redirects there)."""
    with app.app_context():
        report = host_db.session.get(Report, report_id)
        assert report is not None
        number = report.public_id
        host_db.session.remove()
    return f"/citizencare/staff/cases/{number}"
