"""The dashboards' proposals section: figures counted by hand on a small set of proposals."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask

from flask_citizencare.queries.statistics import Scope, proposal_figures
from flask_citizencare.queries.statistics.summaries import refresh

from .factories import create_category, create_report
from .host import host_db

ROME = ZoneInfo("Europe/Rome")
NOW = datetime.now(UTC).replace(microsecond=0)
DAY = timedelta(days=1)
NAVILE = {"name": "Navile", "bbox": (11.33, 44.50, 11.40, 44.54)}
NORTH = {"lon": 11.36, "lat": 44.52}
SOUTH = {"lon": 11.30, "lat": 44.45}
EN = {"Accept-Language": "en"}


@pytest.fixture
def proposals(app: Flask) -> dict[str, Any]:
    """Eight public proposals in two categories, a hidden one, a merged one and an issue."""
    app.config["CITIZENCARE_DISTRICTS"] = [NAVILE]
    with app.app_context():
        session = host_db.session
        parks = create_category(session, code="parchi", name="Parchi", names={"en": "Parks"})
        roads = create_category(session, code="strade", name="Strade", names={"en": "Roads"})

        def add(category: Any, where: dict[str, float], age: int = 10, **fields: Any) -> Any:
            return create_report(
                session, kind="proposal", category=category, created_at=NOW - age * DAY, **where, **fields
            )

        # Parks, in Navile.
        # 1. Reached the threshold, answered in time, accepted.
        add(
            parks,
            NORTH,
            supports_count=200,
            threshold_reached_at=NOW - 9 * DAY,
            answer_due_at=NOW - 2 * DAY,
            answered_at=NOW - 3 * DAY,
            outcome="accepted",
        )
        # 2. Reached it, answered late, implemented (counts as accepted too).
        add(
            parks,
            NORTH,
            supports_count=250,
            threshold_reached_at=NOW - 9 * DAY,
            answer_due_at=NOW - 5 * DAY,
            answered_at=NOW - 1 * DAY,
            outcome="implemented",
        )
        # 3. Reached it, not answered and overdue: a breach.
        add(parks, NORTH, supports_count=210, threshold_reached_at=NOW - 9 * DAY, answer_due_at=NOW - DAY)
        # 4. Reached it, not answered, still in time: neither.
        add(parks, NORTH, supports_count=205, threshold_reached_at=NOW - DAY, answer_due_at=NOW + 9 * DAY)
        # Roads, elsewhere.
        # 5. Answered without a threshold (no due time), not accepted.
        add(roads, SOUTH, supports_count=3, answered_at=NOW - DAY, outcome="not_accepted")
        # 6. Supported once. 7. No support. 8. Filed long ago (outside a 30-day period).
        add(roads, SOUTH, supports_count=1)
        add(roads, SOUTH)
        add(roads, SOUTH, age=100, supports_count=9)
        # Never counted on the public dashboard (the hidden one counts for staff).
        add(parks, NORTH, supports_count=500, is_public=False)
        master = add(roads, SOUTH, age=200)
        add(
            roads,
            SOUTH,
            supports_count=50,
            duplicate_of_id=master.id,
            status="rejected",
            reject_reason="Doppia",
        )
        create_report(session, category=parks, **NORTH)
        session.commit()
        return {"parks": parks.id, "roads": roads.id}


@pytest.fixture(params=["live", "summary"])
def source(request: pytest.FixtureRequest) -> str:
    """Every figure is checked computed live and read from the refreshed summary."""
    return str(request.param)


def figures(app: Flask, scope: Scope, source: str = "live") -> Any:
    with app.app_context():
        if source == "summary":
            refresh(host_db.session, timezone=ROME, districts=[NAVILE], full=True, now=NOW)
            host_db.session.commit()
        return proposal_figures(
            host_db.session, scope, timezone=ROME, districts=[NAVILE], live=source == "live", now=NOW
        )


def test_counted_by_hand(app: Flask, proposals: dict[str, Any], source: str) -> None:
    result = figures(app, Scope(public_only=True), source)
    total = result.total
    # Nine public proposals: the eight above and the merged one's master.
    assert (total.filed, total.supported, total.threshold, total.answered) == (9, 7, 4, 3)
    assert (total.within, total.missed) == (1, 2)
    assert total.within_share == pytest.approx(1 / 3)
    assert (total.accepted, total.implemented) == (2, 1)
    assert total.accepted_share == pytest.approx(2 / 3)
    assert total.implemented_share == pytest.approx(1 / 3)
    by_category = {row.key: row for row in result.by_category}
    parks, roads = by_category[proposals["parks"]], by_category[proposals["roads"]]
    assert (parks.filed, parks.threshold, parks.within, parks.missed, parks.accepted) == (4, 4, 1, 2, 2)
    assert (roads.filed, roads.supported, roads.answered, roads.accepted) == (5, 3, 1, 0)
    by_area = {row.key: row for row in result.by_area}
    assert by_area["Navile"].filed == 4 and by_area[""].filed == 5


def test_scope_period_and_staff(app: Flask, proposals: dict[str, Any], source: str) -> None:
    today = NOW.astimezone(ROME).date()
    recent = figures(app, Scope(public_only=True, since=today - timedelta(days=29), until=today), source)
    assert recent.total.filed == 7
    only_roads = figures(app, Scope(public_only=True, category_ids=(proposals["roads"],)), source)
    assert only_roads.total.filed == 5 and [r.key for r in only_roads.by_category] == [proposals["roads"]]
    staff = figures(app, Scope(public_only=False), source)
    assert staff.total.filed == 10  # the hidden one; never the merged duplicate
    nothing = figures(app, Scope(public_only=True, since=date(2001, 1, 1), until=date(2001, 1, 2)), source)
    assert nothing.total.filed == 0 and nothing.by_category == []


def _table(page: str, name: str) -> list[list[str]]:
    block = re.search(rf'<table[^>]*data-table="{name}">(.*?)</table>', page, re.S)
    assert block, name
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", block.group(1), re.S)
    ]


def test_public_page_tables_and_csv(app: Flask, proposals: dict[str, Any], source: str) -> None:
    app.config["CITIZENCARE_DASHBOARD_SOURCE"] = source
    if source == "summary":
        figures(app, Scope(), source)  # refreshes the summary
    client = app.test_client()
    page = client.get("/citizencare/dashboard", headers=EN).get_data(as_text=True)
    rows = _table(page, "proposals")
    assert rows[0][:3] == ["Proposals", "Filed", "Supported"]
    assert rows[1][:7] == ["All proposals", "9", "7", "4", "3", "1", "2"]
    assert rows[1][7:] == ["33.3%", "66.7%", "33.3%"]
    categories = _table(page, "proposals_categories")
    assert [r[0] for r in categories[1:]] == ["Roads", "Parks"]
    districts = _table(page, "proposals_areas")
    assert {r[0]: r[1] for r in districts[1:]} == {"Navile": "4", "Elsewhere": "5"}
    assert 'id="heading-proposals"' in page
    response = client.get("/citizencare/dashboard/proposals_categories.csv?period=30d", headers=EN)
    assert response.status_code == 200
    table = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert table[0][0] == "Category"
    assert {r[0]: r[1] for r in table[1:]} == {"Roads": "3", "Parks": "4"}


def test_no_section_without_proposals(app: Flask) -> None:
    page = app.test_client().get("/citizencare/dashboard", headers=EN).get_data(as_text=True)
    assert 'data-table="proposals"' not in page
