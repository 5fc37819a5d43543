"""Imports of historical reports from another system, resumable where they stopped."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class ReportImport(Base):
    """One source file being imported: how far it got, so a run that stopped resumes there.

    Identified by the SHA-256 of the file, so the same file is never imported twice.
    """

    __tablename__ = "cc_report_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_sha256: Mapped[str] = mapped_column(sa.String(64), unique=True)
    source_name: Mapped[str] = mapped_column(sa.String(300))
    mapping: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    rows_total: Mapped[int] = mapped_column(default=0, server_default="0")
    rows_done: Mapped[int] = mapped_column(default=0, server_default="0")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
