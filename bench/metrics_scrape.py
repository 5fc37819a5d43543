"""Time a Prometheus scrape of ``/citizencare/metrics`` beside the raw SQL of the same gauges.

Usage::

    python bench/metrics_scrape.py [--reports 100000] [--mails-per-report 3] [--database cc_bench_metrics]
                                   [--url URL] [--runs 50]

The database is loaded with ``--reports`` demo reports (``bench/load_demo.py``'s
loader) unless it holds them already, and the outbox with
``--mails-per-report`` mails per report as a site that has run for years has
it: almost all sent, a few hundred waiting, some dead. Then VACUUM ANALYZE.

A scrape reads the database at every call (the gauges are computed at scrape
time, nothing is cached in the process), so its cost grows with what it
counts: Prometheus asks every 15 to 60 seconds, and the scrape must stay a
small fraction of that. Timed through the WSGI app (Flask test client from
loopback: access check, the request histogram, the four queries, the text
exposition) and as the same four queries on psycopg's own connection,
interleaved in the same run after warm-up.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.load_demo import recreate_database
from bench.timing import bench_app, interleaved, percentile, server_url
from flask_citizencare import state
from flask_citizencare.database import migrate
from flask_citizencare.demo import load_demo

SCRAPE = "/citizencare/metrics"
OPEN = "('new', 'acknowledged', 'in_progress', 'suspended')"
#: The gauges' queries as a hand-written monitoring script would send them.
QUERIES = (
    "SELECT state, count(*), min(created_at) FROM cc_outbox WHERE state IN ('pending', 'dead') GROUP BY state",
    f"SELECT status, count(*) FROM cc_reports WHERE status IN {OPEN} GROUP BY status",
    f"SELECT level, count(*) FROM cc_reports WHERE status IN {OPEN} AND due_at IS NOT NULL"
    " AND due_at < %(now)s GROUP BY level",
    "SELECT name, last_started_at, last_succeeded_at, last_failed_at FROM cc_job_runs",
)
#: The outbox of a site that has run for years: sent mails, some waiting, a few dead.
OUTBOX = """
INSERT INTO cc_outbox (message_id, report_id, template, recipient, locale, subject, body_text, headers,
                       state, attempts, created_at, next_attempt_at, sent_at)
SELECT 'bench-' || r.id || '-' || n || '@example.org', r.id, 'received', 'bench@example.org', 'it',
       'Segnalazione ricevuta', 'testo', '{}',
       CASE WHEN r.id %% 997 = 0 AND n = 1 THEN 'pending' WHEN r.id %% 4999 = 0 AND n = 1 THEN 'dead'
            ELSE 'sent' END,
       1, r.received_at, r.received_at, r.received_at
FROM cc_reports r CROSS JOIN generate_series(1, %(per_report)s) AS n
"""


def ensure_loaded(url: str, database: str, reports: int, per_report: int) -> str:
    """The database's URL, loaded with ``reports`` demo reports and their mails unless it holds them."""
    database_url = make_url(url).set(database=database).render_as_string(hide_password=False)
    try:
        engine = sa.create_engine(database_url)
        with engine.connect() as connection:
            count = connection.exec_driver_sql("SELECT count(*) FROM cc_reports").scalar()
            mails = connection.exec_driver_sql("SELECT count(*) FROM cc_outbox").scalar()
        engine.dispose()
    except sa.exc.SQLAlchemyError:
        count = mails = None
    if count == reports and mails is not None and mails >= reports * per_report:
        app = bench_app("citizencare_metrics_load", database_url)
        migrate.upgrade(app)
        with app.app_context():
            state(app).db.engine.dispose()
        return database_url
    print(f"loading {reports:,} demo reports and {reports * per_report:,} mails into {database} ...")
    database_url = recreate_database(url, database)
    app = bench_app("citizencare_metrics_load", database_url)
    migrate.upgrade(app)
    with app.app_context():
        summary = load_demo(reports, 1, now=datetime.now(UTC) - timedelta(days=1))
        print(f"loaded {summary.added:,} reports in {summary.seconds:.0f} s")
        engine = state(app).db.engine
        raw = engine.raw_connection()
        cursor = raw.cursor()
        cursor.execute(OUTBOX, {"per_report": per_report})
        raw.commit()
        raw.close()
        engine.dispose()
    return database_url


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--mails-per-report", type=int, default=3)
    parser.add_argument("--database", default="cc_bench_metrics")
    parser.add_argument("--url", default=server_url(), help="the PostgreSQL server (any database on it)")
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()

    url = ensure_loaded(args.url, args.database, args.reports, args.mails_per_report)
    app = bench_app("citizencare_metrics_bench", url)
    client = app.test_client()
    with app.app_context():
        engine = state(app).db.engine
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
            reports = connection.exec_driver_sql("SELECT count(*) FROM cc_reports").scalar()
            mails = connection.exec_driver_sql("SELECT count(*) FROM cc_outbox").scalar()
            opened = connection.exec_driver_sql(
                f"SELECT count(*) FROM cc_reports WHERE status IN {OPEN}"
            ).scalar()
        raw = engine.raw_connection()

    def run_sql() -> None:
        cursor = raw.cursor()
        for sql in QUERIES:
            cursor.execute(sql, {"now": datetime.now(UTC)})
            cursor.fetchall()
        cursor.close()

    def scrape() -> None:
        response = client.get(SCRAPE)
        assert response.status_code == 200, response.status_code
        assert b"citizencare_database_up 1.0" in response.data
        response.close()

    print(
        f"Prometheus scrape on {reports:,} reports ({opened:,} open) and {mails:,} outbox mails "
        f"(PostgreSQL + PostGIS), {args.runs} runs after warm-up"
    )
    print(f"{'case':24} {'p50 ms':>8} {'p95 ms':>8}")
    cases: dict[str, Callable[[], None]] = {"scrape (app)": scrape, "raw SQL": run_sql}
    times = interleaved(cases, args.runs)
    for name, values in times.items():
        print(f"{name:24} {percentile(values, 0.5) * 1e3:8.1f} {percentile(values, 0.95) * 1e3:8.1f}")
    app_times, sql_times = times["scrape (app)"], times["raw SQL"]
    print(
        f"{'':4}app / raw SQL: p50 {percentile(app_times, 0.5) / percentile(sql_times, 0.5):.2f}x,"
        f" p95 {percentile(app_times, 0.95) / percentile(sql_times, 0.95):.2f}x"
    )
    raw.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
