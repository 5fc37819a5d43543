"""The public and staff dashboards: figures computed by hand on a small set of reports, both sources."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask import Flask
from markupsafe import escape

from flask_citizencare.domain import satisfaction
from flask_citizencare.domain import statistics as st
from flask_citizencare.i18n import gettext
from flask_citizencare.models import Report, SurveyResponse
from flask_citizencare.models.base import UTCDateTime
from flask_citizencare.queries.statistics import Figures, Scope, dashboard, local_day, refresh

from .factories import create_report
from .host import host_db
from .staff import Team, client_for

ROME = ZoneInfo("Europe/Rome")
CENTRE = {"name": "Centro", "bbox": (11.33, 44.48, 11.36, 44.50)}
INSIDE = {"lon": 11.3426, "lat": 44.4949}
OUTSIDE = {"lon": 11.40, "lat": 44.45}
HOUR = 3600.0

EN = {"Accept-Language": "en"}


@dataclass
class Fixture:
    now: datetime
    created: dict[str, datetime]
    resolved: dict[str, datetime]
    ids: dict[str, int]


@pytest.fixture
def reports(app: Flask, team: Team) -> Fixture:
    """Six public reports and a hidden one, with known times (see the comments)."""
    app.config["CITIZENCARE_DISTRICTS"] = [CENTRE]
    now = datetime.now(UTC).replace(microsecond=0)
    h = timedelta(hours=1)
    created: dict[str, datetime] = {}
    resolved: dict[str, datetime] = {}
    ids: dict[str, int] = {}
    with app.app_context():
        session = host_db.session
        potholes, lamps = session.merge(team.potholes), session.merge(team.lamps)
        tina, luca = team.members["tina"].id, team.members["luca"].id

        def add(name: str, age: timedelta, where: dict[str, float], **fields: object) -> Report:
            created[name] = now - age
            report = create_report(session, received_at=now - age, created_at=now - age, **where, **fields)
            ids[name] = report.id
            if report.resolved_at is not None:
                resolved[name] = report.resolved_at
            return report

        # A: closed; acknowledged after 1 h (due 2 h: met), resolved 10 h later (due 8 h: missed).
        t = now - timedelta(days=40)
        add(
            "A",
            now - t,
            INSIDE,
            category=potholes,
            office_id=team.roads.id,
            assignee_id=tina,
            status="closed",
            acknowledged_at=t + h,
            resolved_at=t + 11 * h,
            closed_at=t + 12 * h,
            ack_due_at=t + 2 * h,
            resolve_due_at=t + 9 * h,
        )
        # B: resolved; acknowledged after 3 h (due 2 h: missed), resolved 2 h later (due 8 h: met).
        t = now - timedelta(days=20)
        add(
            "B",
            now - t,
            INSIDE,
            category=potholes,
            office_id=team.roads.id,
            assignee_id=tina,
            status="resolved",
            acknowledged_at=t + 3 * h,
            resolved_at=t + 5 * h,
            ack_due_at=t + 2 * h,
            resolve_due_at=t + 11 * h,
        )
        # C: resolved, elsewhere; acknowledged after 30 min, resolved 50 h later; no due times.
        t = now - timedelta(days=10)
        add(
            "C",
            now - t,
            OUTSIDE,
            category=lamps,
            office_id=team.lights.id,
            assignee_id=luca,
            status="resolved",
            acknowledged_at=t + h / 2,
            resolved_at=t + 50.5 * h,
        )
        # D: in progress; acknowledged after 2 h (due 1 h: missed).
        t = now - timedelta(days=3)
        add(
            "D",
            now - t,
            INSIDE,
            category=lamps,
            office_id=team.lights.id,
            assignee_id=luca,
            status="in_progress",
            acknowledged_at=t + 2 * h,
            ack_due_at=t + h,
        )
        # E: new, a minute old, not yet due.
        add(
            "E",
            timedelta(minutes=1),
            INSIDE,
            category=potholes,
            office_id=team.roads.id,
            ack_due_at=now + timedelta(minutes=29),
        )
        # F: new, 100 days old, never acknowledged: overdue; no office, elsewhere.
        t = now - timedelta(days=100)
        add("F", now - t, OUTSIDE, category=potholes, ack_due_at=t + h)
        # H: hidden from the public (roads office).
        add("H", timedelta(days=2), INSIDE, category=potholes, office_id=team.roads.id, is_public=False)
        for name, scores in (("A", (10, 8, 9)), ("B", (5, 6, 3)), ("C", (9, 7, 10))):
            recommend, knowledge, solved = scores
            session.add(
                SurveyResponse(report_id=ids[name], recommend=recommend, knowledge=knowledge, resolved=solved)
            )
        session.commit()
    return Fixture(now, created, resolved, ids)


def figures(app: Flask, scope: Scope, source: str, *, staff: bool = False) -> Figures:
    with app.test_request_context():
        return dashboard(
            host_db.session, scope, timezone=ROME, districts=[CENTRE], source=source, staff=staff
        )


def summarise(app: Flask) -> None:
    with app.app_context():
        refresh(host_db.session, timezone=ROME, districts=[CENTRE])
        host_db.session.commit()


def local(moment: datetime) -> date:
    return moment.astimezone(ROME).date()


def test_public_figures_by_hand(app: Flask, reports: Fixture) -> None:
    f = figures(app, Scope(), "live")
    assert (f.open_now, f.closed_now) == (3, 3)  # D, E, F open; A, B, C closed; H hidden
    assert (f.received, f.open, f.closed) == (6, 3, 3)
    by_category = {r.key: (r.received, r.open, r.closed) for r in f.by_category}
    with app.app_context():
        potholes, lamps = (
            host_db.session.get(Report, reports.ids["A"]).category_id,
            host_db.session.get(Report, reports.ids["C"]).category_id,
        )
    assert by_category == {potholes: (4, 2, 2), lamps: (2, 1, 1)}
    assert {r.key: r.received for r in f.by_area} == {"Centro": 4, "": 2}
    offices = sorted((r.received, r.open, r.closed) for r in f.by_office)
    assert offices == [(1, 1, 0), (2, 1, 1), (3, 1, 2)]  # no office: F; lights: C, D; roads: A, B, E
    # Acknowledgement: 1800, 3600, 7200, 10800 s; resolution: 7200, 36000, 180000 s (percentile_cont).
    assert f.acknowledge.count == 4
    assert f.acknowledge.median == pytest.approx(5400)
    assert f.acknowledge.p90 == pytest.approx(9720)
    assert f.resolve.count == 3
    assert f.resolve.median == pytest.approx(36000)
    assert f.resolve.p90 == pytest.approx(151200)
    # Acknowledgement due: A met, B and D missed, F overdue unacknowledged; E not yet due.
    assert (f.ack_met, f.ack_due) == (1, 4)
    assert (f.res_met, f.res_due) == (1, 2)
    assert f.backlog == [1, 1, 0, 0, 1]  # E today, D 3 days, F 100 days
    assert f.survey_count == 3
    assert f.nps == pytest.approx(satisfaction.nps([10, 5, 9])) == pytest.approx(100 / 3)
    assert f.knowledge == pytest.approx(7)
    assert f.resolved_score == pytest.approx(22 / 3)
    months = st.months_back(local(reports.now), 12)
    expected = {m: [0, 0] for m in months}
    for name, moment in reports.created.items():
        if name != "H" and local(moment).replace(day=1) in expected:
            expected[local(moment).replace(day=1)][0] += 1
    for moment in reports.resolved.values():
        if local(moment).replace(day=1) in expected:
            expected[local(moment).replace(day=1)][1] += 1
    assert [(m, r, s) for m, r, s in f.trend] == [(m, r, s) for m, (r, s) in expected.items()]


def test_period_and_category_filters(app: Flask, team: Team, reports: Fixture) -> None:
    since = local(reports.now) - timedelta(days=25)
    f = figures(app, Scope(since=since), "live")
    assert (f.received, f.open, f.closed) == (4, 2, 2)  # B, C, D, E
    assert (f.open_now, f.closed_now) == (3, 3)  # "now" ignores the period
    f = figures(app, Scope(category_ids=(team.lamps.id,)), "live")
    assert (f.received, f.open, f.closed, f.open_now) == (2, 1, 1, 1)
    assert f.resolve.median == pytest.approx(180000)


def test_hidden_reports_count_for_staff_only(app: Flask, team: Team, reports: Fixture) -> None:
    public = figures(app, Scope(), "live")
    staff = figures(app, Scope(public_only=False), "live", staff=True)
    assert staff.received == public.received + 1
    assert staff.open_now == public.open_now + 1
    assignees = {r.key: (r.received, r.resolved, r.backlog) for r in staff.by_assignee}
    assert assignees[team.members["tina"].id] == (2, 2, 0)
    assert assignees[team.members["luca"].id] == (2, 1, 1)
    assert assignees[None] == (3, 0, 3)


@pytest.mark.parametrize("source", ["live", "summary"])
def test_summary_equals_live(app: Flask, team: Team, reports: Fixture, source: str) -> None:
    summarise(app)
    last_month = (local(reports.now).replace(day=1) - timedelta(days=1)).replace(day=1)
    for scope, staff in (
        (Scope(), False),
        (Scope(public_only=False), True),
        (Scope(since=local(reports.now) - timedelta(days=25), category_ids=(team.potholes.id,)), False),
        # Periods cut across months: whole months come from roll-ups, the rest from days.
        (
            Scope(
                since=local(reports.now) - timedelta(days=45), until=local(reports.now) - timedelta(days=10)
            ),
            False,
        ),
        (Scope(since=last_month, until=local(reports.now).replace(day=1) - timedelta(days=1)), True),
        (Scope(until=local(reports.now) - timedelta(days=30)), False),
        (Scope(since=local(reports.now) - timedelta(days=2), until=local(reports.now)), False),
    ):
        live, summary = figures(app, scope, "live", staff=staff), figures(app, scope, source, staff=staff)
        _same_counts(live, summary)
    if source == "summary":
        assert figures(app, Scope(), "summary").as_of is not None
        # Percentiles from the histogram lie within one bucket of the exact ones.
        live, summary = figures(app, Scope(), "live"), figures(app, Scope(), "summary")
        for exact, estimate in (
            (live.acknowledge.median, summary.acknowledge.median),
            (live.resolve.median, summary.resolve.median),
            (live.resolve.p90, summary.resolve.p90),
        ):
            assert exact is not None and estimate is not None
            assert abs(estimate - exact) / exact <= st.HISTOGRAM_PRECISION


def test_incremental_refresh_follows_changes(app: Flask, reports: Fixture) -> None:
    summarise(app)
    with app.app_context():
        report = host_db.session.get(Report, reports.ids["D"])
        assert report is not None
        report.status = "resolved"
        report.resolved_at = reports.now
        host_db.session.commit()
    before = figures(app, Scope(), "summary")
    assert before.open_now == 3  # not refreshed yet
    summarise(app)
    after, live = figures(app, Scope(), "summary"), figures(app, Scope(), "live")
    assert after.open_now == 2
    _same_counts(live, after)


def _same_counts(live: Figures, summary: Figures) -> None:
    for name in (
        "open_now",
        "closed_now",
        "received",
        "open",
        "closed",
        "ack_met",
        "ack_due",
        "res_met",
        "res_due",
        "backlog",
        "trend",
        "survey_count",
        "nps",
        "knowledge",
        "resolved_score",
    ):
        assert getattr(summary, name) == getattr(live, name), name
    assert summary.acknowledge.count == live.acknowledge.count
    assert summary.resolve.count == live.resolve.count
    for name in ("by_category", "by_office", "by_area", "by_assignee"):
        key = lambda rows: sorted(  # noqa: E731
            (str(r.key), r.received, r.open, r.closed, r.resolved, r.res_met, r.res_due, r.backlog)
            for r in rows
        )
        assert key(getattr(summary, name)) == key(getattr(live, name)), name


def _table(html: str, name: str) -> list[list[str]]:
    block = re.search(rf'<table[^>]*data-table="{name}">(.*?)</table>', html, re.S)
    assert block, name
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", block.group(1), re.S)
    ]


@pytest.mark.parametrize("source", ["live", "summary"])
def test_public_page_and_csv(app: Flask, reports: Fixture, source: str) -> None:
    app.config["CITIZENCARE_DASHBOARD_SOURCE"] = source
    if source == "summary":
        summarise(app)
    client = app.test_client()
    english = {"Accept-Language": "en"}
    page = client.get("/citizencare/dashboard", headers=english)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'role="img"' in html and "<title id=" in html and 'scope="col"' in html and 'scope="row"' in html
    assert ("Figures as of" in html) == (source == "summary")
    assert "Buca in via" not in html  # no report text, let alone personal data
    rows = _table(html, "areas")
    assert rows[1:] == [["Centro", "4", "2", "2"], ["Elsewhere", "2", "1", "1"]]
    for name in ("areas", "categories", "offices", "backlog", "status"):
        data = list(
            csv.reader(
                io.StringIO(
                    client.get(f"/citizencare/dashboard/{name}.csv", headers=english).get_data(as_text=True)
                )
            )
        )
        assert data == _table(html, name), name  # counts read the same in English
    status = list(
        csv.reader(
            io.StringIO(
                client.get("/citizencare/dashboard/status.csv", headers=english).get_data(as_text=True)
            )
        )
    )
    assert status[1][1:] == ["3", "3"] and status[2][1:] == ["3", "3"]
    sla = list(
        csv.reader(
            io.StringIO(client.get("/citizencare/dashboard/sla.csv", headers=english).get_data(as_text=True))
        )
    )
    assert [row[1:] for row in sla[1:]] == [["4", "1", "0.25"], ["2", "1", "0.5"]]
    assert _table(html, "sla")[1][1:] == ["4", "1", "25%"]
    times = _table(html, "times")
    assert times[1][1:] == (["4", "1 h 30 min", "2 h 42 min"] if source == "live" else times[1][1:])
    # The same filters reach the CSV links.
    since = (local(reports.now) - timedelta(days=25)).isoformat()
    filtered = client.get(f"/citizencare/dashboard?since={since}", headers=english).get_data(as_text=True)
    assert f"status.csv?since={since}" in filtered
    status = list(
        csv.reader(
            io.StringIO(client.get(f"/citizencare/dashboard/status.csv?since={since}").get_data(as_text=True))
        )
    )
    assert status[2][1:] == ["2", "2"]
    assert client.get("/citizencare/dashboard/nothing.csv").status_code == 404


def test_presets_and_bad_input(app: Flask, reports: Fixture) -> None:
    client = app.test_client()
    page = client.get("/citizencare/dashboard?period=30d", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert _table(page.get_data(as_text=True), "status")[2][1:] == ["2", "2"]  # B, C, D, E minus A
    messages = {}
    for language in ("en", "it"):
        for query in (
            "since=2026-13-01",
            "until=yesterday",
            "period=forever",
            "category=nope",
            "since=2026-05-01&until=2026-04-01",
            "since=0001-01-01",
            "until=9999-12-31",
            "since=9999-12-31",
        ):
            response = client.get(f"/citizencare/dashboard?{query}", headers={"Accept-Language": language})
            assert response.status_code == 400, query
            csv_response = client.get(f"/citizencare/dashboard/status.csv?{query}")
            assert csv_response.status_code == 400
        messages[language] = client.get(
            "/citizencare/dashboard?since=2026-13-01", headers={"Accept-Language": language}
        ).get_data(as_text=True)
    assert "YYYY-MM-DD" in messages["en"] and "Give one date" in messages["en"]
    for language, page in messages.items():
        with app.test_request_context(headers={"Accept-Language": language}):
            # The message goes through the catalog of the visitor's language.
            assert escape(gettext("Give one date, as YYYY-MM-DD.")) in page
            title = gettext("The request could not be understood")
            assert escape(title) in page
    assert "The request could not be understood" not in messages["it"]


def test_staff_dashboard_and_technician_scope(app: Flask, team: Team, reports: Fixture) -> None:
    manager = client_for(app, team, "marco")
    html = manager.get("/citizencare/staff/dashboard", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    assert _table(html, "status")[1][1:] == ["4", "3"]
    technicians = {row[0]: row[1:] for row in _table(html, "technicians")[1:]}
    assert technicians["Tina"][:4] == ["2", "0", "2", "2"]
    assert 'aria-current="page"' in html
    data = list(
        csv.reader(
            io.StringIO(
                manager.get("/citizencare/staff/dashboard?csv=technicians", headers=EN).get_data(as_text=True)
            )
        )
    )
    assert {row[0]: row[1] for row in data[1:]} == {"Tina": "2", "Luca": "2", "Nobody": "3"}
    # Tina (roads) sees the roads office's cases: A, B, E and the hidden H.
    tina = client_for(app, team, "tina")
    html = tina.get("/citizencare/staff/dashboard", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert _table(html, "status")[1][1:] == ["2", "2"]
    assert "Luca" not in html
    assert client_for(app, team, "carla").get("/citizencare/staff/dashboard").status_code == 403
    assert app.test_client().get("/citizencare/staff/dashboard").status_code in (302, 401)


def test_counts_match_the_map_api(app: Flask, team: Team, reports: Fixture) -> None:
    client = app.test_client()
    since = (local(reports.now) - timedelta(days=25)).isoformat()
    for query in ("", f"since={since}", "category=lamps", f"category=potholes&since={since}"):
        data = list(
            csv.reader(
                io.StringIO(client.get(f"/citizencare/dashboard/status.csv?{query}").get_data(as_text=True))
            )
        )
        open_count, closed_count = int(data[2][1]), int(data[2][2])
        for group, expected in (("open", open_count), ("closed", closed_count)):
            response = client.get(
                f"/citizencare/api/reports.geojson?{query}&group={group}&cluster=never&limit=2000"
            )
            assert response.status_code == 200, response.get_data(as_text=True)
            assert response.get_json()["next"] is None
            assert len(response.get_json()["features"]) == expected, (query, group)


def test_pure_statistics() -> None:
    assert st.percentile([1, 2, 3, 4], 0.5) == 2.5
    assert st.percentile([], 0.5) is None
    assert st.bucket_of(0) == 0 and st.bucket_of(59.9) == 0 and st.bucket_of(60) == 1
    values = [30.0, 600, 3600, 7200, 86400, 90000, 400000]
    counts = [0] * st.BUCKETS
    for v in values:
        counts[st.bucket_of(v)] += 1
    for share in (0.1, 0.5, 0.9):
        exact = st.percentile(sorted(values), share)
        estimate = st.histogram_percentile(counts, share)
        assert exact is not None and estimate is not None
        low, high = st.bucket_bounds(st.bucket_of(exact))
        assert low <= estimate <= high
    assert st.net_promoter_score(2, 1, 3) == pytest.approx(satisfaction.nps([10, 9, 3]))
    today = date(2026, 11, 23)
    assert [st.age_bucket(today - timedelta(days=d), today) for d in (0, 1, 6, 7, 29, 30, 89, 90, 400)] == [
        0,
        1,
        1,
        2,
        2,
        3,
        3,
        4,
        4,
    ]
    assert st.months_back(today, 3) == [date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1)]


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 3, 28, 23, 30, tzinfo=UTC),  # 00:30 CET, the night summer time starts
        datetime(2026, 3, 29, 0, 59, tzinfo=UTC),
        datetime(2026, 6, 30, 21, 59, tzinfo=UTC),  # 23:59 CEST
        datetime(2026, 6, 30, 22, 0, tzinfo=UTC),  # midnight CEST
        datetime(2026, 10, 24, 21, 59, tzinfo=UTC),
        datetime(2026, 10, 24, 22, 30, tzinfo=UTC),  # 00:30 CEST, the night summer time ends
        datetime(2026, 12, 31, 22, 59, tzinfo=UTC),
        datetime(2026, 12, 31, 23, 0, tzinfo=UTC),  # midnight CET, new year
    ],
)
def test_local_day_in_sql(app: Flask, moment: datetime) -> None:
    """Days are the municipality's: SQLite, without time zones, must agree with PostgreSQL's AT TIME ZONE."""
    with app.app_context():
        session = host_db.session
        value = session.scalar(sa.select(local_day(session, sa.literal(moment, UTCDateTime()), ROME)))
    assert date.fromisoformat(str(value)) == moment.astimezone(ROME).date()


def test_refresh_command(app: Flask, reports: Fixture) -> None:
    runner = app.test_cli_runner()
    first = runner.invoke(args=["citizencare", "stats", "refresh"])
    assert first.exit_code == 0, first.output
    assert "all days" in first.output
    again = runner.invoke(args=["citizencare", "stats", "refresh"])
    assert again.exit_code == 0 and "0 changed day(s)" in again.output
    full = runner.invoke(args=["citizencare", "stats", "refresh", "--full"])
    assert full.exit_code == 0 and "all days" in full.output
    app.config["CITIZENCARE_DASHBOARD_SOURCE"] = "auto"
    _same_counts(figures(app, Scope(), "live"), figures(app, Scope(), "auto"))
    assert figures(app, Scope(), "auto").as_of is not None
