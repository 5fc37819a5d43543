"""Possible duplicates: open reports of the same category close by, through the spatial index."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from flask_citizencare.models import Category, Report
from flask_citizencare.services.duplicates import (
    bounding_box,
    haversine_m,
    nearby_open_reports,
    similar_reports,
)
from flask_citizencare.services.errors import InvalidInput

from .factories import create_category, create_office, create_report

LON, LAT = 11.3426, 44.4949
NOW = datetime.now(UTC)
EARLIER = NOW - timedelta(days=2)


def moved(north_m: float = 0.0, east_m: float = 0.0) -> dict[str, float]:
    """Coordinates ``north_m`` and ``east_m`` metres away from the origin."""
    return {
        "lat": LAT + north_m / 111_320,
        "lon": LON + east_m / (111_320 * math.cos(math.radians(LAT))),
    }


@pytest.fixture
def session(app: Flask, db_session: Session) -> Iterator[Session]:
    """The session, inside a request (messages are translated for the request's language)."""
    with app.test_request_context():
        yield db_session


def titles(found: list[tuple[Report, Any]]) -> list[str]:
    return [report.title for report, _ in found]


@pytest.fixture
def street(session: Session) -> Category:
    return create_category(session, code="street")


@pytest.fixture
def scene(session: Session, street: Category) -> dict[str, Report]:
    """Reports around the origin; only some are possible duplicates of a new one there."""
    other = create_category(session, code="greenery")
    office = create_office(session)
    master = create_report(session, category=street, title="master far away", **moved(north_m=5000))
    taken = {"acknowledged_at": EARLIER}
    finished = {**taken, "resolved_at": EARLIER}

    def at(title: str, north_m: float = 0, east_m: float = 0, **fields: Any) -> Report:
        fields = {"category": street, "received_at": EARLIER, **fields}
        return create_report(session, title=title, **moved(north_m, east_m), **fields)

    reports = {
        report.title: report
        for report in [
            at("10m", north_m=10),
            at("45m", east_m=45, status="in_progress", office=office, **taken),
            at("hidden 30m", north_m=-30, is_public=False, status="acknowledged", **taken),
            at("suspended 35m", north_m=21, east_m=-28, status="suspended", suspended_at=EARLIER, **taken),
            at("60m", north_m=60),
            at("500m", east_m=500),
            at("other category", north_m=5, category=other),
            at("resolved", north_m=15, status="resolved", **finished),
            at("closed", north_m=16, status="closed", closed_at=EARLIER, **finished),
            at("rejected", north_m=17, status="rejected", reject_reason="off topic"),
            at("merged", north_m=18, status="rejected", reject_reason="duplicate", duplicate_of_id=master.id),
            at("too old", north_m=12, received_at=NOW - timedelta(days=31)),
            at("no point", point=None),
        ]
    }
    session.commit()
    return reports


def test_only_open_reports_of_the_category_within_the_radius_nearest_first(
    session: Session, street: Category, scene: dict[str, Report]
) -> None:
    found = nearby_open_reports(session, category_id=street.id, lon=LON, lat=LAT, now=NOW)
    assert titles(found) == ["10m", "hidden 30m", "suspended 35m", "45m"]
    distances = [distance for _, distance in found]
    assert distances == sorted(distances)
    assert distances[0] == pytest.approx(10, abs=0.1)
    assert distances[-1] == pytest.approx(45, abs=0.1)


def test_public_only_leaves_out_hidden_reports(
    session: Session, street: Category, scene: dict[str, Report]
) -> None:
    found = nearby_open_reports(session, category_id=street.id, lon=LON, lat=LAT, now=NOW, public_only=True)
    assert titles(found) == ["10m", "suspended 35m", "45m"]


def test_radius_age_exclusion_and_limit(session: Session, street: Category, scene: dict[str, Report]) -> None:
    wide = nearby_open_reports(session, category_id=street.id, lon=LON, lat=LAT, radius_m=600, now=NOW)
    assert titles(wide) == ["10m", "hidden 30m", "suspended 35m", "45m", "60m", "500m"]

    older = nearby_open_reports(session, category_id=street.id, lon=LON, lat=LAT, max_age_days=40, now=NOW)
    assert titles(older) == ["10m", "too old", "hidden 30m", "suspended 35m", "45m"]

    # Seen from a week later, the reports of two days ago are still recent; from two months later, not.
    here = {"category_id": street.id, "lon": LON, "lat": LAT}
    assert len(nearby_open_reports(session, **here, now=NOW + timedelta(days=7))) == 4
    assert nearby_open_reports(session, **here, now=NOW + timedelta(days=60)) == []

    without = nearby_open_reports(
        session, category_id=street.id, lon=LON, lat=LAT, now=NOW, exclude_id=scene["10m"].id, limit=2
    )
    assert titles(without) == ["hidden 30m", "suspended 35m"]


def test_defaults_come_from_the_settings(
    app: Flask, session: Session, street: Category, scene: dict[str, Report]
) -> None:
    app.config["CITIZENCARE_DUPLICATE_RADIUS_M"] = 100
    app.config["CITIZENCARE_DUPLICATE_MAX_AGE_DAYS"] = 1
    assert titles(nearby_open_reports(session, category_id=street.id, lon=LON, lat=LAT, now=NOW)) == []
    app.config["CITIZENCARE_DUPLICATE_MAX_AGE_DAYS"] = 40
    found = nearby_open_reports(session, category_id=street.id, lon=LON, lat=LAT, now=NOW)
    assert titles(found) == ["10m", "too old", "hidden 30m", "suspended 35m", "45m", "60m"]


@pytest.mark.parametrize(
    "arguments",
    [
        {"lon": math.nan},
        {"lat": math.inf},
        {"lat": 91.0},
        {"lon": -181.0},
        {"radius_m": 0},
        {"radius_m": -5},
        {"radius_m": math.nan},
        {"radius_m": 1e9},
        {"max_age_days": -1},
        {"max_age_days": 2.5},
    ],
)
def test_bad_arguments_are_refused(session: Session, street: Category, arguments: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput):
        nearby_open_reports(session, **{"category_id": street.id, "lon": LON, "lat": LAT, **arguments})


def test_near_the_antimeridian_and_the_poles_nothing_breaks(session: Session, street: Category) -> None:
    create_report(session, category=street, title="east", lon=179.9999, lat=0.0)
    session.commit()
    found = nearby_open_reports(session, category_id=street.id, lon=180.0, lat=0.0, radius_m=50)
    assert titles(found) == ["east"]
    assert nearby_open_reports(session, category_id=street.id, lon=0.0, lat=90.0, radius_m=50) == []


def test_box_holds_the_circle_and_haversine_agrees_with_the_offsets() -> None:
    min_lon, min_lat, max_lon, max_lat = bounding_box(LON, LAT, 100)
    for bearing in range(0, 360, 15):
        north = 100 * math.cos(math.radians(bearing))
        east = 100 * math.sin(math.radians(bearing))
        point = moved(north_m=north, east_m=east)
        assert min_lon <= point["lon"] <= max_lon and min_lat <= point["lat"] <= max_lat
        assert haversine_m(LON, LAT, point["lon"], point["lat"]) == pytest.approx(100, rel=0.003)


def test_similar_reports_of_a_located_report(app: Flask, session: Session, scene: dict[str, Report]) -> None:
    app.config["CITIZENCARE_DUPLICATE_RADIUS_M"] = 45
    found = similar_reports(session, scene["10m"])  # 10 m north of the origin
    assert titles(found) == ["suspended 35m", "hidden 30m"]
    assert [round(distance or 0) for _, distance in found] == [30, 40]


def test_similar_reports_without_a_point_share_words_or_else_are_the_newest(
    session: Session, street: Category
) -> None:
    lamp = create_report(session, category=street, title="Lampione spento", description="Al buio", point=None)
    create_report(session, category=street, title="Lampioni spenti in piazza", received_at=EARLIER)
    create_report(session, category=street, title="Buca profonda", received_at=NOW - timedelta(hours=1))
    create_report(
        session,
        category=street,
        title="Lampione rotto",
        status="resolved",
        acknowledged_at=EARLIER,
        resolved_at=EARLIER,
    )
    create_report(session, category=create_category(session), title="Lampione caduto")
    session.commit()
    found = similar_reports(session, lamp)
    assert titles(found) == ["Lampioni spenti in piazza"]
    assert [distance for _, distance in found] == [None]

    lone = create_report(session, category=street, title="Rumore notturno", point=None)
    session.commit()
    newest_first = ["Lampione spento", "Buca profonda", "Lampioni spenti in piazza"]
    assert titles(similar_reports(session, lone)) == newest_first


def _statements_of(session: Session, call: Any) -> list[tuple[str, Any]]:
    """The SQL a call sends, with its parameters."""
    seen: list[tuple[str, Any]] = []
    engine = session.get_bind()

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        seen.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        call()
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    return seen


def test_the_spatial_index_finds_the_candidates(
    session: Session, backend: str, street: Category, scene: dict[str, Report]
) -> None:
    # Open reports of the same category all over the city, analysed: the category alone no longer
    # narrows the search, as at a real municipality (and earlier tests' statistics don't decide).
    session.execute(
        sa.insert(Report),
        [
            {
                "public_id": f"2020-{n:06d}",
                "tracking_token": f"spread-{n}",
                "category_id": street.id,
                "title": f"Buca {n}",
                "description": "Una buca sulla carreggiata.",
                "received_at": EARLIER,
                # A 25 x 20 grid 220 m apart, none within 110 m of the origin.
                "point": f"SRID=4326;POINT({LON + 0.002 * (n % 25 - 12)} {LAT + 0.002 * (n // 25 - 9.5)})",
            }
            for n in range(500)
        ],
    )
    if backend == "postgis":
        session.execute(sa.text("ANALYZE cc_reports"))
    sent = _statements_of(
        session, lambda: nearby_open_reports(session, category_id=street.id, lon=LON, lat=LAT, now=NOW)
    )
    statement, parameters = next((s, p) for s, p in sent if "cc_reports" in s)
    cursor = session.connection().connection.cursor()
    try:
        if backend == "postgis":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + statement, parameters)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "idx_cc_reports_point" in plan, plan
            assert "&&" in plan, plan
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
            plan = "\n".join(str(row[-1]) for row in cursor.fetchall())
            # The R*Tree answers the box (constraints on its columns), not a scan of every row.
            assert "idx_cc_reports_point VIRTUAL TABLE INDEX 2:" in plan, plan
            assert "INDEX 2:\n" not in plan + "\n", plan
    finally:
        cursor.close()
    session.rollback()
