"""The citizens' form suggests (issue 17): "Did you mean …?" and "Is it one of these?".

The JSON the form's script asks while the text is typed (``/suggest``), the same hints on the
three-step form's summary without JavaScript, and nothing at all without a model.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from flask_citizencare.models import Category, Report
from flask_citizencare.models.base import utcnow

from .factories import create_report
from .host import host_db
from .reporting import hidden_value
from .suggest_history import train_small_model
from .test_report_steps import EN, accept_conditions, data_fields, page, post_data

SUGGEST = "/citizencare/suggest"
# Near the Due Torri, inside the test area (Bologna).
LON, LAT = 11.3466, 44.4940
LAMP = ("Lampione spento", "il lampione davanti a casa è spento da giorni")
CONTACT = {"name": "Giulia Verdi", "email": "giulia.verdi@example.org", "phone": "+39 333 1234567"}


def category_id(app: Flask, code: str) -> int:
    with app.app_context():
        return host_db.session.scalar(sa.select(Category.id).where(Category.code == code))


def nearby_lamps(app: Flask) -> dict[str, str]:
    """Open lamp reports a few metres away: public, not public, merged, redacted; and one far away."""
    with app.app_context():
        session = host_db.session()
        lights = session.scalar(sa.select(Category).where(Category.code == "illuminazione"))
        now = utcnow()
        numbers = iter(range(990001, 999999))  # clear of the demo history's numbers

        def lamp(lon: float = LON + 0.0002, **fields: Any) -> Report:
            texts = {
                "title": "Lampione spento davanti al civico 3",
                "description": "Il lampione in strada è spento da giorni, la sera è tutto buio.",
            }
            return create_report(
                session,
                category=lights,
                lon=lon,
                lat=LAT,
                contact=CONTACT,
                received_at=now,
                public_id=f"{now.year}-{next(numbers)}",
                **{**texts, **fields},
            )

        public = lamp()
        hidden = lamp(is_public=False)
        merged = lamp(duplicate_of_id=public.id, status="rejected", reject_reason="duplicate")
        redacted = lamp(
            title="Lampione spento davanti a casa di Mario Bianchini",
            description="Il lampione è spento da giorni; la Panda targata ZX987QQ è sempre parcheggiata lì.",
            public_title="Lampione spento",
            public_description="Il lampione è spento da giorni, la sera è buio.",
        )
        far = lamp(lon=LON + 0.02)  # 1.6 km away
        session.commit()
        return {
            "public": public.public_id,
            "hidden": hidden.public_id,
            "merged": merged.public_id,
            "redacted": redacted.public_id,
            "far": far.public_id,
        }


def ask(client: FlaskClient, **params: Any) -> Any:
    return client.get(SUGGEST, query_string=params, headers=EN)


# -- Without a model ---------------------------------------------------------------------------


def test_no_model_answers_unavailable_and_the_forms_are_as_before(app: Flask, client: FlaskClient) -> None:
    response = ask(client, title=LAMP[0], description=LAMP[1], lat=LAT, lon=LON)
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.get_json() == {"available": False, "category": None, "duplicates": []}
    assert response.headers["Cache-Control"] == "private, no-store"
    app.config["CITIZENCARE_REPORT_FLOW"] = "single"
    html = page(client, "/citizencare/new")
    assert "cc-suggest" not in html and "/citizencare/suggest" not in html
    app.config["CITIZENCARE_REPORT_FLOW"] = "steps"
    accept_conditions(client)
    assert "cc-suggest" not in page(client, "/citizencare/new/data")


# -- With a model ------------------------------------------------------------------------------


@pytest.fixture
def trained(app: Flask) -> dict[str, str]:
    train_small_model(app)
    return nearby_lamps(app)


def test_suggests_the_category_and_only_public_nearby_open_duplicates(
    app: Flask, client: FlaskClient, trained: dict[str, str]
) -> None:
    lights, roads = category_id(app, "illuminazione"), category_id(app, "buche-strade")
    response = ask(client, title=LAMP[0], description=LAMP[1], category=roads, lat=LAT, lon=LON)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "private, no-store"
    body = response.get_json()
    assert body["available"] is True
    assert body["category"]["id"] == lights and body["category"]["label"] == "Street lighting"
    assert body["category"]["score"] >= 0.5
    numbers = [item["public_id"] for item in body["duplicates"]]
    assert trained["public"] in numbers
    assert trained["hidden"] not in numbers and trained["merged"] not in numbers
    assert trained["far"] not in numbers
    (item,) = [item for item in body["duplicates"] if item["public_id"] == trained["public"]]
    assert item == {
        "public_id": trained["public"],
        "title": "Lampione spento davanti al civico 3",
        "url": f"/citizencare/reports/{trained['public']}",
        "distance_m": item["distance_m"],
        "age_days": 0,
    }
    assert 10 <= item["distance_m"] <= 25
    for item in body["duplicates"]:
        if item["public_id"] == trained["redacted"]:
            assert item["title"] == "Lampione spento"
    text = response.get_data(as_text=True)
    for private in ("Giulia", "Verdi", "giulia.verdi", "333", "Bianchini", "ZX987QQ", "Panda"):
        assert private not in text

    # The category already chosen is not suggested again; without a point, no duplicates near it.
    same = ask(client, title=LAMP[0], description=LAMP[1], category=lights).get_json()
    assert same["available"] is True and same["category"] is None
    # No category chosen yet: the suggestion is the same.
    none = ask(client, title=LAMP[0], description=LAMP[1], lat=LAT, lon=LON).get_json()
    assert none["category"]["id"] == lights
    # A proposal gets no duplicates here (the similar proposals list is its own).
    proposal = ask(client, title=LAMP[0], description=LAMP[1], lat=LAT, lon=LON, kind="proposal")
    assert proposal.status_code == 200 and proposal.get_json()["duplicates"] == []
    # An unknown category counts as none chosen.
    unknown = ask(client, title=LAMP[0], description=LAMP[1], category=987654).get_json()
    assert unknown["category"]["id"] == lights


HOSTILE_4XX: list[dict[str, str]] = [
    {"category": "99999999999999999999"},
    {"category": "abc"},
    {"lat": "nan", "lon": "11.34"},
    {"lat": "44.49", "lon": "inf"},
    {"lat": "44.49", "lon": "-Infinity"},
    {"lat": "44.49"},
    {"lat": "95", "lon": "11.34"},
    {"lat": "12345678901234567890", "lon": "11.34"},
    {"kind": "both"},
    {"title": "lampione\x00spento"},
]
HOSTILE_EMPTY: list[dict[str, str]] = [
    {"title": "", "description": ""},
    {"title": "ab"},
    {"title": "x" * 100_000, "description": "lampione " * 12_000},
    {"title": "💡" * 500, "description": "\u202e\u200b\ufeff"},
    {"title": "<script>alert(1)</script>", "description": "' OR 1=1 --"},
    {"title": "lampione", "category": "0000000000000000001"},
    {"title": "lampione", "lat": "44.49", "lon": "11.34" + "9" * 30},
]


@pytest.mark.slow
def test_hostile_input_gets_a_clear_4xx_or_an_answer_never_a_500(
    app: Flask, client: FlaskClient, trained: dict[str, str]
) -> None:
    for params in HOSTILE_4XX:
        response = ask(client, **{"title": LAMP[0], **params})
        assert response.status_code == 400, (params, response.status_code)
        if "\x00" not in params.get("title", ""):  # refused for every address before any view
            body = response.get_json()
            assert body["title"] == "Invalid parameter" and body["parameter"] and body["detail"]
    for params in HOSTILE_EMPTY:
        response = ask(client, **params)
        assert response.status_code == 200, (params, response.status_code)
        body = response.get_json()
        assert set(body) == {"available", "category", "duplicates"} and len(body["duplicates"]) <= 5
    # The messages are in the user's language.
    catalan = client.get(SUGGEST, query_string={"lat": "nan", "lon": "1"}, headers={"Accept-Language": "ca"})
    assert catalan.status_code == 400 and catalan.get_json()["parameter"] == "lat"


def test_the_endpoint_is_rate_limited(app: Flask, client: FlaskClient) -> None:
    app.config["CITIZENCARE_RATELIMIT_API_PER_IP"] = "3 per minute"
    statuses = [ask(client, title=LAMP[0]).status_code for _ in range(6)]
    assert 429 in statuses, statuses


def test_the_form_carries_the_live_region_when_there_is_a_model(
    app: Flask, client: FlaskClient, trained: dict[str, str]
) -> None:
    app.config["CITIZENCARE_REPORT_FLOW"] = "single"
    html = page(client, "/citizencare/new")
    assert 'id="cc-suggest"' in html and f'data-cc-suggest-url="{SUGGEST}"' in html
    box = html.split('id="cc-suggest"', 1)[1].split(">", 1)[0]
    assert 'aria-live="polite"' in box
    assert "js/similar-proposals.js" in html and "<script>" not in html


def test_summary_shows_the_hints_without_javascript_and_switches_the_category(
    app: Flask, client: FlaskClient, trained: dict[str, str]
) -> None:
    app.config["CITIZENCARE_REPORT_FLOW"] = "steps"
    lights, chosen = category_id(app, "illuminazione"), category_id(app, "buche-strade")
    accept_conditions(client)
    fields = data_fields(chosen, title=LAMP[0], description=LAMP[1], lat=str(LAT), lon=str(LON))
    response = post_data(client, fields)
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    html = page(client, "/citizencare/new/summary")
    assert 'data-element="form-hints"' in html
    section = html.split('data-element="form-hints"', 1)[1].split("</section>", 1)[0]
    assert "Did you mean the category “Street lighting”?" in section
    assert 'action="/citizencare/new/category"' in section and f'value="{lights}"' in section
    assert f"/citizencare/reports/{trained['public']}#cc-follow" in section and "Follow it instead" in section
    assert trained["hidden"] not in section and trained["merged"] not in section
    assert "Giulia" not in section and "Bianchini" not in section

    # "Use the category": the draft takes it and keeps everything else typed.
    switched = client.post(
        "/citizencare/new/category",
        data={"csrf_token": hidden_value(section, "csrf_token"), "category": str(lights)},
        headers=EN,
    )
    assert switched.status_code == 303
    target = switched.headers["Location"]
    assert target.endswith("/new/summary") or target.endswith("/new/data#cc-problem")
    data_page = page(client, "/citizencare/new/data")
    assert f'<option selected value="{lights}">' in data_page or (f'value="{lights}" selected' in data_page)
    assert (
        LAMP[1] in data_page and "Via Saragozza 12" in data_page and "giulia.verdi@example.org" in data_page
    )


def test_use_category_refuses_what_the_form_does_not_offer(
    app: Flask, client: FlaskClient, trained: dict[str, str]
) -> None:
    app.config["CITIZENCARE_REPORT_FLOW"] = "steps"
    chosen = category_id(app, "buche-strade")
    accept_conditions(client)
    post_data(client, data_fields(chosen, title=LAMP[0], description=LAMP[1], lat=str(LAT), lon=str(LON)))
    html = page(client, "/citizencare/new/summary")
    token = hidden_value(html, "csrf_token")
    for value in ("99999999999999999999", "987654", "abc", ""):
        refused = client.post(
            "/citizencare/new/category", data={"csrf_token": token, "category": value}, headers=EN
        )
        assert refused.status_code == 400, value
    forged = client.post("/citizencare/new/category", data={"category": str(chosen)}, headers=EN)
    assert forged.status_code == 400
    assert f'value="{chosen}"' in page(client, "/citizencare/new/data").split('id="category"', 1)[1][:4000]


def test_the_json_never_carries_more_than_the_public_fields(
    app: Flask, client: FlaskClient, trained: dict[str, str]
) -> None:
    body = ask(client, title=LAMP[0], description=LAMP[1], lat=LAT, lon=LON).get_json()
    assert body["duplicates"]
    for item in body["duplicates"]:
        assert set(item) == {"public_id", "title", "url", "distance_m", "age_days"}
    assert set(body["category"]) == {"id", "label", "score"}
    json.dumps(body)  # plain JSON, nothing else
