"""Service notices: incidents and planned works (reference 000)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from geoalchemy2 import Geometry, WKBElement
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, utcnow


class ServiceNotice(Base):
    __tablename__ = "cc_notices"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('incident', 'planned')", name="kind_known"),
        sa.CheckConstraint("status IN ('draft', 'scheduled', 'active', 'resolved')", name="status_known"),
        sa.CheckConstraint("ends_at IS NULL OR ends_at >= starts_at", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(10))
    status: Mapped[str] = mapped_column(sa.String(10), default="draft")
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    affected: Mapped[str] = mapped_column(sa.String(300), default="")
    area: Mapped[WKBElement | None] = mapped_column(
        Geometry(geometry_type="MULTIPOLYGON", srid=4326, spatial_index=True)
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    categories = relationship("Category", secondary="cc_notice_categories")
    updates: Mapped[list[NoticeUpdate]] = relationship(
        order_by="NoticeUpdate.at", cascade="all, delete-orphan"
    )


class NoticeCategory(Base):
    __tablename__ = "cc_notice_categories"

    notice_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cc_notices.id", ondelete="CASCADE"), primary_key=True
    )
    category_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cc_categories.id", ondelete="CASCADE"), primary_key=True
    )


class NoticeUpdate(Base):
    __tablename__ = "cc_notice_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(sa.ForeignKey("cc_notices.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    body: Mapped[str] = mapped_column(sa.Text)


class NoticeSubscriber(Base):
    __tablename__ = "cc_notice_subscribers"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    locale: Mapped[str | None] = mapped_column(sa.String(8))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
