"""Time the triage queue (first page, its counts, a deep page) beside the raw SQL of the same queries.

Usage::

    python bench/load_demo.py 1000000 cc_bench          # once: 10^6 demo reports in PostGIS
    python bench/triage_queue.py [--database cc_bench] [--url URL] [--runs 50]

The database must hold demo data (bench/load_demo.py). Each scenario is timed
through the WSGI app (an operator logged in, the HTML page rendered, the
status counts included) and as raw SQL with psycopg: the same SELECT of the
page's rows and the same GROUP BY of the counts, without ORM or templates. The
ratio is what the app adds on top of the database.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import psycopg
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.timing import BenchUser, bench_app, percentile, server_url, timed
from flask_citizencare import state
from flask_citizencare.queries.triage_queue import decode_cursor
from flask_citizencare.services import sla

OPEN = "('new', 'acknowledged', 'in_progress', 'suspended')"
PAGE_SQL = (
    "SELECT r.*, c.code, o.name, s.display_name FROM cc_reports r JOIN cc_categories c ON c.id = r.category_id"
    " LEFT JOIN cc_offices o ON o.id = r.office_id LEFT JOIN cc_staff s ON s.id = r.assignee_id"
    f" WHERE r.status IN {OPEN} {{extra}}"
    " ORDER BY r.due_at NULLS LAST, r.id LIMIT 51"
)
# The app counts open statuses exactly and finished ones up to 10,000 (as flask_citizencare.queries.triage_queue does).
COUNT_SQL = f"SELECT status, count(*) FROM cc_reports r WHERE r.status IN {OPEN} {{extra}} GROUP BY status"
CAPPED_SQL = "SELECT count(*) FROM (SELECT r.id FROM cc_reports r WHERE r.status = %(finished)s {extra} LIMIT 10001) capped"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="cc_bench")
    parser.add_argument("--url", default=server_url(), help="the PostgreSQL server (any database on it)")
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()

    url = make_url(args.url).set(database=args.database)
    app = bench_app("citizencare_queue_bench", url.render_as_string(hide_password=False), roles=["operator"])
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    client = app.test_client(user=BenchUser())
    with app.app_context():
        total = state(app).db.session.execute(state(app).db.text("SELECT count(*) FROM cc_reports")).scalar()
        category_id = (
            state(app).db.session.execute(state(app).db.text("SELECT min(id) FROM cc_categories")).scalar()
        )
    now = datetime.now(UTC)
    with app.test_request_context():
        soon = sla.soon(now)

    first = client.get("/citizencare/staff/").get_data(as_text=True)
    assert 'name="report"' in first, first[:500]
    cursor = re.search(r'href="([^"]+)" rel="next"', first)
    deep = cursor.group(1).replace("&amp;", "&") if cursor else "/citizencare/staff/"
    after = parse_qs(urlsplit(deep).query).get("after", [""])[0]
    with app.test_request_context():  # cursors are signed with the app's key
        due, last_id = decode_cursor(after, ["due", "id"]) or (now, 0)

    scenarios = [
        ("open cases, first page + counts", "/citizencare/staff/", ""),
        (
            "one category, overdue",
            f"/citizencare/staff/?category={category_id}&sla=breached",
            f"AND r.category_id = {category_id} AND r.due_at < %(now)s",
        ),
        (
            "next page (keyset cursor)",
            deep,
            "AND (r.due_at > %(due)s OR (r.due_at = %(due)s AND r.id > %(id)s) OR r.due_at IS NULL)",
        ),
    ]
    print(f"triage queue on {total:,} reports (PostgreSQL + PostGIS), {args.runs} runs each")
    print(f"{'scenario':36} {'app p50':>8} {'app p95':>8} {'SQL p50':>8} {'SQL p95':>8} {'ratio p50':>9}")
    with psycopg.connect(dsn) as connection:
        for label, path, extra in scenarios:
            app_times = timed(lambda path=path: client.get(path).close(), args.runs)

            def raw(extra: str = extra) -> None:
                with connection.cursor() as cur:
                    params = {"now": now, "soon": soon, "due": due, "id": last_id}
                    cur.execute(PAGE_SQL.format(extra=extra), params)
                    cur.fetchall()
                    counted = "" if "%(due)s" in extra else extra  # the counts ignore the page position
                    cur.execute(COUNT_SQL.format(extra=counted), params)
                    cur.fetchall()
                    for finished in ("closed", "rejected", "resolved"):
                        cur.execute(CAPPED_SQL.format(extra=counted), {**params, "finished": finished})
                    cur.fetchall()

            sql_times = timed(raw, args.runs)
            print(
                f"{label:36} {percentile(app_times, 0.5) * 1e3:8.1f} {percentile(app_times, 0.95) * 1e3:8.1f}"
                f" {percentile(sql_times, 0.5) * 1e3:8.1f} {percentile(sql_times, 0.95) * 1e3:8.1f}"
                f" {percentile(app_times, 0.5) / percentile(sql_times, 0.5):9.1f}x"
            )
    print(f"(milliseconds; mean app time over all runs {statistics.mean(app_times) * 1e3:.1f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
