"""The routing rules screen: stored rules (create, edit, order, deactivate, delete), their effect on filed
reports before the configured rules, the test box, roles and bad input."""

from __future__ import annotations

import html as html_lib
import json
import re
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from flask_citizencare.domain.geo import Area
from flask_citizencare.domain.routing import AreaError, parse_area
from flask_citizencare.models import AuditEntry, CatalogueSetting, Category, Office, Report, RoutingRuleRecord
from flask_citizencare.services import routing
from flask_citizencare.services.errors import NotNow

from .factories import create_category, create_office
from .host import host_db
from .reporting import post_report
from .staff import Team, actor_for, client_for

URL = "/citizencare/staff/admin/routing"
EN = {"Accept-Language": "en"}
NAVILE = (11.33, 44.50, 11.40, 44.54)
DISTRICTS = [
    {"name": "Navile", "bbox": NAVILE},
    {"name": "Santo Stefano", "bbox": (11.35, 44.47, 11.40, 44.495)},
]


def square(west: float, south: float, east: float, north: float) -> dict[str, Any]:
    return {
        "type": "Polygon",
        "coordinates": [[[west, south], [east, south], [east, north], [west, north], [west, south]]],
    }


NORTH = square(11.30, 44.51, 11.40, 44.55)
SOUTH = square(11.30, 44.43, 11.40, 44.48)


@pytest.fixture(autouse=True)
def districts(app: Flask) -> None:
    app.config["CITIZENCARE_DISTRICTS"] = DISTRICTS


def csrf(client: FlaskClient, url: str = URL) -> str:
    page = client.get(url, headers=EN).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert match, page
    return match.group(1)


def text_of(response: Any) -> str:
    return html_lib.unescape(response.get_data(as_text=True))


def rules(app: Flask) -> list[tuple[Any, ...]]:
    with app.app_context():
        rows = [
            tuple(r)
            for r in host_db.session.execute(
                sa.select(
                    RoutingRuleRecord.id,
                    RoutingRuleRecord.position,
                    RoutingRuleRecord.category_id,
                    RoutingRuleRecord.district,
                    RoutingRuleRecord.area,
                    RoutingRuleRecord.office_id,
                    RoutingRuleRecord.note,
                    RoutingRuleRecord.active,
                ).order_by(RoutingRuleRecord.position, RoutingRuleRecord.id)
            )
        ]
        host_db.session.remove()
        return rows


def state_of(app: Flask) -> tuple[Any, ...]:
    """Everything a refused change must leave as it was: the rules, the audit trail, the revision."""
    with app.app_context():
        audit = host_db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
        revision = host_db.session.scalar(
            sa.select(CatalogueSetting.revision).where(CatalogueSetting.key == "routing")
        )
        host_db.session.remove()
    return rules(app), audit, revision


def form(token: str, **fields: Any) -> dict[str, Any]:
    return {
        "csrf_token": token,
        "category": "",
        "place": "any",
        "district": "",
        "area": "",
        "note": "",
        **fields,
    }


def create(client: FlaskClient, team: Team, **fields: Any) -> Any:
    fields.setdefault("office", str(team.lights.id))
    return client.post(URL + "/new", data=form(csrf(client, URL + "/new"), **fields), headers=EN)


def file_report(
    app: Flask, client: FlaskClient, category_id: int, title: str, lat: str, lon: str
) -> int | None:
    response = post_report(client, category_id, title=title, lat=lat, lon=lon)
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:2000]
    with app.app_context():
        office_id = host_db.session.scalar(sa.select(Report.office_id).where(Report.title == title))
        host_db.session.remove()
    return office_id


def ask(client: FlaskClient, **args: Any) -> Any:
    return client.get(URL, query_string=args, headers=EN)


# Roles


@pytest.mark.parametrize(("who", "status"), [("olga", 403), ("tina", 403), ("marco", 200), ("ada", 200)])
def test_only_managers_and_admins_reach_the_screen(app: Flask, team: Team, who: str, status: int) -> None:
    client = client_for(app, team, who)
    assert client.get(URL, headers=EN).status_code == status
    assert client.get(URL + "/new", headers=EN).status_code == status
    queue = client.get("/citizencare/staff/", headers=EN).get_data(as_text=True)
    assert (f'href="{URL}"' in queue) is (status == 200)


