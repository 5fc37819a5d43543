"""The back office over HTTP: roles, object-level access, optimistic locking, the lifecycle, moderation."""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from flask_citizencare.domain.lifecycle import TRANSITIONS, Action, Role
from flask_citizencare.models import Follower, Report, StatusEvent

from .host import host_db
from .reporting import form_tokens, post_report, submitted
from .staff import Team, case_path, client_for

STAFF = {"olga": Role.OPERATOR, "marco": Role.MANAGER, "ada": Role.ADMIN, "tina": Role.TECHNICIAN}


def csrf(client: FlaskClient, url: str) -> str:
    html = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, html[:500]
    return match.group(1)


def snapshot(app: Flask, report_id: int) -> tuple[Any, ...]:
    with app.app_context():
        report = host_db.session.get(Report, report_id)
        assert report is not None
        events = host_db.session.scalar(
            sa.select(sa.func.count()).select_from(StatusEvent).where(StatusEvent.report_id == report_id)
        )
        values = (
            report.status,
            report.version,
            report.level,
            report.office_id,
            report.assignee_id,
            report.is_public,
            events,
        )
        host_db.session.remove()
        return values


def act(client: FlaskClient, report_id: int, action: str, **fields: Any):  # type: ignore[no-untyped-def]
    token = csrf(client, case_path(client.application, report_id))
    return client.post(
        f"{case_path(client.application, report_id)}/actions/{action}", data={"csrf_token": token, **fields}
    )


@pytest.fixture
def case(app: Flask, team: Team, client: FlaskClient) -> Report:
    assert post_report(client, team.potholes.id).status_code == 303
    return submitted(app)


def test_anonymous_and_citizens_are_kept_out(app: Flask, team: Team) -> None:
    assert app.test_client().get("/citizencare/staff/").status_code == 401
    response = client_for(app, team, "carla").get("/citizencare/staff/", headers={"Accept-Language": "en"})
    assert response.status_code == 403
    assert "Not allowed" in response.get_data(as_text=True)


REFUSED = [(who, a.value) for who, role in STAFF.items() for a in Action if role not in TRANSITIONS[a].roles]


@pytest.mark.parametrize(("who", "action"), REFUSED)
def test_each_role_is_refused_what_it_may_not_do(
    app: Flask, team: Team, case: Report, who: str, action: str
) -> None:
    client = client_for(app, team, who)
    before = snapshot(app, case.id)
    response = act(
        client,
        case.id,
        action,
        version=before[1],
        note="perché",
        public_reply="Fatto",
        office=team.roads.id,
        master="2000-000001",
    )
    assert response.status_code == 403, response.get_data(as_text=True)[:300]
    assert snapshot(app, case.id) == before


def test_technician_of_another_office_does_not_see_the_case(app: Flask, team: Team, case: Report) -> None:
    luca = client_for(app, team, "luca")  # lights; the case is a pothole, routed to roads
    assert luca.get(case_path(app, case.id)).status_code == 404
    assert case.public_id not in luca.get("/citizencare/staff/").get_data(as_text=True)
    tina = client_for(app, team, "tina")
    assert tina.get(case_path(app, case.id)).status_code == 200
    before = snapshot(app, case.id)
    response = luca.post(
        f"{case_path(app, case.id)}/actions/suspend",
        data={"csrf_token": csrf(luca, "/citizencare/staff/"), "version": before[1], "note": "x"},
    )
    assert response.status_code == 404
    assert snapshot(app, case.id) == before


def test_a_stale_version_is_refused_with_who_changed_it(app: Flask, team: Team, case: Report) -> None:
    olga, marco = client_for(app, team, "olga"), client_for(app, team, "marco")
    seen = snapshot(app, case.id)[1]
    assert act(olga, case.id, "acknowledge", version=seen).status_code == 303
    after_first = snapshot(app, case.id)
    response = act(marco, case.id, "reject", version=seen, note="Fuori competenza")
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert re.search(r"Olga (alle|at) \d\d:\d\d", html), html[:2000]
    assert snapshot(app, case.id) == after_first


