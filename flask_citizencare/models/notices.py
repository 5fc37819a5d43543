"""Service notices: incidents and planned works (reference 000), with their public steps.

``title``/``body`` are in the default language, ``titles``/``bodies`` hold the
other languages (``{"en": ...}``), as categories do. The body is Markdown,
sanitised when rendered (:mod:`flask_citizencare.domain.markdown`). What a
notice affects is any mix of categories (``cc_notice_categories``), an
``area`` (drawn, or the union of the chosen ``districts``) and a free list of
``services`` ("SUAP portal", "PagoPA payments"). The lifecycle is
:mod:`flask_citizencare.domain.notices.lifecycle`.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from geoalchemy2 import Geometry, WKBElement
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, utcnow

STATUSES = (
    "draft",
    "investigating",
    "identified",
    "monitoring",
    "resolved",
    "scheduled",
    "in_progress",
    "completed",
    "cancelled",
)
_STATUS_LIST = ", ".join(f"'{s}'" for s in STATUSES)


class ServiceNotice(Base):
    __tablename__ = "cc_notices"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('incident', 'planned')", name="kind_known"),
        sa.CheckConstraint(f"status IN ({_STATUS_LIST})", name="status_known"),
        sa.CheckConstraint("impact IN ('degraded', 'interrupted')", name="impact_known"),
        sa.CheckConstraint("ends_at IS NULL OR ends_at >= starts_at", name="ends_after_start"),
        sa.Index("ix_cc_notices_status_starts", "status", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(10))
    status: Mapped[str] = mapped_column(sa.String(16), default="draft")
    #: How an incident affects the services it names (planned works: maintenance while in progress).
    impact: Mapped[str] = mapped_column(sa.String(12), default="degraded")
    title: Mapped[str] = mapped_column(sa.String(200))
    titles: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)
    body: Mapped[str] = mapped_column(sa.Text, default="")
    bodies: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)
    #: Free names of affected (digital) services, in the default language.
    services: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    #: Names of the configured districts (``CITIZENCARE_DISTRICTS``) the notice covers.
    districts: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    #: The affected area: drawn, or the union of ``districts``; None: not tied to a place.
    area: Mapped[WKBElement | None] = mapped_column(
        Geometry(geometry_type="MULTIPOLYGON", srid=4326, spatial_index=True)
    )
    #: Incidents: when it began; planned works: when the work starts.
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: The expected (incident) or planned (works) end.
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When it was resolved, completed or cancelled.
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cc_staff.id", ondelete="SET NULL"))
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cc_staff.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(default=1)

    categories = relationship("Category", secondary="cc_notice_categories", order_by="Category.position")
    updates: Mapped[list[NoticeUpdate]] = relationship(
        order_by="(NoticeUpdate.at, NoticeUpdate.id)", cascade="all, delete-orphan", back_populates="notice"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy reads it)

    def title_in(self, language: str) -> str:
        return self.titles.get(language) or self.title

    def body_in(self, language: str) -> str:
        return self.bodies.get(language) or self.body


class NoticeCategory(Base):
    __tablename__ = "cc_notice_categories"

    notice_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cc_notices.id", ondelete="CASCADE"), primary_key=True
    )
    category_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cc_categories.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class NoticeUpdate(Base):
    """One published step of a notice: its status from then on, what staff wrote, and whether the
    subscribers were (to be) told."""

    __tablename__ = "cc_notice_updates"
    __table_args__ = (sa.CheckConstraint(f"status IN ({_STATUS_LIST})", name="status_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(sa.ForeignKey("cc_notices.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(sa.String(16))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    bodies: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)
    #: Mail the subscribers about this step (publication and the final step always do).
    notify: Mapped[bool] = mapped_column(default=False)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cc_staff.id", ondelete="SET NULL"))

    notice: Mapped[ServiceNotice] = relationship(back_populates="updates")

    def body_in(self, language: str) -> str:
        return self.bodies.get(language) or self.body
