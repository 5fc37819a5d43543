"""Open311: API keys, what clients filed through the API, categories' keywords, the lists' indexes.

``cc_api_keys`` holds each client's key as a keyed hash (the key is shown once);
``cc_api_submissions`` ties a report filed through the API to its client, the
client's ``Idempotency-Key``, its token and the identifiers it sent.
Indexes: the public requests list by time requested (partial, public and not
merged), reports by last update (``updated_after``), steps by time (the
updates feed).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 16:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

PUBLIC = "is_public IS {true} AND duplicate_of_id IS NULL"


def upgrade() -> None:
    op.create_table('cc_api_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('prefix', sa.String(length=12), nullable=False),
    sa.Column('key_hash', sa.String(length=128), nullable=False),
    sa.Column('can_post', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('rate', sa.String(length=120), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('uses', sa.BigInteger(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cc_api_keys')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_cc_api_keys_key_hash')),
    sa.UniqueConstraint('name', name=op.f('uq_cc_api_keys_name'))
    )
    op.create_table('cc_api_submissions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('api_key_id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('idempotency_key', sa.String(length=200), nullable=True),
    sa.Column('device_id', sa.String(length=200), nullable=True),
    sa.Column('account_id', sa.String(length=200), nullable=True),
    sa.Column('media_url', sa.String(length=2000), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['api_key_id'], ['cc_api_keys.id'], name=op.f('fk_cc_api_submissions_api_key_id_cc_api_keys'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['report_id'], ['cc_reports.id'], name=op.f('fk_cc_api_submissions_report_id_cc_reports'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cc_api_submissions')),
    sa.UniqueConstraint('api_key_id', 'idempotency_key', name='uq_cc_api_submissions_idempotency'),
    sa.UniqueConstraint('report_id', name=op.f('uq_cc_api_submissions_report_id')),
    sa.UniqueConstraint('token', name=op.f('uq_cc_api_submissions_token'))
    )
    op.create_index(op.f('ix_cc_api_submissions_api_key_id'), 'cc_api_submissions', ['api_key_id'], unique=False)

    op.add_column('cc_categories', sa.Column('keywords', sa.JSON(), nullable=True))

    op.create_index('ix_cc_reports_public_received', 'cc_reports', ['received_at', 'id'], unique=False,
                    postgresql_where=sa.text(PUBLIC.format(true='true')),
                    sqlite_where=sa.text(PUBLIC.format(true='1')))
    op.create_index('ix_cc_reports_updated_at', 'cc_reports', ['updated_at'], unique=False)
    op.create_index('ix_cc_status_events_at', 'cc_status_events', ['at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_cc_status_events_at', table_name='cc_status_events')
    op.drop_index('ix_cc_reports_updated_at', table_name='cc_reports')
    op.drop_index('ix_cc_reports_public_received', table_name='cc_reports')
    op.drop_column('cc_categories', 'keywords')
    op.drop_index(op.f('ix_cc_api_submissions_api_key_id'), table_name='cc_api_submissions')
    op.drop_table('cc_api_submissions')
    op.drop_table('cc_api_keys')
