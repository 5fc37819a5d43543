"""``/feeds/reports.atom`` and ``.rss``: parsed as feeds, filtered, strict with bad input, public data only;
both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from xml.etree import ElementTree

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale
from sqlalchemy.orm import Session

from flask_citizencare.i18n import gettext as cc_gettext

from .factories import create_category, create_report
from .host import host_db

ATOM = "/citizencare/feeds/reports.atom"
RSS = "/citizencare/feeds/reports.rss"
CITY = "11.23,44.42,11.43,44.56"
#: A small box around the west of the city, and a point in it and one outside it.
WEST = "11.24,44.48,11.30,44.52"
IN_WEST = (11.27, 44.50)
EAST = (11.40, 44.50)
NS = {"atom": "http://www.w3.org/2005/Atom", "georss": "http://www.georss.org/georss"}
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
PRIVATE = {"name": "Gioachina Sbrodolini", "email": "gioachina.s@example.org", "phone": "+39 333 120 9876"}
DISTRICTS = [
    {"name": "Ovest", "bbox": [11.23, 44.46, 11.31, 44.54]},
    {"name": "Est", "bbox": [11.36, 44.46, 11.43, 44.54]},
]


def atom(client: FlaskClient, **params: Any) -> list[dict[str, Any]]:
    response = client.get(ATOM, query_string=params or None)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/atom+xml"
    root = ElementTree.fromstring(response.get_data())  # noqa: S314 (our own answers)
    assert root.tag == "{http://www.w3.org/2005/Atom}feed"
    entries = []
    for entry in root.findall("atom:entry", NS):
        link = entry.find("atom:link", NS)
        category = entry.find("atom:category", NS)
        point = entry.find("georss:point", NS)
        entries.append(
            {
                "title": entry.findtext("atom:title", namespaces=NS),
                "url": link.get("href") if link is not None else None,
                "category": category.get("term") if category is not None else None,
                "text": ElementTree.tostring(entry, encoding="unicode"),
                "point": point.text if point is not None else None,
            }
        )
    return entries


def numbers(entries: list[dict[str, Any]]) -> list[str]:
    return [e["url"].rsplit("/", 1)[-1] for e in entries]


@pytest.fixture
def city(app: Flask) -> dict[str, Any]:
    """The reports, written in an app context of their own (a request in a test must not share one:
    Flask-Babel keeps the language of the first request in it)."""
    app.config["CITIZENCARE_DISTRICTS"] = DISTRICTS
    with app.app_context():
        return reports(host_db.session)


def reports(db_session: Session) -> dict[str, Any]:
    roads = create_category(db_session, code="strade", name="Strade", names={"en": "Roads"})
    lights = create_category(db_session, code="luci", name="Illuminazione", names={"en": "Street lights"})
    west = create_report(
        db_session, category=roads, lon=IN_WEST[0], lat=IN_WEST[1], contact=PRIVATE,
        title="Buca davanti alla scuola", address="Via Saffi 10", created_at=T0, updated_at=T0,
    )  # fmt: skip
    east = create_report(
        db_session, category=lights, lon=EAST[0], lat=EAST[1], contact=PRIVATE,
        created_at=T0 + timedelta(hours=1), updated_at=T0 + timedelta(hours=1),
    )  # fmt: skip
    hidden = create_report(
        db_session, category=roads, lon=IN_WEST[0], lat=IN_WEST[1], is_public=False,
        title="Segnalazione nascosta Qx19", created_at=T0 + timedelta(hours=2),
    )  # fmt: skip
    merged = create_report(
        db_session, category=roads, lon=IN_WEST[0], lat=IN_WEST[1], title="Doppione unito Rt55",
        status="rejected", reject_reason="Doppione", duplicate_of_id=west.id, acknowledged_at=T0,
        created_at=T0 + timedelta(hours=3),
    )  # fmt: skip
    redacted = create_report(
        db_session, category=lights, lon=EAST[0], lat=EAST[1], title="Il mio vicino Ugo Brambilla",
        public_title="Lampione spento", description="Chiamatemi al 347 111 2222",
        public_description="Lampione spento da giorni.", created_at=T0 + timedelta(hours=4),
    )  # fmt: skip
    db_session.commit()
    return {
        "roads": roads.id, "lights": lights.id,
        "west": west.public_id, "east": east.public_id, "hidden": hidden.public_id,
        "merged": merged.public_id, "redacted": redacted.public_id,
        "tokens": [r.tracking_token for r in (west, east, hidden, merged, redacted)],
    }  # fmt: skip


def test_atom_lists_the_newest_public_reports_with_their_public_facts(
    client: FlaskClient, city: dict[str, Any]
) -> None:
    entries = atom(client)
    assert numbers(entries) == [city["redacted"], city["east"], city["west"]]
    first = entries[-1]
    assert first["title"].startswith(f"{city['west']} · Strade: Buca davanti alla scuola")
    assert first["url"].startswith("http://localhost/citizencare/reports/")
    assert first["category"] == "strade"
    assert "Via Saffi 10" in first["text"]
    lat, lon = (float(v) for v in first["point"].split())
    assert (lon, lat) == IN_WEST


def test_rss_is_the_same_list(client: FlaskClient, city: dict[str, Any]) -> None:
    response = client.get(RSS)
    assert response.status_code == 200
    assert response.mimetype == "application/rss+xml"
    channel = ElementTree.fromstring(response.get_data()).find("channel")  # noqa: S314 (our own answers)
    assert channel is not None
    links = [item.findtext("link") or "" for item in channel.findall("item")]
    assert [link.rsplit("/", 1)[-1] for link in links] == [city["redacted"], city["east"], city["west"]]


def test_hidden_merged_and_personal_data_never_appear(client: FlaskClient, city: dict[str, Any]) -> None:
    for url in (ATOM, RSS):
        for params in ({}, {"bbox": CITY}, {"category": "strade"}, {"district": "Ovest"}):
            body = client.get(url, query_string=params).get_data(as_text=True)
            for secret in (
                city["hidden"], city["merged"], "Qx19", "Rt55", "Ugo Brambilla", "347 111 2222",
                *PRIVATE.values(), *city["tokens"],
            ):  # fmt: skip
                assert secret not in body, (url, params, secret)
    redacted = atom(client, category="luci")[0]
    assert "Lampione spento da giorni." in redacted["text"]


def test_filters_bbox_category_by_code_or_id_and_district(client: FlaskClient, city: dict[str, Any]) -> None:
    assert numbers(atom(client, bbox=WEST)) == [city["west"]]
    assert numbers(atom(client, category="luci")) == [city["redacted"], city["east"]]
    assert numbers(atom(client, category=str(city["roads"]))) == [city["west"]]
    both = f"strade,{city['lights']}"
    assert numbers(atom(client, category=both)) == [city["redacted"], city["east"], city["west"]]
    assert numbers(atom(client, district="Est")) == [city["redacted"], city["east"]]
    assert numbers(atom(client, district="Est", category="strade")) == []
    assert numbers(atom(client, bbox=WEST, district="Est")) == []


@pytest.mark.parametrize(
    ("parameter", "value"),
    [
        ("bbox", "1,2,3"),
        ("bbox", "11.2,44.4,11.4,44.5,1"),
        ("bbox", "nan,44.42,11.43,44.56"),
        ("bbox", "11.23,44.42,inf,44.56"),
        ("bbox", "1e1,44.42,11.43,44.56"),
        ("bbox", "11_3,44.42,11.43,44.56"),
        ("bbox", "12345678901234567890,44.42,11.43,44.56"),
        ("bbox", "11.23,44.42,11.43,44.56'); DROP TABLE cc_reports;--"),
        ("bbox", "11.23 OR 1=1,44.42,11.43,44.56"),
        ("bbox", "11.43,44.42,11.23,44.56"),
        ("bbox", "11.23,44.56,11.43,44.42"),
        ("bbox", "-200,44.42,11.43,44.56"),
        ("bbox", "12.5,45.5,12.6,45.6"),
        ("bbox", "10.0,43.5,11.43,44.56"),
        ("bbox", "11.23,44.42,11.43,44.56\x00"),
        ("category", "no-such-category"),
        ("category", "999999999"),
        ("category", "strade' OR '1'='1"),
        ("district", "Atlantide"),
        ("status", "gone"),
        ("since", "2026-13-45"),
    ],
)
def test_bad_parameters_are_refused_with_400_in_the_visitors_language(
    app: Flask, client: FlaskClient, city: dict[str, Any], parameter: str, value: str
) -> None:
    for url in (ATOM, RSS):
        for language in ("en", "it"):
            response = client.get(url, query_string={parameter: value}, headers={"Accept-Language": language})
            assert response.status_code == 400, (url, parameter, value, response.get_data(as_text=True)[:200])
            text = response.get_data(as_text=True)
            if "\x00" in value:
                continue  # the extension's request guard refuses a NUL anywhere, before any view
            assert text.startswith(f"{parameter}: ")
            assert "Traceback" not in text
    with app.test_request_context(), force_locale("it"):
        italian = cc_gettext("Give four numbers: west,south,east,north (minLon,minLat,maxLon,maxLat).")
    if parameter == "bbox" and value == "1,2,3":
        assert italian in text


def test_a_large_area_is_refused_but_the_whole_municipality_is_not(
    client: FlaskClient, city: dict[str, Any]
) -> None:
    wide = {"bbox": "10.5,44.0,12.0,45.0"}
    response = client.get(ATOM, query_string=wide, headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert "too large" in response.get_data(as_text=True)
    assert len(atom(client, bbox=CITY)) == 3


def test_the_feed_is_revalidated_with_its_etag(client: FlaskClient, city: dict[str, Any]) -> None:
    first = client.get(ATOM)
    assert first.headers["Cache-Control"] == "public, max-age=0, must-revalidate"
    again = client.get(ATOM, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_an_empty_feed_is_still_a_valid_feed(client: FlaskClient, app: Flask) -> None:
    assert atom(client) == []
    assert client.get(RSS).status_code == 200