def test_an_operator_cannot_change_rules(app: Flask, team: Team) -> None:
    marco = client_for(app, team, "marco")
    assert create(marco, team, category=str(team.potholes.id)).status_code == 303
    rule_id = rules(app)[0][0]
    olga = client_for(app, team, "olga")
    token = csrf(olga, "/citizencare/staff/preferences")
    before = state_of(app)
    assert olga.post(URL + "/new", data=form(token, office=str(team.roads.id))).status_code == 403
    for action in ("deactivate", "activate", "delete", "move"):
        response = olga.post(f"{URL}/{rule_id}/{action}", data={"csrf_token": token, "direction": "up"})
        assert response.status_code == 403
    assert olga.get(f"{URL}/{rule_id}").status_code == 403
    assert state_of(app) == before


# Happy paths


def test_a_manager_creates_rules_of_each_kind_in_order_with_their_history(app: Flask, team: Team) -> None:
    marco = client_for(app, team, "marco")
    assert (
        create(marco, team, category=str(team.lamps.id), office=str(team.roads.id), note="Tutte").status_code
        == 303
    )
    assert (
        create(marco, team, category=str(team.potholes.id), place="district", district="Navile").status_code
        == 303
    )
    area = json.dumps(NORTH)
    assert create(marco, team, place="area", area=area, note="Nord").status_code == 303
    stored = rules(app)
    assert [(r[1], r[2], r[3], r[5], r[6], r[7]) for r in stored] == [
        (1, team.lamps.id, None, team.roads.id, "Tutte", True),
        (2, team.potholes.id, "Navile", team.lights.id, "", True),
        (3, None, None, team.lights.id, "Nord", True),
    ]
    assert stored[2][4] == NORTH
    page = text_of(marco.get(URL, headers=EN))
    assert "Routing rule saved." in page
    assert page.index("Rule #1") < page.index("Rule #2") < page.index("Rule #3")
    assert "District Navile" in page and "Area drawn on the map" in page and "Any category" in page
    # The test box's map outlines the places of the active rules (the district by its box).
    raw = marco.get(URL, headers=EN).get_data(as_text=True)
    areas = json.loads(html_lib.unescape(re.search(r'data-areas="([^"]+)"', raw).group(1)))  # type: ignore[union-attr]
    assert [f["properties"]["label"] for f in areas["features"]] == ["Rule #2", "Rule #3"]
    assert areas["features"][1]["geometry"] == NORTH
    # The form of a rule shows its history, and the area as GeoJSON for the map and the fallback.
    url = f"{URL}/{stored[2][0]}"
    edit = text_of(marco.get(url, headers=EN))
    assert "History of changes" in edit and "Created" in edit and '"Polygon"' in edit
    response = marco.post(
        url, data=form(csrf(marco, url), place="area", area=area, office=str(team.roads.id), note="Nord!")
    )
    assert response.status_code == 303
    assert rules(app)[2][5:7] == (team.roads.id, "Nord!")
    with app.app_context():
        entries = host_db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.subject_type == "routing_rule").order_by(AuditEntry.id)
        ).all()
        assert [e.action for e in entries] == ["create", "create", "create", "update"]
        assert entries[-1].changes == {
            "note": ["Nord", "Nord!"],
            "office_id": [team.lights.id, team.roads.id],
        }
        assert entries[-1].actor_name == "Marco"
        host_db.session.remove()
    assert "Nord!" in text_of(marco.get(url, headers=EN))


def test_a_pasted_feature_is_accepted(app: Flask, team: Team) -> None:
    marco = client_for(app, team, "marco")
    feature = {"type": "Feature", "properties": {}, "geometry": SOUTH}
    assert create(marco, team, place="area", area=json.dumps(feature)).status_code == 303
    assert rules(app)[0][4] == SOUTH