def test_illegal_transitions_answer_409(app: Flask, team: Team, case: Report) -> None:
    olga = client_for(app, team, "olga")
    before = snapshot(app, case.id)
    response = act(olga, case.id, "close", version=before[1])
    assert response.status_code == 409
    assert "not possible" in response.get_data(as_text=True) or "non è possibile" in response.get_data(
        as_text=True
    )
    assert snapshot(app, case.id) == before


@pytest.mark.parametrize(
    ("action", "fields", "message"),
    [
        ("reject", {"note": "  "}, "Write the reason."),
        ("assign", {"office": ""}, "Choose the office in charge."),
        ("assign", {"office": "999999"}, "Choose the office in charge."),
        ("merge", {"master": "1999-999999"}, "Choose the report this one duplicates."),
    ],
)
def test_missing_requirements_answer_400(
    app: Flask, team: Team, case: Report, action: str, fields: dict[str, str], message: str
) -> None:
    olga = client_for(app, team, "olga")
    olga.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    before = snapshot(app, case.id)
    response = act(olga, case.id, action, version=before[1], **fields)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert snapshot(app, case.id) == before


def test_a_case_from_arrival_to_resolution(app: Flask, team: Team, case: Report, client: FlaskClient) -> None:
    olga, tina, marco = (client_for(app, team, n) for n in ("olga", "tina", "marco"))
    assert act(olga, case.id, "acknowledge", version=snapshot(app, case.id)[1]).status_code == 303
    assert (
        act(
            olga,
            case.id,
            "assign",
            version=snapshot(app, case.id)[1],
            office=team.roads.id,
            assignee=team.members["tina"].id,
        ).status_code
        == 303
    )
    assert (
        act(olga, case.id, "escalate", version=snapshot(app, case.id)[1], office=team.roads.id).status_code
        == 303
    )
    status, _version, level, office, _assignee, *_ = snapshot(app, case.id)
    assert (status, level, office) == ("in_progress", 2, team.roads.id)

    # Only the assigned staff resolve: the operator may not, the technician of the office may.
    assert (
        act(olga, case.id, "resolve", version=snapshot(app, case.id)[1], public_reply="Fatto").status_code
        == 403
    )
    response = act(
        tina,
        case.id,
        "resolve",
        version=snapshot(app, case.id)[1],
        public_reply="Abbiamo chiuso la buca il 23 novembre.",
    )
    assert response.status_code == 303
    assert snapshot(app, case.id)[0] == "resolved"
    public = client.get(f"/citizencare/reports/{case.public_id}").get_data(as_text=True)
    assert "Abbiamo chiuso la buca il 23 novembre." in public

    assert (
        act(
            marco,
            case.id,
            "reopen",
            version=snapshot(app, case.id)[1],
            note="Il cittadino dice che c'è ancora",
        ).status_code
        == 303
    )
    with app.app_context():
        reopened = host_db.session.get(Report, case.id)
        assert reopened.status == "in_progress" and reopened.assignee_id == team.members["tina"].id
        assert reopened.due_at is not None
        host_db.session.remove()


def test_suspension_pauses_the_clock(app: Flask, team: Team, case: Report) -> None:
    olga = client_for(app, team, "olga")
    act(olga, case.id, "acknowledge", version=snapshot(app, case.id)[1])
    with app.app_context():
        assert host_db.session.get(Report, case.id).due_at is not None  # type: ignore[union-attr]
        host_db.session.remove()
    assert (
        act(
            olga, case.id, "suspend", version=snapshot(app, case.id)[1], note="Attendiamo la Provincia"
        ).status_code
        == 403
    )
    marco = client_for(app, team, "marco")
    assert (
        act(
            marco, case.id, "suspend", version=snapshot(app, case.id)[1], note="Attendiamo la Provincia"
        ).status_code
        == 303
    )
    with app.app_context():
        report = host_db.session.get(Report, case.id)
        assert report.status == "suspended" and report.due_at is None and report.suspended_at is not None
        host_db.session.remove()
    assert act(marco, case.id, "resume", version=snapshot(app, case.id)[1]).status_code == 303
    with app.app_context():
        report = host_db.session.get(Report, case.id)
        assert report.status == "acknowledged" and report.due_at is not None and report.suspended_at is None
        host_db.session.remove()


