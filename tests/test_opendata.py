"""Open data exports: public reports only, public fields only, streamed, licensed, spreadsheet-safe."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from flask_citizencare.queries import opendata
from flask_citizencare.queries.opendata import FIELD_NAMES

from .factories import create_category, create_report
from .host import host_db

PREFIX = "/citizencare/opendata"
NOW = datetime.now(UTC)
CONTACT = {
    "name": "Gualtiero Sbrodolini",
    "email": "gualtiero.sbrodolini@example.net",
    "phone": "+39 347 555 0199",
}
FORMULA = '=HYPERLINK("http://evil.example/x","click")'


@pytest.fixture
def scene(app: Flask) -> dict[str, Any]:
    """Public reports of two categories and kinds, one moderated, one formula; a hidden and a merged one."""
    with app.app_context():
        s = host_db.session
        roads = create_category(s, code="buche", name="Buche stradali", names={"en": "Potholes"})
        lights = create_category(s, code="luce", name="Illuminazione", names={"en": "Street lights"})
        moderated = create_report(
            s,
            category=roads,
            title="Buca davanti a casa di Gualtiero Sbrodolini",
            public_title="Buca in via Indipendenza",
            description="Chiamatemi al +39 347 555 0199",
            public_description="Buca profonda.",
            address="Via dell'Indipendenza 12",
            lon=11.3456789,
            lat=44.4987654,
            contact=CONTACT,
            answers={"private": "secret-answer-42"},
            status="acknowledged",
            created_at=NOW - timedelta(hours=1),
            acknowledged_at=NOW - timedelta(minutes=30),
            resolve_due_at=NOW - timedelta(days=1),
        )
        late = create_report(
            s,
            category=roads,
            title="Buca risolta in ritardo",
            status="resolved",
            acknowledged_at=NOW - timedelta(days=9),
            resolve_due_at=NOW - timedelta(days=5),
            resolved_at=NOW - timedelta(days=2),
            lon=11.40,
            lat=44.54,
        )
        formula = create_report(s, category=lights, title=FORMULA, description="+1 and -1 @SUM(A1)")
        proposal = create_report(
            s,
            category=lights,
            kind="proposal",
            title="Più luci al parco",
            point=None,
            resolve_due_at=NOW + timedelta(days=5),
        )
        hidden = create_report(s, category=roads, title="Segnalazione nascosta Xq7", is_public=False)
        merged = create_report(
            s,
            category=roads,
            title="Duplicato fuso Kw9",
            status="rejected",
            reject_reason="duplicate",
            duplicate_of_id=moderated.id,
        )
        s.commit()
        return {
            "moderated": moderated.public_id,
            "late": late.public_id,
            "formula": formula.public_id,
            "proposal": proposal.public_id,
            "hidden": hidden.public_id,
            "merged": merged.public_id,
            "tokens": [r.tracking_token for r in (moderated, late, formula, proposal, hidden, merged)],
        }


def body(response: TestResponse) -> str:
    text = response.get_data(as_text=True)
    response.close()
    return text


def csv_rows(response: TestResponse) -> list[dict[str, str]]:
    text = body(response)
    assert text.startswith("\ufeff")
    reader = csv.reader(io.StringIO(text[1:], newline=""))
    header = next(reader)
    assert tuple(header) == FIELD_NAMES
    return [dict(zip(header, row, strict=True)) for row in reader]


def features(response: TestResponse) -> dict[str, Any]:
    return json.loads(body(response))  # type: ignore[no-any-return]


def test_csv_holds_every_public_report_with_public_fields_only(
    app: Flask, client: FlaskClient, scene: dict[str, Any]
) -> None:
    zone = ZoneInfo(app.config["CITIZENCARE_TIMEZONE"])
    response = client.get(f"{PREFIX}/reports.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv; charset=utf-8")
    today = datetime.now(zone).date().isoformat()
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment; filename=segnalazioni-") and disposition.endswith(".csv")
    assert disposition == f"attachment; filename=segnalazioni-{today}.csv"
    assert response.headers["Link"] == '<https://creativecommons.org/licenses/by/4.0/>; rel="license"'
    raw = response.get_data()
    assert b"\r\n" in raw and raw.startswith("\ufeff".encode())
    rows = {row["id"]: row for row in csv_rows(response)}

    assert set(rows) == {scene["moderated"], scene["late"], scene["formula"], scene["proposal"]}
    row = rows[scene["moderated"]]
    assert row["title"] == "Buca in via Indipendenza" and row["description"] == "Buca profonda."
    assert row["kind"] == "issue" and row["category"] == "buche" and row["category_name"] == "Buche stradali"
    assert row["status"] == "acknowledged" and row["overdue"] == "true"
    assert (row["lat"], row["lon"]) == ("44.49877", "11.34568")
    assert row["address"] == "Via dell'Indipendenza 12"
    assert row["url"] == f"http://localhost/citizencare/reports/{scene['moderated']}"
    created = datetime.fromisoformat(row["created_at"])
    assert created.utcoffset() == NOW.astimezone(zone).utcoffset()
    assert created == (NOW - timedelta(hours=1)).replace(microsecond=0)
    assert datetime.fromisoformat(row["expected_by"]) < NOW and row["resolved_at"] == ""
    assert rows[scene["late"]]["overdue"] == "true" and rows[scene["late"]]["resolved_at"]
    proposal = rows[scene["proposal"]]
    assert proposal["kind"] == "proposal" and proposal["lat"] == proposal["lon"] == ""
    assert proposal["overdue"] == "false" and proposal["expected_by"]

    text = raw.decode("utf-8")
    for private in [*CONTACT.values(), "secret-answer-42", "Sbrodolini", *scene["tokens"]]:
        assert private not in text
    for absent in (scene["hidden"], scene["merged"], "Xq7", "Kw9"):
        assert absent not in text


def test_geojson_is_a_licensed_feature_collection(client: FlaskClient, scene: dict[str, Any]) -> None:
    response = client.get(f"{PREFIX}/reports.geojson")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/geo+json"
    assert response.headers["Link"] == '<https://creativecommons.org/licenses/by/4.0/>; rel="license"'
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    data = features(response)
    assert data["type"] == "FeatureCollection"
    assert data["license"] == "CC BY 4.0" and data["license_url"].startswith("https://creativecommons.org/")
    assert data["attribution"] == "Comune di Prova"
    by_id = {f["id"]: f for f in data["features"]}
    assert set(by_id) == {scene["moderated"], scene["late"], scene["formula"], scene["proposal"]}
    moderated = by_id[scene["moderated"]]
    assert moderated["type"] == "Feature"
    assert moderated["geometry"] == {"type": "Point", "coordinates": [11.34568, 44.49877]}
    assert set(moderated["properties"]) == set(FIELD_NAMES) - {"lat", "lon"}
    assert (
        moderated["properties"]["overdue"] is True
        and moderated["properties"]["title"] == "Buca in via Indipendenza"
    )
    assert by_id[scene["proposal"]]["geometry"] is None
    # JSON is not a spreadsheet: the title stays as the citizen wrote it.
    assert by_id[scene["formula"]]["properties"]["title"] == FORMULA


def test_csv_cells_never_run_as_formulas(client: FlaskClient, scene: dict[str, Any]) -> None:
    rows = {row["id"]: row for row in csv_rows(client.get(f"{PREFIX}/reports.csv"))}
    row = rows[scene["formula"]]
    assert row["title"] == "'" + FORMULA
    assert row["description"] == "'+1 and -1 @SUM(A1)"
    for row in rows.values():
        for name, value in row.items():
            assert not value.startswith(("=", "+", "@")), (name, value)
            if name not in ("lat", "lon"):
                assert not value.startswith("-"), (name, value)
    for dangerous in ("-5", "@x", "+39", "\tx", "=1+1", "\r=x"):
        assert opendata.defuse(dangerous) == "'" + dangerous
    assert opendata.defuse("a=b") == "a=b" and opendata.defuse("") == "" and opendata.defuse(None) is None


def test_category_names_follow_the_visitor_language(client: FlaskClient, scene: dict[str, Any]) -> None:
    english = csv_rows(client.get(f"{PREFIX}/reports.csv", headers={"Accept-Language": "en"}))
    assert {r["category_name"] for r in english} == {"Potholes", "Street lights"}
    italian = csv_rows(client.get(f"{PREFIX}/reports.csv", headers={"Accept-Language": "it"}))
    assert {r["category_name"] for r in italian} == {"Buche stradali", "Illuminazione"}
    assert {r["category"] for r in english} == {r["category"] for r in italian} == {"buche", "luce"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=proposal", {"proposal"}),
        ("kind=issue&category=buche", {"moderated", "late"}),
        ("group=closed", {"late"}),
        ("status=acknowledged,resolved", {"moderated", "late"}),
        ("bbox=11.39,44.53,11.41,44.55", {"late"}),
        ("category=buche,luce&group=open", {"moderated", "formula", "proposal"}),
        (f"since={(NOW - timedelta(days=1)).date()}&until={(NOW + timedelta(days=1)).date()}", None),
        ("until=2000-01-01", set()),
    ],
)
def test_filters_are_the_api_filters(
    client: FlaskClient, scene: dict[str, Any], query: str, expected: set[str] | None
) -> None:
    wanted = (
        {scene[k] for k in expected}
        if expected is not None
        else {scene[k] for k in ("moderated", "late", "formula", "proposal")}
    )
    assert {r["id"] for r in csv_rows(client.get(f"{PREFIX}/reports.csv?{query}"))} == wanted
    assert {f["id"] for f in features(client.get(f"{PREFIX}/reports.geojson?{query}"))["features"]} == wanted


@pytest.mark.parametrize(
    ("query", "parameter", "message"),
    [
        ("bbox=abc", "bbox", "Give four numbers"),
        ("bbox=0,0,1,1", "bbox", "outside the municipality"),
        ("kind=ufo", "kind", "Unknown kind"),
        ("category=nope", "category", "Unknown category: nope"),
        ("since=yesterday", "since", "Give one date"),
        ("since=2026-05-01&until=2026-04-01", "until", "end date comes before"),
        ("has_photo=maybe", "has_photo", "Use true or false"),
        ("group=all", "group", "Use open or closed"),
    ],
)
def test_bad_filters_get_a_clear_400(
    client: FlaskClient, scene: dict[str, Any], query: str, parameter: str, message: str
) -> None:
    english = {"Accept-Language": "en"}
    response = client.get(f"{PREFIX}/reports.csv?{query}", headers=english)
    assert response.status_code == 400 and response.mimetype == "text/plain"
    text = body(response)
    assert text.startswith(f"{parameter}: ") and message in text
    response = client.get(f"{PREFIX}/reports.geojson?{query}", headers=english)
    assert response.status_code == 400 and response.mimetype == "application/problem+json"
    problem = features(response)
    assert problem["status"] == 400 and problem["parameter"] == parameter and message in problem["detail"]
    response = client.get(f"{PREFIX}/?{query}", headers=english)
    assert response.status_code == 400 and message in body(response)


def test_exports_are_streamed_in_batches(
    client: FlaskClient, scene: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(opendata, "BATCH_ROWS", 1)
    for path in ("reports.csv", "reports.geojson"):
        response = client.get(f"{PREFIX}/{path}")
        assert response.is_streamed
        assert "Content-Length" not in response.headers
        chunks = list(response.response)
        response.close()
        # header + one chunk per report (+ the closing bracket of the GeoJSON)
        assert len(chunks) >= 1 + 4, chunks
        assert all(isinstance(chunk, bytes) for chunk in chunks)
    data = features(client.get(f"{PREFIX}/reports.geojson"))
    assert len(data["features"]) == 4


def test_empty_exports_are_still_valid(client: FlaskClient, app: Flask) -> None:
    assert csv_rows(client.get(f"{PREFIX}/reports.csv")) == []
    assert features(client.get(f"{PREFIX}/reports.geojson"))["features"] == []


def test_the_licence_is_a_setting(client: FlaskClient, app: Flask, scene: dict[str, Any]) -> None:
    app.config["CITIZENCARE_OPENDATA_LICENCE"] = "IODL 2.0"
    app.config["CITIZENCARE_OPENDATA_LICENCE_URL"] = "https://www.dati.gov.it/iodl/2.0/"
    response = client.get(f"{PREFIX}/reports.geojson")
    assert response.headers["Link"] == '<https://www.dati.gov.it/iodl/2.0/>; rel="license"'
    data = features(response)
    assert (data["license"], data["license_url"]) == ("IODL 2.0", "https://www.dati.gov.it/iodl/2.0/")
    page = client.get(f"{PREFIX}/")
    assert page.headers["Link"] == '<https://www.dati.gov.it/iodl/2.0/>; rel="license"'
    assert '<a href="https://www.dati.gov.it/iodl/2.0/" rel="license">IODL 2.0</a>' in body(page)


def test_page_describes_the_datasets_and_keeps_the_filters(
    client: FlaskClient, scene: dict[str, Any]
) -> None:
    response = client.get(f"{PREFIX}/?kind=proposal&category=luce", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    html = body(response)
    for name in FIELD_NAMES:
        assert f"<code>{name}</code>" in html
    assert f'href="{PREFIX}/reports.csv?kind=proposal&amp;category=luce"' in html
    assert f'href="{PREFIX}/reports.geojson?kind=proposal&amp;category=luce"' in html
    assert 'rel="license">CC BY 4.0</a>' in html
    assert '<option value="luce" selected>Street lights</option>' in html
    assert '<label class="cc-label" for="cc-od-since">' in html and 'id="cc-od-since"' in html
    plain = body(client.get(f"{PREFIX}/"))
    assert f'href="{PREFIX}/reports.csv"' in plain and f'href="{PREFIX}/reports.geojson"' in plain
    assert f'href="{PREFIX}/"' in body(client.get("/citizencare/"))


def test_rows_come_from_a_streaming_cursor(
    app: Flask, client: FlaskClient, scene: dict[str, Any], backend: str
) -> None:
    """PostgreSQL must use a server-side cursor, or a million rows would land in memory at once."""
    seen: list[str] = []

    def record(connection: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "FROM cc_reports" in statement and "ORDER BY cc_reports.id" in statement:
            seen.append(type(cursor).__name__)

    with app.app_context():
        engine = host_db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        assert len(csv_rows(client.get(f"{PREFIX}/reports.csv"))) == 4
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    assert len(seen) == 1
    if backend == "postgis":
        assert "ServerCursor" in seen[0], seen


def test_the_form_keeps_the_filters_it_does_not_show(client: FlaskClient, scene: dict[str, Any]) -> None:
    html = body(client.get(f"{PREFIX}/?bbox=11.39,44.53,11.41,44.55&has_photo=false&kind=issue"))
    assert '<input type="hidden" name="bbox" value="11.39,44.53,11.41,44.55">' in html
    assert '<input type="hidden" name="has_photo" value="false">' in html
    assert '<input type="hidden" name="kind"' not in html
