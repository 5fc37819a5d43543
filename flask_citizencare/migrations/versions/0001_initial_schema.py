"""Initial schema: reports, catalogue, people, threads, outbox, surveys, notices.

Revision ID: 0001
Revises: 
Create Date: 2026-11-23 10:37:43.393626
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
import geoalchemy2
from geoalchemy2 import Geometry

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.create_table('cc_counters',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_cc_counters'))
    )
    op.create_table('cc_notice_subscribers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('locale', sa.String(length=8), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cc_notice_subscribers')),
    sa.UniqueConstraint('email', name=op.f('uq_cc_notice_subscribers_email'))
    )
    op.create_geospatial_table('cc_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('affected', sa.String(length=300), nullable=False),
    sa.Column('area', Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), nullable=True),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('incident', 'planned')", name=op.f('ck_cc_notices_kind_known')),
    sa.CheckConstraint("status IN ('draft', 'scheduled', 'active', 'resolved')", name=op.f('ck_cc_notices_status_known')),
    sa.CheckConstraint('ends_at IS NULL OR ends_at >= starts_at', name=op.f('ck_cc_notices_ends_after_start')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cc_notices'))
    )
    op.create_geospatial_index('idx_cc_notices_area', 'cc_notices', ['area'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_table('cc_offices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cc_offices')),
    sa.UniqueConstraint('code', name=op.f('uq_cc_offices_code'))
    )
    op.create_table('cc_staff',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.String(length=128), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('locale', sa.String(length=8), nullable=True),
    sa.Column('notify_assignments', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('notify_replies', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role IN ('admin', 'manager', 'operator', 'technician')", name=op.f('ck_cc_staff_role_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cc_staff')),
    sa.UniqueConstraint('user_id', name=op.f('uq_cc_staff_user_id'))
    )
    op.create_table('cc_categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('group', sa.String(length=120), server_default='', nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('help_text', sa.Text(), server_default='', nullable=False),
    sa.Column('names', sa.JSON(), nullable=False),
    sa.Column('help_texts', sa.JSON(), nullable=False),
    sa.Column('questions', sa.JSON(), nullable=False),
    sa.Column('kinds', sa.String(length=16), server_default='both', nullable=False),
    sa.Column('needs_location', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('default_office_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), server_default='0', nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.CheckConstraint("kinds IN ('issue', 'proposal', 'both')", name=op.f('ck_cc_categories_kinds_known')),
    sa.ForeignKeyConstraint(['default_office_id'], ['cc_offices.id'], name=op.f('fk_cc_categories_default_office_id_cc_offices'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cc_categories')),
    sa.UniqueConstraint('code', name=op.f('uq_cc_categories_code'))
    )
    op.create_table('cc_notice_updates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['notice_id'], ['cc_notices.id'], name=op.f('fk_cc_notice_updates_notice_id_cc_notices'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cc_notice_updates'))
    )
    op.create_index(op.f('ix_cc_notice_updates_notice_id'), 'cc_notice_updates', ['notice_id'], unique=False)
    op.create_table('cc_office_members',
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['office_id'], ['cc_offices.id'], name=op.f('fk_cc_office_members_office_id_cc_offices'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['staff_id'], ['cc_staff.id'], name=op.f('fk_cc_office_members_staff_id_cc_staff'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('staff_id', 'office_id', name=op.f('pk_cc_office_members'))
    )
    op.create_table('cc_canned_replies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['cc_categories.id'], name=op.f('fk_cc_canned_replies_category_id_cc_categories'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cc_canned_replies'))
    )
    op.create_table('cc_notice_categories',
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['cc_categories.id'], name=op.f('fk_cc_notice_categories_category_id_cc_categories'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['notice_id'], ['cc_notices.id'], name=op.f('fk_cc_notice_categories_notice_id_cc_notices'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('notice_id', 'category_id', name=op.f('pk_cc_notice_categories'))
    )
    op.create_geospatial_table('cc_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=20), nullable=False),
    sa.Column('tracking_token', sa.String(length=64), nullable=False),
    sa.Column('submission_token', sa.String(length=64), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('public_title', sa.String(length=200), nullable=True),
    sa.Column('public_description', sa.Text(), nullable=True),
    sa.Column('point', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), nullable=True),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('priority', sa.String(length=16), nullable=False),
    sa.Column('level', sa.SmallInteger(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=True),
    sa.Column('office_id', sa.Integer(), nullable=True),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('resolver_id', sa.Integer(), nullable=True),
    sa.Column('is_public', sa.Boolean(), nullable=False),
    sa.Column('moderated', sa.Boolean(), nullable=False),
    sa.Column('duplicate_of_id', sa.Integer(), nullable=True),
    sa.Column('reject_reason', sa.Text(), nullable=True),
    sa.Column('supports_count', sa.Integer(), nullable=False),
    sa.Column('duplicates_count', sa.Integer(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('suspended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ack_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolve_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sla_breached_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("(status = 'rejected') = (reject_reason IS NOT NULL)", name=op.f('ck_cc_reports_rejected_has_reason')),
    sa.CheckConstraint("(status = 'suspended') = (suspended_at IS NOT NULL)", name=op.f('ck_cc_reports_suspended_since')),
    sa.CheckConstraint("NOT status IN ('acknowledged', 'closed', 'in_progress', 'resolved', 'suspended') OR acknowledged_at IS NOT NULL", name=op.f('ck_cc_reports_taken_in_charge_acknowledged')),
    sa.CheckConstraint("channel IN ('api', 'counter', 'email', 'fax', 'letter', 'phone', 'web')", name=op.f('ck_cc_reports_channel_known')),
    sa.CheckConstraint("duplicate_of_id IS NULL OR (status = 'rejected' AND duplicate_of_id <> id)", name=op.f('ck_cc_reports_duplicate_is_rejected')),
    sa.CheckConstraint("kind IN ('issue', 'proposal')", name=op.f('ck_cc_reports_kind_known')),
    sa.CheckConstraint("outcome IS NULL OR (kind = 'proposal' AND outcome IN ('accepted', 'implemented', 'not_accepted', 'under_review'))", name=op.f('ck_cc_reports_outcome_only_for_proposals')),
    sa.CheckConstraint("priority IN ('high', 'low', 'normal', 'urgent')", name=op.f('ck_cc_reports_priority_known')),
    sa.CheckConstraint("status <> 'in_progress' OR office_id IS NOT NULL OR assignee_id IS NOT NULL", name=op.f('ck_cc_reports_in_progress_assigned')),
    sa.CheckConstraint("status IN ('acknowledged', 'closed', 'in_progress', 'new', 'rejected', 'resolved', 'suspended')", name=op.f('ck_cc_reports_status_known')),
    sa.CheckConstraint("status NOT IN ('resolved', 'closed') OR resolved_at IS NOT NULL", name=op.f('ck_cc_reports_resolved_has_time')),
    sa.CheckConstraint('level IN (1, 2)', name=op.f('ck_cc_reports_level_known')),
    sa.CheckConstraint('version >= 1', name=op.f('ck_cc_reports_version_positive')),
    sa.ForeignKeyConstraint(['assignee_id'], ['cc_staff.id'], name=op.f('fk_cc_reports_assignee_id_cc_staff'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['category_id'], ['cc_categories.id'], name=op.f('fk_cc_reports_category_id_cc_categories')),
    sa.ForeignKeyConstraint(['duplicate_of_id'], ['cc_reports.id'], name=op.f('fk_cc_reports_duplicate_of_id_cc_reports')),
    sa.ForeignKeyConstraint(['office_id'], ['cc_offices.id'], name=op.f('fk_cc_reports_office_id_cc_offices'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['resolver_id'], ['cc_staff.id'], name=op.f('fk_cc_reports_resolver_id_cc_staff'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cc_reports')),
    sa.UniqueConstraint('public_id', name=op.f('uq_cc_reports_public_id')),
    sa.UniqueConstraint('submission_token', name=op.f('uq_cc_reports_submission_token')),
    sa.UniqueConstraint('tracking_token', name=op.f('uq_cc_reports_tracking_token'))
    )
    op.create_geospatial_index('idx_cc_reports_point', 'cc_reports', ['point'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index('ix_cc_reports_category_created', 'cc_reports', ['category_id', 'created_at'], unique=False)
    op.create_index('ix_cc_reports_created_at', 'cc_reports', ['created_at'], unique=False)
    op.create_index('ix_cc_reports_office_status', 'cc_reports', ['office_id', 'status'], unique=False)
    op.create_index('ix_cc_reports_status_resolve_due', 'cc_reports', ['status', 'resolve_due_at'], unique=False)
    op.create_table('cc_followers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('locale', sa.String(length=8), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['cc_reports.id'], name=op.f('fk_cc_followers_report_id_cc_reports'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cc_followers')),
    sa.UniqueConstraint('report_id', 'email', name='uq_cc_followers_once')
    )
    op.create_table('cc_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('visibility', sa.String(length=10), nullable=False),
    sa.Column('author_kind', sa.String(length=10), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('source', sa.String(length=8), nullable=False),
    sa.Column('email_message_id', sa.String(length=250), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("author_kind <> 'staff' OR author_id IS NOT NULL", name=op.f('ck_cc_messages_staff_message_has_author')),
    sa.CheckConstraint("author_kind IN ('reporter', 'staff', 'system')", name=op.f('ck_cc_messages_author_known')),
    sa.CheckConstraint("visibility IN ('internal', 'private', 'public')", name=op.f('ck_cc_messages_visibility_known')),
    sa.ForeignKeyConstraint(['author_id'], ['cc_staff.id'], name=op.f('fk_cc_messages_author_id_cc_staff'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['report_id'], ['cc_reports.id'], name=op.f('fk_cc_messages_report_id_cc_reports'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cc_messages')),
    sa.UniqueConstraint('email_message_id', name=op.f('uq_cc_messages_email_message_id'))
    )
    op.create_index('ix_cc_messages_report_created', 'cc_messages', ['report_id', 'created_at'], unique=False)
    op.create_table('cc_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.String(length=250), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=True),
    sa.Column('template', sa.String(length=60), nullable=False),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('locale', sa.String(length=8), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body_text', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=True),
    sa.Column('reply_to', sa.String(length=254), nullable=True),
    sa.Column('headers', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=8), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_by', sa.String(length=80), nullable=True),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("state IN ('pending', 'sent', 'dead')", name=op.f('ck_cc_outbox_state_known')),
    sa.CheckConstraint('attempts >= 0', name=op.f('ck_cc_outbox_attempts_positive')),
    sa.ForeignKeyConstraint(['report_id'], ['cc_reports.id'], name=op.f('fk_cc_outbox_report_id_cc_reports'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cc_outbox')),
    sa.UniqueConstraint('message_id', name=op.f('uq_cc_outbox_message_id'))
    )
    op.create_index('ix_cc_outbox_state_next', 'cc_outbox', ['state', 'next_attempt_at'], unique=False)
    op.create_table('cc_reporter_contacts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.String(length=128), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('locale', sa.String(length=8), nullable=True),
    sa.Column('consent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['report_id'], ['cc_reports.id'], name=op.f('fk_cc_reporter_contacts_report_id_cc_reports'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cc_reporter_contacts')),
    sa.UniqueConstraint('report_id', name=op.f('uq_cc_reporter_contacts_report_id'))
    )
    op.create_index(op.f('ix_cc_reporter_contacts_email'), 'cc_reporter_contacts', ['email'], unique=False)
    op.create_index(op.f('ix_cc_reporter_contacts_user_id'), 'cc_reporter_contacts', ['user_id'], unique=False)
    op.create_table('cc_status_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('from_status', sa.String(length=16), nullable=True),
    sa.Column('to_status', sa.String(length=16), nullable=False),
    sa.Column('actor_kind', sa.String(length=8), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('public', sa.Boolean(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.CheckConstraint("actor_kind IN ('citizen', 'staff', 'system')", name=op.f('ck_cc_status_events_actor_known')),
    sa.CheckConstraint("from_status IS NULL OR from_status IN ('acknowledged', 'closed', 'in_progress', 'new', 'rejected', 'resolved', 'suspended')", name=op.f('ck_cc_status_events_from_known')),
    sa.CheckConstraint("to_status IN ('acknowledged', 'closed', 'in_progress', 'new', 'rejected', 'resolved', 'suspended')", name=op.f('ck_cc_status_events_to_known')),
    sa.ForeignKeyConstraint(['actor_id'], ['cc_staff.id'], name=op.f('fk_cc_status_events_actor_id_cc_staff'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['report_id'], ['cc_reports.id'], name=op.f('fk_cc_status_events_report_id_cc_reports'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cc_status_events'))
    )
    op.create_index('ix_cc_status_events_report_at', 'cc_status_events', ['report_id', 'at'], unique=False)
    op.create_table('cc_supports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('supporter', sa.String(length=128), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['cc_reports.id'], name=op.f('fk_cc_supports_report_id_cc_reports'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cc_supports')),
    sa.UniqueConstraint('report_id', 'supporter', name='uq_cc_supports_once')
    )
    op.create_table('cc_survey_responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('recommend', sa.SmallInteger(), nullable=False),
    sa.Column('knowledge', sa.SmallInteger(), nullable=False),
    sa.Column('resolved', sa.SmallInteger(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('office_id', sa.Integer(), nullable=True),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('flagged', sa.Boolean(), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('knowledge BETWEEN 0 AND 10', name=op.f('ck_cc_survey_responses_knowledge_range')),
    sa.CheckConstraint('recommend BETWEEN 0 AND 10', name=op.f('ck_cc_survey_responses_recommend_range')),
    sa.CheckConstraint('resolved BETWEEN 0 AND 10', name=op.f('ck_cc_survey_responses_resolved_range')),
    sa.ForeignKeyConstraint(['category_id'], ['cc_categories.id'], name=op.f('fk_cc_survey_responses_category_id_cc_categories'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['office_id'], ['cc_offices.id'], name=op.f('fk_cc_survey_responses_office_id_cc_offices'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['report_id'], ['cc_reports.id'], name=op.f('fk_cc_survey_responses_report_id_cc_reports'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cc_survey_responses')),
    sa.UniqueConstraint('report_id', name=op.f('uq_cc_survey_responses_report_id'))
    )
    op.create_table('cc_photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('storage_key', sa.String(length=80), nullable=False),
    sa.Column('thumbnail_key', sa.String(length=80), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('hidden', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['cc_messages.id'], name=op.f('fk_cc_photos_message_id_cc_messages'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['report_id'], ['cc_reports.id'], name=op.f('fk_cc_photos_report_id_cc_reports'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cc_photos')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_cc_photos_storage_key')),
    sa.UniqueConstraint('thumbnail_key', name=op.f('uq_cc_photos_thumbnail_key'))
    )
    op.create_index(op.f('ix_cc_photos_report_id'), 'cc_photos', ['report_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_cc_photos_report_id'), table_name='cc_photos')
    op.drop_table('cc_photos')
    op.drop_table('cc_survey_responses')
    op.drop_table('cc_supports')
    op.drop_index('ix_cc_status_events_report_at', table_name='cc_status_events')
    op.drop_table('cc_status_events')
    op.drop_index(op.f('ix_cc_reporter_contacts_user_id'), table_name='cc_reporter_contacts')
    op.drop_index(op.f('ix_cc_reporter_contacts_email'), table_name='cc_reporter_contacts')
    op.drop_table('cc_reporter_contacts')
    op.drop_index('ix_cc_outbox_state_next', table_name='cc_outbox')
    op.drop_table('cc_outbox')
    op.drop_index('ix_cc_messages_report_created', table_name='cc_messages')
    op.drop_table('cc_messages')
    op.drop_table('cc_followers')
    op.drop_index('ix_cc_reports_status_resolve_due', table_name='cc_reports')
    op.drop_index('ix_cc_reports_office_status', table_name='cc_reports')
    op.drop_index('ix_cc_reports_created_at', table_name='cc_reports')
    op.drop_index('ix_cc_reports_category_created', table_name='cc_reports')
    op.drop_geospatial_index('idx_cc_reports_point', table_name='cc_reports', postgresql_using='gist', column_name='point')
    op.drop_geospatial_table('cc_reports')
    op.drop_table('cc_notice_categories')
    op.drop_table('cc_canned_replies')
    op.drop_table('cc_office_members')
    op.drop_index(op.f('ix_cc_notice_updates_notice_id'), table_name='cc_notice_updates')
    op.drop_table('cc_notice_updates')
    op.drop_table('cc_categories')
    op.drop_table('cc_staff')
    op.drop_table('cc_offices')
    op.drop_geospatial_index('idx_cc_notices_area', table_name='cc_notices', postgresql_using='gist', column_name='area')
    op.drop_geospatial_table('cc_notices')
    op.drop_table('cc_notice_subscribers')
    op.drop_table('cc_counters')
