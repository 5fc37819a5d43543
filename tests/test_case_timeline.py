"""The staff case timeline: one readable structure per event, and the report's kind in its words."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from .reporting import post_report, submitted
from .staff import Team, case_path, client_for
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
    html = olga.get(case_path(app, case.id), headers=EN).get_data(as_text=True)
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
    html = olga.get(case_path(app, case.id), headers=EN).get_data(as_text=True)
    received = _events(html)[0]
    assert "Proposal received" in received and "Report received" not in received
    public = client.get(f"/citizencare/track/{case.tracking_token}", headers=EN).get_data(as_text=True)
    assert "Proposal received" in public and "Report received" not in public.split("cc-timeline")[1]


def test_staff_case_urls_use_the_public_number(app: Flask, team: Team, client: FlaskClient) -> None:
    assert post_report(client, team.potholes.id).status_code == 303
    case = submitted(app)
    olga = client_for(app, team, "olga")
    number_url = f"/citizencare/staff/cases/{case.public_id}"
    assert case_path(app, case.id) == number_url
    page = olga.get(number_url, headers=EN)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'action="{number_url}/actions/acknowledge"' in html
    assert f'action="{number_url}/messages"' in html
    assert f'href="{number_url}"' in olga.get("/citizencare/staff/", headers=EN).get_data(as_text=True)

    # Links in mails already sent carry the id: they move permanently to the number.
    old = olga.get(f"/citizencare/staff/reports/{case.id}?x=1")
    assert old.status_code == 301 and old.headers["Location"].endswith(f"{number_url}?x=1")
    # A form posted to an old address keeps its method and data (308), and still works.
    moved = olga.post(f"/citizencare/staff/reports/{case.id}/actions/acknowledge", data={})
    assert moved.status_code == 308 and moved.headers["Location"].endswith(
        f"{number_url}/actions/acknowledge"
    )
    assert act(olga, case.id, "acknowledge", version=snapshot(app, case.id)[1]).status_code == 303

    for unknown in ("1999-000001", "9" * 20, "9" * 21, "2026-000001%00", "%00"):
        assert olga.get(f"/citizencare/staff/cases/{unknown}").status_code == 404, unknown
    assert olga.get("/citizencare/staff/reports/999999").status_code == 404
    # The public number is no way around the office's visibility.
    assert client_for(app, team, "luca").get(number_url).status_code in (403, 404)
