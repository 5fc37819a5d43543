"""Time the public list of proposals (first page and a deep keyset page) beside the raw SQL of the same rows.

Usage::

    python bench/proposals_list.py [--proposals 100000] [--database cc_bench_proposals] [--url URL]
    python bench/proposals_list.py --sqlite /tmp/proposals.sqlite [--proposals 100000]
    # --reuse: time an existing database of an earlier run instead of loading it again

The database is created afresh (PostgreSQL: dropped and created; SQLite: the
file replaced), migrated, and loaded with the demo generator's bulk writers
(``flask_citizencare.demo.load_demo``: COPY on PostgreSQL, executemany on
SQLite); every demo request then becomes a proposal, with a heavy-tailed
number of supports (Pareto: most have a handful, a few thousands) and
published answers on 5 % of them (plus 1 % drafts, which must not count),
and the tables are analysed (``VACUUM ANALYZE`` on PostgreSQL) as a database
in steady use would be.

The dashboard's proposals figures (live aggregates, public and staff) are
timed too, on the same rows.

Each order (``supported``, ``newest``, ``answered``) is timed on its first page and on a
deep page (the keyset position of row 5,000) through
:func:`flask_citizencare.queries.proposals_list.list_proposals` (SQLAlchemy,
the cards built), as the statements it sent replayed on the driver's own
connection (its SQL alone, without SQLAlchemy), and as hand-written raw SQL of
the same rows on that connection. The query plan of the supports order is printed: it must read
the partial index ``ix_cc_reports_proposals_supports`` backwards.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.load_demo import recreate_database
from bench.timing import bench_app, interleaved, percentile, server_url
from flask_citizencare import state
from flask_citizencare.database import migrate
from flask_citizencare.demo import load_demo
from flask_citizencare.models import Report
from flask_citizencare.queries import proposals_list as pl
from flask_citizencare.queries.statistics import Scope, proposal_figures

PAGE = pl.PAGE_SIZE
DEEP = 5000
COLUMNS = (
    "r.id, r.public_id, coalesce(r.public_title, r.title), r.category_id, r.created_at, r.supports_count,"
    " r.answered_at, r.address, ST_X(r.point), ST_Y(r.point),"
    " (SELECT a.state_id FROM cc_proposal_answers a WHERE a.report_id = r.id AND a.published_at IS NOT NULL"
    " ORDER BY a.published_at DESC, a.id DESC LIMIT 1)"
)
ORDERS = {
    "supported": ("r.supports_count DESC, r.id DESC", "(r.supports_count, r.id) < ({p}, {p})"),
    "newest": ("r.created_at DESC, r.id DESC", "(r.created_at, r.id) < ({p}, {p})"),
    "answered": ("r.answered_at DESC, r.id DESC", "(r.answered_at, r.id) < ({p}, {p})"),
}


def public(postgres: bool) -> str:
    return (
        f"r.kind = 'proposal' AND r.is_public IS {'true' if postgres else '1'} AND r.duplicate_of_id IS NULL"
    )


def raw_sql(postgres: bool, sort: str, deep: bool) -> str:
    order, after = ORDERS[sort]
    where = public(postgres) + (" AND r.answered_at IS NOT NULL" if sort == "answered" else "")
    if deep:
        where += " AND " + after.format(p="%s" if postgres else "?")
    return f"SELECT {COLUMNS} FROM cc_reports r WHERE {where} ORDER BY {order} LIMIT {PAGE + 1}"


def supports_of(rng: random.Random) -> int:
    """Heavy tail: Pareto with shape 1.1; about 40 % have none, the largest some thousands."""
    return max(0, min(20_000, int(rng.paretovariate(1.1)) - 1))


def make_proposals(app: Any, postgres: bool, now: datetime) -> tuple[int, int]:
    """Every demo request a proposal, with supports and answers; returns (answered, drafts)."""
    rng = random.Random(12)
    with app.app_context():
        engine = state(app).db.engine
        with engine.begin() as connection:
            if postgres:
                # The map cells' trigger would recount cells row by row (minutes for 10^5 updates);
                # this benchmark reads no map, so the cells are left as the load wrote them.
                connection.execute(sa.text("ALTER TABLE cc_reports DISABLE TRIGGER USER"))
            connection.execute(sa.text("UPDATE cc_reports SET kind = 'proposal', outcome = NULL"))
            ids = [row[0] for row in connection.execute(sa.text("SELECT id FROM cc_reports ORDER BY id"))]
            states = [
                (row[0], row[1])
                for row in connection.execute(sa.text("SELECT id, meaning FROM cc_answer_states ORDER BY id"))
            ]
            updates, answers = [], []
            drafts = 0
            for report_id in ids:
                supports = supports_of(rng)
                answered_at = None
                outcome = None
                draw = rng.random()
                if draw < 0.05:
                    answered_at = now - timedelta(minutes=rng.randrange(1, 60 * 24 * 365))
                    state_id, outcome = rng.choice(states)
                    answers.append({"r": report_id, "s": state_id, "p": answered_at, "c": answered_at})
                elif draw < 0.06:
                    state_id, _meaning = rng.choice(states)
                    answers.append({"r": report_id, "s": state_id, "p": None, "c": now})
                    drafts += 1
                updates.append({"i": report_id, "n": supports, "a": answered_at, "o": outcome})
            update = (
                sa.update(Report)
                .where(Report.id == sa.bindparam("i"))
                .values(
                    supports_count=sa.bindparam("n"), answered_at=sa.bindparam("a"), outcome=sa.bindparam("o")
                )
            )
            connection.execute(update.execution_options(synchronize_session=False), updates)
            table = sa.table(
                "cc_proposal_answers",
                sa.column("report_id"),
                sa.column("state_id"),
                sa.column("body"),
                sa.column("published_at", Report.answered_at.type),
                sa.column("created_at", Report.created_at.type),
                sa.column("updated_at", Report.created_at.type),
            )
            connection.execute(
                sa.insert(table).values(
                    report_id=sa.bindparam("r"),
                    state_id=sa.bindparam("s"),
                    body="Risposta",
                    published_at=sa.bindparam("p"),
                    created_at=sa.bindparam("c"),
                    updated_at=sa.bindparam("c"),
                ),
                answers,
            )
            if postgres:
                connection.execute(sa.text("ALTER TABLE cc_reports ENABLE TRIGGER USER"))
        with engine.connect() as connection:
            if postgres:
                connection = connection.execution_options(isolation_level="AUTOCOMMIT")
                connection.execute(sa.text("VACUUM ANALYZE cc_reports"))
                connection.execute(sa.text("VACUUM ANALYZE cc_proposal_answers"))
            else:
                connection.execute(sa.text("ANALYZE"))
                connection.commit()
    return len(answers) - drafts, drafts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--proposals", type=int, default=100_000)
    parser.add_argument("--database", default="cc_bench_proposals")
    parser.add_argument("--url", default=server_url(), help="the PostgreSQL server (any database on it)")
    parser.add_argument("--sqlite", help="a SpatiaLite file instead of PostgreSQL (replaced)")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--reuse", action="store_true", help="time the database of an earlier run as it is")
    parser.add_argument(
        "--skip-load",
        action="store_true",
        help="the demo requests are loaded already: only make them proposals",
    )
    args = parser.parse_args()

    postgres = not args.sqlite
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    if postgres:
        server = make_url(args.url)
        url = (
            server.set(database=args.database).render_as_string(hide_password=False)
            if args.reuse or args.skip_load
            else recreate_database(args.url, args.database)
        )
        label = "PostgreSQL + PostGIS"
    else:
        path = Path(args.sqlite).resolve()
        if not (args.reuse or args.skip_load):
            path.unlink(missing_ok=True)
        url = f"sqlite:///{path}"
        label = "SQLite + SpatiaLite"
    app = bench_app("citizencare_proposals_bench", url)
    if not args.reuse:
        if not args.skip_load:
            migrate.upgrade(app)
            with app.app_context():
                summary = load_demo(args.proposals, 1, now=now, echo=None, refresh=False)
                print(f"loaded {summary.added:,} demo requests in {summary.seconds:.1f} s")
        answered, drafts = make_proposals(app, postgres, now)
        print(f"all proposals now; {answered:,} with a published answer, {drafts:,} with a draft only")

    with app.app_context():
        engine = state(app).db.engine
        session = state(app).db.session
        raw = engine.raw_connection()
        with engine.connect() as connection:
            total = connection.execute(
                sa.text(f"SELECT count(*) FROM cc_reports r WHERE {public(postgres)}")
            ).scalar()
            answered_total = connection.execute(
                sa.text(
                    f"SELECT count(*) FROM cc_reports r WHERE {public(postgres)} AND r.answered_at IS NOT NULL"
                )
            ).scalar()
            tail = connection.execute(
                sa.text("SELECT max(supports_count), avg(supports_count) FROM cc_reports")
            ).one()
            prefix = "EXPLAIN (ANALYZE, BUFFERS) " if postgres else "EXPLAIN QUERY PLAN "
            plan = [
                " ".join(str(v) for v in row)
                for row in connection.exec_driver_sql(prefix + raw_sql(postgres, "supported", False))
            ]

        deep_answered = min(DEEP, answered_total // 2)

        def position(sort: str) -> tuple[Any, ...]:
            """The keyset position of row DEEP of an order, read through the ORM (typed values)."""
            column = {
                "supported": Report.supports_count,
                "newest": Report.created_at,
                "answered": Report.answered_at,
            }[sort]
            where = pl.filter_conditions(session, pl.ProposalFilter(sort=sort), ())
            if sort == "answered":
                where.append(Report.answered_at.is_not(None))
            query = sa.select(column, Report.id).where(*where).order_by(column.desc(), Report.id.desc())
            row = session.execute(query.offset(deep_answered if sort == "answered" else DEEP)).first()
            assert row is not None
            return tuple(row)

        def raw_position(sort: str) -> tuple[Any, ...]:
            order, _after = ORDERS[sort]
            extra = " AND r.answered_at IS NOT NULL" if sort == "answered" else ""
            column = order.split(" ")[0]
            cursor = raw.cursor()
            offset = deep_answered if sort == "answered" else DEEP
            cursor.execute(
                f"SELECT {column}, r.id FROM cc_reports r WHERE {public(postgres)}{extra}"
                f" ORDER BY {order} LIMIT 1 OFFSET {offset}"
            )
            found = tuple(cursor.fetchone())
            cursor.close()
            return found

        def ours(sort: str, after: tuple[Any, ...] | None) -> Any:
            f = pl.ProposalFilter(sort=sort)

            def fn() -> None:
                page = pl.list_proposals(f, after, session=session, districts=())
                assert len(page.proposals) == PAGE

            return fn

        def raw_fn(sort: str, deep: bool, params: tuple[Any, ...]) -> Any:
            sql = raw_sql(postgres, sort, deep)

            def fn() -> None:
                cursor = raw.cursor()
                cursor.execute(sql, params if deep else ())
                assert len(cursor.fetchall()) == PAGE + 1
                cursor.close()

            return fn

        def replayed(sort: str, after: tuple[Any, ...] | None) -> Any:
            """The statements list_proposals sent, replayed on the driver's connection (its SQL alone)."""
            sent: list[tuple[str, Any]] = []

            def capture(
                conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
            ) -> None:
                sent.append((statement, parameters))

            sa.event.listen(engine, "before_cursor_execute", capture)
            pl.list_proposals(pl.ProposalFilter(sort=sort), after, session=session, districts=())
            sa.event.remove(engine, "before_cursor_execute", capture)

            def fn() -> None:
                cursor = raw.cursor()
                for statement, parameters in sent:
                    cursor.execute(statement, parameters)
                    cursor.fetchall()
                cursor.close()

            return fn

        cases: dict[str, Any] = {}
        for sort in ORDERS:
            deep_at, raw_at = position(sort), raw_position(sort)
            cases[f"{sort}, first page, list_proposals"] = ours(sort, None)
            cases[f"{sort}, first page, its SQL replayed"] = replayed(sort, None)
            cases[f"{sort}, first page, raw SQL"] = raw_fn(sort, False, ())
            cases[f"{sort}, deep page, list_proposals"] = ours(sort, deep_at)
            cases[f"{sort}, deep page, its SQL replayed"] = replayed(sort, deep_at)
            cases[f"{sort}, deep page, raw SQL"] = raw_fn(sort, True, raw_at)
        settings = state(app).settings
        # Its own connection: its scans of the whole table must not empty the list's page cache.
        dashboard_session = sa.orm.Session(engine)

        def figures(scope: Scope) -> Any:
            def fn() -> None:
                proposal_figures(
                    dashboard_session, scope, timezone=settings.zone, districts=settings.districts
                )

            return fn

        # The dashboard's proposals section (live aggregates, every proposal here).
        cases["dashboard proposals, public"] = figures(Scope(public_only=True))
        cases["dashboard proposals, staff"] = figures(Scope(public_only=False))
        times = interleaved(cases, args.runs)
        raw.close()
        dashboard_session.close()

    print(
        f"/proposals on {total:,} public proposals ({label}); supports max {tail[0]:,}, mean {float(tail[1]):.1f};"
        f" {PAGE} cards a page; {args.runs} runs each after 3 warm-up; deep page = keyset position of row"
        f" {DEEP:,} (answered: of row {deep_answered:,} of the answered ones)"
    )
    print(f"{'case':<46} {'median ms':>10} {'p95 ms':>8}")
    for name, values in times.items():
        print(f"{name:<46} {statistics.median(values) * 1000:>10.2f} {percentile(values, 0.95) * 1000:>8.2f}")
    print("plan of the supports order, first page:")
    for line in plan:
        print("   ", line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
