"""The due time the triage queue sorts on, with its indexes.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 11:10:12.970005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("cc_reports", sa.Column("due_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_cc_reports_due_at_id", "cc_reports", ["due_at", "id"], unique=False)
    op.create_index("ix_cc_reports_status_due_at", "cc_reports", ["status", "due_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_cc_reports_status_due_at", table_name="cc_reports")
    op.drop_index("ix_cc_reports_due_at_id", table_name="cc_reports")
    op.drop_column("cc_reports", "due_at")
