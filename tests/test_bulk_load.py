"""After a bulk load: statistics, visibility map and summary fresh; no live aggregation on a request."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_citizencare.demo import load_demo
from flask_citizencare.models import Office
from flask_citizencare.models.base import utcnow
from flask_citizencare.queries.bulk_load import refresh_after_bulk_load
from flask_citizencare.queries.statistics import Scope, dashboard, last_refresh

from .factories import create_report
from .host import host_db
from .test_dashboard import _same_counts

ROME = ZoneInfo("Europe/Rome")
EN = {"Accept-Language": "en"}


@contextmanager
def statements_on_reports(app: Flask) -> Iterator[list[str]]:
    """Every SQL statement the app sends that reads or writes ``cc_reports``, while inside."""
    seen: list[str] = []

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        if "cc_reports" in statement.replace("cc_reports_", ""):
            seen.append(statement)

    with app.app_context():
        engine = host_db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


def figures(app: Flask, source: str):  # type: ignore[no-untyped-def]
    with app.test_request_context():
        districts = app.config["CITIZENCARE_DISTRICTS"]
        return dashboard(host_db.session, Scope(), timezone=ROME, districts=districts, source=source)


def test_demo_data_leaves_everything_fresh(app: Flask, backend: str) -> None:
    # Treat the demo's 60 reports as a large table: the dashboard may not compute live.
    app.config["CITIZENCARE_DASHBOARD_LIVE_MAX_REPORTS"] = 10
    loaded_from = utcnow() - timedelta(seconds=1)
    with app.app_context():
        summary = load_demo(60, seed=3)
        assert summary.added == 60 and summary.after_load is not None
        as_of = last_refresh(host_db.session)
        assert as_of is not None and as_of >= loaded_from
        host_db.session.commit()

        engine = host_db.engine
        with engine.connect() as connection:
            if backend == "postgis":
                row = connection.execute(
                    sa.text(
                        "SELECT s.last_analyze, s.last_vacuum, c.reltuples, c.relpages, c.relallvisible "
                        "FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid "
                        "WHERE s.relname = 'cc_reports'"
                    )
                ).one()
                assert row.last_analyze >= loaded_from and row.last_vacuum >= loaded_from
                # What the planner reads: the row count, and every page all-visible (index-only scans).
                # (n_mod_since_analyze may show the load's inserts again: the loading connection
                # reports its counts up to a second late, after the ANALYZE.)
                assert row.reltuples == 60 and row.relpages > 0 and row.relallvisible == row.relpages
            else:
                stats = connection.execute(
                    sa.text("SELECT stat FROM sqlite_stat1 WHERE tbl = 'cc_reports'")
                ).all()
                # The whole-table indexes count 60 rows (partial ones fewer).
                assert any(stat.split()[0] == "60" for (stat,) in stats), stats

    # The summary holds what a live computation finds.
    summary_figures, live_figures = figures(app, "summary"), figures(app, "live")
    assert summary_figures.as_of == as_of and live_figures.received > 0
    _same_counts(live_figures, summary_figures)

    # The public dashboard answers from it and never touches cc_reports.
    with statements_on_reports(app) as seen:
        page = app.test_client().get("/citizencare/dashboard", headers=EN)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Figures as of" in html and "being prepared" not in html
    assert seen == []


def test_large_table_without_summary_is_never_aggregated_on_a_request(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    app.config["CITIZENCARE_DASHBOARD_LIVE_MAX_REPORTS"] = 3
    with app.app_context():
        for _ in range(5):
            create_report(host_db.session)
        host_db.session.commit()
    client = app.test_client()

    with caplog.at_level(logging.WARNING, logger="flask_citizencare"), statements_on_reports(app) as seen:
        page = client.get("/citizencare/dashboard", headers=EN)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "The figures are being prepared" in html and "Figures computed now" not in html
    # Only the bounded count that tells a large table from a small one.
    assert len(seen) == 1 and "LIMIT" in seen[0].upper(), seen
    assert any("flask citizencare stats refresh" in r.getMessage() for r in caplog.records)
    with app.app_context():
        assert last_refresh(host_db.session) is None  # a request does not refresh either

    # The same reports under the threshold: computed live, as before.
    app.config["CITIZENCARE_DASHBOARD_LIVE_MAX_REPORTS"] = 5
    html = client.get("/citizencare/dashboard", headers=EN).get_data(as_text=True)
    assert "Figures computed now" in html and "being prepared" not in html


def test_summary_source_without_a_refresh_says_so(app: Flask) -> None:
    app.config["CITIZENCARE_DASHBOARD_SOURCE"] = "summary"
    html = app.test_client().get("/citizencare/dashboard", headers=EN).get_data(as_text=True)
    assert "The figures are being prepared" in html and "Figures computed now" not in html


def test_after_bulk_load_command(app: Flask) -> None:
    with app.app_context():
        for _ in range(3):
            create_report(host_db.session)
        host_db.session.commit()
    result = app.test_cli_runner().invoke(args=["citizencare", "after-bulk-load", "--rebuild-map-cells"])
    assert result.exit_code == 0, result.output
    assert "cc_reports" in result.output and "map cell(s) rebuilt" in result.output
    assert "dashboard summary rebuilt" in result.output
    _same_counts(figures(app, "live"), figures(app, "summary"))
    assert figures(app, "auto").as_of is not None


def test_refuses_to_run_inside_an_unfinished_load(app: Flask) -> None:
    with app.app_context():
        host_db.session.add(Office(code="nuovo", name="Nuovo ufficio"))
        with pytest.raises(RuntimeError, match="committed"):
            refresh_after_bulk_load(host_db.session, timezone=ROME, districts=())
        host_db.session.rollback()
        assert last_refresh(host_db.session) is None
