"""`/api/reports.geojson`: points, pages, clusters, filters, privacy, refusals, caching; both databases."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale
from sqlalchemy.orm import Session

from flask_citizencare.i18n import gettext as cc_gettext
from flask_citizencare.models import Category, Message, Report

from .factories import create_category, create_office, create_photo, create_report

API = "/citizencare/api/reports.geojson"
#: Inside the test municipality (tests.conftest.BOLOGNA).
CITY = "11.23,44.42,11.43,44.56"
FEATURE_KEYS = {"type", "id", "geometry", "properties"}
PROPERTY_KEYS = {
    "id", "kind", "category", "category_name", "title", "status", "status_label", "created_at",
    "updated_at", "resolved_at", "expected_at", "overdue", "thumbnail", "url",
}  # fmt: skip
CLUSTER_KEYS = {"cluster", "count", "statuses", "overdue", "bbox"}
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def get_json(client: FlaskClient, url: str = API, **params: Any) -> dict[str, Any]:
    response = client.get(url, query_string=params or None, headers={"Accept-Encoding": "identity"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/geo+json"
    return json.loads(response.get_data())  # type: ignore[no-any-return]


def ids(document: dict[str, Any]) -> list[str]:
    assert document["clustered"] is False
    return [feature["id"] for feature in document["features"]]


def make(session: Session, category: Category, *, at: datetime = T0, **fields: Any) -> Report:
    """A report in a consistent state for its status."""
    status = fields.get("status", "new")
    if status != "new":
        fields.setdefault("acknowledged_at", at)
    if status == "in_progress":
        fields.setdefault("office", create_office(session))
    if status in ("resolved", "closed"):
        fields.setdefault("resolved_at", at + timedelta(days=1))
    if status == "suspended":
        fields.setdefault("suspended_at", at)
    if status == "rejected":
        fields.setdefault("reject_reason", "Non pertinente")
    return create_report(session, category=category, created_at=at, updated_at=at, received_at=at, **fields)


@pytest.fixture
def roads(db_session: Session) -> Category:
    return create_category(db_session, code="roads", name="Strade", names={"en": "Roads", "it": "Strade"})


@pytest.fixture
def lights(db_session: Session) -> Category:
    return create_category(db_session, code="lights", name="Illuminazione", names={"en": "Street lights"})


@pytest.fixture
def hidden_ones(db_session: Session, roads: Category) -> Iterator[list[str]]:
    """Reports the public must never see: unpublished, merged duplicate; placed where the tests look."""
    original = make(db_session, roads, lon=11.3401, lat=44.4901, at=T0 - timedelta(days=30))
    unpublished = make(
        db_session, roads, lon=11.3402, lat=44.4902, is_public=False, at=T0 + timedelta(days=9)
    )
    merged = make(
        db_session, roads, lon=11.3403, lat=44.4903, status="rejected", duplicate_of_id=None,
        at=T0 + timedelta(days=9),
    )  # fmt: skip
    db_session.flush()
    merged.duplicate_of_id = original.id
    db_session.commit()
    yield [unpublished.public_id, merged.public_id]


def test_points_carry_exactly_the_public_fields(
    app: Flask, client: FlaskClient, db_session: Session, roads: Category
) -> None:
    report = make(
        db_session, roads, lon=11.3426, lat=44.4949, status="in_progress", title="Nome Cognome, 333 1234567",
        public_title="Buca in via Rizzoli", moderated=True, due_at=T0 + timedelta(hours=6),
        resolve_due_at=T0 + timedelta(days=2),
        contact={"name": "Giulia Verdi", "email": "giulia@example.org", "phone": "+39 333 1234567"},
    )  # fmt: skip
    hidden = create_photo(db_session, report, position=0, hidden=True)
    message = Message(report=report, visibility="private", author_kind="reporter", body="privato")
    db_session.add(message)
    db_session.flush()
    private = create_photo(db_session, report, position=0, message_id=message.id)
    shown = create_photo(db_session, report, position=1)
    db_session.commit()

    document = get_json(client, bbox=CITY)
    assert set(document) == {"type", "clustered", "features", "next"}
    assert document["type"] == "FeatureCollection" and document["next"] is None
    [feature] = document["features"]
    assert set(feature) == FEATURE_KEYS and set(feature["properties"]) == PROPERTY_KEYS
    assert feature["geometry"] == {"type": "Point", "coordinates": [11.3426, 44.4949]}
    props = feature["properties"]
    assert feature["id"] == props["id"] == report.public_id
    assert props["title"] == "Buca in via Rizzoli"
    assert (props["kind"], props["category"], props["status"]) == ("issue", "roads", "in_progress")
    assert props["created_at"] == "2026-03-02T09:00:00Z" and props["updated_at"] == "2026-03-02T09:00:00Z"
    assert props["resolved_at"] is None
    assert props["expected_at"] == "2026-03-04T09:00:00Z"  # the resolution due time wins
    assert props["overdue"] is True  # due_at is in the past
    assert props["url"] == f"/citizencare/reports/{report.public_id}"
    assert props["thumbnail"] == f"/citizencare/photos/{shown.thumbnail_key}"
    body = json.dumps(document)
    for secret in ("Giulia", "giulia@example.org", "1234567", hidden.thumbnail_key, private.thumbnail_key):
        assert secret not in body


@pytest.mark.parametrize(("language", "category_name"), [("it", "Strade"), ("en", "Roads"), ("ca", "Strade")])
def test_labels_follow_the_visitors_language(app: Flask, language: str, category_name: str) -> None:
    # Data made in its own app context: requests then get theirs, as in production (the locale
    # and the status labels are cached per app context).
    with app.app_context():
        session = app.extensions["citizencare"].db.session
        roads = create_category(session, code="roads", name="Strade", names={"en": "Roads", "it": "Strade"})
        make(session, roads, status="in_progress")
        session.commit()
    response = app.test_client().get(API, query_string={"bbox": CITY}, headers={"Accept-Language": language})
    props = json.loads(response.get_data())["features"][0]["properties"]
    assert props["category_name"] == category_name
    with app.test_request_context(), force_locale(language):
        assert props["status_label"] == cc_gettext("In progress")
    if language == "it":
        assert props["status_label"] == "In lavorazione"


def test_not_overdue_and_unset_times_are_null_and_false(
    client: FlaskClient, db_session: Session, roads: Category
) -> None:
    make(db_session, roads, status="resolved", due_at=None)
    make(db_session, roads, status="new", due_at=datetime.now(UTC) + timedelta(days=1))
    db_session.commit()
    features = get_json(client, bbox=CITY)["features"]
    assert [f["properties"]["overdue"] for f in features] == [False, False]
    resolved = next(f["properties"] for f in features if f["properties"]["status"] == "resolved")
    assert resolved["resolved_at"] == "2026-03-03T09:00:00Z" and resolved["expected_at"] is None
    assert resolved["thumbnail"] is None


def test_bbox_inside_outside_and_on_the_edges(
    client: FlaskClient, db_session: Session, roads: Category
) -> None:
    inside = make(db_session, roads, lon=11.35, lat=44.50)
    west_edge = make(db_session, roads, lon=11.34, lat=44.50)
    north_east_corner = make(db_session, roads, lon=11.36, lat=44.51)
    make(db_session, roads, lon=11.3399, lat=44.50)  # just west
    make(db_session, roads, lon=11.35, lat=44.5101)  # just north
    make(db_session, roads, lon=11.40, lat=44.45)  # far away
    db_session.commit()
    found = ids(get_json(client, bbox="11.34,44.49,11.36,44.51"))
    assert sorted(found) == sorted([inside.public_id, west_edge.public_id, north_east_corner.public_id])
    assert ids(get_json(client, bbox="11.41,44.52,11.42,44.53")) == []
    assert len(ids(get_json(client))) == 6  # no bbox: the whole municipality


def test_every_filter(client: FlaskClient, db_session: Session, roads: Category, lights: Category) -> None:
    old_issue = make(db_session, roads, at=datetime(2026, 1, 10, 12, tzinfo=UTC))
    proposal = make(db_session, lights, kind="proposal", at=datetime(2026, 2, 10, 12, tzinfo=UTC))
    resolved = make(db_session, lights, status="resolved", at=datetime(2026, 2, 20, 12, tzinfo=UTC))
    # 23:30 UTC on 28 Feb is already 1 March in Rome: dates are the municipality's.
    late = make(db_session, roads, status="in_progress", at=datetime(2026, 2, 28, 23, 30, tzinfo=UTC))
    create_photo(db_session, proposal)
    create_photo(db_session, late, hidden=True)
    db_session.commit()

    def found(**params: Any) -> set[str]:
        return set(ids(get_json(client, bbox=CITY, **params)))

    everything = {r.public_id for r in (old_issue, proposal, resolved, late)}
    assert found() == everything
    assert found(kind="proposal") == {proposal.public_id}
    assert found(kind="issue,proposal") == everything
    assert found(category="lights") == {proposal.public_id, resolved.public_id}
    assert found(category="roads,lights") == everything
    assert found(group="closed") == {resolved.public_id}
    assert found(group="open") == {old_issue.public_id, proposal.public_id, late.public_id}
    assert found(status="in_progress,resolved") == {late.public_id, resolved.public_id}
    assert found(group="open", status="resolved") == set()
    assert found(since="2026-02-10") == {proposal.public_id, resolved.public_id, late.public_id}
    assert found(until="2026-02-28") == {old_issue.public_id, proposal.public_id, resolved.public_id}
    assert found(since="2026-03-01", until="2026-03-01") == {late.public_id}
    assert found(has_photo="true") == {proposal.public_id}
    assert found(has_photo="false") == everything - {proposal.public_id}
    assert found(kind="issue", category="roads", group="open") == {old_issue.public_id, late.public_id}


def test_limit_and_cursor_walk_every_report_once_newest_first(
    client: FlaskClient, db_session: Session, roads: Category, hidden_ones: list[str]
) -> None:
    made = [
        make(db_session, roads, lon=11.30 + i / 1000, lat=44.48, at=T0 + timedelta(hours=i // 3))
        for i in range(11)
    ]  # three reports share each creation time: the id breaks the tie
    db_session.commit()
    expected = [r.public_id for r in sorted(made, key=lambda r: (r.created_at, r.id), reverse=True)]
    seen: list[str] = []
    url, params, pages = API, {"bbox": CITY, "limit": "4", "cluster": "never"}, 0
    while url:
        document = get_json(client, url, **params)
        seen += ids(document)
        assert len(document["features"]) <= 4
        url, params, pages = document["next"], {}, pages + 1
        assert not url or url.startswith("/citizencare/api/reports.geojson?")
    # Newest first, each once; the fixture's public original (the oldest) comes last, hidden ones never.
    assert not set(seen) & set(hidden_ones) and len(set(seen)) == len(seen) == 12
    assert seen[:11] == expected and pages == 3
    # The default page size is the setting's.
    client.application.config["CITIZENCARE_API_DEFAULT_LIMIT"] = 5
    first = get_json(client, bbox=CITY)
    assert len(first["features"]) == 5 and "limit=5" in first["next"]


def test_many_reports_become_clusters_that_add_up(
    app: Flask, client: FlaskClient, db_session: Session, roads: Category, hidden_ones: list[str]
) -> None:
    app.config["CITIZENCARE_API_MAX_LIMIT"] = 5
    now = datetime.now(UTC)
    west = [
        make(db_session, roads, lon=11.2600 + i / 10000, lat=44.4500, status=s, due_at=due)
        for i, (s, due) in enumerate(
            [("new", now - timedelta(hours=1)), ("new", now + timedelta(hours=1)), ("in_progress", None)] * 3
        )
    ]
    east = [
        make(db_session, roads, lon=11.4000, lat=44.5400 + i / 10000, status="resolved") for i in range(4)
    ]
    db_session.commit()

    document = get_json(client, bbox=CITY, zoom="12")
    assert document["clustered"] is True and document["next"] is None
    clusters = [f["properties"] for f in document["features"]]
    assert all(set(c) == CLUSTER_KEYS and c["cluster"] is True for c in clusters)
    # 13 here and the public original of the hidden_ones fixture; hidden reports are not counted.
    assert sum(c["count"] for c in clusters) == len(west) + len(east) + 1 == 14
    assert sum(sum(c["statuses"].values()) for c in clusters) == 14
    assert all(sum(c["statuses"].values()) == c["count"] for c in clusters)
    totals: dict[str, int] = {}
    for c in clusters:
        for status, n in c["statuses"].items():
            totals[status] = totals.get(status, 0) + n
    assert totals == {"new": 7, "in_progress": 3, "resolved": 4}
    assert sum(c["overdue"] for c in clusters) == 3
    by_count = {c["count"]: f for c, f in zip(clusters, document["features"], strict=True)}
    west_cluster = by_count[9]
    # The cluster's bbox is its grid cell (90 / 2**zoom degrees wide), around its members.
    west_lon, south_lat, east_lon, north_lat = west_cluster["properties"]["bbox"]
    assert east_lon - west_lon == pytest.approx(
        90 / 2**12, abs=1e-6
    ) and north_lat - south_lat == pytest.approx(90 / 2**12, abs=1e-6)
    assert west_lon <= 11.26 < 11.2608 <= east_lon and south_lat <= 44.45 <= north_lat
    lon, lat = west_cluster["geometry"]["coordinates"]
    assert lon == pytest.approx(11.2604) and lat == pytest.approx(44.45)
    assert len(clusters) == 3
    # Every zoom level adds up, coarse or fine, and the default zoom comes from the bbox.
    for zoom in ("0", "8", "15", "20", None):
        params = {"bbox": CITY} | ({"zoom": zoom} if zoom else {})
        assert sum(f["properties"]["count"] for f in get_json(client, **params)["features"]) == 14
    # A page smaller than the cap is full here: the probe then finds more than the cap, so clusters.
    for zoom in ("12", "20"):  # from the cells, and live (finer than the stored levels)
        small = get_json(client, bbox=CITY, zoom=zoom, limit="2")
        assert small["clustered"] is True and sum(f["properties"]["count"] for f in small["features"]) == 14
    # Filters apply to clusters too.
    closed = get_json(client, bbox=CITY, group="closed")
    assert closed["clustered"] is False and len(closed["features"]) == 4
    # A narrow view holds few enough for points; cluster=never forces (paginated) points.
    narrow = get_json(client, bbox="11.39,44.53,11.41,44.55")
    assert narrow["clustered"] is False and sorted(ids(narrow)) == sorted(r.public_id for r in east)
    forced = get_json(client, bbox=CITY, cluster="never")
    assert forced["clustered"] is False and len(forced["features"]) == 5 and forced["next"]
    # A status change shows at once (the cells follow every write), and so does a new report.
    east[0].status, east[0].resolved_at, east[0].acknowledged_at = "new", None, None
    db_session.commit()
    fresh = get_json(client, bbox=CITY, zoom="12")["features"]
    assert sum(f["properties"]["statuses"].get("resolved", 0) for f in fresh) == 3
    make(db_session, roads, lon=11.2601, lat=44.4501)
    db_session.commit()
    assert sum(f["properties"]["count"] for f in get_json(client, bbox=CITY, zoom="12")["features"]) == 15
    # A date filter cannot be answered from the cells: the live aggregation gives the same shape.
    dated = get_json(client, bbox=CITY, zoom="12", since=(now - timedelta(days=400)).date().isoformat())
    assert dated["clustered"] is True
    assert sum(f["properties"]["count"] for f in dated["features"]) == 15


@pytest.mark.parametrize("mode", ["points", "clusters", "never"])
def test_hidden_and_merged_reports_are_absent_in_every_mode(
    app: Flask, client: FlaskClient, db_session: Session, roads: Category, hidden_ones: list[str], mode: str
) -> None:
    visible = make(db_session, roads, lon=11.3404, lat=44.4904)
    db_session.commit()
    if mode == "clusters":
        app.config["CITIZENCARE_API_MAX_LIMIT"] = 1
        for params in (
            {"bbox": CITY},
            {"bbox": CITY, "category": "roads"},
            {"bbox": CITY, "group": "closed"},
        ):
            document = get_json(client, **params)
            count = sum(f["properties"]["count"] for f in document["features"])
            # original (public) + visible; the unpublished one and the merged duplicate never count.
            assert document["clustered"] is (count > 1) and count == (2 if "group" not in params else 0)
        return
    extra = {"cluster": "never"} if mode == "never" else {}
    for params in (
        {"bbox": "11.34,44.49,11.341,44.491"},
        {"bbox": CITY, "category": "roads"},
        {"bbox": CITY, "group": "closed"},
        {"bbox": CITY, "status": "rejected"},
        {"since": "2026-03-05"},
    ):
        document = get_json(client, **params, **extra)
        assert not set(ids(document)) & set(hidden_ones)
    assert set(ids(get_json(client, **extra))) >= {visible.public_id}


BAD_INPUT = [
    ("bbox", {"bbox": "11.3,44.4,11.4"}),
    ("bbox", {"bbox": "11.3,44.4,11.4,44.5,1"}),
    ("bbox", {"bbox": "nan,44.4,11.4,44.5"}),
    ("bbox", {"bbox": "11.3,44.4,Infinity,44.5"}),
    ("bbox", {"bbox": "11.4,44.4,11.3,44.5"}),
    ("bbox", {"bbox": "12.0,45.0,12.1,45.1"}),
    ("bbox", {"bbox": "11.3,44.4,11.4,44.5);DROP TABLE cc_reports;--"}),
    ("bbox", {"bbox": "11.3 OR 1=1,44.4,11.4,44.5"}),
    ("limit", {"limit": "0"}),
    ("limit", {"limit": "-5"}),
    ("limit", {"limit": "2001"}),
    ("limit", {"limit": "1000000000"}),
    ("limit", {"limit": "12.5"}),
    ("limit", {"limit": "ten"}),
    ("kind", {"kind": "complaint"}),
    ("category", {"category": "roads,no-such-category"}),
    ("group", {"group": "pending"}),
    ("status", {"status": "lost"}),
    ("since", {"since": "2026-13-01"}),
    ("until", {"since": "2026-03-02", "until": "2026-03-01"}),
    ("has_photo", {"has_photo": "maybe"}),
    ("cursor", {"cursor": "not-a-cursor"}),
    ("zoom", {"zoom": "21"}),
    ("zoom", {"zoom": "-1"}),
    ("zoom", {"zoom": "4.5"}),
    ("cluster", {"cluster": "always"}),
]


@pytest.mark.parametrize(("parameter", "params"), BAD_INPUT)
def test_bad_input_is_a_400_problem(
    client: FlaskClient, roads: Category, parameter: str, params: dict[str, str]
) -> None:
    response = client.get(API, query_string=params, headers={"Accept-Language": "en"})
    assert response.status_code == 400 and response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert set(problem) == {"type", "title", "status", "detail", "parameter"}
    assert problem["type"] == "about:blank" and problem["status"] == 400
    assert problem["parameter"] == parameter and problem["detail"]


def test_forged_cursors_are_refused(client: FlaskClient, db_session: Session, roads: Category) -> None:
    for i in range(3):
        make(db_session, roads, at=T0 + timedelta(hours=i))
    db_session.commit()
    next_url = get_json(client, bbox=CITY, limit="1")["next"]
    cursor = next_url.split("cursor=")[1].split("&")[0]
    payload, _, signature = cursor.rpartition(".")
    tampered = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB") + "." + signature
    for forged in (tampered, cursor + "x", "W1siMjA5OS0wMS0wMVQwMDowMDowMCswMDowMCIsIDFdXQ"):
        response = client.get(API, query_string={"bbox": CITY, "cursor": forged})
        assert response.status_code == 400 and response.get_json()["parameter"] == "cursor"


def test_problem_messages_are_translated(app: Flask, client: FlaskClient) -> None:
    """Italian by default, English on request; each the catalog's translation of the same message."""
    source = "This area is outside the municipality."
    italian = client.get(API, query_string={"bbox": "12.0,45.0,12.1,45.1"}).get_json()
    english = client.get(
        API, query_string={"bbox": "12.0,45.0,12.1,45.1"}, headers={"Accept-Language": "en"}
    ).get_json()
    assert english["detail"] == source
    with app.test_request_context(), force_locale("it"):
        assert italian["detail"] == cc_gettext(source)
    assert italian["detail"] != english["detail"]
    limit_it = client.get(API, query_string={"limit": "0"}).get_json()["detail"]
    limit_en = client.get(API, query_string={"limit": "0"}, headers={"Accept-Language": "en"}).get_json()
    assert limit_en["detail"] == "Give a whole number from 1 to 2000."
    assert limit_it != limit_en["detail"] and "2000" in limit_it


