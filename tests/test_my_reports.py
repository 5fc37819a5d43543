"""A logged-in citizen's "my reports": their own reports only, each leading to its tracking page."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask

from .factories import create_report
from .host import host_db
from .staff import Team, client_for


def test_a_citizen_sees_their_own_reports_and_no_one_elses(app: Flask, team: Team) -> None:
    with app.app_context():
        carla_id = str(team.users["carla"].id)
        mine = create_report(host_db.session, title="Buca sotto casa", contact={"user_id": carla_id})
        hidden = create_report(
            host_db.session,
            title="Segnalazione non pubblicata",
            is_public=False,
            contact={"user_id": carla_id},
        )
        erased = create_report(
            host_db.session,
            title="Dati cancellati",
            contact={"user_id": carla_id, "erased_at": datetime(2026, 1, 1, tzinfo=UTC)},
        )
        other = create_report(host_db.session, title="Di un altro", contact={"user_id": "someone-else"})
        host_db.session.commit()
        expected = [(r.public_id, r.tracking_token) for r in (hidden, mine)]  # newest first
        absent = [(r.public_id, r.tracking_token) for r in (erased, other)]

    response = client_for(app, team, "carla").get("/citizencare/mine", headers={"Accept-Language": "en"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page.index(expected[0][0]) < page.index(expected[1][0])
    for public_id, token in expected:
        assert public_id in page and f'href="/citizencare/track/{token}"' in page
    assert "not published" in page
    for public_id, token in absent:
        assert public_id not in page and token not in page


def test_the_page_needs_a_login_and_the_index_links_it(app: Flask, team: Team) -> None:
    with app.app_context():
        report = create_report(host_db.session, contact={"user_id": str(team.users["carla"].id)})
        host_db.session.commit()
        public_id = report.public_id
    anonymous = app.test_client().get("/citizencare/mine")
    assert anonymous.status_code in (302, 401)
    assert public_id not in anonymous.get_data(as_text=True)
    assert "/citizencare/mine" not in app.test_client().get("/citizencare/").get_data(as_text=True)
    assert "/citizencare/mine" in client_for(app, team, "carla").get("/citizencare/").get_data(as_text=True)
    empty = client_for(app, team, "luca").get("/citizencare/mine", headers={"Accept-Language": "en"})
    assert empty.status_code == 200 and "You have not sent any report while logged in." in empty.get_data(
        as_text=True
    )
