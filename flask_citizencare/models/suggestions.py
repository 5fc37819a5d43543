"""The trained suggestion models and the record of what was suggested and what staff decided."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow

#: What a suggestion is about.
FIELDS = ("category", "office")
DECISIONS = ("accepted", "rejected")


class SuggestionModelRecord(Base):
    """A model trained by ``flask citizencare suggest train``; the newest is the one used.

    ``payload`` is the pickled :class:`~flask_citizencare.domain.suggest.model.SuggestionModel`,
    compressed; the database is trusted like the code (only the training command writes here).
    ``fingerprint`` is the catalogue version it was trained for (its category
    and office codes): a model of another catalogue is refused.
    """

    __tablename__ = "cc_suggestion_models"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    method: Mapped[str] = mapped_column(sa.String(16))
    format: Mapped[int] = mapped_column()
    fingerprint: Mapped[str] = mapped_column(sa.String(32))
    categories: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    offices: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    cases: Mapped[int] = mapped_column()
    seed: Mapped[int] = mapped_column(default=0)
    trained_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    training_seconds: Mapped[float] = mapped_column(sa.Float, default=0.0)
    #: Held-out accuracy measured at training: ``{"category": {"top1": .., "top3": ..}, "office": {...}}``.
    metrics: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    size: Mapped[int] = mapped_column(default=0)
    payload: Mapped[bytes] = mapped_column(sa.LargeBinary)

    def __repr__(self) -> str:
        return f"<SuggestionModelRecord v{self.version} {self.method}>"


class SuggestionRecord(Base):
    """A category or office suggested for a case, and what staff (or automatic routing) did with it.

    One row per case and field while undecided: shown again after a
    retraining, the row takes the new suggestion. ``decision`` is set when
    someone applies the suggestion (``accepted``), dismisses it or chooses
    something else (``rejected``); ``decided_id`` is what they chose.
    """

    __tablename__ = "cc_suggestions"
    __table_args__ = (
        sa.CheckConstraint("field IN ('category', 'office')", name="field_known"),
        sa.CheckConstraint("decision IS NULL OR decision IN ('accepted', 'rejected')", name="decision_known"),
        sa.Index("ix_cc_suggestions_report_field", "report_id", "field"),
        sa.Index("ix_cc_suggestions_decided", "field", "decided_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("cc_reports.id", ondelete="CASCADE"))
    field: Mapped[str] = mapped_column(sa.String(16))
    suggested_id: Mapped[int] = mapped_column()
    score: Mapped[float] = mapped_column(sa.Float)
    model_version: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decision: Mapped[str | None] = mapped_column(sa.String(16))
    decided_id: Mapped[int | None] = mapped_column()
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cc_staff.id", ondelete="SET NULL"))
    automatic: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    def __repr__(self) -> str:
        return f"<SuggestionRecord {self.report_id} {self.field} {self.decision}>"