def test_rules_move_up_and_down_and_the_order_decides(app: Flask, team: Team, client: FlaskClient) -> None:
    marco = client_for(app, team, "marco")
    create(marco, team, place="area", area=json.dumps(NORTH), office=str(team.lights.id))  # any category
    create(marco, team, category=str(team.potholes.id), office=str(team.roads.id))  # potholes anywhere
    first, second = (r[0] for r in rules(app))
    answer = text_of(ask(marco, category=team.potholes.id, lat="44.52", lon="11.35"))
    assert "goes to Illuminazione" in answer and "Chosen by rule #1 kept here." in answer
    token = csrf(marco)
    assert (
        marco.post(f"{URL}/{second}/move", data={"csrf_token": token, "direction": "up"}).status_code == 303
    )
    assert [r[0] for r in rules(app)] == [second, first]
    answer = text_of(ask(marco, category=team.potholes.id, lat="44.52", lon="11.35"))
    assert "goes to Manutenzione strade" in answer and "Chosen by rule #1 kept here." in answer
    # A filed report follows the new order.
    assert file_report(app, client, team.potholes.id, "Buca a nord", "44.52", "11.35") == team.roads.id
    # Moving the first up, or the last down, changes nothing; down moves back.
    assert (
        marco.post(f"{URL}/{second}/move", data={"csrf_token": token, "direction": "up"}).status_code == 303
    )
    assert (
        marco.post(f"{URL}/{first}/move", data={"csrf_token": token, "direction": "down"}).status_code == 303
    )
    assert [r[0] for r in rules(app)] == [second, first]
    assert (
        marco.post(f"{URL}/{second}/move", data={"csrf_token": token, "direction": "down"}).status_code == 303
    )
    assert [r[0] for r in rules(app)] == [first, second]
    before = state_of(app)
    response = marco.post(
        f"{URL}/{first}/move", data={"csrf_token": token, "direction": "sideways"}, headers=EN
    )
    assert response.status_code == 400 and "Move a rule up or down." in text_of(response)
    assert state_of(app) == before


def test_deactivate_activate_and_delete(app: Flask, team: Team, client: FlaskClient) -> None:
    marco = client_for(app, team, "marco")
    create(marco, team, category=str(team.potholes.id), place="area", area=json.dumps(NORTH))
    rule_id = rules(app)[0][0]
    assert file_report(app, client, team.potholes.id, "Prima", "44.52", "11.35") == team.lights.id
    token = csrf(marco)
    assert marco.post(f"{URL}/{rule_id}/deactivate", data={"csrf_token": token}).status_code == 303
    assert rules(app)[0][7] is False
    assert file_report(app, client, team.potholes.id, "Seconda", "44.52", "11.35") == team.roads.id
    assert "Reactivate rule #1" in text_of(marco.get(URL, headers=EN))
    assert marco.post(f"{URL}/{rule_id}/activate", data={"csrf_token": token}).status_code == 303
    assert file_report(app, client, team.potholes.id, "Terza", "44.52", "11.35") == team.lights.id
    assert marco.post(f"{URL}/{rule_id}/delete", data={"csrf_token": token}).status_code == 303
    assert rules(app) == []
    assert file_report(app, client, team.potholes.id, "Quarta", "44.52", "11.35") == team.roads.id
    with app.app_context():
        actions = host_db.session.scalars(
            sa.select(AuditEntry.action).where(AuditEntry.subject_id == rule_id).order_by(AuditEntry.id)
        ).all()
        host_db.session.remove()
    assert actions == ["create", "deactivate", "activate", "delete"]
    for action in ("deactivate", "delete", "move"):
        assert marco.post(f"{URL}/{rule_id}/{action}", data={"csrf_token": token}).status_code == 404
    assert marco.get(f"{URL}/{rule_id}").status_code == 404
    assert marco.get(f"{URL}/99999999999999999999").status_code == 404
    assert marco.post(f"{URL}/{rule_id}/delete", data={}).status_code == 400  # no CSRF token


# Filed reports


def test_a_filed_report_is_routed_by_a_stored_area_rule_before_the_configured_ones(
    app: Flask, team: Team, client: FlaskClient
) -> None:
    app.config["CITIZENCARE_ROUTING"] = [{"office": "roads", "categories": ["lamps"], "area": NORTH}]
    marco = client_for(app, team, "marco")
    assert file_report(app, client, team.lamps.id, "Prima della regola", "44.52", "11.35") == team.roads.id
    create(
        marco,
        team,
        category=str(team.lamps.id),
        place="area",
        area=json.dumps(NORTH),
        office=str(team.lights.id),
    )
    # Moving away from the default: a stored area rule for potholes in the north.
    create(marco, team, category=str(team.potholes.id), place="area", area=json.dumps(NORTH))
    assert file_report(app, client, team.lamps.id, "Lampione a nord", "44.52", "11.35") == team.lights.id
    assert file_report(app, client, team.potholes.id, "Buca a nord", "44.52", "11.35") == team.lights.id
    assert file_report(app, client, team.potholes.id, "Buca in centro", "44.49", "11.34") == team.roads.id


