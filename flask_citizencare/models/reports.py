"""The report ("segnalazione") aggregate: the report, its photos and its audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from geoalchemy2 import Geometry, WKBElement
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain.lifecycle import (
    LEVELS,
    OPEN_STATUSES,
    TAKEN_IN_CHARGE,
    Channel,
    Kind,
    Priority,
    ProposalOutcome,
    Status,
    sql_in,
)
from .base import Base, UTCDateTime, utcnow
from .catalogue import Category, Office
from .people import ReporterContact, StaffMember
from .threads import Message

#: The rows of the public list of proposals (``{true}``: the dialect's spelling of true).
_PUBLIC_PROPOSAL = f"kind = '{Kind.PROPOSAL}' AND is_public IS {{true}} AND duplicate_of_id IS NULL"


class Report(Base):
    """A citizen's report or proposal (an Open311 service request).

    ``version`` is the optimistic lock: every update bumps it, and an update
    that started from an older version fails instead of overwriting. The check
    constraints tie the state to the columns it implies, so even a buggy
    service or a hand-written UPDATE cannot store an impossible case.
    """

    __tablename__ = "cc_reports"
    __table_args__ = (
        sa.CheckConstraint(sql_in("kind", Kind), name="kind_known"),
        sa.CheckConstraint(sql_in("status", Status), name="status_known"),
        sa.CheckConstraint(sql_in("channel", Channel), name="channel_known"),
        sa.CheckConstraint(sql_in("priority", Priority), name="priority_known"),
        sa.CheckConstraint(f"level IN ({', '.join(map(str, LEVELS))})", name="level_known"),
        sa.CheckConstraint(
            f"outcome IS NULL OR (kind = '{Kind.PROPOSAL}' AND {sql_in('outcome', ProposalOutcome)})",
            name="outcome_only_for_proposals",
        ),
        sa.CheckConstraint(
            f"(status = '{Status.REJECTED}') = (reject_reason IS NOT NULL)",
            name="rejected_has_reason",
        ),
        sa.CheckConstraint(
            f"duplicate_of_id IS NULL OR (status = '{Status.REJECTED}' AND duplicate_of_id <> id)",
            name="duplicate_is_rejected",
        ),
        sa.CheckConstraint(
            f"NOT {sql_in('status', TAKEN_IN_CHARGE)} OR acknowledged_at IS NOT NULL",
            name="taken_in_charge_acknowledged",
        ),
        sa.CheckConstraint(
            f"status NOT IN ('{Status.RESOLVED}', '{Status.CLOSED}') OR resolved_at IS NOT NULL",
            name="resolved_has_time",
        ),
        sa.CheckConstraint(
            f"status <> '{Status.IN_PROGRESS}' OR office_id IS NOT NULL OR assignee_id IS NOT NULL",
            name="in_progress_assigned",
        ),
        sa.CheckConstraint(
            f"(status = '{Status.SUSPENDED}') = (suspended_at IS NOT NULL)",
            name="suspended_since",
        ),
        sa.CheckConstraint("version >= 1", name="version_positive"),
        sa.Index("ix_cc_reports_status_resolve_due", "status", "resolve_due_at"),
        sa.Index("ix_cc_reports_category_created", "category_id", "created_at"),
        sa.Index("ix_cc_reports_office_status", "office_id", "status"),
        sa.Index("ix_cc_reports_created_at", "created_at"),
        sa.Index("ix_cc_reports_due_at_id", "due_at", "id"),
        # The public list of proposals, by supports and by newest answer (keyset pages).
        sa.Index(
            "ix_cc_reports_proposals_supports",
            "supports_count",
            "id",
            postgresql_where=sa.text(_PUBLIC_PROPOSAL.format(true="true")),
            sqlite_where=sa.text(_PUBLIC_PROPOSAL.format(true="1")),
        ),
        sa.Index(
            "ix_cc_reports_proposals_answered",
            "answered_at",
            "id",
            postgresql_where=sa.text(_PUBLIC_PROPOSAL.format(true="true")),
            sqlite_where=sa.text(_PUBLIC_PROPOSAL.format(true="1")),
        ),
        # The triage queue's acknowledgements; the metrics count breaches by level from it alone.
        sa.Index("ix_cc_reports_status_due_at", "status", "due_at", postgresql_include=["level"]),
        # Open311's requests list: public, not merged, newest requested first; the page is picked
        # from the index alone (box, circle, status, service), then its rows are read by id.
        sa.Index(
            "ix_cc_reports_public_received_cover",
            "received_at",
            "id",
            postgresql_include=["point", "status", "category_id"],
            postgresql_where=sa.text("is_public IS true AND duplicate_of_id IS NULL"),
            sqlite_where=sa.text("is_public IS 1 AND duplicate_of_id IS NULL"),
        ),
        sa.Index("ix_cc_reports_updated_at", "updated_at"),
        # The public map's most common view, "open reports near here" (a twentieth of all reports).
        # SpatiaLite answers boxes from its R*Tree: there the index is declared empty (WHERE 0).
        sa.Index(
            "ix_cc_reports_open_point",
            "point",
            postgresql_using="gist",
            postgresql_where=sa.text(
                f"is_public IS true AND duplicate_of_id IS NULL AND {sql_in('status', OPEN_STATUSES)}"
            ),
            sqlite_where=sa.text("0"),
        ),
        # Overdue public reports, counted live per map cell (index-only on PostgreSQL).
        sa.Index(
            "ix_cc_reports_public_due",
            "due_at",
            postgresql_include=["point", "status", "kind", "category_id"],
            postgresql_where=sa.text("is_public IS true AND duplicate_of_id IS NULL AND due_at IS NOT NULL"),
            sqlite_where=sa.text("is_public IS 1 AND duplicate_of_id IS NULL AND due_at IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(20), unique=True)
    tracking_token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    submission_token: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(16), default=Kind.ISSUE.value)
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("cc_categories.id"))
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text)
    #: What the public sees when moderation redacted the text; the original stays.
    public_title: Mapped[str | None] = mapped_column(sa.String(200))
    public_description: Mapped[str | None] = mapped_column(sa.Text)
    point: Mapped[WKBElement | None] = mapped_column(
        Geometry(geometry_type="POINT", srid=4326, spatial_index=True)
    )
    address: Mapped[str | None] = mapped_column(sa.String(300))
    answers: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    channel: Mapped[str] = mapped_column(sa.String(16), default=Channel.WEB.value)
    status: Mapped[str] = mapped_column(sa.String(16), default=Status.NEW.value)
    priority: Mapped[str] = mapped_column(sa.String(16), default=Priority.NORMAL.value)
    level: Mapped[int] = mapped_column(sa.SmallInteger, default=1)
    outcome: Mapped[str | None] = mapped_column(sa.String(16))
    office_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cc_offices.id", ondelete="SET NULL"))
    assignee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cc_staff.id", ondelete="SET NULL"))
    resolver_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cc_staff.id", ondelete="SET NULL"))
    is_public: Mapped[bool] = mapped_column(default=True)
    moderated: Mapped[bool] = mapped_column(default=False)
    duplicate_of_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cc_reports.id"))
    reject_reason: Mapped[str | None] = mapped_column(sa.Text)
    supports_count: Mapped[int] = mapped_column(default=0)
    duplicates_count: Mapped[int] = mapped_column(default=0)
    #: When the request reached the municipality (phone calls are registered later).
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Service-level due times, stored so the queue sorts and filters in SQL.
    ack_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolve_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The next due time for the case's state (acknowledgement while new, then resolution);
    #: ``None`` while the clock is paused or the case is finished. The queue sorts on it.
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sla_breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: A proposal's supports reached its category's threshold: the municipality must answer by
    #: ``answer_due_at`` (working days on the business calendar); ``answered_at`` is the first
    #: published answer. A missed answer is a breach on the dashboard.
    threshold_reached_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answer_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(default=1)

    category: Mapped[Category] = relationship()
    office: Mapped[Office | None] = relationship()
    assignee: Mapped[StaffMember | None] = relationship(foreign_keys=[assignee_id])
    resolver: Mapped[StaffMember | None] = relationship(foreign_keys=[resolver_id])
    contact: Mapped[ReporterContact | None] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, uselist=False
    )
    photos: Mapped[list[Photo]] = relationship(
        back_populates="report", order_by="Photo.position", cascade="all, delete-orphan"
    )
    events: Mapped[list[StatusEvent]] = relationship(
        back_populates="report", order_by="(StatusEvent.at, StatusEvent.id)", cascade="all, delete-orphan"
    )
    messages: Mapped[list[Message]] = relationship(
        back_populates="report", order_by="(Message.created_at, Message.id)", cascade="all, delete-orphan"
    )
    #: The photos the public may see (:meth:`Photo.public_condition`), read-only. The public page
    #: shows these; the photo address, the API and the map's list query the same condition.
    public_photos: Mapped[list[Photo]] = relationship(
        primaryjoin=lambda: sa.and_(Photo.report_id == Report.id, Photo.public_condition()),
        order_by=lambda: (Photo.position, Photo.id),
        viewonly=True,
    )
    #: The public timeline: the steps shown to everybody (thread messages are listed apart).
    public_events: Mapped[list[StatusEvent]] = relationship(
        primaryjoin=lambda: sa.and_(
            StatusEvent.report_id == Report.id,
            StatusEvent.public.is_(True),
            StatusEvent.action != "message",
        ),
        order_by=lambda: (StatusEvent.at, StatusEvent.id),
        viewonly=True,
    )
    #: The municipality's public answers in the thread.
    public_messages: Mapped[list[Message]] = relationship(
        primaryjoin=lambda: sa.and_(Message.report_id == Report.id, Message.visibility == "public"),
        order_by=lambda: (Message.created_at, Message.id),
        viewonly=True,
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy reads it)

    @property
    def contact_erased(self) -> bool:
        """The reporter's personal data were erased (retention, request): no more mail, reply or survey."""
        return self.contact is not None and self.contact.erased_at is not None

    @property
    def status_enum(self) -> Status:
        return Status(self.status)

    @property
    def shown_title(self) -> str:
        return self.public_title if self.public_title is not None else self.title

    @property
    def shown_description(self) -> str:
        return self.public_description if self.public_description is not None else self.description

    def __repr__(self) -> str:
        return f"<Report {self.public_id} {self.status}>"


