"""FixMyStreet's servicerequestupdates over Open311: the public steps listed, a citizen's update posted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask

from flask_citizencare.domain.lifecycle import Action
from flask_citizencare.domain.open311.statuses import UpdateStatus, update_status
from flask_citizencare.models import Message, Report
from flask_citizencare.services.threads import post_message
from tests.host import host_db
from tests.open311 import API, assert_in_order, child_names, new_key, xml_root
from tests.staff import Team, act, actor_for

EN = {"Accept-Language": "en"}
FIELDS = ["update_id", "service_request_id", "status", "updated_datetime", "description", "media_url"]


def _file(client: Any, key: str, **fields: str) -> str:
    data = {"api_key": key, "service_code": "potholes", "lat": "44.4949", "long": "11.3426"}
    data["description"] = "Buca in via Indipendenza, chiamatemi al 333 1234567"
    response = client.post(f"{API}/requests.json", data={**data, **fields}, headers=EN)
    assert response.status_code == 200, response.data
    return str(response.get_json()[0]["service_request_id"])


def _report_id(app: Flask, public_id: str) -> int:
    with app.app_context():
        report_id = host_db.session.scalar(sa.select(Report.id).where(Report.public_id == public_id))
        assert report_id is not None
        return report_id


def _say(app: Flask, team: Team, who: str, report_id: int, visibility: str, body: str) -> None:
    with app.test_request_context():
        report = host_db.session.get(Report, report_id)
        assert report is not None
        post_message(
            actor_for(team, who), report_id, expected_version=report.version, visibility=visibility, body=body
        )


def _worked_case(app: Flask, client: Any, team: Team, key: str) -> tuple[str, int]:
    public_id = _file(client, key)
    report_id = _report_id(app, public_id)
    act(app, team, "olga", report_id, Action.ACKNOWLEDGE)
    act(app, team, "olga", report_id, Action.ASSIGN, office_id=team.roads.id)
    _say(app, team, "olga", report_id, "public", "Abbiamo mandato una squadra.")
    _say(app, team, "olga", report_id, "private", "Solo per lei: segreto privato.")
    _say(app, team, "olga", report_id, "internal", "Nota interna riservata.")
    act(app, team, "tina", report_id, Action.RESOLVE, public_reply="Buca chiusa.")
    return public_id, report_id


def test_updates_list_public_replies_and_the_resolution(app: Flask, client: Any, team: Team) -> None:
    key = new_key(app)
    public_id, _ = _worked_case(app, client, team, key)
    response = client.get(f"{API}/servicerequestupdates.json", headers=EN)
    assert response.status_code == 200, response.data
    updates = response.get_json()
    assert all(list(update) == FIELDS for update in updates)
    assert {update["service_request_id"] for update in updates} == {public_id}
    by_text = {update["description"]: update for update in updates}
    assert by_text["Abbiamo mandato una squadra."]["status"] == "IN_PROGRESS"
    assert by_text["Abbiamo mandato una squadra."]["update_id"].startswith("m")
    assert by_text["Buca chiusa."]["status"] == "FIXED"
    statuses = [update["status"] for update in updates if update["update_id"].startswith("e")]
    assert statuses == ["OPEN", "IN_PROGRESS", "FIXED"]  # acknowledge, assign, resolve
    assert len({update["update_id"] for update in updates}) == len(updates)
    times = [datetime.fromisoformat(update["updated_datetime"]) for update in updates]
    assert times == sorted(times) and all(t.utcoffset() is not None for t in times)
    text = response.data.decode()
    for private in ("segreto privato", "Nota interna", "333 1234567", "Buca in via Indipendenza"):
        assert private not in text


def test_updates_in_xml(app: Flask, client: Any, team: Team) -> None:
    key = new_key(app)
    _worked_case(app, client, team, key)
    response = client.get(f"{API}/servicerequestupdates.xml", headers=EN)
    root = xml_root(response.data, "service_request_updates")
    assert root and set(child_names(root)) == {"request_update"}
    for item in root:
        assert child_names(item) == FIELDS
        assert_in_order(item, FIELDS)
    assert "FIXED" in [item.findtext("status") for item in root]


def test_hidden_and_merged_cases_have_no_updates(app: Flask, client: Any, team: Team) -> None:
    key = new_key(app)
    _, report_id = _worked_case(app, client, team, key)
    with app.app_context():
        host_db.session.execute(sa.update(Report).where(Report.id == report_id).values(is_public=False))
        host_db.session.commit()
    assert client.get(f"{API}/servicerequestupdates.json").get_json() == []


def test_the_window(app: Flask, client: Any, team: Team) -> None:
    key = new_key(app)
    _worked_case(app, client, team, key)
    past = (datetime.now(UTC) - timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    earlier = (datetime.now(UTC) - timedelta(days=29)).strftime("%Y-%m-%dT%H:%M:%SZ")
    old = client.get(
        f"{API}/servicerequestupdates.json", query_string={"start_date": past, "end_date": earlier}
    )
    assert old.get_json() == []
    too_long = client.get(
        f"{API}/servicerequestupdates.json",
        query_string={"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"},
        headers=EN,
    )
    assert too_long.status_code == 400 and "end_date" in too_long.get_json()[0]["description"]
    backwards = client.get(
        f"{API}/servicerequestupdates.xml",
        query_string={"start_date": "2026-06-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"},
    )
    assert backwards.status_code == 400
    assert xml_root(backwards.data, "errors")[0].findtext("code") == "400"


def _messages(app: Flask) -> int:
    with app.app_context():
        return int(host_db.session.scalar(sa.select(sa.func.count()).select_from(Message)) or 0)


def test_a_posted_update_is_the_reporters_message_and_reopens(app: Flask, client: Any, team: Team) -> None:
    key = new_key(app)
    public_id, report_id = _worked_case(app, client, team, key)
    data = {
        "api_key": key,
        "service_request_id": public_id,
        "description": "Non è chiusa, la buca c'è ancora.",
        "status": "OPEN",
        "email": "maria@example.org",
        "update_id": "fms-1",
    }
    response = client.post(f"{API}/servicerequestupdates.json", data=data, headers=EN)
    assert response.status_code == 200, response.data
    answer = response.get_json()
    assert len(answer) == 1 and list(answer[0]) == ["update_id"]
    with app.app_context():
        message = host_db.session.get(Message, int(answer[0]["update_id"][1:]))
        assert message is not None
        assert (message.report_id, message.author_kind, message.visibility, message.source) == (
            report_id,
            "reporter",
            "private",
            "api",
        )
        report = host_db.session.get(Report, report_id)
        assert report is not None and report.status == "in_progress"  # reopened as the mail promised
    xml = client.post(f"{API}/servicerequestupdates.xml", data={**data, "description": "Ancora"}, headers=EN)
    root = xml_root(xml.data, "service_request_updates")
    assert child_names(root) == ["request_update"] and child_names(root[0]) == ["update_id"]
    listed = client.get(f"{API}/servicerequestupdates.json").data.decode()
    assert "la buca c'è ancora" not in listed  # the citizen's words stay private


def test_posting_updates_is_refused_when_wrong(app: Flask, client: Any, team: Team) -> None:
    key = new_key(app)
    public_id, _ = _worked_case(app, client, team, key)
    other = new_key(app, "other")
    reader = new_key(app, "reader", can_post=False)
    good = {"api_key": key, "service_request_id": public_id, "description": "Ciao"}
    before = _messages(app)
    for change, status in (
        ({"service_request_id": "2000-999999"}, 404),
        ({"description": ""}, 400),
        ({"description": "x" * 5000}, 400),
        ({"status": "SOLVED_BY_MAGIC"}, 400),
        ({"api_key": other}, 403),
        ({"api_key": reader}, 403),
        ({"api_key": ""}, 403),
    ):
        for fmt in ("json", "xml"):
            response = client.post(f"{API}/servicerequestupdates.{fmt}", data={**good, **change}, headers=EN)
            assert response.status_code == status, (change, response.data)
            if fmt == "json":
                assert response.get_json()[0]["code"] == status
            else:
                assert xml_root(response.data, "errors")[0].findtext("code") == str(status)
    assert _messages(app) == before


def test_a_posted_update_is_idempotent(app: Flask, client: Any, team: Team) -> None:
    key = new_key(app)
    public_id = _file(client, key)
    data = {"api_key": key, "service_request_id": public_id, "description": "Anche il marciapiede."}
    headers = {**EN, "Idempotency-Key": "upd-1"}
    first = client.post(f"{API}/servicerequestupdates.json", data=data, headers=headers)
    before = _messages(app)
    second = client.post(f"{API}/servicerequestupdates.json", data=data, headers=headers)
    assert first.status_code == second.status_code == 200
    assert first.get_json() == second.get_json()
    assert _messages(app) == before


def test_the_status_table() -> None:
    assert update_status("new") is UpdateStatus.OPEN
    assert update_status("acknowledged") is UpdateStatus.OPEN
    assert update_status("in_progress") is UpdateStatus.IN_PROGRESS
    assert update_status("in_progress", external_office=True) is UpdateStatus.INTERNAL_REFERRAL
    assert update_status("suspended") is UpdateStatus.ACTION_SCHEDULED
    assert update_status("suspended", external_office=True) is UpdateStatus.INTERNAL_REFERRAL
    assert update_status("resolved") is UpdateStatus.FIXED
    assert update_status("closed") is UpdateStatus.FIXED
    assert update_status("rejected", duplicate=True) is UpdateStatus.DUPLICATE
    assert update_status("rejected", external_office=True) is UpdateStatus.NOT_COUNCILS_RESPONSIBILITY
    assert update_status("rejected") is UpdateStatus.NO_FURTHER_ACTION
    assert update_status("unheard_of") is UpdateStatus.CLOSED