def test_a_filed_report_is_routed_by_a_district_rule(app: Flask, team: Team, client: FlaskClient) -> None:
    marco = client_for(app, team, "marco")
    assert (
        create(marco, team, category=str(team.potholes.id), place="district", district="Navile").status_code
        == 303
    )
    assert file_report(app, client, team.potholes.id, "Buca al Navile", "44.52", "11.36") == team.lights.id
    assert file_report(app, client, team.potholes.id, "Buca fuori", "44.45", "11.36") == team.roads.id


def test_the_cache_follows_every_change(app: Flask, team: Team) -> None:
    marco = client_for(app, team, "marco")
    create(marco, team, category=str(team.potholes.id))
    with app.app_context():
        first = routing.stored_routing_rules(host_db.session)
        assert [r.office for r in first] == ["lights"]
    with app.app_context():  # another context: the same parsed rules, from the cache
        assert routing.stored_routing_rules(host_db.session) is first
        host_db.session.remove()
    rule_id = rules(app)[0][0]
    marco.post(f"{URL}/{rule_id}/deactivate", data={"csrf_token": csrf(marco)})
    with app.app_context():
        assert routing.stored_routing_rules(host_db.session) == ()
        revision = host_db.session.scalar(
            sa.select(CatalogueSetting.revision).where(CatalogueSetting.key == "routing")
        )
        host_db.session.remove()
    assert revision == 2


# The test box


def test_the_test_box_says_which_rule_matched(app: Flask, team: Team) -> None:
    app.config["CITIZENCARE_ROUTING"] = [
        {"office": "lights", "categories": ["lamps"]},
        {"office": "roads", "categories": ["potholes"], "area": SOUTH},
    ]
    marco = client_for(app, team, "marco")
    create(marco, team, category=str(team.potholes.id), place="area", area=json.dumps(NORTH))
    with app.app_context():
        orphan = create_category(host_db.session, code="orphan", name="Senza ufficio")
        host_db.session.commit()
        orphan_id = orphan.id
        host_db.session.remove()
    cases = [
        (
            {"category": team.potholes.id, "lat": "44.52", "lon": "11.35"},
            "Illuminazione",
            "rule #1 kept here",
        ),
        (
            {"category": team.potholes.id, "lat": "44.45", "lon": "11.35"},
            "Manutenzione strade",
            "configured rule #2",
        ),
        ({"category": team.lamps.id, "lat": "44.52", "lon": "11.35"}, "Illuminazione", "configured rule #1"),
        (
            {"category": team.potholes.id, "lat": "44.49", "lon": "11.25"},
            "Manutenzione strade",
            "default office",
        ),
        ({"category": team.potholes.id, "district": "Navile"}, "Illuminazione", "rule #1 kept here"),
        ({"category": orphan_id, "lat": "44.49", "lon": "11.34"}, None, "has no default office"),
    ]
    for args, office, rule in cases:
        response = ask(marco, **args)
        page = text_of(response)
        assert response.status_code == 200, (args, page)
        assert (f"goes to {office}" if office else "goes to the URP, which triages it") in page, args
        assert rule in page, args
    # Without a place only the rules without one apply.
    assert "default office" in text_of(ask(marco, category=team.potholes.id))


def test_the_test_box_names_a_deactivated_office(app: Flask, team: Team) -> None:
    with app.app_context():
        category = host_db.session.get(Category, team.potholes.id)
        spare = create_office(host_db.session, code="spare", name="Riserva", active=False)
        assert category is not None
        category.default_office_id = spare.id
        host_db.session.commit()
        host_db.session.remove()
    page = text_of(ask(client_for(app, team, "marco"), category=team.potholes.id, lat="44.49", lon="11.34"))
    assert "goes to the URP" in page and "That office (spare) is deactivated" in page


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"lat": "91", "lon": "11.3"}, "Give a latitude from -90 to 90"),
        ({"lat": "44.5", "lon": "181"}, "Give a latitude from -90 to 90"),
        ({"lat": "nan", "lon": "11.3"}, "Give a latitude from -90 to 90"),
        ({"lat": "1e309", "lon": "11.3"}, "Give a latitude from -90 to 90"),
        ({"lat": "abc", "lon": "11.3"}, "Give a latitude from -90 to 90"),
        ({"lat": "44.5"}, "Give both the latitude and the longitude"),
        ({"lat": "40.0", "lon": "11.3"}, "outside the municipality"),
        ({"district": "Atlantide"}, "There is no district called Atlantide"),
        ({"category": "99999999999999999999"}, "problem"),
        ({"category": "123456"}, "Choose the category from the list."),
        ({"category": ""}, "Choose the category of the report."),
        ({"lat": "44.5\x00", "lon": "11.3"}, "The request could not be understood"),  # NUL: refused up front
    ],
)
def test_the_test_box_refuses_bad_input(app: Flask, team: Team, args: dict[str, str], message: str) -> None:
    args = {"category": str(team.potholes.id), **args}
    response = ask(client_for(app, team, "marco"), **args)
    assert response.status_code == 400
    assert message in text_of(response)


