"""Public map: partial indexes, and the cluster cells kept by triggers.

- ``ix_cc_reports_open_point``: GiST on ``point`` of the open public reports
  (the map's "open reports near here", a twentieth of the rows at 10^6).
  SpatiaLite answers boxes from its R*Tree; the model declares the index
  there too, empty (``WHERE 0``), so both databases match the models.
- ``ix_cc_reports_public_due``: the overdue public reports (``due_at``), with
  what the per-cell count reads included, for an index-only scan.
- ``cc_map_cells``: public reports counted per grid cell at the zoom levels
  of :data:`LEVELS`, kept exact by triggers on ``cc_reports`` and filled here
  for the reports already there (see :mod:`flask_citizencare.queries.map_cells`).
  The triggers and functions are not in the models: ``migrations_support``
  keeps them out of the schema comparison (Alembic does not compare them).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 13:40:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from flask_citizencare.queries import map_cells

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

#: Frozen copy of ``flask_citizencare.queries.map_cells.LEVELS`` as of this revision.
LEVELS = (8, 9, 10, 11, 12, 13, 14, 15)
OPEN = "status IN ('acknowledged', 'in_progress', 'new', 'suspended')"


def upgrade() -> None:
    bind = op.get_bind()
    postgres = bind.dialect.name == 'postgresql'
    if postgres:
        op.create_index(
            'ix_cc_reports_open_point', 'cc_reports', ['point'], postgresql_using='gist',
            postgresql_where=sa.text(f'is_public IS true AND duplicate_of_id IS NULL AND {OPEN}'),
        )
        op.create_index(
            'ix_cc_reports_public_due', 'cc_reports', ['due_at'],
            postgresql_include=['point', 'status', 'kind', 'category_id'],
            postgresql_where=sa.text('is_public IS true AND duplicate_of_id IS NULL AND due_at IS NOT NULL'),
        )
    else:
        op.create_index('ix_cc_reports_open_point', 'cc_reports', ['point'], sqlite_where=sa.text('0'))
        op.create_index(
            'ix_cc_reports_public_due', 'cc_reports', ['due_at'],
            sqlite_where=sa.text('is_public IS 1 AND duplicate_of_id IS NULL AND due_at IS NOT NULL'),
        )
    op.create_table(
        'cc_map_cells',
        sa.Column('level', sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column('cx', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('cy', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('category_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.Column('sum_x', sa.Double(), nullable=False),
        sa.Column('sum_y', sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint(
            'level', 'cx', 'cy', 'category_id', 'kind', 'status', name=op.f('pk_cc_map_cells')
        ),
    )
    map_cells.create_triggers(bind, LEVELS)
    map_cells.rebuild(bind, LEVELS)


def downgrade() -> None:
    map_cells.drop_triggers(op.get_bind())
    op.drop_table('cc_map_cells')
    op.drop_index('ix_cc_reports_public_due', table_name='cc_reports')
    op.drop_index('ix_cc_reports_open_point', table_name='cc_reports')