def test_merge_links_the_duplicate(app: Flask, team: Team, case: Report, client: FlaskClient) -> None:
    post_report(client, team.potholes.id, title="Stessa buca")
    with app.app_context():
        duplicate = host_db.session.scalars(sa.select(Report).where(Report.title == "Stessa buca")).one()
        host_db.session.remove()
    olga = client_for(app, team, "olga")
    response = act(olga, duplicate.id, "merge", version=snapshot(app, duplicate.id)[1], master=case.public_id)
    assert response.status_code == 303
    with app.app_context():
        merged = host_db.session.get(Report, duplicate.id)
        master = host_db.session.get(Report, case.id)
        assert merged.status == "rejected" and merged.duplicate_of_id == case.id
        assert master.duplicates_count == 1
        followers = host_db.session.scalars(sa.select(Follower).where(Follower.report_id == case.id)).all()
        assert [(f.email, f.confirmed_at is not None) for f in followers] == [
            ("giulia.verdi@example.org", True)
        ]
        host_db.session.remove()
    assert client.get(f"/citizencare/reports/{duplicate.public_id}").status_code == 404


def test_moderation_hides_and_redacts_for_the_public_only(
    app: Flask, team: Team, case: Report, client: FlaskClient
) -> None:
    olga = client_for(app, team, "olga")
    url = f"{case_path(app, case.id)}/moderation"
    token = csrf(olga, case_path(app, case.id))
    response = olga.post(
        url,
        data={
            "csrf_token": token,
            "version": snapshot(app, case.id)[1],
            "is_public": "y",
            "public_title": "Buca in via [omissis]",
            "public_description": "",
        },
    )
    assert response.status_code == 303
    public = client.get(f"/citizencare/reports/{case.public_id}").get_data(as_text=True)
    assert "Buca in via [omissis]" in public and "Saragozza" not in public.split("<h1>")[1].split("</h1>")[0]
    assert "Buca profonda in via Saragozza" in olga.get(case_path(app, case.id)).get_data(as_text=True)
    response = olga.post(
        url, data={"csrf_token": token, "version": snapshot(app, case.id)[1]}
    )  # unchecked: hide
    assert response.status_code == 303
    assert client.get(f"/citizencare/reports/{case.public_id}").status_code == 404
    tina = client_for(app, team, "tina")
    response = tina.post(
        url,
        data={
            "csrf_token": csrf(tina, "/citizencare/staff/"),
            "version": snapshot(app, case.id)[1],
            "is_public": "y",
        },
    )
    assert response.status_code == 403


def test_changing_category_reroutes_the_case(app: Flask, team: Team, case: Report) -> None:
    olga = client_for(app, team, "olga")
    token = csrf(olga, case_path(app, case.id))
    response = olga.post(
        f"{case_path(app, case.id)}/classification",
        data={
            "csrf_token": token,
            "version": snapshot(app, case.id)[1],
            "category": team.lamps.id,
            "priority": "high",
        },
    )
    assert response.status_code == 303
    with app.app_context():
        report = host_db.session.get(Report, case.id)
        assert (report.category_id, report.office_id, report.priority) == (
            team.lamps.id,
            team.lights.id,
            "high",
        )
        host_db.session.remove()


