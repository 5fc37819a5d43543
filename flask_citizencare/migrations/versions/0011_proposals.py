"""Proposals: answer states, answers, the threshold's service level, supports' mail, similar-proposal search,
the dashboards' proposals summary.

PostgreSQL: ``pg_trgm`` and a partial GIN trigram index over proposals' title
and description; ``flask_citizencare.queries.similar_proposals`` repeats the
expression exactly, so the planner uses it. SQLite answers the same question
from the FTS5 table of migration 0003 (bm25). Like 0003's, the index is not
in the models: ``database.comparison`` leaves it out of the comparison.

The five default answer states are written here, in the three shipped
languages; managers rename, recolour, add and retire states afterwards.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 13:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

#: Keep in step with ``flask_citizencare.queries.similar_proposals.PG_DOCUMENT``.
PG_TRGM_INDEX = "ix_cc_reports_proposals_trgm"
PG_DOCUMENT = "(coalesce(title, '') || ' ' || coalesce(description, ''))"

#: code, Italian name, {en, ca}, colour, meaning, needs_reason, needs_date
DEFAULT_STATES = (
    ("under_evaluation", "In valutazione", {"en": "Under evaluation", "ca": "En avaluació"},
     "#0066cc", "under_review", False, False),
    ("accepted", "Accolta", {"en": "Accepted", "ca": "Acceptada"}, "#00804d", "accepted", False, False),
    ("partially_accepted", "Accolta in parte", {"en": "Partially accepted", "ca": "Acceptada en part"},
     "#6b5a00", "accepted", False, False),
    ("not_accepted", "Non accolta", {"en": "Not accepted", "ca": "No acceptada"},
     "#b8283e", "not_accepted", True, False),
    ("implemented", "Realizzata", {"en": "Implemented", "ca": "Realitzada"},
     "#1f5f3a", "implemented", False, True),
)


def upgrade() -> None:
    states = op.create_table('cc_answer_states',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('names', sa.JSON(), nullable=False),
    sa.Column('colour', sa.String(length=7), server_default='#5c6f82', nullable=False),
    sa.Column('meaning', sa.String(length=16), nullable=False),
    sa.Column('needs_reason', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('needs_date', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('position', sa.Integer(), server_default='0', nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.CheckConstraint('length(colour) = 7', name=op.f('ck_cc_answer_states_colour_hex')),
    sa.CheckConstraint("meaning IN ('accepted', 'implemented', 'not_accepted', 'under_review')",
                       name=op.f('ck_cc_answer_states_meaning_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cc_answer_states')),
    sa.UniqueConstraint('code', name=op.f('uq_cc_answer_states_code'))
    )
    op.bulk_insert(states, [
        {"code": code, "name": name, "names": names, "colour": colour, "meaning": meaning,
         "needs_reason": reason, "needs_date": when, "position": position, "active": True}
        for position, (code, name, names, colour, meaning, reason, when) in enumerate(DEFAULT_STATES)
    ])
    op.create_table('cc_proposal_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('state_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('implemented_on', sa.Date(), nullable=True),
    sa.Column('link', sa.String(length=500), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('publisher_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['cc_staff.id'], name=op.f('fk_cc_proposal_answers_author_id_cc_staff'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['publisher_id'], ['cc_staff.id'], name=op.f('fk_cc_proposal_answers_publisher_id_cc_staff'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['report_id'], ['cc_reports.id'], name=op.f('fk_cc_proposal_answers_report_id_cc_reports'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['state_id'], ['cc_answer_states.id'], name=op.f('fk_cc_proposal_answers_state_id_cc_answer_states'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cc_proposal_answers'))
    )
    op.create_index('ix_cc_proposal_answers_report_published', 'cc_proposal_answers', ['report_id', 'published_at'], unique=False)
    op.create_index('uq_cc_proposal_answers_one_draft', 'cc_proposal_answers', ['report_id'], unique=True,
                    postgresql_where=sa.text('published_at IS NULL'), sqlite_where=sa.text('published_at IS NULL'))

    op.add_column('cc_reports', sa.Column('threshold_reached_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('cc_reports', sa.Column('answer_due_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('cc_reports', sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True))
    public_proposal = {
        "postgresql_where": sa.text("kind = 'proposal' AND is_public IS true AND duplicate_of_id IS NULL"),
        "sqlite_where": sa.text("kind = 'proposal' AND is_public IS 1 AND duplicate_of_id IS NULL"),
    }
    op.create_index('ix_cc_reports_proposals_supports', 'cc_reports', ['supports_count', 'id'], unique=False,
                    **public_proposal)
    op.create_index('ix_cc_reports_proposals_answered', 'cc_reports', ['answered_at', 'id'], unique=False,
                    **public_proposal)

    op.add_column('cc_supports', sa.Column('email', sa.String(length=254), nullable=True))
    op.add_column('cc_supports', sa.Column('locale', sa.String(length=8), nullable=True))
    op.create_index('ix_cc_supports_supporter', 'cc_supports', ['supporter'], unique=False)

    op.add_column('cc_categories', sa.Column('supports_open', sa.Boolean(), server_default=sa.true(), nullable=False))
    op.add_column('cc_categories', sa.Column('answer_days', sa.Integer(), nullable=True))

    counts = ("filed", "supported", "threshold", "answered", "within", "missed", "accepted", "implemented")
    op.create_table('cc_stats_proposals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=True),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('area', sa.String(length=100), nullable=False),
    sa.Column('public', sa.Boolean(), nullable=False),
    *[sa.Column(name, sa.Integer(), server_default='0', nullable=False) for name in counts],
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cc_stats_proposals'))
    )
    op.create_index('ix_cc_stats_proposals_day', 'cc_stats_proposals', ['day'], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute(
            f"CREATE INDEX {PG_TRGM_INDEX} ON cc_reports USING gin ({PG_DOCUMENT} gin_trgm_ops) "
            "WHERE kind = 'proposal'"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {PG_TRGM_INDEX}")
    op.drop_index('ix_cc_stats_proposals_day', table_name='cc_stats_proposals')
    op.drop_table('cc_stats_proposals')
    op.drop_column('cc_categories', 'answer_days')
    op.drop_column('cc_categories', 'supports_open')
    op.drop_index('ix_cc_supports_supporter', table_name='cc_supports')
    op.drop_column('cc_supports', 'locale')
    op.drop_column('cc_supports', 'email')
    op.drop_index('ix_cc_reports_proposals_answered', table_name='cc_reports')
    op.drop_index('ix_cc_reports_proposals_supports', table_name='cc_reports')
    op.drop_column('cc_reports', 'answered_at')
    op.drop_column('cc_reports', 'answer_due_at')
    op.drop_column('cc_reports', 'threshold_reached_at')
    op.drop_index('uq_cc_proposal_answers_one_draft', table_name='cc_proposal_answers')
    op.drop_index('ix_cc_proposal_answers_report_published', table_name='cc_proposal_answers')
    op.drop_table('cc_proposal_answers')
    op.drop_table('cc_answer_states')
