"""Proposals' official answers: the states a municipality defines, and each answer as drafted and published.

A proposal's answer is written by staff as a draft, visible to staff only,
and reaches the public (and the supporters' mail) only with an explicit
"publish answer" step. Every published answer stays, so the proposal's
history shows "accepted" and, months later, "implemented".
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain.lifecycle import ProposalOutcome, sql_in
from .base import Base, UTCDateTime, utcnow
from .people import StaffMember


class AnswerState(Base):
    """A state an answer may take, defined by the municipality (Decidim's custom proposal states).

    ``meaning`` ties each state to the fixed vocabulary the dashboard and the
    report's ``outcome`` column speak (``partially_accepted`` means
    ``accepted``), so municipalities may add states without breaking measures.
    """

    __tablename__ = "cc_answer_states"
    __table_args__ = (
        sa.CheckConstraint(sql_in("meaning", ProposalOutcome), name="meaning_known"),
        sa.CheckConstraint("length(colour) = 7", name="colour_hex"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    #: The label in the default language; ``names`` holds the other languages'.
    name: Mapped[str] = mapped_column(sa.String(80))
    names: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)
    #: ``#rrggbb``; the badge's text colour is chosen for contrast.
    colour: Mapped[str] = mapped_column(sa.String(7), default="#5c6f82", server_default="#5c6f82")
    meaning: Mapped[str] = mapped_column(sa.String(16))
    #: An answer in this state must say why (``not_accepted``).
    needs_reason: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: An answer in this state gives the date the work was done, optionally a link (``implemented``).
    needs_date: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    position: Mapped[int] = mapped_column(default=0, server_default="0")
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())

    def label(self, language: str) -> str:
        return (self.names or {}).get(language) or self.name

    def __repr__(self) -> str:
        return f"<AnswerState {self.code}>"


class ProposalAnswer(Base):
    """One answer to a proposal: a draft while ``published_at`` is None, then part of its history.

    A proposal has at most one draft at a time (the partial unique index); the
    public answer is the newest published one.
    """

    __tablename__ = "cc_proposal_answers"
    __table_args__ = (
        sa.Index(
            "uq_cc_proposal_answers_one_draft",
            "report_id",
            unique=True,
            postgresql_where=sa.text("published_at IS NULL"),
            sqlite_where=sa.text("published_at IS NULL"),
        ),
        sa.Index("ix_cc_proposal_answers_report_published", "report_id", "published_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("cc_reports.id", ondelete="CASCADE"))
    state_id: Mapped[int] = mapped_column(sa.ForeignKey("cc_answer_states.id", ondelete="RESTRICT"))
    #: The answer the public reads (Markdown like the thread's public replies).
    body: Mapped[str] = mapped_column(sa.Text, default="")
    reason: Mapped[str | None] = mapped_column(sa.Text)
    implemented_on: Mapped[date | None] = mapped_column(sa.Date)
    #: The work or the resolution act ("delibera"), ``https://`` only.
    link: Mapped[str | None] = mapped_column(sa.String(500))
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cc_staff.id", ondelete="SET NULL"))
    publisher_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cc_staff.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    state: Mapped[AnswerState] = relationship()
    author: Mapped[StaffMember | None] = relationship(foreign_keys=[author_id])
    publisher: Mapped[StaffMember | None] = relationship(foreign_keys=[publisher_id])

    @property
    def is_draft(self) -> bool:
        return self.published_at is None

    def __repr__(self) -> str:
        return f"<ProposalAnswer {self.report_id} {'draft' if self.is_draft else 'published'}>"
