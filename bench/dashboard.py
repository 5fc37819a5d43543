"""Time the public and staff dashboards (summary tables) beside the live aggregates in raw SQL.

Usage::

    python bench/load_demo.py 1000000 cc_bench          # once: 10^6 demo reports in PostGIS
    python bench/dashboard.py [--database cc_bench] [--url URL] [--runs 50] [--live-runs 5]
    python bench/dashboard.py --sqlite FILE.sqlite [--runs 50]

The database must hold demo data and the extension's schema at revision 0005
or later (``flask citizencare db upgrade``). The script first refreshes the
summary (``flask citizencare stats refresh --full``) and times that, then an
incremental refresh with nothing changed. Each scenario is timed through the
WSGI app (the HTML page rendered, every table and chart included). The naive
baseline is what the page would cost without the summary: on PostgreSQL the
live aggregates in raw SQL with psycopg (counts by status, category and office,
``percentile_cont`` of both durations, SLA shares, backlog ages, monthly
trend); on SQLite, which has no ``percentile_cont``, the app in live mode.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from datetime import timedelta
from pathlib import Path
from time import perf_counter
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.timing import BenchUser, bench_app, percentile, server_url, timed
from flask_citizencare import state
from flask_citizencare.models import Report
from flask_citizencare.models.statistics import stats_state
from flask_citizencare.queries.statistics import refresh

DISTRICTS = (
    {"name": "Santo Stefano", "bbox": (11.340, 44.470, 11.375, 44.495)},
    {"name": "Porto-Saragozza", "bbox": (11.290, 44.475, 11.340, 44.505)},
    {"name": "Navile", "bbox": (11.320, 44.505, 11.380, 44.545)},
    {"name": "San Donato-San Vitale", "bbox": (11.355, 44.490, 11.420, 44.525)},
    {"name": "Savena", "bbox": (11.370, 44.455, 11.420, 44.490)},
    {"name": "Borgo Panigale-Reno", "bbox": (11.240, 44.485, 11.310, 44.530)},
)


PUBLIC = "r.is_public AND r.duplicate_of_id IS NULL"
OPEN = "('new', 'acknowledged', 'in_progress', 'suspended')"
BASELINE_SQL = [
    f"SELECT r.status IN {OPEN}, count(*) FROM cc_reports r WHERE {PUBLIC} {{extra}} GROUP BY 1",
    f"SELECT r.category_id, count(*), count(*) FILTER (WHERE r.status IN {OPEN}) FROM cc_reports r"
    f" WHERE {PUBLIC} {{extra}} GROUP BY 1",
    f"SELECT r.office_id, count(*), count(*) FILTER (WHERE r.status IN {OPEN}) FROM cc_reports r"
    f" WHERE {PUBLIC} {{extra}} GROUP BY 1",
    "SELECT percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY extract(epoch FROM r.acknowledged_at - r.received_at)),"
    " percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY extract(epoch FROM r.resolved_at - r.acknowledged_at))"
    f" FROM cc_reports r WHERE {PUBLIC} AND r.acknowledged_at IS NOT NULL {{extra}}",
    "SELECT count(*) FILTER (WHERE r.acknowledged_at <= r.ack_due_at), count(r.ack_due_at),"
    " count(*) FILTER (WHERE r.resolved_at <= r.resolve_due_at), count(r.resolve_due_at)"
    f" FROM cc_reports r WHERE {PUBLIC} {{extra}}",
    "SELECT width_bucket(extract(epoch FROM now() - r.received_at) / 86400, ARRAY[1, 7, 30, 90]), count(*)"
    f" FROM cc_reports r WHERE {PUBLIC} AND r.status IN {OPEN} GROUP BY 1",
    "SELECT date_trunc('month', r.created_at AT TIME ZONE 'Europe/Rome'), count(*) FROM cc_reports r"
    f" WHERE {PUBLIC} AND r.created_at >= now() - interval '12 months' GROUP BY 1",
    "SELECT date_trunc('month', r.resolved_at AT TIME ZONE 'Europe/Rome'), count(*) FROM cc_reports r"
    f" WHERE {PUBLIC} AND r.resolved_at >= now() - interval '12 months' GROUP BY 1",
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="cc_bench")
    parser.add_argument("--url", default=server_url(), help="the PostgreSQL server (any database on it)")
    parser.add_argument("--sqlite", help="a SpatiaLite file with demo data instead of PostgreSQL")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--live-runs", type=int, default=5, help="runs of the (slow) live baseline")
    parser.add_argument("--no-refresh", action="store_true", help="use the summary as it is")
    parser.add_argument(
        "--staff-live", action="store_true", help="also time the staff page in live mode (minutes at 10^6)"
    )
    args = parser.parse_args()

    if args.sqlite:
        url = f"sqlite:///{Path(args.sqlite).resolve()}"
        label = f"SpatiaLite {Path(args.sqlite).name}"
    else:
        url = make_url(args.url).set(database=args.database).render_as_string(hide_password=False)
        label = f"PostgreSQL {args.database}"
    app = bench_app(
        "citizencare_dashboard_bench",
        url,
        roles=["manager"],
        CITIZENCARE_DISTRICTS=DISTRICTS,
        CITIZENCARE_DASHBOARD_SOURCE="summary",
    )
    with app.app_context():
        session = state(app).db.session
        total = session.execute(state(app).db.text("SELECT count(*) FROM cc_reports")).scalar()
        category = session.execute(state(app).db.text("SELECT min(code) FROM cc_categories")).scalar()
        if not args.no_refresh:
            for kind in ("full", "incremental, nothing changed", "incremental, the last day's changes"):
                if kind.endswith("changes"):
                    # As if the previous run had been a day before the demo's last change.
                    last = session.scalar(sa.select(sa.func.max(Report.updated_at)))
                    session.execute(stats_state.update().values(as_of=last - timedelta(days=1)))
                start = perf_counter()
                result = refresh(
                    session, timezone=ZoneInfo("Europe/Rome"), districts=DISTRICTS, full=kind == "full"
                )
                session.commit()
                days = "all" if result.full else f"{result.days}"
                print(f"stats refresh ({kind}): {perf_counter() - start:.1f} s, {days} day(s) recomputed")
        rows = session.execute(state(app).db.text("SELECT count(*) FROM cc_stats_daily")).scalar()
        areas = session.execute(state(app).db.text("SELECT count(*) FROM cc_stats_areas")).scalar()
    print(f"summary: {rows:,} daily rows, {areas:,} area rows")

    client = app.test_client(user=BenchUser())
    scenarios = [
        ("public, all time", "/citizencare/dashboard", ""),
        (
            "public, last 12 months",
            "/citizencare/dashboard?period=12m",
            "AND r.created_at >= now() - interval '12 months'",
        ),
        (
            "public, 30 days, one category",
            f"/citizencare/dashboard?period=30d&category={category}",
            f"AND r.created_at >= now() - interval '30 days' AND r.category_id = "
            f"(SELECT id FROM cc_categories WHERE code = '{category}')",
        ),
        ("staff (manager), all time", "/citizencare/staff/dashboard", None),
    ]
    for _label, path, _extra in scenarios:
        response = client.get(path)
        assert response.status_code == 200, (
            path,
            response.status_code,
            response.get_data(as_text=True)[:300],
        )
    print(f"dashboard on {total:,} reports ({label}), {args.runs} runs each (live baseline {args.live_runs})")
    print(f"{'scenario':32} {'app p50':>8} {'app p95':>8} {'live p50':>9} {'live p95':>9} {'speed-up':>8}")
    live_app = bench_app(
        "citizencare_dashboard_bench",
        url,
        roles=["manager"],
        CITIZENCARE_DISTRICTS=DISTRICTS,
        CITIZENCARE_DASHBOARD_SOURCE="live",
    )
    live_client = live_app.test_client(user=BenchUser())
    connection = None
    if not args.sqlite:
        import psycopg

        connection = psycopg.connect(
            make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        )
    all_app: list[float] = []
    for name, path, extra in scenarios:
        app_times = timed(lambda path=path: client.get(path).close(), args.runs)
        all_app += app_times
        if connection is not None and extra is not None:

            def raw(extra: str = extra) -> None:
                with connection.cursor() as cur:
                    for sql in BASELINE_SQL:
                        cur.execute(sql.format(extra=extra))
                        cur.fetchall()

            live_times = timed(raw, args.live_runs, warmup=1)
        elif args.staff_live or connection is None:
            live_times = timed(lambda path=path: live_client.get(path).close(), args.live_runs, warmup=1)
        else:
            print(
                f"{name:32} {percentile(app_times, 0.5) * 1e3:8.1f} {percentile(app_times, 0.95) * 1e3:8.1f}"
                f" {'-':>9} {'-':>9} {'-':>8}"
            )
            continue
        print(
            f"{name:32} {percentile(app_times, 0.5) * 1e3:8.1f} {percentile(app_times, 0.95) * 1e3:8.1f}"
            f" {percentile(live_times, 0.5) * 1e3:9.1f} {percentile(live_times, 0.95) * 1e3:9.1f}"
            f" {percentile(live_times, 0.5) / percentile(app_times, 0.5):7.1f}x"
        )
    print(f"(milliseconds; mean app time over all runs {statistics.mean(all_app) * 1e3:.1f} ms;")
    baseline = "raw SQL of the live aggregates" if connection is not None else "the app in live mode"
    print(f" live = {baseline}; the staff row's live figure, if any, is the app in live mode)")
    if connection is not None:
        connection.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
