"""The public map's cluster cells: exact after every write, equal to the live clusters; both databases."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from geoalchemy2.shape import from_shape
from shapely.geometry import Point
from sqlalchemy.orm import Session

from flask_citizencare.access import Actor
from flask_citizencare.demo import load_demo
from flask_citizencare.domain.lifecycle import Action, Role
from flask_citizencare.models import Category, MapCell, Report, StaffMember
from flask_citizencare.queries import geojson, map_cells
from flask_citizencare.queries.filter_sql import filter_conditions
from flask_citizencare.queries.filters import PublicFilter
from flask_citizencare.services.cases import Moderation, moderate
from flask_citizencare.services.triage import ActionInput, apply_action

from .factories import create_category, create_report
from .host import host_db
from .staff import Team

API = "/citizencare/api/reports.geojson"
CITY = "11.23,44.42,11.43,44.56"

Cells = dict[tuple[int, int, int, int, str, str], tuple[int, float, float]]


def stored(session: Session) -> Cells:
    rows = session.execute(
        sa.select(
            MapCell.level,
            MapCell.cx,
            MapCell.cy,
            MapCell.category_id,
            MapCell.kind,
            MapCell.status,
            MapCell.n,
            MapCell.sum_x,
            MapCell.sum_y,
        )
    )
    return {tuple(row[:6]): (row.n, row.sum_x, row.sum_y) for row in rows}  # type: ignore[misc]


def expected(session: Session) -> Cells:
    """The cells computed here, in Python, from the reports the public map shows."""
    x, y = sa.func.ST_X(Report.point), sa.func.ST_Y(Report.point)
    rows = session.execute(
        sa.select(x, y, Report.category_id, Report.kind, Report.status).where(
            Report.is_public.is_(True), Report.duplicate_of_id.is_(None), Report.point.is_not(None)
        )
    ).all()
    cells: dict[tuple[int, int, int, int, str, str], list[float]] = {}
    for lon, lat, category_id, kind, status in rows:
        for level in map_cells.LEVELS:
            cell = 90 / 2**level
            key = (
                level,
                math.floor((lon + 180) / cell),
                math.floor((lat + 90) / cell),
                category_id,
                kind,
                status,
            )
            total = cells.setdefault(key, [0, 0.0, 0.0])
            total[0] += 1
            total[1] += lon
            total[2] += lat
    return {key: (int(n), sx, sy) for key, (n, sx, sy) in cells.items()}


def assert_consistent(session: Session) -> None:
    session.expire_all()
    have, want = stored(session), expected(session)
    assert set(have) == set(want)
    for key, (n, sum_x, sum_y) in want.items():
        assert have[key][0] == n, key
        assert have[key][1] == pytest.approx(sum_x, abs=1e-6) and have[key][2] == pytest.approx(
            sum_y, abs=1e-6
        )


def actor(team: Team, name: str, role: Role) -> Actor:
    member = host_db.session.get(StaffMember, team.members[name].id)
    assert member is not None
    return Actor(member, frozenset({role, Role.CITIZEN}))


def test_cells_follow_every_kind_of_write(app: Flask, db_session: Session, team: Team) -> None:
    roads = db_session.get(Category, team.potholes.id)
    lamps = db_session.get(Category, team.lamps.id)
    assert roads is not None and lamps is not None
    assert stored(db_session) == {}
    reports = [
        create_report(
            db_session, category=roads if i % 2 else lamps, lon=11.30 + i * 0.013, lat=44.47 + i * 0.007
        )
        for i in range(8)
    ]
    unplaced = create_report(db_session, category=roads, point=None)
    db_session.commit()
    assert_consistent(db_session)
    assert sum(n for (level, *_), (n, _x, _y) in stored(db_session).items() if level == 12) == 8

    ids = [r.id for r in reports]
    with app.test_request_context():
        operator = actor(team, "olga", Role.OPERATOR)
        # Status changes through the triage service; a merge hides the duplicate.
        apply_action(operator, ids[0], Action.ACKNOWLEDGE, ActionInput(1))
        first = db_session.get(Report, ids[1])
        assert first is not None
        apply_action(operator, ids[1], Action.REJECT, ActionInput(first.version, note="Non pertinente"))
        duplicate = db_session.get(Report, ids[2])
        assert duplicate is not None
        apply_action(operator, ids[2], Action.MERGE, ActionInput(duplicate.version, master_id=ids[3]))
        assert_consistent(db_session)
        # Moderation hides one, then publishes it again.
        hidden = db_session.get(Report, ids[4])
        assert hidden is not None
        moderate(operator, ids[4], Moderation(hidden.version, is_public=False))
        assert_consistent(db_session)
        assert sum(n for (level, *_), (n, _x, _y) in stored(db_session).items() if level == 15) == 6
        hidden = db_session.get(Report, ids[4])
        assert hidden is not None
        moderate(operator, ids[4], Moderation(hidden.version, is_public=True))
        assert_consistent(db_session)

    # Raw updates: a move to another cell, a new category and kind, a point removed, a delete.
    db_session.execute(
        sa.update(Report)
        .where(Report.id == ids[5])
        .values(point=from_shape(Point(11.41, 44.55), srid=4326), category_id=roads.id, kind="proposal")
    )
    db_session.execute(sa.update(Report).where(Report.id == ids[6]).values(point=None))
    db_session.execute(
        sa.update(Report)
        .where(Report.id == unplaced.id)
        .values(point=from_shape(Point(11.33, 44.5), srid=4326))
    )
    db_session.execute(sa.update(Report).where(Report.id == ids[7]).values(title="Only the text changes"))
    db_session.commit()
    assert_consistent(db_session)
    db_session.execute(sa.delete(Report).where(Report.id.in_([ids[0], ids[5]])))
    db_session.commit()
    assert_consistent(db_session)
    # Nothing left behind once every report is gone.
    db_session.execute(sa.update(Report).values(duplicate_of_id=None))
    db_session.execute(sa.delete(Report))
    db_session.commit()
    assert stored(db_session) == {}


def test_rebuild_and_its_command_recount_from_scratch(app: Flask, db_session: Session) -> None:
    category = create_category(db_session, code="roads", name="Strade")
    for i in range(5):
        create_report(db_session, category=category, lon=11.31 + i / 100, lat=44.49)
    db_session.commit()
    want = expected(db_session)
    db_session.execute(sa.update(MapCell).values(n=MapCell.n + 7))  # drifted, say by a restore
    db_session.execute(sa.delete(MapCell).where(MapCell.level == 9))
    db_session.commit()
    assert stored(db_session) != want
    result = app.test_cli_runner().invoke(args=["citizencare", "map", "rebuild"])
    assert result.exit_code == 0, result.output
    assert f"{len(want)} cell(s)" in result.output
    assert_consistent(db_session)


def live_clusters(db_session: Session, zoom: int) -> list[dict[str, Any]]:
    conditions = [
        *filter_conditions(db_session, PublicFilter(), ZoneInfo("Europe/Rome")),
        Report.point.is_not(None),
    ]
    found = geojson.cluster_features(db_session, conditions, zoom=zoom, now=datetime.now(UTC))
    return geojson.as_features(found, zoom=zoom)


@pytest.mark.parametrize("zoom", [6, 10, 12, 14, 15])
def test_clusters_from_cells_equal_the_live_aggregation(
    app: Flask, client: FlaskClient, db_session: Session, zoom: int
) -> None:
    app.config["CITIZENCARE_API_MAX_LIMIT"] = 3
    roads = create_category(db_session, code="roads", name="Strade")
    now = datetime.now(UTC)
    statuses = ["new", "new", "acknowledged", "resolved", "rejected", "new"]
    for i in range(30):
        status = statuses[i % len(statuses)]
        fields: dict[str, Any] = {"status": status}
        if status != "new":
            fields["acknowledged_at"] = now
        if status == "resolved":
            fields["resolved_at"] = now
        if status == "rejected":
            fields["reject_reason"] = "No"
        if status == "new":
            fields["due_at"] = now + timedelta(hours=1 if i % 4 else -1)
        create_report(
            db_session,
            category=roads,
            lon=11.25 + (i * 37 % 100) / 600,
            lat=44.43 + (i * 11 % 70) / 600,
            **fields,
        )
    create_report(db_session, category=roads, lon=11.3, lat=44.5, is_public=False)
    db_session.commit()

    response = client.get(API, query_string={"bbox": "11.0,44.0,11.7,44.9", "zoom": str(zoom)})
    document = json.loads(response.get_data())
    assert document["clustered"] is True
    live = live_clusters(db_session, zoom)
    by_cell = {tuple(f["properties"]["bbox"]): f["properties"] for f in document["features"]}
    live_by_cell = {tuple(f["properties"]["bbox"]): f["properties"] for f in live}
    assert by_cell == live_by_cell
    assert sum(p["count"] for p in by_cell.values()) == 30
    assert sum(p["overdue"] for p in by_cell.values()) == sum(
        1 for i in range(30) if statuses[i % len(statuses)] == "new" and not i % 4
    )
    # A filter the cells can take (status) and one they cannot (a date): the same counts.
    for params in ({"group": "open"}, {"since": (now - timedelta(days=1)).date().isoformat()}):
        answer = json.loads(
            client.get(
                API, query_string={"bbox": "11.0,44.0,11.7,44.9", "zoom": str(zoom), **params}
            ).get_data()
        )
        want = 20 if "group" in params else 30
        assert sum(f["properties"]["count"] for f in answer["features"]) == want


def test_the_demo_loader_leaves_the_cells_consistent(app: Flask, db_session: Session) -> None:
    with app.app_context():
        load_demo(150, seed=3, now=datetime(2026, 11, 2, 9, 0, tzinfo=UTC))
    assert_consistent(db_session)
    assert stored(db_session)
