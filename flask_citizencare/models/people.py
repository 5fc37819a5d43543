"""Staff of the municipality and the private contacts of reporters."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain.lifecycle import STAFF_ROLES, sql_in
from .base import Base, UTCDateTime, utcnow
from .catalogue import Office


class StaffMember(Base):
    """A host user who works cases, with the role the default role loader reads.

    ``user_id`` is the host's user id as a string (Flask-Login's ``get_id()``),
    so any primary-key type works.
    """

    __tablename__ = "cc_staff"
    __table_args__ = (sa.CheckConstraint(sql_in("role", STAFF_ROLES), name="role_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[str] = mapped_column(sa.String(128), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    role: Mapped[str] = mapped_column(sa.String(16))
    locale: Mapped[str | None] = mapped_column(sa.String(8))
    notify_assignments: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    notify_replies: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    offices: Mapped[list[Office]] = relationship(secondary="cc_office_members")

    def __repr__(self) -> str:
        return f"<StaffMember {self.user_id} {self.role}>"


class OfficeMember(Base):
    __tablename__ = "cc_office_members"

    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("cc_staff.id", ondelete="CASCADE"), primary_key=True)
    office_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cc_offices.id", ondelete="CASCADE"), primary_key=True
    )


class ReporterContact(Base):
    """Who filed a report and how to reach them — never shown to the public.

    Kept apart from the report so it can be erased on request (GDPR art. 17)
    while the report, its timeline and statistics stay.
    """

    __tablename__ = "cc_reporter_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("cc_reports.id", ondelete="CASCADE"), unique=True)
    user_id: Mapped[str | None] = mapped_column(sa.String(128), index=True)
    name: Mapped[str | None] = mapped_column(sa.String(200))
    email: Mapped[str | None] = mapped_column(sa.String(254), index=True)
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    locale: Mapped[str | None] = mapped_column(sa.String(8))
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
