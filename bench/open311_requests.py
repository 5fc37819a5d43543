"""Time Open311's ``GET requests.json`` (a neighbourhood's box, the default 90 days) beside raw SQL.

Usage::

    python bench/open311_requests.py [--reports 1000000] [--database cc_bench] [--url URL] [--runs 50]

When the database does not hold ``--reports`` reports it is (re)created and
loaded with the demo data (``bench/load_demo.py``'s loader, which ends with
VACUUM ANALYZE); in any case it is migrated to the head (a new index) and
VACUUM ANALYZE runs again before timing (index-only scans need the
visibility map).

Scenarios, timed through the WSGI app (Flask test client: parameter parsing,
the three queries, the items, JSON, ETag) and as raw SQL on psycopg's own
connection, interleaved in the same run after warm-up:

- neighbourhood: a 0.005° × 0.005° box in the centre (about 400 × 550 m),
  default window (the last 90 days), first 1,000 newest;
- default: no filter, the last 90 days, first 1,000 newest.

Baseline: the same rows by the same index and order (the page's ids first, from
the covering index, then every column the items carry, category and office
joined), then the page's public photos and its newest public messages, fetched
as tuples. The app writes the same fields as JSON in PostgreSQL.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.load_demo import recreate_database
from bench.timing import bench_app, interleaved, percentile, server_url
from flask_citizencare import state
from flask_citizencare.database import migrate
from flask_citizencare.demo import load_demo

NEIGHBOURHOOD = (11.340, 44.490, 11.345, 44.495)
API = "/citizencare/open311/v2/requests.json"
PUBLIC = "r.is_public IS true AND r.duplicate_of_id IS NULL"


def rows_sql(box: tuple[float, float, float, float] | None) -> str:
    where = PUBLIC + " AND r.received_at >= %(start)s AND r.received_at <= %(end)s"
    if box is not None:
        where += " AND r.point && ST_MakeEnvelope({}, {}, {}, {}, 4326)".format(*box)
    page = f"SELECT r.id, r.received_at FROM cc_reports r WHERE {where} ORDER BY r.received_at DESC, r.id DESC LIMIT 1000"
    return (
        "SELECT r.id, r.public_id, r.kind, r.status, r.description, r.public_description, r.address,"
        " r.received_at, r.updated_at, r.resolve_due_at, r.answered_at, r.supports_count,"
        " r.duplicates_count, o.name, ST_X(r.point), ST_Y(r.point), c.id, c.code, c.name, c.names,"
        " c.urgent_notice, c.urgent_notices"
        f" FROM ({page}) p JOIN cc_reports r ON r.id = p.id JOIN cc_categories c ON c.id = r.category_id"
        " LEFT JOIN cc_offices o ON o.id = r.office_id"
        " ORDER BY p.received_at DESC, p.id DESC"
    )


PHOTOS = (
    "SELECT report_id, storage_key FROM cc_photos WHERE report_id = ANY(%(ids)s)"
    " AND hidden IS false AND message_id IS NULL ORDER BY report_id, position, id"
)
MESSAGES = (
    "SELECT report_id, body FROM (SELECT report_id, body, row_number() OVER (PARTITION BY report_id"
    " ORDER BY created_at DESC, id DESC) AS rank FROM cc_messages"
    " WHERE report_id = ANY(%(ids)s) AND visibility = 'public') m WHERE rank = 1"
)


def ensure_loaded(url: str, database: str, reports: int) -> str:
    """The database's URL, loaded with ``reports`` demo reports unless it already holds them."""
    database_url = make_url(url).set(database=database).render_as_string(hide_password=False)
    try:
        engine = sa.create_engine(database_url)
        with engine.connect() as connection:
            count = connection.exec_driver_sql("SELECT count(*) FROM cc_reports").scalar()
        engine.dispose()
    except sa.exc.SQLAlchemyError:
        count = None
    if count == reports:
        app = bench_app("citizencare_open311_load", database_url)
        migrate.upgrade(app)
        with app.app_context():
            state(app).db.engine.dispose()
        return database_url
    print(f"loading {reports:,} demo reports into {database} ...")
    database_url = recreate_database(url, database)
    app = bench_app("citizencare_open311_load", database_url)
    migrate.upgrade(app)
    with app.app_context():
        summary = load_demo(reports, 1, now=datetime.now(UTC) - timedelta(days=1))
        print(f"loaded {summary.added:,} reports in {summary.seconds:.0f} s")
        state(app).db.engine.dispose()
    return database_url


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--database", default="cc_bench")
    parser.add_argument("--url", default=server_url(), help="the PostgreSQL server (any database on it)")
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()

    url = ensure_loaded(args.url, args.database, args.reports)
    app = bench_app("citizencare_open311_bench", url, CITIZENCARE_RATELIMIT_ENABLED=False)
    client = app.test_client()
    with app.app_context():
        engine = state(app).db.engine
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
            total = connection.exec_driver_sql("SELECT count(*) FROM cc_reports").scalar()
        raw = engine.raw_connection()

    def run_sql(box: tuple[float, float, float, float] | None) -> Callable[[], None]:
        def fn() -> None:
            end = datetime.now(UTC)
            cursor = raw.cursor()
            cursor.execute(rows_sql(box), {"start": end - timedelta(days=90), "end": end})
            ids = [row[0] for row in cursor.fetchall()]
            for sql in (PHOTOS, MESSAGES):
                cursor.execute(sql, {"ids": ids})
                cursor.fetchall()
            cursor.close()

        return fn

    def request(path: str) -> Callable[[], None]:
        def fn() -> None:
            response = client.get(path)
            assert response.status_code == 200, response.get_data(as_text=True)[:300]
            response.close()

        return fn

    near = f"{API}?bbox={','.join(map(str, NEIGHBOURHOOD))}"
    counts = {path: len(client.get(path).get_json()) for path in (near, API)}
    print(
        f"Open311 requests.json on {total:,} reports (PostgreSQL + PostGIS), {args.runs} runs after warm-up"
    )
    print(f"{'case':40} {'items':>6} {'p50 ms':>8} {'p95 ms':>8}")
    cases: list[tuple[str, str, Any]] = [
        ("neighbourhood bbox, 90 days", near, NEIGHBOURHOOD),
        ("default (90 days)", API, None),
    ]
    for title, path, box in cases:
        times = interleaved({"app": request(path), "raw SQL": run_sql(box)}, args.runs)
        for name, values in times.items():
            print(
                f"{title + ': ' + name:40} {counts[path]:6} "
                f"{percentile(values, 0.5) * 1e3:8.1f} {percentile(values, 0.95) * 1e3:8.1f}"
            )
        app_times, sql_times = times["app"], times["raw SQL"]
        print(
            f"{'':4}app / raw SQL: p50 {percentile(app_times, 0.5) / percentile(sql_times, 0.5):.2f}x,"
            f" p95 {percentile(app_times, 0.95) / percentile(sql_times, 0.95):.2f}x"
        )
    raw.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
