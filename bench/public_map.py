"""Time ``/api/reports.geojson`` (a neighbourhood's points, the whole city's clusters) beside raw SQL.

Usage::

    python bench/load_demo.py 1000000 cc_bench          # once: 10^6 demo reports in PostGIS
    python bench/public_map.py [--database cc_bench] [--url URL] [--runs 50]
    python bench/public_map.py --sqlite demo.sqlite      # a SpatiaLite file made by `flask citizencare demo-data`

Scenarios, each timed through the WSGI app (Flask test client, full request:
filter parsing, SQL, JSON, ETag, gzip when asked) and as raw SQL on the
database driver's own connection (psycopg / sqlite3), interleaved in the same
run after warm-up:

- neighbourhood: a 0.005° × 0.005° box in the centre (about 400 × 550 m) with
  ``group=open`` and ``limit=2000``, which holds ~1.5k public reports in the
  10^6 demo data. Baseline: the same rows, same index scan and order, with
  ``ST_AsGeoJSON``, the plain columns and the first public photo's thumbnail
  key (every field the answer carries), fetched as tuples (no JSON document).
  For reference, the app's own feature query replayed alone (the JSON
  features built in SQL), to tell the database's share from Python's.
- whole city, clustered: the demo area's bbox at its default zoom, answered
  from the cluster cells (``cc_map_cells``, kept by triggers) plus the live
  count of overdue reports. Baseline: the same two queries (cells of the
  stored level summed per cell; overdue per cell). For reference, the live
  GROUP BY over every public report that the cells replace.
"""

from __future__ import annotations

import argparse
import gzip
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.timing import bench_app, interleaved, percentile, server_url
from flask_citizencare import state
from flask_citizencare.queries.geojson import cell_size, zoom_for
from flask_citizencare.queries.map_cells import LEVELS, cell_range

NEIGHBOURHOOD = (11.340, 44.490, 11.345, 44.495)
CITY = (11.23, 44.42, 11.43, 44.56)
OPEN = "('acknowledged', 'in_progress', 'new', 'suspended')"
#: As the app writes it (``IS true``), so the same partial indexes apply.
PUBLIC = "r.is_public IS true AND r.duplicate_of_id IS NULL AND r.point IS NOT NULL"


def box_condition(postgres: bool, box: tuple[float, float, float, float]) -> str:
    if postgres:
        return "r.point && ST_MakeEnvelope({}, {}, {}, {}, 4326)".format(*box)
    return (
        "r.id IN (SELECT pkid FROM idx_cc_reports_point WHERE xmax >= {0} AND xmin <= {2}"
        " AND ymax >= {1} AND ymin <= {3})".format(*box)
    )


def points_sql(postgres: bool, box: tuple[float, float, float, float], open_only: bool) -> str:
    geojson = "ST_AsGeoJSON(r.point, 7)" if postgres else "AsGeoJSON(r.point, 7)"
    return (
        f"SELECT r.public_id, {geojson}, r.kind, c.code, c.name, coalesce(r.public_title, r.title), r.status,"
        " r.created_at, r.updated_at, r.resolved_at, coalesce(r.resolve_due_at, r.due_at), r.due_at,"
        # The first public photo's thumbnail: a field of the answer, so the baseline fetches it too.
        " (SELECT p.thumbnail_key FROM cc_photos p WHERE p.report_id = r.id AND NOT p.hidden"
        " AND p.message_id IS NULL ORDER BY p.position, p.id LIMIT 1)"
        " FROM cc_reports r JOIN cc_categories c ON c.id = r.category_id"
        f" WHERE {PUBLIC} AND {box_condition(postgres, box)}"
        + (f" AND r.status IN {OPEN}" if open_only else "")
        + " ORDER BY r.created_at DESC, r.id DESC LIMIT 2001"
    )


def clusters_sql(postgres: bool, cell: float) -> str:
    """The live aggregation the cells replace (every public report of the city)."""
    statuses = ", ".join(
        f"sum(CASE WHEN r.status = '{s}' THEN 1 ELSE 0 END)"
        for s in ("new", "acknowledged", "in_progress", "suspended", "resolved", "closed", "rejected")
    )
    return (
        f"SELECT floor((ST_X(r.point) + 180) / {cell}), floor((ST_Y(r.point) + 90) / {cell}), count(*),"
        " sum(ST_X(r.point)), sum(ST_Y(r.point)),"
        f" sum(CASE WHEN r.due_at < CURRENT_TIMESTAMP THEN 1 ELSE 0 END), {statuses}"
        f" FROM cc_reports r WHERE {PUBLIC} AND {box_condition(postgres, CITY)} GROUP BY 1, 2"
    )