class Photo(Base):
    """A photo after the pipeline: metadata stripped, display size and thumbnail stored."""

    __tablename__ = "cc_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("cc_reports.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cc_messages.id", ondelete="CASCADE"))
    storage_key: Mapped[str] = mapped_column(sa.String(80), unique=True)
    thumbnail_key: Mapped[str] = mapped_column(sa.String(80), unique=True)
    content_type: Mapped[str] = mapped_column(sa.String(40))
    width: Mapped[int]
    height: Mapped[int]
    size: Mapped[int]
    position: Mapped[int] = mapped_column(default=0)
    hidden: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    report: Mapped[Report] = relationship(back_populates="photos")
    message: Mapped[Message | None] = relationship()

    @classmethod
    def public_condition(cls) -> sa.ColumnElement[bool]:
        """Which photos of a public report the public may see: the one rule of every public surface.

        A photo belongs to the public report when the reporter sent it with the
        report and moderation did not hide it. Photos sent later with a message
        (added on the tracking page, attached to a reply by mail) belong to that
        message, which is private between the reporter and the office: they are
        never public, whatever happens to the report.
        """
        return sa.and_(cls.hidden.is_(False), cls.message_id.is_(None))


#: Who may publish the note of a public step: staff, who write reasons knowing the public reads them.
NOTE_PUBLISHERS = ("staff",)


