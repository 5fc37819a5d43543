"""The AgID model: page ratings of the feedback widget, server-side drafts of the three-step report form.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 09:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('cc_page_ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('page', sa.String(length=200), nullable=False),
    sa.Column('rating', sa.SmallInteger(), nullable=False),
    sa.Column('answer', sa.String(length=40), nullable=True),
    sa.Column('comment', sa.String(length=200), nullable=True),
    sa.Column('locale', sa.String(length=8), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('rating BETWEEN 1 AND 5', name=op.f('ck_cc_page_ratings_rating_range')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cc_page_ratings'))
    )
    op.create_index('ix_cc_page_ratings_page_created_at', 'cc_page_ratings', ['page', 'created_at'], unique=False)
    op.create_table('cc_report_drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('step', sa.SmallInteger(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('photos', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cc_report_drafts')),
    sa.UniqueConstraint('token', name=op.f('uq_cc_report_drafts_token'))
    )
    op.create_index(op.f('ix_cc_report_drafts_expires_at'), 'cc_report_drafts', ['expires_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_cc_report_drafts_expires_at'), table_name='cc_report_drafts')
    op.drop_table('cc_report_drafts')
    op.drop_index('ix_cc_page_ratings_page_created_at', table_name='cc_page_ratings')
    op.drop_table('cc_page_ratings')