def cells_sql(postgres: bool, zoom: int) -> list[str]:
    """What the app sends for the clustered city: the cells, then the overdue reports per cell."""
    level = min(stored for stored in LEVELS if stored >= zoom)
    factor = 2 ** (level - zoom)
    cell = cell_size(zoom)
    (x0, x1), (y0, y1) = cell_range(CITY[0], CITY[2], 180, zoom), cell_range(CITY[1], CITY[3], 90, zoom)
    cells = (
        f"SELECT cx / {factor}, cy / {factor}, status, sum(n), sum(sum_x), sum(sum_y) FROM cc_map_cells"
        f" WHERE level = {level} AND cx BETWEEN {x0 * factor} AND {(x1 + 1) * factor - 1}"
        f" AND cy BETWEEN {y0 * factor} AND {(y1 + 1) * factor - 1} GROUP BY 1, 2, 3"
    )
    box = (x0 * cell - 180, y0 * cell - 90, (x1 + 1) * cell - 180, (y1 + 1) * cell - 90)
    # As the app: SpatiaLite compares the coordinates (the R*Tree would list the whole city first).
    in_box = (
        box_condition(postgres, box)
        if postgres
        else "ST_X(r.point) BETWEEN {0} AND {2} AND ST_Y(r.point) BETWEEN {1} AND {3}".format(*box)
    )
    overdue = (
        f"SELECT floor((ST_X(r.point) + 180) / {cell}), floor((ST_Y(r.point) + 90) / {cell}), count(*)"
        f" FROM cc_reports r WHERE {PUBLIC} AND {in_box}"
        " AND r.due_at IS NOT NULL AND r.due_at < CURRENT_TIMESTAMP GROUP BY 1, 2"
    )
    return [cells, overdue]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="cc_bench")
    parser.add_argument("--url", default=server_url(), help="the PostgreSQL server (any database on it)")
    parser.add_argument("--sqlite", help="a SpatiaLite file instead of PostgreSQL")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument(
        "--near-bbox",
        default=",".join(map(str, NEIGHBOURHOOD)),
        help="the neighbourhood: pick one that holds 1-2k reports in the data at hand",
    )
    parser.add_argument("--all-statuses", action="store_true", help="neighbourhood without group=open")
    args = parser.parse_args()

    if args.sqlite:
        url = f"sqlite:///{Path(args.sqlite).resolve()}"
        label = "SQLite + SpatiaLite"
    else:
        url = make_url(args.url).set(database=args.database).render_as_string(hide_password=False)
        label = "PostgreSQL + PostGIS"
    postgres = not args.sqlite
    app = bench_app("citizencare_map_bench", url)
    client = app.test_client()
    with app.app_context():
        engine = state(app).db.engine
        raw = engine.raw_connection()  # psycopg's / sqlite3's own connection, SpatiaLite loaded
        with engine.connect() as connection:
            total = connection.exec_driver_sql("SELECT count(*) FROM cc_reports").scalar()

    def run_sql(*sqls: str) -> Callable[[], None]:
        def fn() -> None:
            cursor = raw.cursor()
            for sql in sqls:
                cursor.execute(sql)
                cursor.fetchall()
            cursor.close()

        return fn

    def request(test_client: Any, path: str, encoding: str) -> Callable[[], None]:
        def fn() -> None:
            response = test_client.get(path, headers={"Accept-Encoding": encoding})
            assert response.status_code == 200, response.get_data(as_text=True)[:300]
            response.close()

        return fn

    api = "/citizencare/api/reports.geojson"
    west, south, east, north = (float(v) for v in args.near_bbox.split(","))
    near_box, near_open = (west, south, east, north), not args.all_statuses
    near = f"{api}?bbox={args.near_bbox}&limit=2000" + ("" if args.all_statuses else "&group=open")
    city = f"{api}?bbox={','.join(map(str, CITY))}"
    statements: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        statements.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", capture)
    near_body = client.get(near, headers={"Accept-Encoding": "identity"}).get_data()
    sa.event.remove(engine, "before_cursor_execute", capture)
    # The app's own feature query (the one that builds the JSON), replayed on the driver's connection.
    app_sql = next((sql, params) for sql, params in statements if "Feature" in sql)

    def run_app_sql() -> None:
        cursor = raw.cursor()
        cursor.execute(*app_sql)
        cursor.fetchall()
        cursor.close()

    near_count = near_body.count(b'"type" : "Feature"') + near_body.count(b'"type":"Feature"')
    assert b'"clustered":false' in near_body and b'"next":null' in near_body, near_body[:200]
    city_body = client.get(city, headers={"Accept-Encoding": "identity"}).get_data()
    assert b'"clustered":true' in city_body, city_body[:200]
    cell = cell_size(zoom_for(CITY))

    print(f"/api/reports.geojson on {total:,} reports ({label}), {args.runs} runs each after 3 warm-up")
    print(
        f"neighbourhood {args.near_bbox}{'' if args.all_statuses else ', group=open'}: {near_count:,} features, {len(near_body):,} bytes"
        f" ({len(gzip.compress(near_body, 1)):,} gzipped)"
    )
    clusters = city_body.count(b'"cluster":true')
    print(
        f"whole city {CITY}, zoom {zoom_for(CITY)}: {clusters:,} clusters,"
        f" {len(city_body):,} bytes ({len(gzip.compress(city_body, 1)):,} gzipped)"
    )
    print(f"{'case':44} {'p50 ms':>8} {'p95 ms':>8}")
    cases = [
        (
            "neighbourhood",
            {
                "app, identity": request(client, near, "identity"),
                "app, gzip": request(client, near, "gzip"),
                "(the app's feature SQL alone, JSON built in SQL)": run_app_sql,
                "raw SQL (same rows, ST_AsGeoJSON)": run_sql(points_sql(postgres, near_box, near_open)),
            },
        ),
        (
            "whole city, clustered",
            {
                "app, identity": request(client, city, "identity"),
                "app, gzip": request(client, city, "gzip"),
                "(live GROUP BY, replaced by the cells)": run_sql(clusters_sql(postgres, cell)),
                "raw SQL (same cells + overdue queries)": run_sql(*cells_sql(postgres, zoom_for(CITY))),
            },
        ),
    ]
    for title, fns in cases:
        times = interleaved(fns, args.runs)
        for name, values in times.items():
            print(
                f"{title + ': ' + name:44} {percentile(values, 0.5) * 1e3:8.1f} {percentile(values, 0.95) * 1e3:8.1f}"
            )
        names = list(times)
        baseline = times[names[-1]]
        for name in names[:-1]:
            print(
                f"{'':4}{name} / raw SQL: p50 {percentile(times[name], 0.5) / percentile(baseline, 0.5):.2f}x,"
                f" p95 {percentile(times[name], 0.95) / percentile(baseline, 0.95):.2f}x"
            )
    raw.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
