"""Time the map page's server-rendered list (the page without JavaScript) beside the raw SQL of its query.

Usage::

    python bench/load_demo.py 1000000 cc_bench          # once: 10^6 demo reports in PostGIS
    python bench/map_page.py [--database cc_bench] [--url URL] [--runs 30]
    python bench/map_page.py --sqlite demo.sqlite       # a SpatiaLite file made by `flask citizencare demo-data`

Each scenario is timed through the WSGI app (Flask test client: filter parsing,
the page query, the template with its filter form and 25 list items) and as
the same SELECT run on psycopg's own connection (compiled from
``listed_query``, fetched as tuples), interleaved in one run after warm-up.
The ratio is what Flask, the ORM rows and the template add on top of the
database. On SpatiaLite the baseline is the same statement executed through
SQLAlchemy Core on the app's engine (SpatiaLite loaded, dates bound the way
the column type stores them), so it includes SQLAlchemy's small execution cost.
"""

from __future__ import annotations

import argparse
import html
import re
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from time import perf_counter
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import psycopg
from flask import Flask
from sqlalchemy.engine import make_url
from werkzeug.datastructures import MultiDict

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.timing import bench_app, percentile, server_url
from flask_citizencare import state
from flask_citizencare.domain.geo import Area
from flask_citizencare.queries.filters import parse_public_filter
from flask_citizencare.queries.listing import PAGE_SIZE, decode_cursor, listed_query

PAGE = "/citizencare/map"
AREA = (11.23, 44.42, 11.43, 44.56)


def next_link(page: str) -> str | None:
    match = re.search(r'<a href="([^"]+)" rel="next">', page)
    return html.unescape(match.group(1)) if match else None


def page_query(app: Flask, url: str) -> Any:
    """The page's SELECT for ``url``."""
    args = MultiDict(parse_qs(urlsplit(url).query))
    with app.test_request_context(url):
        session = state(app).db.session
        codes = [c for (c,) in session.execute(state(app).db.text("SELECT code FROM cc_categories"))]
        public_filter = parse_public_filter(args, area=Area.from_setting(AREA), category_codes=codes)
        return listed_query(
            session, public_filter, decode_cursor(args.get("cursor")), datetime.now(UTC), PAGE_SIZE
        )


def compiled_sql(app: Flask, url: str) -> tuple[str, dict[str, Any]]:
    """The page's SELECT for ``url``, as SQL text and parameters for psycopg."""
    query = page_query(app, url)
    with app.app_context():
        dialect = state(app).db.engine.dialect
        compiled = query.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
        return str(compiled), dict(compiled.params)


def psycopg_runner(connection: Any, sql: str, params: dict[str, Any]) -> Callable[[], object]:
    return lambda: connection.execute(sql, params).fetchall()


def core_runner(connection: Any, query: Any) -> Callable[[], object]:
    return lambda: connection.execute(query).all()


def measure(
    app: Flask,
    client: Any,
    scenarios: list[tuple[str, str]],
    runs: int,
    runner: Callable[[str], Callable[[], object]],
) -> None:
    for name, page_url in scenarios:
        baseline = runner(page_url)
        response = client.get(page_url)
        assert response.status_code == 200, (page_url, response.status_code)
        rows = len(re.findall(r'class="cc-report-list__id"', response.get_data(as_text=True)))
        app_times: list[float] = []
        sql_times: list[float] = []
        for run in range(runs + 3):
            start = perf_counter()
            client.get(page_url).close()
            app_time = perf_counter() - start
            start = perf_counter()
            baseline()
            sql_time = perf_counter() - start
            if run >= 3:
                app_times.append(app_time)
                sql_times.append(sql_time)
        app50, sql50 = percentile(app_times, 0.5), percentile(sql_times, 0.5)
        print(
            f"{name:30} {rows:>5} {app50 * 1000:>6.1f}ms {percentile(app_times, 0.95) * 1000:>6.1f}ms"
            f" {sql50 * 1000:>6.1f}ms {percentile(sql_times, 0.95) * 1000:>6.1f}ms {app50 / sql50:>6.2f}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="cc_bench")
    parser.add_argument("--url", default=server_url(), help="the PostgreSQL server (any database on it)")
    parser.add_argument("--sqlite", help="a SpatiaLite file instead of PostgreSQL")
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    if args.sqlite:
        app = bench_app(
            "citizencare_map_bench", f"sqlite:///{Path(args.sqlite).resolve()}", CITIZENCARE_AREA=AREA
        )
        label = "SQLite + SpatiaLite"
    else:
        url = make_url(args.url).set(database=args.database)
        app = bench_app(
            "citizencare_map_bench", url.render_as_string(hide_password=False), CITIZENCARE_AREA=AREA
        )
        dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        label = "PostgreSQL + PostGIS"
    client = app.test_client()
    with app.app_context():
        db = state(app).db
        total = db.session.execute(db.text("SELECT count(*) FROM cc_reports")).scalar()
        busiest = db.session.execute(
            db.text(
                "SELECT c.code FROM cc_reports r JOIN cc_categories c ON c.id = r.category_id"
                " GROUP BY c.code ORDER BY count(*) DESC LIMIT 1"
            )
        ).scalar()
    month_ago = datetime.now(ZoneInfo("Europe/Rome")).date().replace(day=1).isoformat()

    deep: str | None = PAGE
    for _ in range(19):  # page 20, following the "older reports" links like a visitor would
        assert deep is not None
        deep = next_link(client.get(deep).get_data(as_text=True))
    assert deep is not None

    scenarios = [
        ("newest, no filter", PAGE),
        ("open, busiest category", f"{PAGE}?group=open&category={busiest}"),
        ("neighbourhood bbox, open", f"{PAGE}?bbox=11.340,44.490,11.345,44.495&group=open"),
        ("edge-of-town bbox, open", f"{PAGE}?bbox=11.230,44.420,11.235,44.425&group=open"),
        ("since the 1st of the month", f"{PAGE}?since={month_ago}"),
        ("page 20 (keyset cursor)", deep),
        ("proposals with photos", f"{PAGE}?kind=proposal&has_photo=true"),
    ]
    print(f"map page list on {total:,} reports ({label}), {args.runs} runs each")
    print(
        f"{'scenario':30} {'rows':>5} {'app p50':>8} {'app p95':>8} {'SQL p50':>8} {'SQL p95':>8} {'ratio':>6}"
    )
    if args.sqlite:
        with app.app_context(), state(app).db.engine.connect() as core:
            measure(app, client, scenarios, args.runs, lambda url: core_runner(core, page_query(app, url)))
    else:
        # No server-side prepared statements: a generic plan for a bbox query can be far worse than the
        # custom plan the app gets, which would flatter the app.
        with psycopg.connect(dsn, prepare_threshold=None) as connection:
            measure(
                app,
                client,
                scenarios,
                args.runs,
                lambda url: psycopg_runner(connection, *compiled_sql(app, url)),
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
