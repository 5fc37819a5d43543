"""Catalogue administration: category settings, routing rules, stored settings, templates, audit, imports.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 06:10:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # No foreign key (see the model): SQLite cannot add one to an existing table.
    op.add_column('cc_categories', sa.Column('successor_id', sa.Integer(), nullable=True))
    op.add_column('cc_categories', sa.Column('duplicate_radius_m', sa.Integer(), nullable=True))
    op.add_column('cc_categories', sa.Column('duplicate_age_days', sa.Integer(), nullable=True))
    op.add_column('cc_categories', sa.Column('urgent_notice', sa.Text(), server_default='', nullable=False))
    op.add_column(
        'cc_categories', sa.Column('urgent_notices', sa.JSON(), server_default=sa.text("'{}'"), nullable=False)
    )
    op.add_column('cc_categories', sa.Column('retention_months', sa.Integer(), nullable=True))
    op.add_column('cc_categories', sa.Column('supports_threshold', sa.Integer(), nullable=True))

    op.create_table('cc_routing_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), server_default='0', nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('district', sa.String(length=64), nullable=True),
    sa.Column('area', sa.JSON(), nullable=True),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=200), server_default='', nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['cc_categories.id'], name=op.f('fk_cc_routing_rules_category_id_cc_categories'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['office_id'], ['cc_offices.id'], name=op.f('fk_cc_routing_rules_office_id_cc_offices'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cc_routing_rules'))
    )
    op.create_table('cc_catalogue_settings',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.JSON(), nullable=False),
    sa.Column('revision', sa.Integer(), server_default='1', nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_cc_catalogue_settings'))
    )
    op.create_table('cc_audit_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=200), nullable=False),
    sa.Column('subject_type', sa.String(length=32), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=True),
    sa.Column('subject_label', sa.String(length=200), server_default='', nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['cc_staff.id'], name=op.f('fk_cc_audit_entries_actor_id_cc_staff'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cc_audit_entries'))
    )
    op.create_index('ix_cc_audit_entries_subject', 'cc_audit_entries', ['subject_type', 'subject_id', 'at'])
    op.create_index('ix_cc_audit_entries_at', 'cc_audit_entries', ['at'])
    op.create_table('cc_report_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_sha256', sa.String(length=64), nullable=False),
    sa.Column('source_name', sa.String(length=300), nullable=False),
    sa.Column('mapping', sa.JSON(), nullable=False),
    sa.Column('rows_total', sa.Integer(), server_default='0', nullable=False),
    sa.Column('rows_done', sa.Integer(), server_default='0', nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cc_report_imports')),
    sa.UniqueConstraint('source_sha256', name=op.f('uq_cc_report_imports_source_sha256'))
    )
    op.add_column('cc_canned_replies', sa.Column('code', sa.String(length=64), nullable=True))
    op.add_column('cc_canned_replies', sa.Column('status', sa.String(length=16), nullable=True))
    op.add_column(
        'cc_canned_replies', sa.Column('auto_send', sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    op.create_index('ix_cc_canned_replies_code', 'cc_canned_replies', ['code'], unique=True)


def downgrade() -> None:
    op.drop_index('ix_cc_canned_replies_code', table_name='cc_canned_replies')
    for column in ('auto_send', 'status', 'code'):
        op.drop_column('cc_canned_replies', column)
    op.drop_table('cc_report_imports')
    op.drop_index('ix_cc_audit_entries_at', table_name='cc_audit_entries')
    op.drop_index('ix_cc_audit_entries_subject', table_name='cc_audit_entries')
    op.drop_table('cc_audit_entries')
    op.drop_table('cc_catalogue_settings')
    op.drop_table('cc_routing_rules')
    for column in (
        'supports_threshold', 'retention_months', 'urgent_notices', 'urgent_notice',
        'duplicate_age_days', 'duplicate_radius_m',
    ):
        op.drop_column('cc_categories', column)
    op.drop_column('cc_categories', 'successor_id')
