"""Time the similar-proposals search at 10^5 proposals, beside the raw SQL of the same query and a naive scan.

Usage::

    python bench/similar_proposals.py [--proposals 100000] [--database cc_bench_similar] [--url URL] [--runs 30]
    python bench/similar_proposals.py --sqlite /tmp/similar.sqlite [--proposals 100000]

The database (PostgreSQL: ``--database`` on the server of ``--url``; SQLite: the
file) is created afresh, migrated, and loaded with proposals whose Italian
titles and descriptions come from the demo vocabulary
(:mod:`flask_citizencare.demo.data`: every category's titles and sentences,
Bologna's streets), about 80 % of them open and unanswered. Then, for typical
titles a citizen types, it times:

* ``similar_proposals()``: the function the form's JSON and the proposal page call
  (ORM, the category loaded with each proposal);
* the raw SQL: the same statement (as SQLAlchemy sends it) on the driver's own
  connection, so the difference is what the ORM adds;
* a naive baseline: ``ILIKE``/``LIKE '%word%'`` on any typed word over the same
  rows, which reads every proposal.

On PostgreSQL it prints the plan too (``EXPLAIN``), to show the trigram index
``ix_cc_reports_proposals_trgm`` at work.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from random import Random
from time import perf_counter
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.load_demo import recreate_database
from bench.timing import bench_app, interleaved, percentile, server_url
from flask_citizencare import state
from flask_citizencare.database import migrate
from flask_citizencare.demo.data import CATEGORIES, CLOSINGS, NEIGHBOURHOODS, TEMPI
from flask_citizencare.models import Category, Report
from flask_citizencare.queries.similar_proposals import search_words, similar_proposals

TYPED = (
    "Panchine e ombra",
    "Più rastrelliere per bici in via Zamboni",
    "Fontanella nel parco",
    "Zona 30 davanti alle scuole",
    "Area cani nel giardino",
    "Illuminare il percorso pedonale",
    "Lampione spento in via Saragozza",
)
CHUNK = 5000


def texts(rng: Random) -> tuple[str, str]:
    """A title and a description from the demo vocabulary (any category: citizens propose about anything)."""
    category = rng.choice(CATEGORIES)
    variant = rng.choice(category.variants)
    street = rng.choice(rng.choice(NEIGHBOURHOODS).streets)
    words = {
        "via": street,
        "civico": str(rng.randint(1, 120)),
        "tempo": rng.choice(TEMPI),
        "cm": rng.choice((5, 10, 20)),
    }
    title = rng.choice(variant.titles).format(**words)
    sentences = rng.sample(variant.details, min(len(variant.details), rng.choice((1, 2, 3))))
    description = " ".join(s.format(**words) for s in sentences) + " " + rng.choice(CLOSINGS)
    return title[:200], description.strip()


def rows(count: int, category_id: int, seed: int = 1) -> list[dict[str, Any]]:
    rng = Random(seed)
    now = datetime.now(UTC)
    out = []
    for n in range(count):
        title, description = texts(rng)
        roll = rng.random()
        row: dict[str, Any] = {
            "public_id": f"P-{n:07d}",
            "tracking_token": f"bench-similar-{n}",
            "kind": "proposal",
            "category_id": category_id,
            "title": title,
            "description": description,
            "answers": {},
            "status": "new",
            "supports_count": int(rng.expovariate(1 / 8)),
            "created_at": now - timedelta(days=rng.randint(0, 700)),
            "received_at": now - timedelta(days=rng.randint(0, 700)),
            "acknowledged_at": None,
            "resolved_at": None,
            "answered_at": None,
            "reject_reason": None,
        }
        if roll < 0.10:  # answered and finished
            row.update(status="resolved", acknowledged_at=now, resolved_at=now, answered_at=now)
        elif roll < 0.14:
            row.update(status="rejected", reject_reason="Non pertinente")
        elif roll < 0.50:
            row.update(status="acknowledged", acknowledged_at=now)
        out.append(row)
    return out


def load(app: Any, count: int) -> int:
    with app.app_context():
        session = state(app).db.session
        category = Category(code="proposte", name="Proposte di miglioramento", group="Partecipazione")
        session.add(category)
        session.commit()
        started = perf_counter()
        data = rows(count, category.id)
        table = Report.__table__
        for start in range(0, count, CHUNK):
            session.execute(sa.insert(table), data[start : start + CHUNK])
        session.commit()
        print(f"loaded {count:,} proposals in {perf_counter() - started:.1f} s")
        engine = state(app).db.engine
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("VACUUM ANALYZE cc_reports")
        else:
            with engine.begin() as connection:
                connection.exec_driver_sql("ANALYZE")
        return int(category.id)


def naive_sql(postgres: bool, words: list[str]) -> str:
    like = "ILIKE" if postgres else "LIKE"
    any_word = " OR ".join(f"(title || ' ' || description) {like} '%{w}%'" for w in words) or "false"
    return (
        "SELECT id, title FROM cc_reports WHERE kind = 'proposal' AND is_public AND duplicate_of_id IS NULL "
        "AND answered_at IS NULL AND status IN ('new', 'acknowledged', 'in_progress', 'suspended') "
        f"AND ({any_word}) ORDER BY supports_count DESC, id DESC LIMIT 5"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--proposals", type=int, default=100_000)
    parser.add_argument("--database", default="cc_bench_similar")
    parser.add_argument("--url", default=server_url(), help="the PostgreSQL server (any database on it)")
    parser.add_argument("--sqlite", help="a SpatiaLite file (created afresh) instead of PostgreSQL")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--keep", action="store_true", help="load nothing: time the database as it is")
    args = parser.parse_args()

    if args.sqlite:
        path = Path(args.sqlite).resolve()
        if not args.keep:
            path.unlink(missing_ok=True)
        url, label = f"sqlite:///{path}", "SQLite (FTS5, bm25)"
    else:
        server = make_url(args.url)
        if args.keep:
            url = server.set(database=args.database).render_as_string(hide_password=False)
        else:
            url = recreate_database(server.render_as_string(hide_password=False), args.database)
        label = "PostgreSQL (pg_trgm, GIN)"
    postgres = not args.sqlite
    app = bench_app("citizencare_similar_bench", url)
    if not args.keep:
        migrate.upgrade(app)
        load(app, args.proposals)

    with app.app_context():
        engine = state(app).db.engine
        with engine.connect() as connection:
            total = connection.exec_driver_sql(
                "SELECT count(*) FROM cc_reports WHERE kind = 'proposal'"
            ).scalar()
            open_ = connection.exec_driver_sql(
                "SELECT count(*) FROM cc_reports WHERE kind = 'proposal' AND answered_at IS NULL "
                "AND status IN ('new', 'acknowledged', 'in_progress', 'suspended')"
            ).scalar()
        raw = engine.raw_connection()
    print(f"{label}: {total:,} proposals, {open_:,} open and unanswered; {args.runs} runs per case")

    statements: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        statements.append((statement, parameters))

    print(
        f"{'typed title':44} {'found':>5} {'ORM ms':>8} {'raw ms':>8} {'naive ms':>9}  (median; p95 of ORM)"
    )
    medians: dict[str, list[float]] = {"orm": [], "raw": [], "naive": []}
    for typed in TYPED:
        with app.test_request_context():
            statements.clear()
            sa.event.listen(engine, "before_cursor_execute", capture)
            found = similar_proposals(typed)
            sa.event.remove(engine, "before_cursor_execute", capture)
            statement, parameters = statements[-1]
            words = search_words(typed)

            def orm(text: str = typed) -> None:
                similar_proposals(text)
                state(app).db.session.remove()

            def raw_sql(sql: str = statement, params: Any = parameters) -> None:
                cursor = raw.cursor()
                cursor.execute(sql, params)
                cursor.fetchall()
                cursor.close()

            def naive(sql: str = naive_sql(postgres, words)) -> None:
                cursor = raw.cursor()
                cursor.execute(sql)
                cursor.fetchall()
                cursor.close()

            times = interleaved({"orm": orm, "raw": raw_sql, "naive": naive}, args.runs)
        for name, values in times.items():
            medians[name].append(statistics.median(values) * 1000)
        print(
            f"{typed[:44]:44} {len(found):>5} {statistics.median(times['orm']) * 1000:8.1f} "
            f"{statistics.median(times['raw']) * 1000:8.1f} {statistics.median(times['naive']) * 1000:9.1f}"
            f"  p95 {percentile(times['orm'], 0.95) * 1000:.1f}"
        )
        if typed == TYPED[0]:
            first = [r.title for r in found]
    print(
        f"{'median of the medians':44} {'':>5} {statistics.median(medians['orm']):8.1f} "
        f"{statistics.median(medians['raw']):8.1f} {statistics.median(medians['naive']):9.1f}"
    )
    print(f"found for {TYPED[0]!r}: {first}")
    if postgres:
        with app.test_request_context():
            statements.clear()
            sa.event.listen(engine, "before_cursor_execute", capture)
            similar_proposals(TYPED[1])
            sa.event.remove(engine, "before_cursor_execute", capture)
        cursor = raw.cursor()
        cursor.execute("EXPLAIN (ANALYZE, COSTS OFF) " + statements[-1][0], statements[-1][1])
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.close()
        print(plan)
        print("uses ix_cc_reports_proposals_trgm:", "ix_cc_reports_proposals_trgm" in plan)
    raw.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
