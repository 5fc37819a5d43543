"""The conversation on a report: public replies, private messages, internal notes."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, utcnow
from .people import StaffMember

if TYPE_CHECKING:
    from .reports import Report


class Message(Base):
    __tablename__ = "cc_messages"
    __table_args__ = (
        sa.CheckConstraint("visibility IN ('internal', 'private', 'public')", name="visibility_known"),
        sa.CheckConstraint("author_kind IN ('reporter', 'staff', 'system')", name="author_known"),
        sa.CheckConstraint(
            "author_kind <> 'staff' OR author_id IS NOT NULL", name="staff_message_has_author"
        ),
        sa.Index("ix_cc_messages_report_created", "report_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("cc_reports.id", ondelete="CASCADE"))
    visibility: Mapped[str] = mapped_column(sa.String(10))
    author_kind: Mapped[str] = mapped_column(sa.String(10))
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cc_staff.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(sa.Text)
    #: "web" or "email"; an e-mail's Message-ID is kept to ignore redeliveries.
    source: Mapped[str] = mapped_column(sa.String(8), default="web")
    email_message_id: Mapped[str | None] = mapped_column(sa.String(250), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[StaffMember | None] = relationship()
    report: Mapped[Report] = relationship(back_populates="messages")


class CannedReply(Base):
    """A response template: a ready answer operators insert and edit; per category and/or state.

    ``status`` (a lifecycle state) narrows it to cases entering that state;
    with ``auto_send`` it is sent by itself, as a public reply, when a case of
    its category (or any, if general) enters that state. ``code`` names it in
    catalogue files (None for the ones written before they had one).
    """

    __tablename__ = "cc_canned_replies"
    # An index, not a constraint: SQLite adds no constraint to an existing table.
    __table_args__ = (sa.Index("ix_cc_canned_replies_code", "code", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str | None] = mapped_column(sa.String(64))
    category_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cc_categories.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    language: Mapped[str] = mapped_column(sa.String(8), default="it")
    active: Mapped[bool] = mapped_column(default=True)
    status: Mapped[str | None] = mapped_column(sa.String(16))
    auto_send: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
