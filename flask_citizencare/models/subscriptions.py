"""What citizens asked to hear about by e-mail, and which mail each subscription already got.

One :class:`Subscription` per address and request, confirmed by double
opt-in (``confirmed_at``) and ended by its one-click unsubscribe link
(``unsubscribed_at``). ``topic`` says what it follows:

- ``notices``: service notices — all of them, or those of some
  ``categories`` / ``services`` / an area (``district`` or a circle), or one
  notice (``notice_id``, "follow this notice instead of reporting");
- ``reports``: local alerts on new public reports in an area and/or categories;
- ``proposals``: updates on proposals in a district.

``frequency`` is ``instant`` (a mail per event) or a ``daily``/``weekly``
digest (alerts only). :class:`SubscriptionMail` records each mail a
subscription got under a ``key`` naming the event ("notice:12:published",
"report:345", "digest:2026-12-04"): the unique (subscription, key) pair is
what makes a mail go exactly once however many sweeps run.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from geoalchemy2 import Geometry, WKBElement
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class Subscription(Base):
    __tablename__ = "cc_subscriptions"
    __table_args__ = (
        sa.CheckConstraint("topic IN ('notices', 'reports', 'proposals')", name="topic_known"),
        sa.CheckConstraint("frequency IN ('instant', 'daily', 'weekly')", name="frequency_known"),
        sa.CheckConstraint(
            "(radius_m IS NULL) = (centre_lat IS NULL) AND (radius_m IS NULL) = (centre_lon IS NULL)",
            name="circle_whole",
        ),
        sa.Index("ix_cc_subscriptions_email", "email"),
        sa.Index("ix_cc_subscriptions_topic_confirmed", "topic", "confirmed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    locale: Mapped[str | None] = mapped_column(sa.String(8))
    topic: Mapped[str] = mapped_column(sa.String(10))
    frequency: Mapped[str] = mapped_column(sa.String(8), default="instant")
    #: Follow this one notice only.
    notice_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("cc_notices.id", ondelete="CASCADE"), index=True
    )
    #: Category ids; empty: every category.
    categories: Mapped[list[int]] = mapped_column(sa.JSON, default=list)
    #: Names of affected services (notices); empty: every service.
    services: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    #: A configured district's name.
    district: Mapped[str | None] = mapped_column(sa.String(120))
    #: A circle around a point (its polygon is ``area``).
    centre_lat: Mapped[float | None] = mapped_column(sa.Float)
    centre_lon: Mapped[float | None] = mapped_column(sa.Float)
    radius_m: Mapped[int | None]
    #: The subscription's place as a polygon (the district's or the circle's), for spatial matching.
    area: Mapped[WKBElement | None] = mapped_column(
        Geometry(geometry_type="MULTIPOLYGON", srid=4326, spatial_index=True)
    )
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Confirmation mails sent, and the last one's time (the per-address limits).
    confirmations_sent: Mapped[int] = mapped_column(default=0)
    last_confirmation_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The end of the period the last digest covered (digests start from there).
    digested_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def active(self) -> bool:
        return self.confirmed_at is not None and self.unsubscribed_at is None


class SubscriptionMail(Base):
    __tablename__ = "cc_subscription_mails"
    __table_args__ = (sa.UniqueConstraint("subscription_id", "key", name="uq_cc_subscription_mails_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(sa.ForeignKey("cc_subscriptions.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(sa.String(80))
    #: The notice the mail was about (mails sent per notice on the staff dashboard).
    notice_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("cc_notices.id", ondelete="SET NULL"), index=True
    )
    outbox_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cc_outbox.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
