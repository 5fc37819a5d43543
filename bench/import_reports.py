"""Import N historical reports from a generated CSV into a fresh PostGIS database, against a naive baseline.

Usage::

    python bench/import_reports.py [--rows N] [--database NAME] [--url URL] [--baseline-rows M]

    --rows           reports in the CSV (default 100000)
    --database       the database to (re)create (default cc_bench_import)
    --url            the PostgreSQL server, as a SQLAlchemy URL of any database on it
                     (default: $CITIZENCARE_BENCH_POSTGRES_URL, then $CITIZENCARE_TEST_POSTGRES_URL,
                     then postgresql+psycopg://postgres@127.0.0.1/postgres)
    --baseline-rows  rows of the same CSV the baseline writes (default 5000)

The database is dropped, created, migrated and given the demo catalogue (``load_demo(0)``:
offices, categories and staff, no reports). The CSV looks like an older system's export:
semicolon-separated, Italian dates in Europe/Rome, the demo categories' names, Italian states,
coordinates in Bologna with decimal commas in a tenth of the rows, reporters' contacts in most,
public answers in the resolved ones.

Each measurement runs in a child process, so its peak RSS (``getrusage(RUSAGE_CHILDREN)``) is its
own:

- **import**: ``flask citizencare import reports FILE --mapping MAPPING`` (check pass, batched
  inserts, refresh after the bulk load), for the N rows and for N/10 rows (memory must not grow with
  the file);
- **baseline**: the naive way, one ORM ``Report`` (+ its ``StatusEvent`` and ``ReporterContact``)
  per row with ``session.add`` and a commit every 1,000, from the same parsed records, on the first
  M rows.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from random import Random
from time import perf_counter
from zoneinfo import ZoneInfo

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from load_demo import DEFAULT_URL, make_app, recreate_database

from flask_citizencare.demo.data import BOLOGNA_BBOX, CATEGORIES

STATUSES = (
    ("Aperta", 3),
    ("Presa in carico", 2),
    ("In lavorazione", 5),
    ("Sospesa", 1),
    ("Risolta", 18),
    ("Chiusa", 62),
    ("Respinta", 9),
)
CHANNELS = (("Sito", 60), ("Posta elettronica", 15), ("Telefono", 15), ("Sportello", 7), ("Lettera", 3))
NAMES = ("Mario", "Giulia", "Luca", "Anna", "Paolo", "Sara", "Marco", "Chiara", "Giorgio", "Elena")
SURNAMES = ("Rossi", "Bianchi", "Verdi", "Russo", "Ferrari", "Esposito", "Romano", "Gallo", "Conti")
STREETS = ("Via Indipendenza", "Via Zamboni", "Strada Maggiore", "Via Saragozza", "Via San Vitale")
HEADER = (
    "id_pratica;oggetto;testo;tipologia;stato;canale;data_apertura;data_presa_in_carico;data_chiusura;"
    "latitudine;longitudine;indirizzo;pubblica;segnalante;email;telefono;risposta;motivo_rifiuto"
)


def mapping() -> dict[str, object]:
    return {
        "version": 1,
        "delimiter": ";",
        "columns": {
            "external_id": "id_pratica",
            "title": "oggetto",
            "description": "testo",
            "category": "tipologia",
            "status": "stato",
            "channel": "canale",
            "received_at": "data_apertura",
            "acknowledged_at": "data_presa_in_carico",
            "resolved_at": "data_chiusura",
            "lat": "latitudine",
            "lon": "longitudine",
            "address": "indirizzo",
            "public": "pubblica",
            "contact_name": "segnalante",
            "contact_email": "email",
            "contact_phone": "telefono",
            "answer": "risposta",
            "reject_reason": "motivo_rifiuto",
        },
        "times": {"format": "%d/%m/%Y %H:%M", "timezone": "Europe/Rome"},
        "categories": {c.name: c.code for c in CATEGORIES if c.kinds != "proposal"},
        "statuses": {
            "Aperta": "new",
            "Presa in carico": "acknowledged",
            "In lavorazione": "in_progress",
            "Sospesa": "suspended",
            "Risolta": "resolved",
            "Chiusa": "closed",
            "Respinta": "rejected",
        },
        "channels": {
            "Sito": "web",
            "Posta elettronica": "email",
            "Telefono": "phone",
            "Sportello": "counter",
            "Lettera": "letter",
        },
    }


def _weighted(rng: Random, pairs: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([p[0] for p in pairs], [p[1] for p in pairs])[0]


def write_csv(path: Path, rows: int, seed: int = 1) -> None:
    rng = Random(seed)
    categories = [c for c in CATEGORIES if c.kinds != "proposal"]
    now = datetime.now(UTC) - timedelta(days=2)
    rome = ZoneInfo("Europe/Rome")
    span = 3 * 365 * 86_400
    x0, y0, x1, y1 = BOLOGNA_BBOX
    fmt = "%d/%m/%Y %H:%M"
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(HEADER + "\r\n")
        for i in range(rows):
            category = rng.choice(categories)
            variant = rng.choice(category.variants)
            title = rng.choice(variant.titles)
            text = rng.choice(variant.details).replace(";", ",").replace("\n", " ")
            status = _weighted(rng, STATUSES)
            opened = now - timedelta(seconds=rng.randrange(span))
            taken = opened + timedelta(minutes=rng.randrange(5, 600)) if status != "Aperta" else None
            closed = None
            if status in ("Risolta", "Chiusa", "Respinta"):
                closed = (taken or opened) + timedelta(hours=rng.randrange(1, 24 * 40))
                closed = min(closed, now)
            lat, lon = f"{rng.uniform(y0 + 0.01, y1 - 0.01):.6f}", f"{rng.uniform(x0 + 0.01, x1 - 0.01):.6f}"
            if rng.random() < 0.1:
                lat, lon = lat.replace(".", ","), lon.replace(".", ",")
            if rng.random() < 0.05:
                lat = lon = ""
            contact = rng.random() < 0.8
            name = f"{rng.choice(NAMES)} {rng.choice(SURNAMES)}" if contact else ""
            email = f"{name.lower().replace(' ', '.')}{rng.randrange(100)}@example.org" if contact else ""
            phone = (
                f"+39 3{rng.randrange(10, 99)} {rng.randrange(1_000_000, 9_999_999)}"
                if rng.random() < 0.3
                else ""
            )
            answer = rng.choice(category.resolutions) if status in ("Risolta", "Chiusa") else ""
            reason = "Non di competenza comunale." if status == "Respinta" else ""
            cells = (
                f"P{i:07d}",
                title,
                text,
                category.name,
                status,
                _weighted(rng, CHANNELS),
                opened.astimezone(rome).strftime(fmt),
                taken.astimezone(rome).strftime(fmt) if taken else "",
                closed.astimezone(rome).strftime(fmt) if closed else "",
                lat,
                lon,
                f"{rng.choice(STREETS)} {rng.randrange(1, 200)}",
                "si" if rng.random() < 0.7 else "no",
                name,
                email,
                phone,
                answer.replace(";", ",").replace("\n", " "),
                reason,
            )
            out.write(";".join(cells) + "\r\n")


def child_import(url: str, csv_path: str, mapping_path: str) -> None:
    app = make_app(url)
    app.config["CITIZENCARE_AREA"] = BOLOGNA_BBOX
    from flask_citizencare.cli.imports import import_reports_command

    with app.app_context():
        import_reports_command.main([csv_path, "--mapping", mapping_path], standalone_mode=False)


def child_baseline(url: str, csv_path: str, mapping_path: str, rows: int) -> None:
    """The naive import: one ORM object per row, added to the session, a commit every 1,000."""
    from itertools import islice

    from geoalchemy2.shape import from_shape
    from shapely.geometry import Point

    from flask_citizencare.context import db_session
    from flask_citizencare.domain.geo import Area
    from flask_citizencare.domain.report_import import RowParser, parse_mapping, read_source
    from flask_citizencare.models import Counter, Report, ReporterContact, StatusEvent
    from flask_citizencare.services.report_import import Catalogue

    app = make_app(url)
    with app.app_context():
        session = db_session()
        catalogue = Catalogue.load(session)
        parsed = parse_mapping(
            yaml.safe_load(Path(mapping_path).read_text("utf-8")), categories=catalogue.infos
        )
        parser = RowParser(parsed, catalogue.infos, Area.from_setting(BOLOGNA_BBOX), datetime.now(UTC))
        started = perf_counter()
        with open(csv_path, "rb") as stream:
            for n, row in enumerate(islice(read_source(stream, parsed, "csv"), rows), start=1):
                r = parser.parse(row)
                counter = session.get(Counter, f"baseline:{r.received_at.year}") or Counter(
                    name=f"baseline:{r.received_at.year}", value=0
                )
                counter.value += 1
                session.add(counter)
                report = Report(
                    public_id=f"B{r.received_at.year}-{counter.value:06d}",
                    tracking_token=secrets.token_urlsafe(24),
                    submission_token=f"baseline:{r.external_id}",
                    category_id=catalogue.ids[r.category],
                    title=r.title,
                    description=r.description,
                    point=from_shape(Point(r.lon, r.lat), srid=4326) if r.lon is not None else None,
                    address=r.address,
                    channel=r.channel.value,
                    status=r.status.value,
                    office_id=catalogue.offices[r.category],
                    is_public=r.is_public,
                    received_at=r.received_at,
                    created_at=r.received_at,
                    acknowledged_at=r.acknowledged_at,
                    resolved_at=r.resolved_at if r.status.value in ("resolved", "closed") else None,
                    suspended_at=r.acknowledged_at if r.status.value == "suspended" else None,
                    reject_reason=r.reject_reason,
                )
                report.events.append(StatusEvent(at=r.received_at, action="submit", to_status="new"))
                if r.has_contact:
                    report.contact = ReporterContact(
                        name=r.contact_name, email=r.contact_email, phone=r.contact_phone
                    )
                session.add(report)
                if n % 1000 == 0:
                    session.commit()
        session.commit()
        seconds = perf_counter() - started
        print(json.dumps({"rows": rows, "seconds": seconds}))


def run_child(*args: str) -> tuple[str, float]:
    started = perf_counter()
    done = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=False)
    seconds = perf_counter() - started
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"child {args[0]} failed")
    return done.stdout.strip(), seconds


def main(argv: list[str] | None = None) -> int:
    if argv is None and len(sys.argv) > 1 and sys.argv[1].startswith("--child-"):
        kind, url, csv_path, mapping_path, *rest = sys.argv[1:]
        if kind == "--child-import":
            child_import(url, csv_path, mapping_path)
        else:
            child_baseline(url, csv_path, mapping_path, int(rest[0]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database", default="cc_bench_import")
    parser.add_argument(
        "--url",
        default=os.environ.get("CITIZENCARE_BENCH_POSTGRES_URL")
        or os.environ.get("CITIZENCARE_TEST_POSTGRES_URL")
        or DEFAULT_URL,
    )
    parser.add_argument("--baseline-rows", type=int, default=5_000)
    args = parser.parse_args(argv)

    from flask_citizencare.database import migrate
    from flask_citizencare.demo import load_demo

    results = []
    with tempfile.TemporaryDirectory() as tmp:
        mapping_path = Path(tmp) / "mapping.yaml"
        mapping_path.write_text(yaml.safe_dump(mapping(), allow_unicode=True), encoding="utf-8")
        for rows in (max(1, args.rows // 10), args.rows):
            database_url = recreate_database(args.url, args.database)
            app = make_app(database_url)
            migrate.upgrade(app)
            with app.app_context():
                load_demo(0)  # the demo catalogue and staff, no reports
                app.extensions["citizencare"].db.engine.dispose()
            csv_path = Path(tmp) / f"reports-{rows}.csv"
            started = perf_counter()
            write_csv(csv_path, rows)
            size = csv_path.stat().st_size
            print(
                f"CSV of {rows:,} reports ({size / 1e6:.1f} MB) written in {perf_counter() - started:.1f} s"
            )
            out, seconds = run_child("--child-import", database_url, str(csv_path), str(mapping_path))
            peak = _own_peak()
            print(out)
            results.append((rows, seconds, peak))
            print(f"  import of {rows:,} rows: {seconds:.1f} s wall in all, peak RSS {peak / 1024:.0f} MB")
        baseline_rows = min(args.baseline_rows, args.rows)
        out, seconds = run_child(
            "--child-baseline", database_url, str(csv_path), str(mapping_path), str(baseline_rows)
        )
        baseline = json.loads(out.splitlines()[-1])
    rows, seconds_all, peak = results[-1]
    small_rows, _, small_peak = results[0]
    rate = baseline["rows"] / baseline["seconds"]
    print()
    print(
        f"import   {rows:>9,} rows: {seconds_all:7.1f} s (process start, check, write, refresh) "
        f"→ {rows / seconds_all:,.0f} rows/s overall; peak RSS {peak / 1024:.0f} MB "
        f"(at {small_rows:,} rows: {small_peak / 1024:.0f} MB)"
    )
    print(
        f"baseline {baseline['rows']:>9,} rows: {baseline['seconds']:7.1f} s → {rate:,.0f} rows/s "
        "(naive ORM, one object per row, commit every 1,000; write only, no check, no refresh)"
    )
    return 0


def _own_peak() -> int:
    """Peak RSS (KiB) of the largest child so far: the children run smallest first."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss


if __name__ == "__main__":
    sys.exit(main())