# Bad input


def bowtie() -> dict[str, Any]:
    return {
        "type": "Polygon",
        "coordinates": [[[11.30, 44.50], [11.40, 44.55], [11.40, 44.50], [11.30, 44.55], [11.30, 44.50]]],
    }


def many_points(n: int) -> dict[str, Any]:
    import math

    ring = [
        [
            round(11.33 + 0.02 * math.cos(2 * math.pi * i / n), 6),
            round(44.49 + 0.02 * math.sin(2 * math.pi * i / n), 6),
        ]
        for i in range(n)
    ]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


BAD = [
    ({"office": "inactive"}, "is deactivated: a rule cannot send cases to it"),
    ({"office": "123456"}, "Choose the office from the list of active offices."),
    ({"office": "99999999999999999999"}, "problem"),
    ({"office": ""}, "Choose the office the rule sends cases to."),
    ({"category": "99999999999999999999"}, "problem"),
    ({"category": "123456"}, "Choose the category from the list."),
    ({"place": "district", "district": "Atlantide"}, "There is no district called Atlantide."),
    ({"place": "district", "district": ""}, "Choose the district."),
    ({"place": "elsewhere"}, "problem"),
    ({"place": "area", "area": ""}, "it is empty"),
    ({"place": "area", "area": '{"type": "Polygon", "coordinates": []}'}, "it is empty"),
    ({"place": "area", "area": json.dumps(bowtie())}, "Self-intersection"),
    (
        {"place": "area", "area": json.dumps(square(12.0, 45.0, 12.1, 45.1))},
        "entirely outside the municipality",
    ),
    ({"place": "area", "area": '{"type": "Point", "coordinates": [11.3, 44.5]}'}, "Polygon or MultiPolygon"),
    ({"place": "area", "area": "not json"}, "not valid GeoJSON"),
    (
        {"place": "area", "area": '{"type":"Polygon","coordinates":[[[NaN,1],[1,2],[2,2],[NaN,1]]]}'},
        "not valid GeoJSON",
    ),
    ({"place": "area", "area": json.dumps(square(11.3, 44.5, 200, 44.6))}, "valid range of latitude"),
    (
        {"place": "area", "area": '{"type":"Polygon","coordinates":[[["a",1],[1,2],[2,2],["a",1]]]}'},
        "not well formed",
    ),
    ({"place": "area", "area": json.dumps(many_points(5001))}, "too many points: at most 5000"),
    ({"place": "area", "area": json.dumps(NORTH) + " " * 200_001}, "too large a text: at most 200 KB"),
    ({"place": "area", "area": json.dumps(NORTH).replace("11.3", "11.3\x00")}, "could not be understood"),
    ({"note": "a\x00b"}, "The request could not be understood"),
    ({"note": "a\x07b"}, "control characters"),
    ({"note": "x" * 201}, "at most 200 characters"),
]


@pytest.mark.parametrize(("fields", "message"), BAD, ids=[m for _f, m in BAD])
def test_bad_input_is_refused_and_nothing_changes(
    app: Flask, team: Team, fields: dict[str, str], message: str
) -> None:
    with app.app_context():
        inactive = create_office(host_db.session, code="closed", name="Chiuso", active=False)
        host_db.session.commit()
        inactive_id = inactive.id
        host_db.session.remove()
    if fields.get("office") == "inactive":
        fields = {**fields, "office": str(inactive_id)}
    marco = client_for(app, team, "marco")
    before = state_of(app)
    response = create(marco, team, **fields)
    assert response.status_code == 400, text_of(response)[:3000]
    assert message in text_of(response)
    assert state_of(app) == before


