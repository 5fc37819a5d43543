"""Load demo reports into a fresh PostGIS database and time it.

Usage::

    python bench/load_demo.py [REPORTS] [DATABASE] [--url URL] [--seed S] [--now ISO]

    REPORTS   how many demo reports (default 100000)
    DATABASE  name of the database to (re)create (default cc_bench)
    --url     the PostgreSQL server, as a SQLAlchemy URL of any database on it
              (default: $CITIZENCARE_BENCH_POSTGRES_URL, then
              $CITIZENCARE_TEST_POSTGRES_URL, then postgresql+psycopg://postgres@127.0.0.1/postgres)
    --seed    demo seed (default 1)
    --now     reference time (UTC, ISO) for a reproducible data set (default: now)

The database is dropped and created again, migrated with
``flask_citizencare.database.migrate.upgrade`` and loaded through the same function the
``flask citizencare demo-data`` command uses, which ends with
``refresh_after_bulk_load`` (``VACUUM ANALYZE`` of the loaded tables: planner
statistics and the visibility map, as a database in steady use would have
them; and the dashboards' summary). It is kept afterwards, ready for other
benchmarks.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime
from time import perf_counter

import sqlalchemy as sa
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.engine import make_url

from flask_citizencare import CitizenCare
from flask_citizencare.database import migrate
from flask_citizencare.demo import load_demo

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1/postgres"


def recreate_database(server_url: str, name: str) -> str:
    admin_url = make_url(server_url)
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return admin_url.set(database=name).render_as_string(hide_password=False)


def make_app(database_url: str) -> Flask:
    app = Flask("citizencare_bench")
    app.config.update(SQLALCHEMY_DATABASE_URI=database_url, SECRET_KEY="benchmark-only-key")
    CitizenCare(app, db=SQLAlchemy())
    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("reports", nargs="?", type=int, default=100_000)
    parser.add_argument("database", nargs="?", default="cc_bench")
    parser.add_argument(
        "--url",
        default=os.environ.get("CITIZENCARE_BENCH_POSTGRES_URL")
        or os.environ.get("CITIZENCARE_TEST_POSTGRES_URL")
        or DEFAULT_URL,
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--now", type=datetime.fromisoformat, default=None)
    args = parser.parse_args(argv)

    database_url = recreate_database(args.url, args.database)
    app = make_app(database_url)
    started = perf_counter()
    migrate.upgrade(app)
    print(f"database {args.database} created and migrated in {perf_counter() - started:.1f} s")

    now = args.now.replace(tzinfo=args.now.tzinfo or UTC) if args.now else None
    with app.app_context():
        summary = load_demo(args.reports, args.seed, now=now, echo=print)
        print(
            f"loaded {summary.added:,} reports, {summary.events:,} events, {summary.messages:,} messages, "
            f"{summary.contacts:,} contacts, "
            f"{summary.supports:,} supports in {summary.seconds:.2f} s ({summary.rate:,.0f} reports/s)"
        )
        if summary.after_load is not None:
            print(f"refresh after the bulk load (VACUUM ANALYZE, summary) in {summary.after_load.seconds:.1f} s")
        app.extensions["citizencare"].db.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