def test_queue_filters_counts_and_pages(app: Flask, team: Team, client: FlaskClient) -> None:
    for i in range(5):
        post_report(client, team.potholes.id, title=f"Buca {i}")
    post_report(client, team.lamps.id, title="Lampione spento", lat="44.50", lon="11.35")
    olga = client_for(app, team, "olga")
    html = olga.get("/citizencare/staff/").get_data(as_text=True)
    assert html.count('name="report"') == 6
    assert re.search(r'cc-count">6<', html)

    html = olga.get("/citizencare/staff/", query_string={"category": team.lamps.id}).get_data(as_text=True)
    assert "Lampione spento" in html and "Buca 1" not in html
    html = olga.get("/citizencare/staff/", query_string={"q": "lampione"}).get_data(as_text=True)
    assert "Lampione spento" in html and "Buca 1" not in html
    html = olga.get("/citizencare/staff/", query_string={"area": "11.345,44.495,11.355,44.505"}).get_data(
        as_text=True
    )
    assert "Lampione spento" in html and "Buca 1" not in html
    html = olga.get("/citizencare/staff/", query_string={"sla": "breached"}).get_data(as_text=True)
    assert html.count('name="report"') == 0

    # Pages of two follow each other without gaps or repeats, in every sort order, also across
    # cases without a due time (paused), which sort last.
    with app.app_context():
        for report in host_db.session.scalars(sa.select(Report).order_by(Report.id).limit(3)):
            report.due_at = None
        host_db.session.commit()
    app.config["CITIZENCARE_QUEUE_PAGE_SIZE"] = 2
    for sort in ("triage", "due", "age", "priority"):
        seen: list[str] = []
        url = f"/citizencare/staff/?sort={sort}"
        for _ in range(5):
            page = olga.get(url)
            assert page.status_code == 200
            html = page.get_data(as_text=True)
            seen += re.findall(r'name="report" value="(\d+):', html)
            nxt = re.search(r'href="([^"]+)" rel="next"', html)
            if not nxt:
                break
            url = nxt.group(1).replace("&amp;", "&")
            assert "Pratiche successive" in html or "Next cases" in html
        assert len(seen) == len(set(seen)) == 6, sort


@pytest.mark.parametrize(
    "query",
    [
        {"area": "1,2,3"},
        {"area": "nan,1,2,3"},
        {"area": "' OR 1=1 --"},
        {"received_from": "yesterday"},
        {"level": "7"},
        {"sla": "whenever"},
        {"after": "not-a-cursor"},
        {"status": "flying"},
        {"sort": "id; DROP"},
    ],
)
def test_bad_queue_filters_are_a_400_not_a_500(app: Flask, team: Team, query: dict[str, str]) -> None:
    response = client_for(app, team, "olga").get("/citizencare/staff/", query_string=query)
    assert response.status_code in (200, 400)


def test_bulk_acknowledge(app: Flask, team: Team, client: FlaskClient) -> None:
    for i in range(3):
        post_report(client, team.potholes.id, title=f"Buca {i}")
    olga = client_for(app, team, "olga")
    html = olga.get("/citizencare/staff/").get_data(as_text=True)
    picks = re.findall(r'name="report" value="([^"]+)"', html)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    response = olga.post(
        "/citizencare/staff/bulk",
        data={"csrf_token": token, "action": "acknowledge", "report": picks, "back": "/citizencare/staff/"},
    )
    assert response.status_code == 303
    with app.app_context():
        statuses = set(host_db.session.scalars(sa.select(Report.status)))
        host_db.session.remove()
    assert statuses == {"acknowledged"}


