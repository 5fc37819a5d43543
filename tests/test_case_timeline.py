"""The staff case timeline: one readable structure per event, and the report's kind in its words."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from .reporting import post_report, submitted
from .staff import Team, client_for
from .test_triage_http import act, snapshot

EN = {"Accept-Language": "en"}


def _events(html: str) -> list[str]:
    timeline = html.split("data-cc-timeline>")[1].split("</ol>")[0]
    return re.findall(r'<li class="cc-timeline__item">(.*?)</li>', timeline, flags=re.S)


def _facts(event: str) -> dict[str, str]:
    pairs = re.findall(r"<dt>(.*?):</dt>\s*<dd>(.*?)</dd>", event, flags=re.S)
    return {label: re.sub(r"<[^>]+>|\s+", " ", value).strip() for label, value in pairs}


def test_each_event_names_its_facts(app: Flask, team: Team, client: FlaskClient) -> None:
    assert post_report(client, team.potholes.id).status_code == 303
    case = submitted(app)
    olga = client_for(app, team, "olga")
    assert act(olga, case.id, "acknowledge", version=snapshot(app, case.id)[1]).status_code == 303
    response = act(
        olga,
        case.id,
        "assign",
        version=snapshot(app, case.id)[1],
        office=team.roads.id,
        assignee=team.members["tina"].id,
    )
    assert response.status_code == 303
    html = olga.get(f"/citizencare/staff/reports/{case.id}", headers=EN).get_data(as_text=True)
    events = _events(html)
    assert len(events) == 3
    received, acknowledged, assigned = events
    assert "<h3" in received and "Report received" in received
    assert set(_facts(received)) == {"When"}
    assert _facts(acknowledged)["By"] == team.members["olga"].display_name
    facts = _facts(assigned)
    assert facts["Assigned to"] == team.members["tina"].display_name
    assert facts["Office"] == team.roads.name
    assert facts["By"] == team.members["olga"].display_name
    assert "In progress" in facts["New state"]
    assert re.search(r'<time datetime="[^"]+">', facts["When"] + assigned)


def test_a_proposal_is_received_as_a_proposal(app: Flask, team: Team, client: FlaskClient) -> None:
    assert post_report(client, team.potholes.id, kind="proposal").status_code == 303
    case = submitted(app)
    olga = client_for(app, team, "olga")
    html = olga.get(f"/citizencare/staff/reports/{case.id}", headers=EN).get_data(as_text=True)
    received = _events(html)[0]
    assert "Proposal received" in received and "Report received" not in received
    public = client.get(f"/citizencare/track/{case.tracking_token}", headers=EN).get_data(as_text=True)
    assert "Proposal received" in public and "Report received" not in public.split("cc-timeline")[1]
