"""Time filing a report through the WSGI app, beside raw SQL writing the same rows.

Usage::

    python bench/form_submission.py [--url URL] [--n 300]

    --url  database (default: a fresh SQLite + SpatiaLite file in a temporary folder);
           a PostgreSQL URL names a server: a fresh database is created on it and dropped
    --n    submissions to time (default 300, after 20 warm-up ones)

Each submission through the app is a real multipart POST with its CSRF token,
rendered form and redirect (the GET that shows the form is not timed). The
baseline runs, on the same database, the statements a submission must run in
one transaction: the public-id counter upsert and the INSERTs of the report,
the reporter's contact and the first status event. The ratio is what the form
handling, validation, ORM and rendering of the redirect cost on top.
"""

from __future__ import annotations

import argparse
import re
import secrets
import statistics
import sys
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path
from time import perf_counter

import sqlalchemy as sa
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_citizencare import CitizenCare, state
from flask_citizencare.database import migrate
from flask_citizencare.models import Category, Office


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def build_app(url: str, photos: Path) -> tuple[Flask, SQLAlchemy]:
    app = Flask(__name__)
    app.config.update(
        SQLALCHEMY_DATABASE_URI=url,
        SECRET_KEY="benchmark-only-key",
        CITIZENCARE_PHOTO_DIR=str(photos),
        CITIZENCARE_AREA=(11.23, 44.42, 11.43, 44.56),
    )
    db = SQLAlchemy()
    CitizenCare(app, db=db)
    migrate.upgrade(app)
    return app, db


def through_the_app(app: Flask, category_id: int, n: int) -> list[float]:
    client = app.test_client()
    timings = []
    for i in range(n + 20):
        html = client.get("/citizencare/new").get_data(as_text=True)
        csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
        token = re.search(r'name="submission_token" type="hidden" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
        data = {
            "csrf_token": csrf,
            "submission_token": token,
            "kind": "issue",
            "category": str(category_id),
            "title": f"Buca numero {i}",
            "description": "Una buca profonda davanti al civico 12.",
            "lat": "44.4936",
            "lon": "11.3301",
            "name": "Giulia Verdi",
            "email": "giulia@example.org",
            "consent": "y",
        }
        start = perf_counter()
        response = client.post("/citizencare/new", data=data, content_type="multipart/form-data")
        elapsed = perf_counter() - start
        assert response.status_code == 303, response.get_data(as_text=True)[:500]
        if i >= 20:
            timings.append(elapsed)
    return timings


def raw_sql(engine: sa.Engine, category_id: int, n: int) -> list[float]:
    postgres = engine.dialect.name == "postgresql"
    point = "ST_GeomFromText(:wkt, 4326)" if postgres else "GeomFromText(:wkt, 4326)"
    counter = sa.text(
        "INSERT INTO cc_counters (name, value) VALUES ('public_id:raw', 1) "
        "ON CONFLICT (name) DO UPDATE SET value = cc_counters.value + 1 RETURNING value"
    )
    report = sa.text(
        "INSERT INTO cc_reports (public_id, tracking_token, submission_token, kind, category_id, title,"
        " description, point, answers, channel, status, priority, level, is_public, moderated,"
        " supports_count, duplicates_count,"
        " received_at, created_at, updated_at, version)"
        f" VALUES (:pid, :tt, :st, 'issue', :cat, :title, :descr, {point}, '{{}}', 'web', 'new', 'normal', 1,"
        " true, false, 0, 0, :now, :now, :now, 1) RETURNING id"
    )
    contact = sa.text(
        "INSERT INTO cc_reporter_contacts (report_id, name, email, locale, consent_at)"
        " VALUES (:rid, 'Giulia Verdi', 'giulia@example.org', 'it', :now)"
    )
    event = sa.text(
        "INSERT INTO cc_status_events (report_id, at, action, to_status, actor_kind, public, data)"
        " VALUES (:rid, :now, 'submit', 'new', 'citizen', true, '{}')"
    )
    timings = []
    for i in range(n + 20):
        start = perf_counter()
        with engine.begin() as connection:
            now = datetime.now(UTC)
            if not postgres:
                now = now.replace(tzinfo=None)
            value = connection.execute(counter).scalar_one()
            rid = connection.execute(
                report,
                {
                    "pid": f"RAW-{value:08d}",
                    "tt": secrets.token_urlsafe(24),
                    "st": uuid.uuid4().hex,
                    "cat": category_id,
                    "title": f"Buca numero {i}",
                    "descr": "Una buca profonda davanti al civico 12.",
                    "wkt": "POINT(11.3301 44.4936)",
                    "now": now,
                },
            ).scalar_one()
            connection.execute(contact, {"rid": rid, "now": now})
            connection.execute(event, {"rid": rid, "now": now})
        elapsed = perf_counter() - start
        if i >= 20:
            timings.append(elapsed)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url")
    parser.add_argument("--n", type=int, default=300)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        url, admin, name = args.url, None, None
        if url is None:
            url = f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        elif make_url(url).get_backend_name() == "postgresql":
            admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
            name = f"cc_bench_form_{uuid.uuid4().hex[:8]}"
            with admin.connect() as c:
                c.execute(sa.text(f'CREATE DATABASE "{name}"'))
            url = make_url(url).set(database=name).render_as_string(hide_password=False)
        try:
            app, db = build_app(url, Path(tmp) / "photos")
            with app.app_context():
                office = Office(code="strade", name="Strade")
                category = Category(code="buche", name="Buche", group="Strade", default_office=office)
                db.session.add(category)
                db.session.commit()
                category_id = category.id
                engine = state(app).db.engine
                app_times = through_the_app(app, category_id, args.n)
                sql_times = raw_sql(engine, category_id, args.n)
                engine.dispose()
        finally:
            if admin is not None:
                with admin.connect() as c:
                    c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()

    backend = make_url(url).get_backend_name()
    print(f"form submission without photos, {backend}, {args.n} runs each (after 20 warm-up)")
    print(f"{'':24} {'p50 ms':>8} {'p95 ms':>8} {'mean ms':>8}")
    for label, values in (("through the WSGI app", app_times), ("raw SQL, same rows", sql_times)):
        print(
            f"{label:24} {percentile(values, 0.5) * 1000:8.2f} {percentile(values, 0.95) * 1000:8.2f}"
            f" {statistics.mean(values) * 1000:8.2f}"
        )
    print(
        f"ratio app/raw SQL: p50 {percentile(app_times, 0.5) / percentile(sql_times, 0.5):.1f}x, "
        f"p95 {percentile(app_times, 0.95) / percentile(sql_times, 0.95):.1f}x"
    )


if __name__ == "__main__":
    main()
