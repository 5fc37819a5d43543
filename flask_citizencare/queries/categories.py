"""Categories as the administration screen and the public form read them."""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa

from ..context import db_session
from ..models import CannedReply, Category, Office, Report

#: How far a chain of successors is followed (a deactivated successor may have one of its own).
SUCCESSOR_HOPS = 10
_CODE_OR_ID = re.compile(r"[a-z0-9][a-z0-9_.-]{0,63}")


@dataclass(frozen=True)
class CategoryRow:
    category: Category
    reports: int
    templates: int

    @property
    def deletable(self) -> bool:
        return self.reports == 0 and self.templates == 0


@dataclass(frozen=True)
class GroupRows:
    group: str
    rows: list[CategoryRow]


def category_groups() -> list[GroupRows]:
    """Every category, by group (as the form orders them) then position, with its reports counted."""
    reports = (
        sa.select(sa.func.count())
        .select_from(Report)
        .where(Report.category_id == Category.id)
        .scalar_subquery()
    )
    templates = (
        sa.select(sa.func.count())
        .select_from(CannedReply)
        .where(CannedReply.category_id == Category.id)
        .scalar_subquery()
    )
    rows = db_session().execute(
        sa.select(Category, reports, templates).order_by(
            Category.group, Category.position, Category.name, Category.id
        )
    )
    groups: list[GroupRows] = []
    for category, n_reports, n_templates in rows:
        if not groups or groups[-1].group != category.group:
            groups.append(GroupRows(category.group, []))
        groups[-1].rows.append(CategoryRow(category, n_reports or 0, n_templates or 0))
    return groups


def group_names() -> list[str]:
    return list(db_session().scalars(sa.select(Category.group).distinct().order_by(Category.group)))


def category_offices(current: int | None = None) -> list[Office]:
    """The offices a category may default to: the active ones (and ``current``, even if inactive)."""
    condition: sa.ColumnElement[bool] = Office.active.is_(True)
    if current is not None:
        condition = sa.or_(condition, Office.id == current)
    return list(db_session().scalars(sa.select(Office).where(condition).order_by(Office.name, Office.id)))


def successor_choices(category_id: int) -> list[Category]:
    """The categories that may replace ``category_id`` on the form: the other active ones."""
    return list(
        db_session().scalars(
            sa.select(Category)
            .where(Category.active.is_(True), Category.id != category_id)
            .order_by(Category.group, Category.position, Category.name)
        )
    )


def category_by_reference(reference: str | None) -> Category | None:
    """The category a link names (``?category=`` with a code or an id), active or not; None if none."""
    text = (reference or "").strip().lower()
    if not _CODE_OR_ID.fullmatch(text):
        return None
    query = sa.select(Category).where(Category.code == text)
    if text.isdigit() and len(text) <= 9:
        query = sa.select(Category).where(sa.or_(Category.code == text, Category.id == int(text)))
    return db_session().scalars(query.order_by(Category.id)).first()


def active_successor(category: Category) -> Category | None:
    """The active category that replaces an inactive one (following successors of successors)."""
    seen = {category.id}
    current = category
    for _hop in range(SUCCESSOR_HOPS):
        if current.successor_id is None or current.successor_id in seen:
            return None
        found = db_session().get(Category, current.successor_id)
        if found is None:
            return None
        if found.active:
            return found
        seen.add(found.id)
        current = found
    return None
