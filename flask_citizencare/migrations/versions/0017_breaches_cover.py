"""The metrics' service-level breaches by level are counted from the index alone.

``ix_cc_reports_status_due_at`` (status, due_at) gets ``level`` included on
PostgreSQL: a scrape counts the open cases past their due time by level with
an index-only scan instead of reading a table row for each (at 10^6 reports
with 44,000 of them overdue: 35,000 pages). Same keys, so the triage queue's
range scans are unchanged. SQLite has no included columns: there the index
stays as it was.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 01:35:00
"""
from __future__ import annotations

from alembic import op


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.drop_index('ix_cc_reports_status_due_at', table_name='cc_reports')
    op.create_index('ix_cc_reports_status_due_at', 'cc_reports', ['status', 'due_at'], unique=False,
                    postgresql_include=['level'])


def downgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.drop_index('ix_cc_reports_status_due_at', table_name='cc_reports')
    op.create_index('ix_cc_reports_status_due_at', 'cc_reports', ['status', 'due_at'], unique=False)
