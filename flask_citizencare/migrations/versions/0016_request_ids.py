"""The request (or scheduled job) that wrote an outbox mail or an audit entry.

``request_id`` is the ``X-Request-ID`` of the web request, or the job id of
the command, that was running when the row was written; the mail carries it
as its own ``X-Request-ID`` header, so a mail and an audit entry can be
matched with the log lines of the same request.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 00:45:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('cc_outbox', sa.Column('request_id', sa.String(length=64), nullable=True))
    op.add_column('cc_audit_entries', sa.Column('request_id', sa.String(length=64), nullable=True))


def downgrade() -> None:
    op.drop_column('cc_audit_entries', 'request_id')
    op.drop_column('cc_outbox', 'request_id')
