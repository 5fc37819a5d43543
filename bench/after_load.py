"""The dashboard and the whole-city map right after a bulk load: without and with the refresh after it.

Usage::

    python bench/after_load.py [REPORTS] [DATABASE] [--url URL] [--runs 30] [--live-runs 3] [--after-only]

    REPORTS   how many demo reports (default 100000)
    DATABASE  name of the database to (re)create (default cc_bench_after_load); kept afterwards,
              with the example site's accounts, ready for bench/load_test.py

One load, two measurements. The database is created and migrated through the
example site (so the demo accounts can log in later), autovacuum is switched
off on the loaded tables (it would otherwise catch up in the middle of the
baseline), and the demo reports are loaded *without* the refresh after a bulk
load: the old behaviour. Right then:

- the public dashboard as ``auto`` answered before (live aggregation, since no
  summary exists), and as it answers now (no summary on a large table: the
  "being prepared" page);
- the whole-city map (clusters from the cells plus the overdue count's
  index-only scan).

Then :func:`flask_citizencare.queries.bulk_load.refresh_after_bulk_load` (timed),
autovacuum back on, and the same requests again: the dashboard now from the
summary. Requests go through the WSGI app (Flask test client), the HTML or
JSON rendered whole.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from time import perf_counter
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy.engine import make_url

from bench.load_demo import recreate_database
from bench.public_map import CITY
from bench.timing import percentile, server_url, timed
from example_site import create_app
from flask_citizencare.database import migrate
from flask_citizencare.demo import load_demo
from flask_citizencare.queries.bulk_load import BULK_TABLES, refresh_after_bulk_load

PREFIX = "/segnalazioni"
DASHBOARD = f"{PREFIX}/dashboard"
CITY_MAP = f"{PREFIX}/api/reports.geojson?bbox={','.join(map(str, CITY))}"


def table_state(engine: Any) -> str:
    with engine.connect() as connection:
        row = connection.exec_driver_sql(
            "SELECT n_live_tup, n_mod_since_analyze, last_analyze, last_autoanalyze, last_vacuum,"
            " last_autovacuum FROM pg_stat_user_tables WHERE relname = 'cc_reports'"
        ).one()
    names = ("n_live_tup", "n_mod_since_analyze", "last_analyze", "last_autoanalyze", "last_vacuum")
    return ", ".join(f"{name}={value}" for name, value in zip((*names, "last_autovacuum"), row, strict=True))


def autovacuum(engine: Any, on: bool) -> None:
    with engine.begin() as connection:
        for table in BULK_TABLES:
            if on:
                connection.exec_driver_sql(f"ALTER TABLE {table} RESET (autovacuum_enabled)")
            else:
                connection.exec_driver_sql(f"ALTER TABLE {table} SET (autovacuum_enabled = false)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("reports", nargs="?", type=int, default=100_000)
    parser.add_argument("database", nargs="?", default="cc_bench_after_load")
    parser.add_argument("--url", default=server_url(), help="the PostgreSQL server (any database on it)")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--live-runs", type=int, default=3, help="runs of the (slow) live dashboard")
    parser.add_argument(
        "--after-only", action="store_true", help="no load: time the refreshed state of DATABASE again"
    )
    args = parser.parse_args(argv)

    if args.after_only:
        database_url = make_url(args.url).set(database=args.database).render_as_string(hide_password=False)
    else:
        database_url = recreate_database(args.url, args.database)
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "bench-after-load"})
    client = app.test_client()
    with app.app_context():
        engine = app.extensions["citizencare"].db.engine
    results: list[tuple[str, str, list[float]]] = []

    def get(path: str, expect: bytes) -> Callable[[], None]:
        def fn() -> None:
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            assert expect in response.get_data(), (path, expect)

        return fn

    def measure(moment: str, name: str, fn: Callable[[], None], runs: int, warmup: int = 1) -> None:
        times = timed(fn, runs, warmup=warmup)
        results.append((moment, name, times))
        print(
            f"  {moment}, {name}: p50 {percentile(times, 0.5) * 1e3:,.1f} ms,"
            f" p95 {percentile(times, 0.95) * 1e3:,.1f} ms ({runs} runs)",
            flush=True,
        )

    # Requests run outside this script's own app context, each in its own, as in a server.
    refresh_seconds = None
    if not args.after_only:
        with app.app_context():
            migrate.upgrade(app)
            autovacuum(engine, on=False)
            started = perf_counter()
            summary = load_demo(args.reports, refresh=False)
        print(f"loaded {summary.added:,} reports without the refresh in {perf_counter() - started:.1f} s")
        print(f"cc_reports: {table_state(engine)}")

        moment = "right after the load, no refresh"
        app.config["CITIZENCARE_DASHBOARD_SOURCE"] = "live"  # what "auto" did before any refresh
        measure(moment, "dashboard, live (the old 'auto')", get(DASHBOARD, b"cc-dashboard"), args.live_runs)
        app.config["CITIZENCARE_DASHBOARD_SOURCE"] = "auto"
        measure(moment, "dashboard, 'auto' now (being prepared)", get(DASHBOARD, b"cc-dashboard"), args.runs)
        measure(moment, "whole-city map", get(CITY_MAP, b'"clustered":'), args.runs, warmup=3)
        print(f"cc_reports: {table_state(engine)}")

        with app.app_context():
            started = perf_counter()
            after = refresh_after_bulk_load(
                app.extensions["citizencare"].db.session,
                timezone=ZoneInfo(app.config["CITIZENCARE_TIMEZONE"]),
                districts=app.config["CITIZENCARE_DISTRICTS"],
            )
            refresh_seconds = perf_counter() - started
            autovacuum(engine, on=True)
        print(f"refresh_after_bulk_load: {refresh_seconds:.1f} s ({after.summary.rows:,} summary rows)")
    print(f"cc_reports: {table_state(engine)}")

    moment = "after refresh_after_bulk_load"
    measure(moment, "dashboard, 'auto' (summary)", get(DASHBOARD, b"cc-dashboard"), args.runs, warmup=3)
    measure(moment, "whole-city map", get(CITY_MAP, b'"clustered":'), args.runs, warmup=3)
    with engine.connect() as connection:
        total = connection.exec_driver_sql("SELECT count(*) FROM cc_reports").scalar_one()
    engine.dispose()

    print()
    print(f"| moment | request | p50 | p95 |  ({total:,} reports, {args.database})")
    print("|---|---|---:|---:|")
    for moment, name, times in results:
        print(
            f"| {moment} | {name} | {percentile(times, 0.5) * 1e3:,.1f} ms | {percentile(times, 0.95) * 1e3:,.1f} ms |"
        )
    if refresh_seconds is not None:
        print(f"refresh_after_bulk_load: {refresh_seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