def test_api_errors_are_json_not_html(client: FlaskClient) -> None:
    missing = client.get("/citizencare/api/no-such-thing")
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
    assert missing.get_json()["status"] == 404
    wrong_method = client.post(API)
    assert wrong_method.status_code == 405 and wrong_method.mimetype == "application/problem+json"
    assert "GET" in wrong_method.headers["Allow"]


def test_etag_304_and_gzip(client: FlaskClient, db_session: Session, roads: Category) -> None:
    for i in range(20):
        make(db_session, roads, lon=11.30 + i / 1000, lat=44.48, at=T0 + timedelta(minutes=i))
    db_session.commit()
    plain = client.get(API, query_string={"bbox": CITY}, headers={"Accept-Encoding": "identity"})
    assert plain.headers["Cache-Control"].startswith("public, max-age=")
    assert "Content-Encoding" not in plain.headers and "Accept-Encoding" in plain.headers["Vary"]
    etag = plain.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    again = client.get(
        API, query_string={"bbox": CITY}, headers={"Accept-Encoding": "identity", "If-None-Match": etag}
    )
    assert again.status_code == 304 and again.get_data() == b"" and again.headers["ETag"] == etag
    zipped = client.get(API, query_string={"bbox": CITY}, headers={"Accept-Encoding": "gzip, deflate"})
    assert zipped.headers["Content-Encoding"] == "gzip" and zipped.headers["ETag"] != etag
    assert gzip.decompress(zipped.get_data()) == plain.get_data()
    assert len(zipped.get_data()) < len(plain.get_data()) / 3
    assert (
        client.get(
            API,
            query_string={"bbox": CITY},
            headers={"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["ETag"]},
        ).status_code
        == 304
    )
    # A change gives a new tag: the old one no longer answers 304.
    make(db_session, roads, lon=11.31, lat=44.48, at=T0 + timedelta(days=1))
    db_session.commit()
    changed = client.get(
        API, query_string={"bbox": CITY}, headers={"Accept-Encoding": "identity", "If-None-Match": etag}
    )
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def tile_of(lon: float, lat: float, zoom: int) -> tuple[int, int]:
    import math

    n = 2**zoom
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def test_vector_tiles_on_postgis_only(
    backend: str, client: FlaskClient, db_session: Session, roads: Category, hidden_ones: list[str]
) -> None:
    inside = make(db_session, roads, lon=11.3405, lat=44.4905, status="in_progress")
    elsewhere = make(db_session, roads, lon=11.40, lat=44.53)
    db_session.commit()
    x, y = tile_of(11.3405, 44.4905, 15)
    response = client.get(f"/citizencare/api/tiles/15/{x}/{y}.mvt")
    if backend != "postgis":
        assert response.status_code == 501 and response.mimetype == "application/problem+json"
        return
    assert response.status_code == 200 and response.mimetype == "application/vnd.mapbox-vector-tile"
    tile = response.get_data()
    assert b"reports" in tile and inside.public_id.encode() in tile and b"in_progress" in tile
    assert elsewhere.public_id.encode() not in tile
    assert not any(hidden.encode() in tile for hidden in hidden_ones)
    assert "ETag" in response.headers
    filtered = client.get(f"/citizencare/api/tiles/15/{x}/{y}.mvt", query_string={"group": "closed"})
    assert inside.public_id.encode() not in filtered.get_data()
    for bad in ("/citizencare/api/tiles/5/1/1.mvt", f"/citizencare/api/tiles/15/{2**15}/0.mvt"):
        refused = client.get(bad)
        assert refused.status_code == 400 and refused.get_json()["parameter"] == "z"
    assert client.get(f"/citizencare/api/tiles/15/{x}/{y}.mvt?kind=x").status_code == 400
