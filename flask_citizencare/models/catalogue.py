"""What citizens can report about and who handles it: categories and offices."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain.lifecycle import Kind
from .base import Base


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

    default_office: Mapped[Office | None] = relationship()

    def label(self, language: str) -> str:
        return self.names.get(language) or self.name

    def __repr__(self) -> str:
        return f"<Category {self.code}>"
