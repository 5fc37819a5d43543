"""Service notices and subscriptions: the notices' lifecycle and translations, citizens' subscriptions
(notices and local alerts) and the record of the mails each one got.

The notice tables of the initial schema were never written to; they are
replaced whole (SQLite cannot change a CHECK constraint in place, and the
subscribers' table becomes ``cc_subscriptions``, which also holds local alerts).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 08:20:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

STATUSES = ("'draft', 'investigating', 'identified', 'monitoring', 'resolved', "
            "'scheduled', 'in_progress', 'completed', 'cancelled'")


def _drop_initial_tables() -> None:
    op.drop_table('cc_notice_categories')
    op.drop_index(op.f('ix_cc_notice_updates_notice_id'), table_name='cc_notice_updates')
    op.drop_table('cc_notice_updates')
    op.drop_geospatial_index('idx_cc_notices_area', table_name='cc_notices', postgresql_using='gist', column_name='area')
    op.drop_geospatial_table('cc_notices')
    op.drop_table('cc_notice_subscribers')


def _area() -> Geometry:
    return Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2, spatial_index=False,
                    from_text='ST_GeomFromEWKT', name='geometry')


def upgrade() -> None:
    _drop_initial_tables()
    op.create_geospatial_table('cc_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('impact', sa.String(length=12), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('titles', sa.JSON(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('bodies', sa.JSON(), nullable=False),
    sa.Column('services', sa.JSON(), nullable=False),
    sa.Column('districts', sa.JSON(), nullable=False),
    sa.Column('area', _area(), nullable=True),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("kind IN ('incident', 'planned')", name=op.f('ck_cc_notices_kind_known')),
    sa.CheckConstraint(f"status IN ({STATUSES})", name=op.f('ck_cc_notices_status_known')),
    sa.CheckConstraint("impact IN ('degraded', 'interrupted')", name=op.f('ck_cc_notices_impact_known')),
    sa.CheckConstraint('ends_at IS NULL OR ends_at >= starts_at', name=op.f('ck_cc_notices_ends_after_start')),
    sa.ForeignKeyConstraint(['created_by_id'], ['cc_staff.id'], name=op.f('fk_cc_notices_created_by_id_cc_staff'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['published_by_id'], ['cc_staff.id'], name=op.f('fk_cc_notices_published_by_id_cc_staff'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cc_notices'))
    )
    op.create_geospatial_index('idx_cc_notices_area', 'cc_notices', ['area'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index('ix_cc_notices_status_starts', 'cc_notices', ['status', 'starts_at'], unique=False)
    op.create_table('cc_notice_categories',
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['cc_categories.id'], name=op.f('fk_cc_notice_categories_category_id_cc_categories'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['notice_id'], ['cc_notices.id'], name=op.f('fk_cc_notice_categories_notice_id_cc_notices'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('notice_id', 'category_id', name=op.f('pk_cc_notice_categories'))
    )
    op.create_index(op.f('ix_cc_notice_categories_category_id'), 'cc_notice_categories', ['category_id'], unique=False)
    op.create_table('cc_notice_updates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('bodies', sa.JSON(), nullable=False),
    sa.Column('notify', sa.Boolean(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.CheckConstraint(f"status IN ({STATUSES})", name=op.f('ck_cc_notice_updates_status_known')),
    sa.ForeignKeyConstraint(['author_id'], ['cc_staff.id'], name=op.f('fk_cc_notice_updates_author_id_cc_staff'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['notice_id'], ['cc_notices.id'], name=op.f('fk_cc_notice_updates_notice_id_cc_notices'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cc_notice_updates'))
    )
    op.create_index(op.f('ix_cc_notice_updates_notice_id'), 'cc_notice_updates', ['notice_id'], unique=False)
    op.create_geospatial_table('cc_subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('locale', sa.String(length=8), nullable=True),
    sa.Column('topic', sa.String(length=10), nullable=False),
    sa.Column('frequency', sa.String(length=8), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=True),
    sa.Column('categories', sa.JSON(), nullable=False),
    sa.Column('services', sa.JSON(), nullable=False),
    sa.Column('district', sa.String(length=120), nullable=True),
    sa.Column('centre_lat', sa.Float(), nullable=True),
    sa.Column('centre_lon', sa.Float(), nullable=True),
    sa.Column('radius_m', sa.Integer(), nullable=True),
    sa.Column('area', _area(), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('unsubscribed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('confirmations_sent', sa.Integer(), nullable=False),
    sa.Column('last_confirmation_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('digested_until', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("topic IN ('notices', 'reports', 'proposals')", name=op.f('ck_cc_subscriptions_topic_known')),
    sa.CheckConstraint("frequency IN ('instant', 'daily', 'weekly')", name=op.f('ck_cc_subscriptions_frequency_known')),
    sa.CheckConstraint('(radius_m IS NULL) = (centre_lat IS NULL) AND (radius_m IS NULL) = (centre_lon IS NULL)', name=op.f('ck_cc_subscriptions_circle_whole')),
    sa.ForeignKeyConstraint(['notice_id'], ['cc_notices.id'], name=op.f('fk_cc_subscriptions_notice_id_cc_notices'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cc_subscriptions'))
    )
    op.create_geospatial_index('idx_cc_subscriptions_area', 'cc_subscriptions', ['area'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index('ix_cc_subscriptions_email', 'cc_subscriptions', ['email'], unique=False)
    op.create_index('ix_cc_subscriptions_topic_confirmed', 'cc_subscriptions', ['topic', 'confirmed_at'], unique=False)
    op.create_index(op.f('ix_cc_subscriptions_notice_id'), 'cc_subscriptions', ['notice_id'], unique=False)
    op.create_table('cc_subscription_mails',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=True),
    sa.Column('outbox_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['notice_id'], ['cc_notices.id'], name=op.f('fk_cc_subscription_mails_notice_id_cc_notices'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['outbox_id'], ['cc_outbox.id'], name=op.f('fk_cc_subscription_mails_outbox_id_cc_outbox'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['subscription_id'], ['cc_subscriptions.id'], name=op.f('fk_cc_subscription_mails_subscription_id_cc_subscriptions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cc_subscription_mails')),
    sa.UniqueConstraint('subscription_id', 'key', name='uq_cc_subscription_mails_once')
    )
    op.create_index(op.f('ix_cc_subscription_mails_notice_id'), 'cc_subscription_mails', ['notice_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_cc_subscription_mails_notice_id'), table_name='cc_subscription_mails')
    op.drop_table('cc_subscription_mails')
    op.drop_index(op.f('ix_cc_subscriptions_notice_id'), table_name='cc_subscriptions')
    op.drop_index('ix_cc_subscriptions_topic_confirmed', table_name='cc_subscriptions')
    op.drop_index('ix_cc_subscriptions_email', table_name='cc_subscriptions')
    op.drop_geospatial_index('idx_cc_subscriptions_area', table_name='cc_subscriptions', postgresql_using='gist', column_name='area')
    op.drop_geospatial_table('cc_subscriptions')
    op.drop_index(op.f('ix_cc_notice_updates_notice_id'), table_name='cc_notice_updates')
    op.drop_table('cc_notice_updates')
    op.drop_index(op.f('ix_cc_notice_categories_category_id'), table_name='cc_notice_categories')
    op.drop_table('cc_notice_categories')
    op.drop_index('ix_cc_notices_status_starts', table_name='cc_notices')
    op.drop_geospatial_index('idx_cc_notices_area', table_name='cc_notices', postgresql_using='gist', column_name='area')
    op.drop_geospatial_table('cc_notices')
    # The initial schema's shapes.
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
    sa.Column('area', _area(), nullable=True),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('incident', 'planned')", name=op.f('ck_cc_notices_kind_known')),
    sa.CheckConstraint("status IN ('draft', 'scheduled', 'active', 'resolved')", name=op.f('ck_cc_notices_status_known')),
    sa.CheckConstraint('ends_at IS NULL OR ends_at >= starts_at', name=op.f('ck_cc_notices_ends_after_start')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cc_notices'))
    )
    op.create_geospatial_index('idx_cc_notices_area', 'cc_notices', ['area'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_table('cc_notice_updates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['notice_id'], ['cc_notices.id'], name=op.f('fk_cc_notice_updates_notice_id_cc_notices'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cc_notice_updates'))
    )
    op.create_index(op.f('ix_cc_notice_updates_notice_id'), 'cc_notice_updates', ['notice_id'], unique=False)
    op.create_table('cc_notice_categories',
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['cc_categories.id'], name=op.f('fk_cc_notice_categories_category_id_cc_categories'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['notice_id'], ['cc_notices.id'], name=op.f('fk_cc_notice_categories_notice_id_cc_notices'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('notice_id', 'category_id', name=op.f('pk_cc_notice_categories'))
    )