def test_phone_request_registered_by_an_operator(app: Flask, team: Team) -> None:
    # A fixed Monday, to check its due time: further back than the intake takes by default.
    app.config["CITIZENCARE_INTAKE_BACKDATE_DAYS"] = 3650
    olga = client_for(app, team, "olga")
    tokens = form_tokens(olga, "/citizencare/staff/intake")
    response = olga.post(
        "/citizencare/staff/intake",
        data={
            **tokens,
            "channel": "phone",
            "received_at": "2026-11-23T09:00",
            "kind": "issue",
            "category": str(team.lamps.id),
            "title": "Lampione spento",
            "description": "Segnalato al telefono",
            "address": "Via Indipendenza 8",
            "lat": "",
            "lon": "",
            "name": "Anna",
            "phone": "+39 051 123456",
            "consent": "y",
        },
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    with app.app_context():
        report = host_db.session.scalars(sa.select(Report)).one()
        assert report.channel == "phone" and report.office_id == team.lights.id
        # Monday 23 November 2026 09:00 in Rome; phone: 90 business minutes.
        assert report.ack_due_at.isoformat() == "2026-11-23T09:30:00+00:00"
        event = report.events[0]
        assert event.actor_kind == "staff" and event.actor_id == team.members["olga"].id
        host_db.session.remove()


def test_knowledge_base_finds_resolved_answers(app: Flask, team: Team, case: Report) -> None:
    olga, tina = client_for(app, team, "olga"), client_for(app, team, "tina")
    act(olga, case.id, "assign", version=snapshot(app, case.id)[1], office=team.roads.id)
    act(tina, case.id, "resolve", version=snapshot(app, case.id)[1], public_reply="Asfaltata il 20 novembre.")
    html = olga.get("/citizencare/staff/knowledge", query_string={"q": "buca saragozza"}).get_data(
        as_text=True
    )
    assert case.public_id in html and "Asfaltata il 20 novembre." in html
    html = olga.get("/citizencare/staff/knowledge", query_string={"q": 'NEAR( "* OR 1=1 --'}).get_data(
        as_text=True
    )
    assert "<h1>" in html


def test_canned_replies_are_managed_and_offered_when_resolving(app: Flask, team: Team, case: Report) -> None:
    olga, tina = client_for(app, team, "olga"), client_for(app, team, "tina")
    token = csrf(olga, "/citizencare/staff/canned")
    response = olga.post(
        "/citizencare/staff/canned",
        data={
            "csrf_token": token,
            "title": "Buca chiusa",
            "body": "La segnalazione {numero} è stata risolta.",
            "language": "it",
            "category": str(team.potholes.id),
        },
    )
    assert response.status_code == 303
    assert olga.post("/citizencare/staff/canned", data={"title": "x", "body": "y"}).status_code == 400
    assert (
        tina.post(
            "/citizencare/staff/canned",
            data={"csrf_token": csrf(tina, "/citizencare/staff/"), "title": "x", "body": "y"},
        ).status_code
        == 403
    )
    act(olga, case.id, "assign", version=snapshot(app, case.id)[1], office=team.roads.id)
    html = tina.get(case_path(app, case.id)).get_data(as_text=True)
    assert f"La segnalazione {case.public_id} è stata risolta." in html


def test_only_managers_change_service_levels(app: Flask, team: Team, client: FlaskClient) -> None:
    olga, marco = client_for(app, team, "olga"), client_for(app, team, "marco")
    olga.environ_base["HTTP_ACCEPT_LANGUAGE"] = marco.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    url = "/citizencare/staff/service-levels"
    form = {"category": str(team.potholes.id), "ack_web": "2h", "res_1": "16h"}
    # Operators read the levels (and their history) but get no form to change them.
    assert "6h" in olga.get(url).get_data(as_text=True) and 'name="ack_web"' not in olga.get(url).get_data(
        as_text=True
    )
    assert olga.post(url, data={**form, "csrf_token": csrf(olga, "/citizencare/staff/")}).status_code == 403
    bad = marco.post(url, data={**form, "res_1": "soon", "csrf_token": csrf(marco, url)})
    assert bad.status_code == 400 and "not valid" in bad.get_data(as_text=True)
    assert marco.post(url, data={**form, "csrf_token": csrf(marco, url)}).status_code == 303
    with app.app_context():
        from flask_citizencare.models import Category

        assert host_db.session.get(Category, team.potholes.id).sla == {  # type: ignore[union-attr]
            "acknowledgement": {"web": "2h"},
            "resolution": {"1": "16h"},
        }
        host_db.session.remove()
    post_report(client, team.potholes.id)
    report = submitted(app)
    received = report.received_at
    with app.test_request_context():
        from flask_citizencare.services.sla import calendar

        expected = calendar().add(calendar().clock_start(received), __import__("datetime").timedelta(hours=2))
    assert report.ack_due_at == expected
    assert (
        marco.post(
            url, data={"category": str(team.potholes.id), "reset": "1", "csrf_token": csrf(marco, url)}
        ).status_code
        == 303
    )


def test_finished_statuses_are_counted_up_to_a_cap(
    app: Flask, team: Team, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flask_citizencare.queries import triage_queue as queue

    for i in range(4):
        post_report(client, team.potholes.id, title=f"Buca {i}")
    with app.app_context():
        for report in host_db.session.scalars(sa.select(Report)):
            report.status, report.reject_reason = "rejected", "Fuori competenza"
        host_db.session.commit()
    monkeypatch.setattr(queue, "COUNT_CAP", 3)
    html = client_for(app, team, "olga").get("/citizencare/staff/").get_data(as_text=True)
    assert re.search(r'cc-count">3\+<', html)
    assert re.search(r'cc-count">0<', html)


def test_queue_filters_by_a_chosen_district(app: Flask, team: Team, client: FlaskClient) -> None:
    app.config["CITIZENCARE_DISTRICTS"] = [
        {"name": "Centro", "bbox": (11.33, 44.49, 11.36, 44.51)},
        {"name": "Navile", "bbox": (11.33, 44.51, 11.37, 44.54)},
    ]
    post_report(client, team.potholes.id, title="Buca in centro", lat="44.50", lon="11.345")
    post_report(client, team.potholes.id, title="Buca al Navile", lat="44.52", lon="11.35")
    olga = client_for(app, team, "olga")
    html = olga.get("/citizencare/staff/", query_string={"district": "Navile"}).get_data(as_text=True)
    assert "Buca al Navile" in html and "Buca in centro" not in html
    assert '<option selected value="Navile">' in html or 'value="Navile" selected' in html


def test_routing_rules_send_a_district_to_its_own_office(app: Flask, team: Team, client: FlaskClient) -> None:
    north = {
        "type": "Polygon",
        "coordinates": [[[11.30, 44.51], [11.40, 44.51], [11.40, 44.55], [11.30, 44.55], [11.30, 44.51]]],
    }
    app.config["CITIZENCARE_ROUTING"] = [{"office": "lights", "categories": ["potholes"], "area": north}]
    post_report(client, team.potholes.id, title="Buca a nord", lat="44.52", lon="11.35")
    post_report(client, team.potholes.id, title="Buca in centro", lat="44.49", lon="11.34")
    post_report(client, team.lamps.id, title="Lampione a nord", lat="44.52", lon="11.35")
    with app.app_context():
        offices = dict(host_db.session.execute(sa.select(Report.title, Report.office_id)).all())
        host_db.session.remove()
    assert offices == {
        "Buca a nord": team.lights.id,
        "Buca in centro": team.roads.id,
        "Lampione a nord": team.lights.id,
    }


def test_bad_routing_rules_stop_start_up(database_url: str) -> None:
    from flask_citizencare import ConfigurationError

    from .host import make_host_app

    with pytest.raises(ConfigurationError, match="CITIZENCARE_ROUTING"):
        make_host_app(database_url, CITIZENCARE_ROUTING=[{"categories": ["x"]}])


def test_the_answer_appears_once_on_the_public_page(
    app: Flask, team: Team, case: Report, client: FlaskClient
) -> None:
    olga, tina = client_for(app, team, "olga"), client_for(app, team, "tina")
    act(olga, case.id, "assign", version=snapshot(app, case.id)[1], office=team.roads.id)
    act(tina, case.id, "resolve", version=snapshot(app, case.id)[1], public_reply="Buca chiusa oggi.")
    assert (
        client.get(f"/citizencare/reports/{case.public_id}").get_data(as_text=True).count("Buca chiusa oggi.")
        == 1
    )
