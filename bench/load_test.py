"""A bounded load test: the example site under gunicorn on PostGIS, driven by locust, on 127.0.0.1 only.

Usage (one command; everything it starts, it stops)::

    python bench/load_test.py [--database cc_bench_load] [--reports 100000] [--url URL]
                              [--users 20] [--spawn-rate 4] [--run-time 90s] [--workers 2]
                              [--port 8765] [--fill-seconds 5] [--photo-share 0.25]
                              [--set NAME=VALUE ...] [--no-docs] [--drop]

1. The database: created if missing, migrated, and brought to ``--reports``
   demo reports through the example site (so the demo accounts can log in)
   with ``load_demo``, which refreshes statistics and the dashboard summary
   afterwards. An existing database with the reports is reused as it is.
2. gunicorn serves ``example_site:create_app()`` with ``--workers`` sync
   workers on 127.0.0.1, configured through the environment: ``DATABASE_URL``,
   a fresh random ``SECRET_KEY``, a temporary photo folder, and the extension
   settings below as ``CITIZENCARE_<NAME>`` variables.
3. locust (``bench/locustfile.py``) runs headless for ``--run-time`` with
   ``--users`` visitors: citizens on the map API (whole city and
   neighbourhoods), the /map page, report pages, the dashboard and the report
   form (its real CSRF and hidden fields, a photo in ``--photo-share`` of the
   submissions, ``--fill-seconds`` between showing and sending the form);
   two operators logged in on the triage queue.
4. It prints requests/s, p50/p95 per endpoint and the failures (5xx apart),
   with the tracebacks gunicorn logged, and writes them into
   docs/performance.md (section "Load test") unless ``--no-docs``.

Settings for a load test from one address: rate limits must be off (every
request comes from 127.0.0.1): any ``CITIZENCARE_RATELIMIT_ENABLED`` setting
the extension knows is set to 0. A minimum time to fill a public form is met
by ``--fill-seconds`` (or lower it with ``--set``). ``--set NAME=VALUE``
passes any other extension setting (``NAME`` without the prefix); settings
the extension does not know are refused.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import re
import secrets
import shlex
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.timing import server_url
from flask_citizencare.config import PREFIX, SETTINGS

DOCS = ROOT / "docs" / "performance.md"
START, END = "<!-- load-test:start -->", "<!-- load-test:end -->"
BIN = Path(sys.executable).parent
#: Off for a load test from one address, whatever the rate-limit settings are called once they exist.
OFF_FOR_ONE_ADDRESS = ("RATELIMIT_ENABLED",)


def server_version(server: str) -> str:
    engine = sa.create_engine(make_url(server))
    with engine.connect() as connection:
        version = connection.exec_driver_sql("SHOW server_version").scalar_one()
        postgis = connection.exec_driver_sql(
            "SELECT default_version FROM pg_available_extensions WHERE name = 'postgis'"
        ).scalar()
    engine.dispose()
    return f"PostgreSQL {str(version).split()[0]} with PostGIS {postgis}"


def database_exists(server: str, name: str) -> bool:
    admin = sa.create_engine(make_url(server), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        found = connection.execute(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
        ).first()
        if found is None:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return found is not None


def prepare(database_url: str, reports: int, folder: Path) -> Path:
    """Migrate, load what is missing, and write what the visitors need; returns the data file."""
    from example_site import create_app
    from flask_citizencare.database import migrate
    from flask_citizencare.demo import load_demo
    from flask_citizencare.models import Category, Report
    from flask_citizencare.queries.reports import public_reports_filter

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": secrets.token_hex(16)})
    migrate.upgrade(app)
    with app.app_context():
        summary = load_demo(reports, echo=lambda line: print(line, flush=True) if "/" not in line else None)
        print(f"database: {summary.after:,} demo reports ({summary.added:,} added now)")
        session = app.extensions["citizencare"].db.session
        public_ids = list(
            session.scalars(
                sa.select(Report.public_id)
                .where(public_reports_filter())
                .order_by(sa.func.random())
                .limit(2000)
            )
        )
        # The categories a plain issue can be filed in: no required extra question to answer.
        categories = [
            category_id
            for category_id, questions in session.execute(
                sa.select(Category.id, Category.questions).where(
                    Category.active, Category.kinds.in_(("issue", "both"))
                )
            )
            if not any(question.get("required") for question in questions or ())
        ]
        session.commit()
        app.extensions["citizencare"].db.engine.dispose()
    path = folder / "data.json"
    path.write_text(
        json.dumps(
            {
                "prefix": app.config["CITIZENCARE_URL_PREFIX"],
                "public_ids": public_ids,
                "categories": categories,
            }
        )
    )
    return path


def settings_environment(assignments: list[str]) -> dict[str, str]:
    env = {PREFIX + name: "0" for name in OFF_FOR_ONE_ADDRESS if name in SETTINGS}
    for assignment in assignments:
        name, _, value = assignment.partition("=")
        name = name.removeprefix(PREFIX)
        if name not in SETTINGS:
            raise SystemExit(f"--set {assignment}: the extension has no setting {PREFIX}{name}")
        env[PREFIX + name] = value
    return env


def wait_until_up(url: str, server: subprocess.Popen[bytes], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with status {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (our own 127.0.0.1 URL)
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    raise SystemExit(f"the site did not answer on {url} within {timeout:.0f} s")


def read_stats(prefix: Path) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    with open(f"{prefix}_stats.csv", newline="") as fh:
        stats = list(csv.DictReader(fh))
    with open(f"{prefix}_failures.csv", newline="") as fh:
        failures = list(csv.DictReader(fh))
    return stats, failures


def machine() -> str:
    model = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    memory = next(
        (
            int(line.split()[1]) // 1024 // 1024
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        ),
        0,
    )
    return f"{os.cpu_count()} vCPU ({model}), {memory} GB RAM, {platform.system()} {platform.release()}, Python {platform.python_version()}"


def tracebacks(log: Path) -> list[str]:
    text = log.read_text(errors="replace")
    return [
        block.strip()
        for block in re.findall(r"(Traceback \(most recent call last\):.*?\n\S[^\n]*)", text, re.S)
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="cc_bench_load")
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--url", default=server_url(), help="the PostgreSQL server (any database on it)")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--spawn-rate", type=float, default=4)
    parser.add_argument("--run-time", default="90s")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--fill-seconds", type=float, default=5.0)
    parser.add_argument("--photo-share", type=float, default=0.25)
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--no-docs", action="store_true", help="print only; leave docs/performance.md alone")
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    args = parser.parse_args(argv)

    extra = settings_environment(args.set)
    database_url = make_url(args.url).set(database=args.database).render_as_string(hide_password=False)
    existed = database_exists(args.url, args.database)
    print(f"database {args.database} {'reused' if existed else 'created'}", flush=True)
    folder = Path(tempfile.mkdtemp(prefix="citizencare-load-"))
    data = prepare(database_url, args.reports, folder)
    info = json.loads(data.read_text())
    info.update(
        fill_seconds=args.fill_seconds, photo_share=args.photo_share, operator=["operatore", "demo-operatore"]
    )
    data.write_text(json.dumps(info))

    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": database_url,
        "SECRET_KEY": secrets.token_hex(32),
        "CITIZENCARE_PHOTO_DIR": str(folder / "photos"),
        **extra,
        "LOAD_TEST_DATA": str(data),
    }
    log = folder / "gunicorn.log"
    bind = f"127.0.0.1:{args.port}"
    gunicorn = [
        str(BIN / "gunicorn"),
        "--workers",
        str(args.workers),
        "--bind",
        bind,
        "--timeout",
        "60",
        "--error-logfile",
        str(log),
        "example_site:create_app()",
    ]
    locust_prefix = folder / "locust"
    locust = [
        str(BIN / "locust"),
        "-f",
        str(ROOT / "bench" / "locustfile.py"),
        "--headless",
        "--users",
        str(args.users),
        "--spawn-rate",
        str(args.spawn_rate),
        "--run-time",
        args.run_time,
        "--host",
        f"http://{bind}",
        "--csv",
        str(locust_prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    load_before = os.getloadavg()[0]
    print(
        "$ " + " ".join(f"{k}={shlex.quote(v)}" for k, v in extra.items()) + " " + shlex.join(gunicorn),
        flush=True,
    )
    server = subprocess.Popen(gunicorn, cwd=ROOT, env=env)
    try:
        wait_until_up(f"http://{bind}/", server)
        print("$ " + shlex.join(locust), flush=True)
        started = datetime.now(UTC)
        subprocess.run(locust, cwd=ROOT, env=env, check=False)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    load_after = os.getloadavg()[0]

    stats, failures = read_stats(locust_prefix)
    rows = [row for row in stats if row["Name"] != "Aggregated"]
    total = next(row for row in stats if row["Name"] == "Aggregated")
    server_errors = sum(
        int(f["Occurrences"]) for f in failures if re.search(r"HTTP 5\d\d|5\d\d Server Error", f["Error"])
    )
    other_failures = sum(int(f["Occurrences"]) for f in failures) - server_errors
    table = [
        "| endpoint | requests | failures | req/s | p50 | p95 | max |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in sorted(rows, key=lambda r: -int(r["Request Count"])):
        table.append(
            f"| {row['Type']} {row['Name']} | {int(row['Request Count']):,} | {int(row['Failure Count']):,} |"
            f" {float(row['Requests/s']):.1f} | {row['50%']} ms | {row['95%']} ms | {float(row['Max Response Time']):,.0f} ms |"
        )
    table.append(
        f"| **all** | {int(total['Request Count']):,} | {int(total['Failure Count']):,} |"
        f" {float(total['Requests/s']):.1f} | {total['50%']} ms | {total['95%']} ms |"
        f" {float(total['Max Response Time']):,.0f} ms |"
    )
    failure_lines = [f"- {f['Method']} {f['Name']}: {f['Error']} × {f['Occurrences']}" for f in failures]
    problems = tracebacks(log)
    print("\n".join(table))
    print(f"5xx: {server_errors}, other failures: {other_failures}")
    print("\n".join(failure_lines))
    for problem in problems[:5]:
        print(problem)
    print(f"gunicorn log: {log}")

    if not args.no_docs:
        settings = ", ".join(f"`{k}={v}`" for k, v in extra.items()) or "none"
        command = "python bench/load_test.py " + shlex.join(argv if argv is not None else sys.argv[1:])
        section = "\n".join(
            [
                START,
                f"Run {started:%Y-%m-%d %H:%M} UTC: `{command.strip()}`. Machine: {machine()}; {server_version(args.url)} "
                f"on `{make_url(args.url).host}`, the same machine; load average {load_before:.1f} before, "
                f"{load_after:.1f} after (the machine is shared).",
                "",
                f"{info_count(info)} public report ids sampled; gunicorn {args.workers} sync workers; "
                f"{args.users} locust users for {args.run_time} (2 of them operators); extension settings "
                f"from the environment: {settings}.",
                "",
                *table,
                "",
                f"**5xx: {server_errors}**; other failures: {other_failures}"
                + (":" if failure_lines else "."),
                *failure_lines,
                END,
            ]
        )
        text = DOCS.read_text()
        if START in text:
            text = text[: text.index(START)] + section + text[text.index(END) + len(END) :]
        else:
            text = text.rstrip("\n") + "\n\n## Load test (`bench/load_test.py`)\n\n" + section + "\n"
        DOCS.write_text(text)
        print(f"written into {DOCS.relative_to(ROOT)}")
    if args.drop:
        admin = sa.create_engine(make_url(args.url), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)'))
        admin.dispose()
    return 1 if server_errors else 0


def info_count(info: dict[str, object]) -> str:
    ids = info.get("public_ids")
    return f"{len(ids):,}" if isinstance(ids, list) else "0"


if __name__ == "__main__":
    sys.exit(main())
