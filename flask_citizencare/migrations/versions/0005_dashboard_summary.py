"""Dashboard summary tables, refreshed by a command.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 13:40:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

# Frozen copies of the model's column lists (flask_citizencare.models.statistics).
DAILY_COUNTS = (
    'received', 'open_now', 'closed_now', 'resolved_on', 'ack_n', 'ack_due_n', 'ack_met', 'res_n',
    'res_due_n', 'res_met', 'survey_n', 'promoters', 'detractors', 'knowledge_sum', 'resolved_sum',
)
BUCKETS = 62
AREA_COUNTS = ('received', 'open_now', 'closed_now')


def _counts(names: tuple[str, ...] | list[str]) -> list[sa.Column]:
    return [sa.Column(name, sa.Integer(), server_default='0', nullable=False) for name in names]


def upgrade() -> None:
    op.create_table(
        'cc_stats_daily',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('month', sa.Boolean(), nullable=False),
        sa.Column('category_id', sa.Integer(), nullable=False),
        sa.Column('office_id', sa.Integer(), nullable=True),
        sa.Column('assignee_id', sa.Integer(), nullable=True),
        sa.Column('public', sa.Boolean(), nullable=False),
        *_counts(DAILY_COUNTS),
        *_counts([f'ack_h{i}' for i in range(BUCKETS)]),
        *_counts([f'res_h{i}' for i in range(BUCKETS)]),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_cc_stats_daily')),
    )
    op.create_index('ix_cc_stats_daily_month_day', 'cc_stats_daily', ['month', 'day'], unique=False)
    op.create_table(
        'cc_stats_areas',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('month', sa.Boolean(), nullable=False),
        sa.Column('category_id', sa.Integer(), nullable=False),
        sa.Column('office_id', sa.Integer(), nullable=True),
        sa.Column('area', sa.String(length=100), nullable=False),
        sa.Column('public', sa.Boolean(), nullable=False),
        *_counts(AREA_COUNTS),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_cc_stats_areas')),
    )
    op.create_index('ix_cc_stats_areas_month_day', 'cc_stats_areas', ['month', 'day'], unique=False)
    op.create_table(
        'cc_stats_state',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('as_of', sa.DateTime(timezone=True), nullable=False),
        sa.Column('refreshed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('full', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_cc_stats_state')),
    )


def downgrade() -> None:
    op.drop_table('cc_stats_state')
    op.drop_index('ix_cc_stats_areas_month_day', table_name='cc_stats_areas')
    op.drop_table('cc_stats_areas')
    op.drop_index('ix_cc_stats_daily_month_day', table_name='cc_stats_daily')
    op.drop_table('cc_stats_daily')
