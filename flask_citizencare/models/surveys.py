"""Satisfaction survey answers (three 0–10 questions, reference 003)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class SurveyResponse(Base):
    __tablename__ = "cc_survey_responses"
    __table_args__ = (
        sa.CheckConstraint("recommend BETWEEN 0 AND 10", name="recommend_range"),
        sa.CheckConstraint("knowledge BETWEEN 0 AND 10", name="knowledge_range"),
        sa.CheckConstraint("resolved BETWEEN 0 AND 10", name="resolved_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: One answer per report.
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("cc_reports.id", ondelete="CASCADE"), unique=True)
    recommend: Mapped[int] = mapped_column(sa.SmallInteger)
    knowledge: Mapped[int] = mapped_column(sa.SmallInteger)
    resolved: Mapped[int] = mapped_column(sa.SmallInteger)
    comment: Mapped[str | None] = mapped_column(sa.Text)
    office_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cc_offices.id", ondelete="SET NULL"))
    category_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cc_categories.id", ondelete="SET NULL"))
    flagged: Mapped[bool] = mapped_column(default=False)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
