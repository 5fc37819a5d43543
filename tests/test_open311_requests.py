"""Open311 ``GET requests`` and ``GET requests/<id>``: fields, filters, privacy, refusals, caching."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from flask_citizencare.models import Category, Message, Report, StaffMember

from .factories import create_category, create_office, create_photo, create_report
from .open311 import API, assert_in_order, child_names, validate, xml_root

NOW = datetime.now(UTC).replace(microsecond=0)
FIELDS = [
    "service_request_id", "status", "status_notes", "service_name", "service_code", "description",
    "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
    "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url",
]  # fmt: skip
EXTRA = ["status_label", "supports", "duplicates", "photos"]


def make(session: Session, category: Category, *, days: float = 1, **fields: Any) -> Report:
    at = NOW - timedelta(days=days)
    fields.setdefault("updated_at", at)
    return create_report(session, category=category, created_at=at, received_at=at, **fields)


def get(client: FlaskClient, path: str = "/requests.json", **params: Any) -> Any:
    response = client.get(API + path, query_string=params or None)
    assert response.status_code == 200, response.get_data(as_text=True)
    data = json.loads(response.get_data())
    validate(data, "requests.json") if data else None
    return data


def ids_of(client: FlaskClient, **params: Any) -> list[str]:
    return [item["service_request_id"] for item in get(client, **params)]


def refused(client: FlaskClient, path: str = "/requests.json", code: int = 400, **params: Any) -> str:
    response = client.get(API + path, query_string=params or None)
    assert response.status_code == code, response.get_data(as_text=True)
    if path.endswith(".json"):
        errors = json.loads(response.get_data())
        assert list(errors[0]) == ["code", "description"] and errors[0]["code"] == code
        return str(errors[0]["description"])
    root = xml_root(response.get_data(), "errors")
    assert child_names(root[0]) == ["code", "description"]
    return str(root[0].findtext("description"))


def test_fields_in_order_in_both_formats(client: FlaskClient, db_session: Session) -> None:
    category = create_category(
        db_session, code="buche", name="Buche", names={"en": "Potholes"}, urgent_notice="Chiama il 112"
    )
    office = create_office(db_session, name="Ufficio Strade")
    report = make(
        db_session, category, status="acknowledged", acknowledged_at=NOW, office=office,
        address="Via Rizzoli 1", resolve_due_at=NOW + timedelta(days=5), supports_count=3,
    )  # fmt: skip
    first = create_photo(db_session, report, position=0)
    second = create_photo(db_session, report, position=1)
    create_photo(db_session, report, position=2, hidden=True)
    staff = StaffMember(user_id="op-1", display_name="Operatrice", email="op@comune.example", role="operator")
    db_session.add(staff)
    db_session.flush()
    for body, visibility, hours in (
        ("Vecchia", "public", 2),
        ("Presa in carico", "public", 1),
        ("Segreto", "private", 0),
    ):
        at = NOW - timedelta(hours=hours)
        db_session.add(
            Message(
                report=report,
                visibility=visibility,
                author_kind="staff",
                author_id=staff.id,
                body=body,
                created_at=at,
            )
        )
    db_session.commit()

    [item] = get(client, locale="en")
    assert list(item) == FIELDS
    assert item["service_request_id"] == report.public_id
    assert item["status"] == "open"
    assert item["status_notes"] == "Presa in carico"
    assert item["service_name"] == "Potholes" and item["service_code"] == "buche"
    assert item["agency_responsible"] == "Ufficio Strade"
    assert item["service_notice"] == "Chiama il 112"
    assert item["requested_datetime"].endswith(("+01:00", "+02:00"))
    assert datetime.fromisoformat(item["requested_datetime"]) == report.received_at.replace(microsecond=0)
    assert datetime.fromisoformat(item["expected_datetime"]) == (NOW + timedelta(days=5))
    assert (item["lat"], item["long"]) == (44.4949, 11.3426)
    assert item["address_id"] is None and item["zipcode"] is None
    assert item["media_url"] == f"http://localhost/citizencare/photos/{first.storage_key}"

    [extended] = get(client, extensions="true")
    assert list(extended) == FIELDS + EXTRA
    assert extended["service_name"] == "Buche"
    assert extended["photos"] == [
        f"http://localhost/citizencare/photos/{first.storage_key}",
        f"http://localhost/citizencare/photos/{second.storage_key}",
    ]
    assert extended["duplicates"] == 0 and extended["supports"] == 3
    assert extended["status_label"]

    response = client.get(API + "/requests.xml", query_string={"extensions": "true"})
    assert response.status_code == 200
    root = xml_root(response.get_data(), "service_requests")
    assert child_names(root) == ["request"]
    assert child_names(root[0]) == FIELDS + EXTRA
    assert_in_order(root[0], FIELDS)
    assert root[0].findtext("service_request_id") == report.public_id
    assert [photo.tag for photo in root[0].find("photos")] == ["photo", "photo"]  # type: ignore[union-attr]

    single = get(client, f"/requests/{report.public_id}.json")
    assert [entry["service_request_id"] for entry in single] == [report.public_id]
    response = client.get(API + f"/requests/{report.public_id}.xml")
    root = xml_root(response.get_data(), "service_requests")
    assert child_names(root) == ["request"] and child_names(root[0]) == FIELDS


def test_closed_request_and_answered_proposal(client: FlaskClient, db_session: Session) -> None:
    category = create_category(db_session)
    closed = make(
        db_session, category, status="closed", acknowledged_at=NOW, resolved_at=NOW, closed_at=NOW,
        resolve_due_at=NOW, point=None,
    )  # fmt: skip
    db_session.commit()
    [item] = get(client)
    assert item["service_request_id"] == closed.public_id
    assert item["status"] == "closed"
    assert item["expected_datetime"] is None and item["status_notes"] is None
    assert item["lat"] is None and item["long"] is None and item["media_url"] is None


def test_hidden_merged_and_personal_data_never_appear(client: FlaskClient, db_session: Session) -> None:
    category = create_category(db_session)
    shown = make(
        db_session, category,
        contact={
            "name": "Mario Rossi", "email": "mario.rossi@example.org", "phone": "+39 333 1234567",
            "user_id": "acct-777",
        },
    )  # fmt: skip
    hidden = make(db_session, category, is_public=False)
    merged = make(db_session, category, status="rejected", reject_reason="Doppia", acknowledged_at=NOW)
    merged.duplicate_of_id = shown.id
    create_photo(db_session, shown, message_id=None, hidden=True)
    db_session.add(
        Message(report=shown, visibility="private", author_kind="reporter", body="Il mio telefono")
    )
    db_session.commit()

    assert ids_of(client) == [shown.public_id]
    assert ids_of(client, service_request_id=f"{hidden.public_id},{merged.public_id}") == []
    refused(client, f"/requests/{hidden.public_id}.json", 404)
    refused(client, f"/requests/{merged.public_id}.xml", 404)
    for path in ("/requests.json", "/requests.xml", f"/requests/{shown.public_id}.json"):
        body = client.get(API + path, query_string={"extensions": "true"}).get_data(as_text=True)
        assert shown.public_id in body
        for secret in ("Mario", "Rossi", "mario.rossi", "333 1234567", "acct-777", "Il mio telefono"):
            assert secret not in body, (path, secret)


def test_ids_override_other_filters(client: FlaskClient, db_session: Session) -> None:
    category = create_category(db_session, code="a")
    old = make(db_session, category, days=400)
    new = make(db_session, category, days=1)
    db_session.commit()
    assert ids_of(client) == [new.public_id]
    found = ids_of(
        client,
        service_request_id=f"{old.public_id},nope,{new.public_id}",
        service_code="zzz",
        status="closed",
    )
    assert found == [new.public_id, old.public_id]
    assert ids_of(client, service_request_id=",".join([old.public_id] + [f"x{i}" for i in range(999)])) == [
        old.public_id
    ]
    assert "1000" in refused(client, service_request_id=",".join(f"x{i}" for i in range(1001)))


def test_filters(client: FlaskClient, db_session: Session) -> None:
    roads = create_category(db_session, code="roads")
    parks = create_category(db_session, code="parks")
    a = make(db_session, roads, days=1, lon=11.3426, lat=44.4949, updated_at=NOW - timedelta(hours=1))
    b = make(db_session, parks, days=2, lon=11.2500, lat=44.4300, status="closed", acknowledged_at=NOW,
             resolved_at=NOW, closed_at=NOW)  # fmt: skip
    c = make(db_session, roads, days=30, lon=11.3430, lat=44.4952, updated_at=NOW - timedelta(days=30))
    db_session.commit()

    assert ids_of(client) == [a.public_id, b.public_id, c.public_id]
    assert ids_of(client, service_code="roads") == [a.public_id, c.public_id]
    assert ids_of(client, service_code="roads,parks") == [a.public_id, b.public_id, c.public_id]
    assert ids_of(client, status="open") == [a.public_id, c.public_id]
    assert ids_of(client, status="closed") == [b.public_id]
    assert ids_of(client, status="open,closed") == [a.public_id, b.public_id, c.public_id]
    assert ids_of(client, start_date=(NOW - timedelta(days=10)).isoformat()) == [a.public_id, b.public_id]
    assert ids_of(client, end_date=(NOW - timedelta(days=10)).isoformat()) == [c.public_id]
    assert ids_of(client, bbox="11.34,44.49,11.35,44.50") == [a.public_id, c.public_id]
    assert ids_of(client, lat="44.4949", long="11.3426", radius="10") == [a.public_id]
    assert ids_of(client, lat="44.4949", long="11.3426", radius="100") == [a.public_id, c.public_id]
    assert ids_of(client, lat="44.4949", long="11.3426", radius="20000") == [
        a.public_id,
        b.public_id,
        c.public_id,
    ]
    assert ids_of(client, updated_after=(NOW - timedelta(days=3)).isoformat()) == [a.public_id, b.public_id]
    assert ids_of(client, updated_before=(NOW - timedelta(days=3)).isoformat()) == [c.public_id]
    assert ids_of(client, page_size="2") == [a.public_id, b.public_id]
    assert ids_of(client, page_size="2", page="2") == [c.public_id]
    assert ids_of(client, page_size="2", page="3") == []


def test_ninety_day_default_and_cap(client: FlaskClient, db_session: Session) -> None:
    category = create_category(db_session)
    recent = make(db_session, category, days=89)
    old = make(db_session, category, days=91)
    older = make(db_session, category, days=200)
    db_session.commit()
    assert ids_of(client) == [recent.public_id]
    assert ids_of(client, end_date=(NOW - timedelta(days=90)).isoformat()) == [old.public_id]
    start = (NOW - timedelta(days=250)).isoformat()
    assert ids_of(client, start_date=start) == [older.public_id]
    assert ids_of(client, start_date=(NOW - timedelta(days=95)).isoformat()) == [
        recent.public_id,
        old.public_id,
    ]
    end = (NOW - timedelta(days=150)).isoformat()
    assert "90" in refused(client, start_date=start, end_date=(NOW - timedelta(days=100)).isoformat())
    assert refused(client, start_date=end, end_date=start).startswith("end_date")


def test_bad_input_is_refused_in_the_spec_format(client: FlaskClient, db_session: Session) -> None:
    cases: list[dict[str, str]] = [
        {"lat": "91", "long": "11", "radius": "100"},
        {"lat": "44", "long": "NaN", "radius": "100"},
        {"lat": "44", "long": "11"},
        {"radius": "100"},
        {"radius": "50001", "lat": "44", "long": "11"},
        {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"},
        {"start_date": "yesterday"},
        {"start_date": "2026-13-45T00:00:00Z"},
        {"page_size": "1000000000"},
        {"page_size": "0"},
        {"page": "0"},
        {"bbox": "11.3,44.4,11.4"},
        {"status": "pending"},
        {"extensions": "maybe"},
        {"updated_after": "2026-02-01T00:00:00Z", "updated_before": "2026-01-01T00:00:00Z"},
    ]
    for params in cases:
        refused(client, **params)
        refused(client, "/requests.xml", **params)
    refused(client, "/requests/2026-999999.json", 404)
    refused(client, "/requests/2026-999999.xml", 404)
    refused(client, "/requests/" + "x" * 300 + ".json", 404)


def test_etag_and_not_modified(client: FlaskClient, db_session: Session) -> None:
    make(db_session, create_category(db_session))
    db_session.commit()
    for path in ("/requests.json", "/requests.xml"):
        first = client.get(API + path)
        assert first.status_code == 200 and first.headers["ETag"]
        again = client.get(API + path, headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304


def test_items_written_by_the_database_equal_the_python_ones(
    app: Any, client: FlaskClient, db_session: Session
) -> None:
    from flask_citizencare.blueprints.open311.requests import _items
    from flask_citizencare.queries.open311_requests import RequestFilter

    category = create_category(db_session, code="buche", names={"en": "Potholes"}, urgent_notice="Chiama")
    office = create_office(db_session, name="Ufficio Strade")
    summer = datetime(2026, 7, 1, 10, 30, 15, 999_000, tzinfo=UTC)
    first = make(db_session, category, office=office, address='Via "Rizzoli" 1\n', supports_count=2)
    make(db_session, category, days=0.5, point=None, description="Tab\there € ü")
    old = create_report(
        db_session, category=category, created_at=summer, received_at=summer, updated_at=summer
    )
    create_photo(db_session, first, position=1)
    create_photo(db_session, first, position=0)
    staff = StaffMember(user_id="op-2", display_name="Op", email="op2@comune.example", role="operator")
    db_session.add(staff)
    db_session.flush()
    db_session.add(
        Message(report=first, visibility="public", author_kind="staff", author_id=staff.id, body="Fatto")
    )
    db_session.commit()
    start = (summer - timedelta(days=1)).isoformat()
    for params in ({}, {"extensions": "true", "locale": "en"}, {"start_date": start, "extensions": "true"}):
        served = get(client, **params)
        with app.test_request_context(API + "/requests.json", query_string=params):
            from flask_babel import force_locale

            with force_locale(params.get("locale", "it")):
                found = RequestFilter(
                    start=NOW - timedelta(days=90)
                    if "start_date" not in params
                    else summer - timedelta(days=1),
                    end=NOW + timedelta(minutes=1)
                    if "start_date" not in params
                    else summer + timedelta(days=89),
                )
                built = json.loads(json.dumps(_items(found, "extensions" in params)))
        assert served == built and served
    assert get(client, start_date=start)[0]["requested_datetime"] == "2026-07-01T12:30:15+02:00"
    assert old.public_id
