"""Offices: another administration's office (its waits may suspend the clock).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 00:45:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('cc_offices', sa.Column('external', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    op.drop_column('cc_offices', 'external')
