"""Service-level overrides per category, set by managers.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 11:48:59.309781
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
import geoalchemy2


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('cc_categories', sa.Column('sla', sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column('cc_categories', 'sla')
