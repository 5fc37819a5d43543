"""What citizens can report about and who handles it: categories and offices."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain.lifecycle import Kind
from .base import Base, UTCDateTime, utcnow


class Office(Base):
    """An office of the municipality that works cases (second level)."""

    __tablename__ = "cc_offices"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    #: Another administration's office (reference 001: waiting for it may suspend the clock).
    external: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    def __repr__(self) -> str:
        return f"<Office {self.code}>"


class Category(Base):
    """A kind of problem or proposal, grouped for the form.

    ``names``/``descriptions`` hold the translations of ``name``/``help_text``
    by language code; ``questions`` are the category's extra form fields, as a
    list of ``{"key", "label", "type", "required", "choices"}`` mappings.
    """

    __tablename__ = "cc_categories"
    __table_args__ = (
        sa.CheckConstraint(f"kinds IN ('{Kind.ISSUE}', '{Kind.PROPOSAL}', 'both')", name="kinds_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    group: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    name: Mapped[str] = mapped_column(sa.String(200))
    help_text: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    names: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)
    help_texts: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)
    questions: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    kinds: Mapped[str] = mapped_column(sa.String(16), default="both", server_default="both")
    needs_location: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    default_office_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cc_offices.id", ondelete="SET NULL"))
    #: Service-level overrides set by managers, in ``CITIZENCARE_SLA_POLICY["categories"]`` form
    #: (e.g. ``{"resolution": {"1": "16h"}, "complex": true}``); they win over the configuration.
    sla: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    position: Mapped[int] = mapped_column(default=0, server_default="0")
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    #: Where the form sends citizens once this category is deactivated (it never is deleted with reports).
    #: No foreign key: SQLite adds none to an existing table; deleting a category clears the references.
    successor_id: Mapped[int | None] = mapped_column()
    #: Duplicate detection for this category (FixMyStreet keeps them per category); None: the settings'.
    duplicate_radius_m: Mapped[int | None] = mapped_column()
    duplicate_age_days: Mapped[int | None] = mapped_column()
    #: "Urgent? Call this number instead": shown on the form above the category's questions.
    urgent_notice: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    urgent_notices: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)
    #: Months a finished case keeps its personal data; None: ``CITIZENCARE_RETENTION_MONTHS``.
    retention_months: Mapped[int | None] = mapped_column()
    #: Supports that oblige the municipality to answer a proposal; None: no threshold.
    supports_threshold: Mapped[int | None] = mapped_column()
    #: Whether citizens may support this category's proposals now (managers close them).
    supports_open: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    #: Working days to answer a proposal that reached the threshold;
    #: None: ``CITIZENCARE_PROPOSAL_ANSWER_DAYS``.
    answer_days: Mapped[int | None] = mapped_column()
    #: Words a client searches the service by (Open311 ``keywords``); None: none.
    keywords: Mapped[list[str] | None] = mapped_column(sa.JSON)
    #: Route a new case to the office the suggestion model names when it is at least this sure
    #: (0.5–0.99); None: never (the default: a manager turns it on per category).
    auto_route_threshold: Mapped[float | None] = mapped_column(sa.Float)

    default_office: Mapped[Office | None] = relationship()
    successor: Mapped[Category | None] = relationship(
        primaryjoin="foreign(Category.successor_id) == remote(Category.id)", viewonly=True
    )

    def label(self, language: str) -> str:
        return self.names.get(language) or self.name

    def urgent_notice_in(self, language: str) -> str:
        """The "urgent? call ... instead" notice in ``language``, else the default language's, or ""."""
        return (self.urgent_notices or {}).get(language) or self.urgent_notice or ""

    def __repr__(self) -> str:
        return f"<Category {self.code}>"


class RoutingRuleRecord(Base):
    """A routing rule as managers keep it: category and/or place → office, tried by ``position``.

    ``category_id`` None matches every category; the place is a district of
    ``CITIZENCARE_DISTRICTS`` (by code) or an ``area`` drawn on the map (a
    GeoJSON Polygon or MultiPolygon), or neither (anywhere). Stored rules are
    tried before the ones of ``CITIZENCARE_ROUTING``; the category's default
    office comes last.
    """

    __tablename__ = "cc_routing_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(default=0, server_default="0")
    category_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cc_categories.id", ondelete="CASCADE"))
    district: Mapped[str | None] = mapped_column(sa.String(64))
    area: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    office_id: Mapped[int] = mapped_column(sa.ForeignKey("cc_offices.id", ondelete="RESTRICT"))
    note: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())

    category: Mapped[Category | None] = relationship()
    office: Mapped[Office] = relationship()

    def __repr__(self) -> str:
        return f"<RoutingRuleRecord {self.position} -> {self.office_id}>"


class CatalogueSetting(Base):
    """A setting managers change on screen, stored over the configuration's value.

    ``key`` ``"calendar"`` holds a mapping in ``CITIZENCARE_SLA_CALENDAR`` form
    and ``"sla_policy"`` one in ``CITIZENCARE_SLA_POLICY`` form; each key given
    wins over the configuration's. ``revision`` grows with every change, so a
    process knows its parsed copy is stale with one cheap read.
    """

    __tablename__ = "cc_catalogue_settings"

    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    revision: Mapped[int] = mapped_column(default=1, server_default="1")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
