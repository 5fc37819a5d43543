"""After PostgreSQL restarts, the example site answers at once: its pool checks each connection.

Restarting the server (an upgrade, a failover) kills every pooled connection.
``engine_options_for`` turns on ``pool_pre_ping`` for PostgreSQL, so the first
request after the restart reconnects instead of answering 500. The restart is
played by ``pg_terminate_backend`` on the site's connections, the same loss a
worker sees.
"""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

from example_site import create_app
from example_site.extensions import db
from flask_citizencare import engine_options_for

from .conftest import POSTGRES_ENV

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


def test_postgresql_connections_are_checked_before_use() -> None:
    assert engine_options_for("postgresql+psycopg://comune@/comune") == {"pool_pre_ping": True}
    assert "pool_pre_ping" not in engine_options_for("sqlite:///comune.sqlite")


def test_a_page_answers_after_the_server_dropped_every_connection(backend: str, database_url: str) -> None:
    if backend != "postgis":
        pytest.skip(f"a PostgreSQL server's restart (set {POSTGRES_ENV} to run it)")
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url})
    client = app.test_client()
    try:
        assert client.get("/segnalazioni/reports").status_code == 200
        with app.app_context():
            assert db.engine.pool.checkedin() >= 1  # the connection the page used waits in the pool
            name = db.engine.url.database
        admin = sa.create_engine(os.environ[POSTGRES_ENV], isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            killed = connection.execute(
                sa.text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            ).scalar_one()
        admin.dispose()
        assert killed >= 1
        # The pooled connection is dead; the page reconnects instead of failing.
        assert client.get("/segnalazioni/reports").status_code == 200
        assert client.get("/segnalazioni/reports").status_code == 200
    finally:
        with app.app_context():
            db.engine.dispose()
