"""Full-text search over reports for the knowledge base (and similar cases).

PostgreSQL: a GIN expression index on the Italian ``to_tsvector`` of title and
description; the query in ``flask_citizencare.services.knowledge`` repeats the
expression exactly, so the planner can use it. The index covers every report
(not only resolved ones): the case workspace also searches open reports.

SQLite: an FTS5 external-content table over ``cc_reports`` (no copy of the
text), kept in step by triggers, and rebuilt here to index existing rows.

Neither object belongs to the models: ``migrations_support.include_object``
keeps them out of the schema comparison.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 09:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

#: Keep in step with ``flask_citizencare.services.knowledge.PG_DOCUMENT``.
PG_INDEX = "ix_cc_reports_fts_italian"
PG_DOCUMENT = "to_tsvector('italian', coalesce(title, '') || ' ' || coalesce(description, ''))"

SQLITE_STATEMENTS = (
    "CREATE VIRTUAL TABLE cc_reports_fts USING fts5("
    "title, description, content='cc_reports', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2')",
    # External content: the index must be told the old values to forget them.
    "CREATE TRIGGER cc_reports_fts_insert AFTER INSERT ON cc_reports BEGIN "
    "INSERT INTO cc_reports_fts(rowid, title, description) VALUES (new.id, new.title, new.description); "
    "END",
    "CREATE TRIGGER cc_reports_fts_delete AFTER DELETE ON cc_reports BEGIN "
    "INSERT INTO cc_reports_fts(cc_reports_fts, rowid, title, description) "
    "VALUES ('delete', old.id, old.title, old.description); "
    "END",
    "CREATE TRIGGER cc_reports_fts_update AFTER UPDATE OF id, title, description ON cc_reports BEGIN "
    "INSERT INTO cc_reports_fts(cc_reports_fts, rowid, title, description) "
    "VALUES ('delete', old.id, old.title, old.description); "
    "INSERT INTO cc_reports_fts(rowid, title, description) VALUES (new.id, new.title, new.description); "
    "END",
    "INSERT INTO cc_reports_fts(cc_reports_fts) VALUES ('rebuild')",
)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(f"CREATE INDEX {PG_INDEX} ON cc_reports USING gin ({PG_DOCUMENT})")
    elif dialect == "sqlite":
        for statement in SQLITE_STATEMENTS:
            op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {PG_INDEX}")
    elif dialect == "sqlite":
        for trigger in ("cc_reports_fts_update", "cc_reports_fts_delete", "cc_reports_fts_insert"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS cc_reports_fts")
