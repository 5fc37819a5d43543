"""A report being written in the model's three steps, kept on the server.

The browser holds only the draft's random token (in the session), so Back, a
reload or a failed step never loses what was typed, and photos are processed
and staged once. A draft expires; filing it deletes it in the same transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class ReportDraft(Base):
    __tablename__ = "cc_report_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: A random URL-safe token; the only way to reach the draft.
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: The furthest step reached (1 conditions, 2 data, 3 summary).
    step: Mapped[int] = mapped_column(sa.SmallInteger, default=1)
    #: The form's fields as parsed so far.
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    #: Staged photos: storage and thumbnail keys, type, size, in order.
    photos: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