def test_overlapping_and_duplicate_rules_are_refused_naming_the_other(app: Flask, team: Team) -> None:
    marco = client_for(app, team, "marco")
    potholes = str(team.potholes.id)
    create(marco, team, category=potholes, office=str(team.roads.id), note="ovunque")
    create(marco, team, category=potholes, place="area", area=json.dumps(NORTH))
    create(marco, team, category=potholes, place="district", district="Navile")
    before = state_of(app)
    refused = [
        ({"category": potholes}, "Rule #1 already covers the same category and place"),
        ({"category": potholes, "place": "area", "area": json.dumps(NORTH)}, "Rule #2 already covers"),
        (
            {"category": potholes, "place": "area", "area": json.dumps(square(11.35, 44.53, 11.42, 44.555))},
            "overlaps the area of rule #2 for the same category",
        ),
        ({"category": potholes, "place": "district", "district": "Navile"}, "Rule #3 already covers"),
    ]
    for fields, message in refused:
        response = create(marco, team, **fields)
        assert response.status_code == 400 and message in text_of(response), fields
    assert state_of(app) == before
    # Another category, an area only touching the other's border, and any category are accepted.
    assert (
        create(marco, team, category=str(team.lamps.id), place="area", area=json.dumps(NORTH)).status_code
        == 303
    )
    touching = square(11.30, 44.48, 11.40, 44.51)
    assert create(marco, team, category=potholes, place="area", area=json.dumps(touching)).status_code == 303
    assert create(marco, team, place="area", area=json.dumps(NORTH)).status_code == 303
    # A deactivated rule is no conflict; reactivating it while a duplicate is active is refused.
    token = csrf(marco)
    first = rules(app)[0][0]
    marco.post(f"{URL}/{first}/deactivate", data={"csrf_token": token})
    assert create(marco, team, category=potholes, note="nuova").status_code == 303
    before = state_of(app)
    response = marco.post(f"{URL}/{first}/activate", data={"csrf_token": token}, headers=EN)
    assert response.status_code == 400 and "Rule #7 already covers" in text_of(response)
    assert state_of(app) == before
    # Editing a rule does not conflict with itself.
    second = rules(app)[1][0]
    url = f"{URL}/{second}"
    response = marco.post(
        url,
        data=form(
            csrf(marco, url),
            category=potholes,
            place="area",
            area=json.dumps(NORTH),
            office=str(team.roads.id),
        ),
    )
    assert response.status_code == 303


def test_an_office_a_stored_rule_targets_is_not_deactivated_nor_deleted(app: Flask, team: Team) -> None:
    marco = client_for(app, team, "marco")
    create(marco, team, category=str(team.potholes.id), office=str(team.lights.id))
    offices_url = "/citizencare/staff/admin/offices"
    token = csrf(marco, offices_url)
    response = marco.post(
        f"{offices_url}/{team.lights.id}/deactivate", data={"csrf_token": token}, headers=EN
    )
    assert response.status_code == 409
    assert "routing rule #1 (stored) sends cases to lights" in text_of(response)
    # Its code may change: stored rules name the office by id.
    url = f"{offices_url}/{team.lights.id}"
    response = marco.post(
        url, data={"csrf_token": token, "code": "luci", "name": "Illuminazione", "email": ""}, headers=EN
    )
    assert response.status_code == 303
    # An inactive rule does not stop the deactivation, but still stops the deletion.
    rule_id = rules(app)[0][0]
    marco.post(f"{URL}/{rule_id}/deactivate", data={"csrf_token": token})
    with app.test_request_context(headers=EN):
        from flask_citizencare.services import offices

        with pytest.raises(NotNow, match="#1 \\(stored\\)"):
            offices.delete_office(actor_for(team, "marco"), team.lights.id)
        host_db.session.remove()
    response = marco.post(
        f"{offices_url}/{team.lights.id}/deactivate", data={"csrf_token": token}, headers=EN
    )
    assert response.status_code == 303
    with app.app_context():
        office = host_db.session.get(Office, team.lights.id)
        assert office is not None and not office.active
        host_db.session.remove()
    # A rule to a deactivated office cannot be reactivated.
    response = marco.post(f"{URL}/{rule_id}/activate", data={"csrf_token": token}, headers=EN)
    assert response.status_code == 400 and "is deactivated" in text_of(response)


