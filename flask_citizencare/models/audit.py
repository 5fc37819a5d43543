"""The audit trail of the catalogue: who changed what, when, from what to what."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class AuditEntry(Base):
    """One change of a catalogue object (a category, an office, a rule, a setting, a staff member).

    ``changes`` maps each changed field to ``[before, after]`` (JSON values);
    ``actor_name`` is kept as it was, so the entry still says who even after
    the staff row is gone, and names the command line (``"cli"``) or an import.
    """

    __tablename__ = "cc_audit_entries"
    __table_args__ = (
        sa.Index("ix_cc_audit_entries_subject", "subject_type", "subject_id", "at"),
        sa.Index("ix_cc_audit_entries_at", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cc_staff.id", ondelete="SET NULL"))
    actor_name: Mapped[str] = mapped_column(sa.String(200))
    subject_type: Mapped[str] = mapped_column(sa.String(32))
    subject_id: Mapped[int | None] = mapped_column()
    subject_label: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    action: Mapped[str] = mapped_column(sa.String(32))
    changes: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    #: The ``X-Request-ID`` of the request (or the job id of the command) that made the change.
    request_id: Mapped[str | None] = mapped_column(sa.String(64))

    def __repr__(self) -> str:
        return f"<AuditEntry {self.subject_type}:{self.subject_id} {self.action}>"
