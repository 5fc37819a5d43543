"""Mail written in the same transaction as the change it tells about."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class OutboxMail(Base):
    """One mail waiting to be delivered, delivered, or given up on (dead letter).

    ``message_id`` is fixed when the row is written, so a retry after an
    uncertain SMTP answer carries the same Message-ID and the recipient's mail
    client shows it once. ``claimed_by``/``claimed_until`` let several workers
    share the table on SQLite, which has no ``SKIP LOCKED``.
    """

    __tablename__ = "cc_outbox"
    __table_args__ = (
        sa.CheckConstraint("state IN ('pending', 'sent', 'dead')", name="state_known"),
        sa.CheckConstraint("attempts >= 0", name="attempts_positive"),
        sa.Index("ix_cc_outbox_state_next", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(sa.String(250), unique=True)
    report_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cc_reports.id", ondelete="SET NULL"))
    template: Mapped[str] = mapped_column(sa.String(60))
    recipient: Mapped[str] = mapped_column(sa.String(254))
    locale: Mapped[str] = mapped_column(sa.String(8))
    subject: Mapped[str] = mapped_column(sa.String(300))
    body_text: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str | None] = mapped_column(sa.Text)
    reply_to: Mapped[str | None] = mapped_column(sa.String(254))
    headers: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)
    state: Mapped[str] = mapped_column(sa.String(8), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(sa.String(80))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The ``X-Request-ID`` of the request (or the job id of the command) that wrote the mail; sent as
    #: the mail's own ``X-Request-ID`` header.
    request_id: Mapped[str | None] = mapped_column(sa.String(64))
