"""Suggestions learned from history: trained models, the record of suggestions and decisions,
and the per-category threshold of automatic routing.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 19:10:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('cc_suggestion_models',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('format', sa.Integer(), nullable=False),
    sa.Column('fingerprint', sa.String(length=32), nullable=False),
    sa.Column('categories', sa.JSON(), nullable=False),
    sa.Column('offices', sa.JSON(), nullable=False),
    sa.Column('cases', sa.Integer(), nullable=False),
    sa.Column('seed', sa.Integer(), nullable=False),
    sa.Column('trained_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('training_seconds', sa.Float(), nullable=False),
    sa.Column('metrics', sa.JSON(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('payload', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cc_suggestion_models')),
    sa.UniqueConstraint('version', name=op.f('uq_cc_suggestion_models_version'))
    )
    op.create_table('cc_suggestions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=16), nullable=False),
    sa.Column('suggested_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('model_version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decision', sa.String(length=16), nullable=True),
    sa.Column('decided_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('automatic', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.CheckConstraint("field IN ('category', 'office')", name=op.f('ck_cc_suggestions_field_known')),
    sa.CheckConstraint("decision IS NULL OR decision IN ('accepted', 'rejected')",
                       name=op.f('ck_cc_suggestions_decision_known')),
    sa.ForeignKeyConstraint(['actor_id'], ['cc_staff.id'], name=op.f('fk_cc_suggestions_actor_id_cc_staff'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['report_id'], ['cc_reports.id'], name=op.f('fk_cc_suggestions_report_id_cc_reports'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cc_suggestions'))
    )
    op.create_index('ix_cc_suggestions_report_field', 'cc_suggestions', ['report_id', 'field'], unique=False)
    op.create_index('ix_cc_suggestions_decided', 'cc_suggestions', ['field', 'decided_at'], unique=False)
    op.add_column('cc_categories', sa.Column('auto_route_threshold', sa.Float(), nullable=True))


def downgrade() -> None:
    op.drop_column('cc_categories', 'auto_route_threshold')
    op.drop_index('ix_cc_suggestions_decided', table_name='cc_suggestions')
    op.drop_index('ix_cc_suggestions_report_field', table_name='cc_suggestions')
    op.drop_table('cc_suggestions')
    op.drop_table('cc_suggestion_models')
