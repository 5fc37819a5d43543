"""Open311's requests list: its index by time requested also carries what the filters read.

``ix_cc_reports_public_received`` (public, not merged, by ``received_at, id``)
is replaced by ``ix_cc_reports_public_received_cover``, the same keys and rows
with ``point``, ``status`` and ``category_id`` included on PostgreSQL: the page
of a box, a circle, a status or a service is then picked from the index alone
(an index-only scan), and only its rows are read from the table. SQLite has no
included columns: there it is the same index as before under the new name.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 18:20:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

PUBLIC = "is_public IS {true} AND duplicate_of_id IS NULL"


def upgrade() -> None:
    op.drop_index('ix_cc_reports_public_received', table_name='cc_reports')
    op.create_index('ix_cc_reports_public_received_cover', 'cc_reports', ['received_at', 'id'], unique=False,
                    postgresql_include=['point', 'status', 'category_id'],
                    postgresql_where=sa.text(PUBLIC.format(true='true')),
                    sqlite_where=sa.text(PUBLIC.format(true='1')))


def downgrade() -> None:
    op.drop_index('ix_cc_reports_public_received_cover', table_name='cc_reports')
    op.create_index('ix_cc_reports_public_received', 'cc_reports', ['received_at', 'id'], unique=False,
                    postgresql_where=sa.text(PUBLIC.format(true='true')),
                    sqlite_where=sa.text(PUBLIC.format(true='1')))
