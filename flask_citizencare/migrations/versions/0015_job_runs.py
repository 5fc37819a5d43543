"""The scheduled commands' last runs (``cc_job_runs``), for monitoring.

Each command (``sla sweep``, ``stats refresh``, ``outbox send`` ...) writes
when it last started, succeeded and failed; the metrics and ``doctor`` read it.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 23:40:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('cc_job_runs',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('last_started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_succeeded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_failed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_cc_job_runs'))
    )


def downgrade() -> None:
    op.drop_table('cc_job_runs')
