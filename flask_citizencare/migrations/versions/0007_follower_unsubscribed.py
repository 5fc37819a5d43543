"""Followers: when an address took itself off a report.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 14:10:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('cc_followers', sa.Column('unsubscribed_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column('cc_followers', 'unsubscribed_at')