# The domain, without an app


def test_parse_area_codes() -> None:
    area = Area.from_setting((11.23, 44.42, 11.43, 44.56))
    stored, geometry = parse_area(
        json.dumps({"type": "MultiPolygon", "coordinates": [NORTH["coordinates"]]}), area
    )
    assert stored["type"] == "MultiPolygon" and geometry.is_valid
    for text, code in [
        ("", "empty"),
        ("[1, 2]", "not_polygon"),
        ('{"type": "Polygon", "coordinates": [[[1, 2], [3, 4]]]}', "malformed"),
        (json.dumps(bowtie()), "invalid"),
        ("[" * 100_000 + "]" * 100_000, "not_geojson"),
    ]:
        with pytest.raises(AreaError) as error:
            parse_area(text, area)
        assert error.value.code == code, text[:80]


def test_stored_rules_come_first_and_say_which_matched() -> None:
    from flask_citizencare.domain.geo import District
    from flask_citizencare.domain.routing import StoredRule, explain, parse_rules, stored_rules

    navile = District.from_setting({"name": "Navile", "bbox": NAVILE})
    stored = stored_rules(
        [
            StoredRule(10, 1, "north", 7, None, NORTH),
            StoredRule(11, 2, "navile", 7, "Navile", None),
            StoredRule(12, 3, "lost", 7, "Atlantide", None),  # a district no longer configured: skipped
            StoredRule(13, 4, "broken", 7, None, {"type": "Polygon", "coordinates": [[[1, 2], [3, 4]]]}),
        ],
        [navile],
    )
    assert [(r.office, r.origin, r.number, r.rule_id) for r in stored] == [
        ("north", "stored", 1, 10),
        ("navile", "stored", 2, 11),
    ]
    rules = stored + parse_rules([{"office": "configured", "categories": ["potholes"]}])
    match = explain(rules, "potholes", "default", 11.35, 44.52, 7)
    assert match.office == "north" and match.rule is not None and match.rule.number == 1
    match = explain(rules, "potholes", "default", 11.35, 44.505, 7)
    assert match.office == "navile" and match.rule is not None and match.rule.district == "Navile"
    match = explain(rules, "potholes", "default", 11.25, 44.45, 7)
    assert match.office == "configured" and match.rule is not None and match.rule.origin == "configured"
    match = explain(rules, "potholes", "default", 11.35, 44.52, 8)  # another category id: not the stored ones
    assert match.rule is not None and match.rule.origin == "configured"
    assert explain(rules, "lamps", "default", None, None, 9).how == "default"
    assert explain(rules, "lamps", None, None, None, 9).how == "none"


def test_a_refusal_points_at_its_field(app: Flask, team: Team) -> None:
    marco = client_for(app, team, "marco")
    response = create(marco, team, place="area", area=json.dumps(bowtie()))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert '<a href="#area">The area is not a valid polygon' in page
    assert re.search(
        r'<textarea[^>]*aria-invalid="true"[^>]*id="area"|<textarea[^>]*id="area"[^>]*aria-invalid', page
    )
    response = ask(marco, category=str(team.potholes.id), lat="95", lon="11")
    assert response.status_code == 400
    assert '<a href="#lat">Give a latitude from -90 to 90' in response.get_data(as_text=True)


def test_a_catalogue_import_refreshes_the_parsed_rules(app: Flask, tmp_path: Any) -> None:
    import copy

    from .test_catalogue_file import BASE, run, write

    assert run(app, "import", "--shipped", "comune-base").exit_code == 0
    with app.app_context():
        routing.rules_changed(host_db.session)  # as a change on screen would: the rules are cached
        host_db.session.commit()
    with app.app_context():
        before = routing.stored_routing_rules(host_db.session)
        host_db.session.remove()
    assert len(before) == 16 and before[0].office == "manutenzione-strade"
    content = copy.deepcopy(BASE)
    content["routing"][0]["active"] = False
    result = run(app, "import", write(tmp_path, content))
    assert result.exit_code == 0, result.output
    with app.app_context():
        after = routing.stored_routing_rules(host_db.session)
        host_db.session.remove()
    assert len(after) == 15 and after[0].number == 2
