"""Time the open data exports (CSV, GeoJSON) of every public report, and their memory, beside a raw COPY.

Usage::

    python bench/load_demo.py 1000000 cc_bench          # once: 10^6 demo reports in PostGIS
    python bench/opendata_export.py [--database cc_bench --database cc_bench_1e5] [--sqlite FILE]
                                    [--url URL] [--runs 3]

Each export runs in a child process that streams ``/opendata/reports.csv`` or
``.geojson`` through the WSGI app (the Werkzeug test client, unbuffered) and
throws the bytes away as they come: time to first and last byte, bytes, rows
per second, and the growth of the process's peak resident memory during the
export (``VmHWM`` reset through ``/proc/self/clear_refs`` just before it,
compared with ``VmRSS`` at that moment). The target is a growth under 50 MB for
10^6 rows: memory must not depend on the number of rows.

The baseline, in the same run, is the database alone: ``COPY (SELECT the same
columns ...) TO STDOUT WITH CSV`` with psycopg on PostgreSQL, or the same
SELECT through the csv module on SpatiaLite.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from time import perf_counter
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1/postgres"
PATHS = {"csv": "/citizencare/opendata/reports.csv", "geojson": "/citizencare/opendata/reports.geojson"}
PUBLIC = "r.is_public AND r.duplicate_of_id IS NULL"
COLUMNS = (
    "r.public_id, r.kind, c.code, c.name, coalesce(r.public_title, r.title),"
    " coalesce(r.public_description, r.description), r.status, r.created_at, r.acknowledged_at,"
    " r.resolved_at, r.resolve_due_at, round(ST_Y(r.point)::numeric, 5), round(ST_X(r.point)::numeric, 5),"
    " r.address"
)
COPY_SQL = (
    f"COPY (SELECT {COLUMNS} FROM cc_reports r JOIN cc_categories c ON c.id = r.category_id"
    f" WHERE {PUBLIC} ORDER BY r.id) TO STDOUT WITH (FORMAT csv, HEADER)"
)
SQLITE_SQL = (
    "SELECT r.public_id, r.kind, c.code, c.name, coalesce(r.public_title, r.title),"
    " coalesce(r.public_description, r.description), r.status, r.created_at, r.acknowledged_at,"
    " r.resolved_at, r.resolve_due_at, round(ST_Y(r.point), 5), round(ST_X(r.point), 5), r.address"
    " FROM cc_reports r JOIN cc_categories c ON c.id = r.category_id"
    " WHERE r.is_public = 1 AND r.duplicate_of_id IS NULL ORDER BY r.id"
)


def memory_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def make_app(url: str) -> Any:
    from flask import Flask
    from flask_sqlalchemy import SQLAlchemy

    from flask_citizencare import CitizenCare

    app = Flask("citizencare_opendata_bench")
    app.config.update(SQLALCHEMY_DATABASE_URI=url, SECRET_KEY="benchmark-only-key")
    CitizenCare(app, db=SQLAlchemy())
    return app


def child(url: str, path: str) -> None:
    """One export in this process; prints a JSON line with the figures."""
    app = make_app(url)
    client = app.test_client()
    client.get(path + "?until=2000-01-01").close()  # warm up: imports, templates, first connection
    try:
        Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
        reset = True
    except OSError:
        reset = False
    before_rss = memory_kib("VmRSS")
    before_hwm = memory_kib("VmHWM")
    start = perf_counter()
    response = client.get(path, buffered=False)
    assert response.status_code == 200, response.status_code
    first = None
    size = 0
    for chunk in response.response:
        if first is None:
            first = perf_counter() - start
        size += len(chunk)
    response.close()
    elapsed = perf_counter() - start
    peak = memory_kib("VmHWM")
    growth = peak - (before_rss if reset else before_hwm)
    print(
        json.dumps({"seconds": elapsed, "first": first, "bytes": size, "growth_kib": growth, "reset": reset})
    )


def run_child(url: str, path: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", url, path], check=True, capture_output=True, text=True
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def baseline_postgres(dsn: str) -> tuple[float, int]:
    import psycopg

    start = perf_counter()
    size = 0
    with psycopg.connect(dsn) as connection, connection.cursor() as cursor:
        with cursor.copy(COPY_SQL) as copy:
            for data in copy:
                size += len(data)
    return perf_counter() - start, size


def baseline_sqlite(url: str) -> tuple[float, int]:
    from sqlalchemy import text

    app = make_app(url)  # the extension knows how to load SpatiaLite on this Python
    with app.app_context():
        engine = app.extensions["citizencare"].db.engine
        counter = _Counter()
        start = perf_counter()
        with engine.connect() as connection:
            writer = csv.writer(counter)
            result = connection.execute(text(SQLITE_SQL))
            for rows in result.partitions(1000):
                writer.writerows(rows)
        return perf_counter() - start, counter.size


class _Counter:
    size = 0

    def write(self, text: str) -> None:
        self.size += len(text.encode("utf-8"))


def public_count(url: str) -> int:
    import sqlalchemy as sa

    app = make_app(url)
    with app.app_context():
        session = app.extensions["citizencare"].db.session
        return int(
            session.execute(
                sa.text(
                    "SELECT count(*) FROM cc_reports r WHERE r.is_public = true AND r.duplicate_of_id IS NULL"
                )
            ).scalar()
            or 0
        )


def report(label: str, url: str, runs: int, baseline: Any) -> None:
    rows = public_count(url)
    print(f"\n{label}: {rows:,} public reports, {runs} run(s) each, median shown")
    print(
        f"{'export':10} {'last byte s':>11} {'first byte ms':>13} {'rows/s':>10} {'MB':>8} {'RSS growth MB':>13}"
    )
    for name, path in PATHS.items():
        results = [run_child(url, path) for _ in range(runs)]
        seconds = statistics.median(r["seconds"] for r in results)
        first = statistics.median(r["first"] or 0 for r in results)
        growth = max(r["growth_kib"] for r in results) / 1024
        size = results[-1]["bytes"] / 1e6
        print(
            f"{name:10} {seconds:11.2f} {first * 1e3:13.1f} {rows / seconds:10,.0f} {size:8.1f} {growth:13.1f}"
        )
    times, sizes = zip(*(baseline() for _ in range(runs)), strict=True)
    seconds = statistics.median(times)
    print(
        f"{'raw SQL':10} {seconds:11.2f} {'':>13} {rows / seconds:10,.0f} {sizes[-1] / 1e6:8.1f} {'':>13}"
        "   (database alone: same columns, CSV, no app)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--child", nargs=2, metavar=("URL", "PATH"), help=argparse.SUPPRESS)
    parser.add_argument("--database", action="append", help="PostgreSQL database(s); default cc_bench")
    parser.add_argument("--sqlite", action="append", default=[], help="SpatiaLite file(s) with demo data")
    parser.add_argument(
        "--url",
        default=os.environ.get("CITIZENCARE_BENCH_POSTGRES_URL")
        or os.environ.get("CITIZENCARE_TEST_POSTGRES_URL")
        or DEFAULT_URL,
    )
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return 0

    from sqlalchemy.engine import make_url

    for database in args.database or ([] if args.sqlite else ["cc_bench"]):
        url = make_url(args.url).set(database=database)
        dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        report(
            f"PostgreSQL + PostGIS, {database}",
            url.render_as_string(hide_password=False),
            args.runs,
            lambda dsn=dsn: baseline_postgres(dsn),
        )
    for file in args.sqlite:
        url = f"sqlite:///{Path(file).resolve()}"
        report(f"SpatiaLite, {Path(file).name}", url, args.runs, lambda url=url: baseline_sqlite(url))
    return 0


if __name__ == "__main__":
    sys.exit(main())
