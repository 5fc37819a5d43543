"""Programs that talk to us over Open311: their keys, and what each filed through the API."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, utcnow
from .reports import Report


class ApiKey(Base):
    """A client's Open311 key: only its keyed hash is stored, the key itself is shown once.

    ``prefix`` (the key's first characters) names the key in lists and logs
    without revealing it. ``rate`` is the key's own limit in Flask-Limiter's
    notation ("60 per minute"); None: ``CITIZENCARE_RATELIMIT_OPEN311_PER_KEY``.
    A revoked key stays, so the reports it filed still name their client.
    """

    __tablename__ = "cc_api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(12))
    key_hash: Mapped[str] = mapped_column(sa.String(128), unique=True)
    can_post: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    rate: Mapped[str | None] = mapped_column(sa.String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    uses: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def __repr__(self) -> str:
        return f"<ApiKey {self.name} {self.prefix}…>"


class ApiSubmission(Base):
    """A report filed through Open311: which client, with which identifiers, under which token.

    ``idempotency_key`` is the client's ``Idempotency-Key`` header: the same
    key from the same client gets the first answer again instead of a second
    report. ``token`` answers ``tokens/{token}``. ``device_id``/``account_id``
    are the client's own identifiers of the citizen (private, like a contact);
    ``media_url`` is the link the client sent, kept and never fetched.
    """

    __tablename__ = "cc_api_submissions"
    __table_args__ = (
        sa.UniqueConstraint("api_key_id", "idempotency_key", name="uq_cc_api_submissions_idempotency"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    api_key_id: Mapped[int] = mapped_column(sa.ForeignKey("cc_api_keys.id", ondelete="RESTRICT"), index=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("cc_reports.id", ondelete="CASCADE"), unique=True)
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(200))
    device_id: Mapped[str | None] = mapped_column(sa.String(200))
    account_id: Mapped[str | None] = mapped_column(sa.String(200))
    media_url: Mapped[str | None] = mapped_column(sa.String(2000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    api_key: Mapped[ApiKey] = relationship()
    report: Mapped[Report] = relationship()