class StatusEvent(Base):
    """One step of a report's life: who did what, when, from which state to which.

    The public timeline and every service-level measure are built from these.
    """

    __tablename__ = "cc_status_events"
    __table_args__ = (
        sa.CheckConstraint("actor_kind IN ('citizen', 'staff', 'system')", name="actor_known"),
        sa.CheckConstraint(f"from_status IS NULL OR {sql_in('from_status', Status)}", name="from_known"),
        sa.CheckConstraint(sql_in("to_status", Status), name="to_known"),
        sa.Index("ix_cc_status_events_report_at", "report_id", "at"),
        sa.Index("ix_cc_status_events_at", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("cc_reports.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    action: Mapped[str] = mapped_column(sa.String(32))
    from_status: Mapped[str | None] = mapped_column(sa.String(16))
    to_status: Mapped[str] = mapped_column(sa.String(16))
    actor_kind: Mapped[str] = mapped_column(sa.String(8), default="system")
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cc_staff.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(sa.Text)
    public: Mapped[bool] = mapped_column(default=True)
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)

    report: Mapped[Report] = relationship(back_populates="events")
    actor: Mapped[StaffMember | None] = relationship()

    @hybrid_property
    def public_note(self) -> str | None:
        """The note as the public timeline shows it: only what staff wrote on a public step.

        What a citizen writes (the start of the reply by mail that reopened the
        case, any text of theirs stored with a step) is private to the office,
        like their messages: it may carry a name, an address, a phone number.
        The step itself stays public ("reopened"); staff publish the citizen's
        words only by writing them in a public answer or a reason themselves.
        """
        return self.note if self.public and self.actor_kind in NOTE_PUBLISHERS else None

    @public_note.inplace.expression
    @classmethod
    def _public_note_expression(cls) -> sa.ColumnElement[str | None]:
        return sa.case(
            (sa.and_(cls.public.is_(True), cls.actor_kind.in_(NOTE_PUBLISHERS)), cls.note), else_=sa.null()
        )


class Support(Base):
    """One person's support for a proposal ("I back this").

    ``supporter`` names the person once: ``u:<host user id>``, or ``e:<keyed hash>``
    of a confirmed, normalised e-mail address; the unique constraint makes a
    second support by the same person impossible, whatever races.
    ``email`` is where the answer is mailed (private, like a follower's).
    """

    __tablename__ = "cc_supports"
    __table_args__ = (
        sa.UniqueConstraint("report_id", "supporter", name="uq_cc_supports_once"),
        sa.Index("ix_cc_supports_supporter", "supporter"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("cc_reports.id", ondelete="CASCADE"))
    supporter: Mapped[str] = mapped_column(sa.String(128))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    locale: Mapped[str | None] = mapped_column(sa.String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Follower(Base):
    """Someone who gets mail about a report: its reporter, or a confirmed follower."""

    __tablename__ = "cc_followers"
    __table_args__ = (sa.UniqueConstraint("report_id", "email", name="uq_cc_followers_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("cc_reports.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(sa.String(254))
    locale: Mapped[str | None] = mapped_column(sa.String(8))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Set when the address took itself off the report with the unsubscribe link; for the
    #: reporter's own address this silences the reporter's mails about the report.
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def opted_out(self) -> bool:
        return self.unsubscribed_at is not None


class Counter(Base):
    """Named counters, e.g. the yearly sequence behind public ids (``2026-000123``)."""

    __tablename__ = "cc_counters"

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    value: Mapped[int] = mapped_column(sa.BigInteger, default=0)
