"""The report form's "known problem, already being handled" banner: by the chosen category and by
the pin inside a current notice's area (drawn or districts), without and with JavaScript."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from lxml import html as lxml_html

from flask_citizencare.services import notices as service
from flask_citizencare.services.notices import NoticeInput, StepInput

from .reporting import hidden_value
from .staff import Team, actor_for

CURRENT = "/citizencare/status/current.json"
NEW, DATA = "/citizencare/new", "/citizencare/new/data"
IT = {"Accept-Language": "it"}
#: Around Piazza Maggiore; the form's pin below (44.4936, 11.3301) is outside it.
SQUARE = {
    "type": "Polygon",
    "coordinates": [[[11.34, 44.49], [11.35, 44.49], [11.35, 44.50], [11.34, 44.50], [11.34, 44.49]]],
}
DISTRICTS = [{"name": "Navile", "bbox": (11.33, 44.50, 11.40, 44.55)}]


def notice(app: Flask, team: Team, step: str = "investigating", **fields: Any) -> int:
    values: dict[str, Any] = {
        "kind": "incident",
        "titles": {"it": "Lampioni spenti in centro", "en": "Street lights off downtown"},
        "bodies": {"it": "Guasto alla linea.", "en": "A fault on the line."},
        "starts_at": datetime.now(UTC) - timedelta(hours=1),
        **fields,
    }
    if values["kind"] == "planned":
        values.setdefault("ends_at", datetime.now(UTC) + timedelta(days=2))
    with app.test_request_context():
        made = service.create_notice(actor_for(team, "olga"), NoticeInput(**values))
        if step != "draft":
            service.publish_notice(actor_for(team, "marco"), made.id, StepInput(step, {"it": "Pubblicato."}))
        return made.id


def found(client: FlaskClient, query: str, language: str = "en") -> list[int]:
    response = client.get(f"{CURRENT}?{query}", headers={"Accept-Language": language})
    assert response.status_code == 200, response.get_data(as_text=True)
    return [n["id"] for n in response.get_json()["notices"]]


def test_by_category(app: Flask, client: FlaskClient, team: Team) -> None:
    lights = notice(app, team, category_ids=[team.lamps.id])
    notice(app, team, "draft", category_ids=[team.lamps.id], titles={"it": "Bozza"})
    over = notice(app, team, category_ids=[team.lamps.id])
    with app.test_request_context():
        service.post_step(actor_for(team, "olga"), over, StepInput("resolved", {"it": "Risolto."}))
    assert found(client, f"category={team.lamps.id}") == [lights]  # no draft, nothing over
    assert found(client, f"category={team.potholes.id}") == []
    answer = client.get(f"{CURRENT}?category={team.lamps.id}", headers={"Accept-Language": "en"}).get_json()
    shown = answer["notices"][0]
    assert shown["title"] == "Street lights off downtown" and shown["url"] == f"/citizencare/status/{lights}"
    assert answer["heading"] == "Known problem, already being handled"
    assert set(shown) == {
        "id", "kind", "kind_label", "status", "status_label", "state", "state_label", "title",
        "starts_at", "ends_at", "url",
    }  # fmt: skip


def test_by_place_drawn_or_districts(app: Flask, client: FlaskClient, team: Team) -> None:
    app.config["CITIZENCARE_DISTRICTS"] = DISTRICTS
    drawn = notice(app, team, "scheduled", kind="planned", area_geojson=json.dumps(SQUARE))
    districts = notice(app, team, districts=["Navile"], titles={"it": "Acqua torbida a Navile"})
    notice(app, team, "draft", area_geojson=json.dumps(SQUARE), titles={"it": "Bozza"})
    assert found(client, "lat=44.495&lon=11.345") == [drawn]
    assert found(client, "lat=44.52&lon=11.36") == [districts]
    assert found(client, "lat=44.4936&lon=11.3301") == []  # outside both
    assert found(client, "lat=44.495&lon=11.35") == [drawn]  # on the boundary: covered
    assert sorted(found(client, "lat=44.50&lon=11.345")) == sorted([drawn, districts])  # on both
    assert sorted(found(client, f"category={team.lamps.id}&lat=44.52&lon=11.36")) == [districts]
    assert found(client, "") == []


@pytest.mark.parametrize(
    "query",
    [
        "category=abc",
        "category=0",
        "category=-1",
        "category=99999999999999999999999",
        "category=1&category=2",
        "lat=nan&lon=11.3",
        "lat=inf&lon=11.3",
        "lat=44.5",
        "lon=11.3",
        "lat=91&lon=11",
        "lat=44&lon=181",
        "lat=1e400&lon=11",
        "lat=" + "4" * 100 + "&lon=11",
        "bbox=1,2,3,4",
        "lat=44,5&lon=11,3,3",
    ],
)
def test_hostile_parameters_are_400(client: FlaskClient, team: Team, query: str) -> None:
    response = client.get(f"{CURRENT}?{query}", headers=IT)
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] and body["parameter"]
    english = client.get(f"{CURRENT}?{query}", headers={"Accept-Language": "en"}).get_json()["error"]
    assert body["error"] != english  # said in the visitor's language


def test_a_nul_in_the_query_is_refused_before_us(client: FlaskClient) -> None:
    # The extension's request guard answers it (a page in the visitor's language), never a 500.
    assert client.get(f"{CURRENT}?lat=44.5%00&lon=11", headers=IT).status_code == 400


def banner(html: str) -> list[str]:
    tree = lxml_html.fromstring(html)
    return [" ".join(a.text_content().split()) for a in tree.xpath("//*[@id='cc-known-problems']//li/a[1]")]


def test_without_javascript_the_steps_show_it(app: Flask, client: FlaskClient, team: Team) -> None:
    app.config["CITIZENCARE_REPORT_FLOW"] = "steps"
    lights = notice(app, team, category_ids=[team.lamps.id])
    drawn = notice(app, team, area_geojson=json.dumps(SQUARE), titles={"it": "Lavori in piazza"})
    html = client.get(NEW, headers=IT).get_data(as_text=True)
    client.post(NEW, data={"csrf_token": hidden_value(html, "csrf_token"), "consent": "y"}, headers=IT)
    form = client.get(DATA, headers=IT).get_data(as_text=True)
    assert banner(form) == []  # nothing chosen yet: the box is there, hidden, for the script
    tree = lxml_html.fromstring(form)
    assert tree.xpath("//*[@id='cc-known-problems']/@hidden") and tree.xpath(
        "//*[@id='cc-known-problems']/@data-url"
    ) == [CURRENT]
    # The category and a pin inside the drawn area are sent; the summary says both are known.
    response = client.post(
        DATA,
        data={
            "csrf_token": hidden_value(form, "csrf_token"),
            "form_time": hidden_value(form, "form_time"),
            "kind": "issue",
            "category": str(team.lamps.id),
            "title": "Lampione spento",
            "description": "Il lampione davanti al civico 3 non si accende.",
            "lat": "44.495",
            "lon": "11.345",
            "email": "giulia.verdi@example.org",
        },
        headers=IT,
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    summary = client.get(response.headers["Location"], headers=IT).get_data(as_text=True)
    assert banner(summary) == ["Lampioni spenti in centro", "Lavori in piazza"] or sorted(
        banner(summary)
    ) == sorted(["Lampioni spenti in centro", "Lavori in piazza"])
    links = lxml_html.fromstring(summary).xpath("//*[@id='cc-known-problems']//a/@href")
    assert f"/citizencare/status/{lights}" in links and f"/citizencare/status/{drawn}#cc-follow" in links
    # Back on step 2 the same banner is shown beside the category.
    assert sorted(banner(client.get(DATA, headers=IT).get_data(as_text=True))) == sorted(banner(summary))


def test_the_one_page_form_opened_with_a_category(app: Flask, client: FlaskClient, team: Team) -> None:
    app.config["CITIZENCARE_REPORT_FLOW"] = "single"
    notice(app, team, category_ids=[team.lamps.id])
    html = client.get(f"{NEW}?category={team.lamps.id}", headers=IT).get_data(as_text=True)
    assert banner(html) == [] or banner(html) == ["Lampioni spenti in centro"]
    pinned = client.get(f"{NEW}?lat=44.495&lon=11.345", headers=IT).get_data(as_text=True)
    assert banner(pinned) == []  # no notice there
