"""Reading service notices for the public: one published notice with its steps.

Drafts never leave the back office: every public reader goes through
:func:`published` (status other than ``draft``), the one rule of "may the
public see this notice?".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from geoalchemy2.shape import to_shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy.orm import Session, selectinload

from ..database.spatial import notices_near_point
from ..domain.notices import lifecycle
from ..domain.notices.areas import covers_point
from ..domain.notices.lifecycle import NoticeKind, NoticeStatus, ServiceState
from ..i18n import gettext as _
from ..models import Category, NoticeCategory, ServiceNotice
from ..models.base import utcnow


def published() -> sa.ColumnElement[bool]:
    """SQL condition: the notice is public (published, whatever its step since)."""
    return ServiceNotice.status != "draft"


def public_notice(session: Session, notice_id: int) -> ServiceNotice | None:
    """The published notice ``notice_id`` with its categories and steps; None for a draft or none."""
    return session.scalar(
        sa.select(ServiceNotice)
        .where(ServiceNotice.id == notice_id, published())
        .options(selectinload(ServiceNotice.categories), selectinload(ServiceNotice.updates))
    )


# -- current notices ---------------------------------------------------------------

#: The public steps of a notice that is not over (``lifecycle.is_current``).
CURRENT_STATUSES = tuple(s.value for s in NoticeStatus if lifecycle.is_current(s))
#: How far back the status page's history and the feeds look.
HISTORY_DAYS = 90


def current() -> sa.ColumnElement[bool]:
    """SQL condition: the notice is published and not over (banners, map, Open311)."""
    return ServiceNotice.status.in_(CURRENT_STATUSES)


def current_notices(session: Session) -> list[ServiceNotice]:
    """Every current notice with its categories, incidents before works, newest start first."""
    return list(
        session.scalars(
            sa.select(ServiceNotice)
            .where(current())
            .options(selectinload(ServiceNotice.categories))
            .order_by(ServiceNotice.kind, ServiceNotice.starts_at.desc(), ServiceNotice.id.desc())
        )
    )


@dataclass(frozen=True)
class ServiceRow:
    """A row of the status page: a category or a named (online) service and its state now."""

    name: str
    state: ServiceState
    #: The current notices that make the state (empty when operational).
    notices: tuple[ServiceNotice, ...]
    #: ``category`` or ``service``.
    kind: str
    group: str = ""


@dataclass(frozen=True)
class StatusOverview:
    """What the status page shows, in its order."""

    #: Incidents not over and works in progress.
    current: list[ServiceNotice]
    #: Planned works not started yet.
    upcoming: list[ServiceNotice]
    #: Notices over in the last :data:`HISTORY_DAYS` days, latest first.
    history: list[ServiceNotice]
    rows: list[ServiceRow]

    @property
    def state(self) -> ServiceState:
        return lifecycle.worst([row.state for row in self.rows])


def _state(notice: ServiceNotice) -> ServiceState:
    return lifecycle.service_state(notice.kind, notice.status, notice.impact)


def status_overview(session: Session, language: str, now: datetime | None = None) -> StatusOverview:
    """The status page: current notices, upcoming works, the last 90 days, and a row per active
    category and per service named by a notice of the window, with its state now."""
    now = now or utcnow()
    since = now - timedelta(days=HISTORY_DAYS)
    notices = list(
        session.scalars(
            sa.select(ServiceNotice)
            .where(published(), sa.or_(current(), ServiceNotice.ended_at >= since))
            .options(selectinload(ServiceNotice.categories))
            .order_by(ServiceNotice.starts_at.desc(), ServiceNotice.id.desc())
        )
    )
    live = [n for n in notices if lifecycle.is_current(n.status)]
    running = [n for n in live if n.kind == NoticeKind.INCIDENT.value or n.status == NoticeStatus.IN_PROGRESS]
    upcoming = sorted((n for n in live if n not in running), key=lambda n: (n.starts_at, n.id))
    history = sorted(
        (n for n in notices if not lifecycle.is_current(n.status)),
        key=lambda n: (n.ended_at or n.starts_at, n.id),
        reverse=True,
    )
    categories = list(
        session.scalars(
            sa.select(Category)
            .where(Category.active.is_(True))
            .order_by(Category.group, Category.position, Category.name)
        )
    )
    known = {c.id for c in categories}
    for notice in live:  # a retired category a current notice names has its row while it lasts
        for category in notice.categories:
            if category.id not in known:
                known.add(category.id)
                categories.append(category)
    rows = []
    for category in categories:
        touching = tuple(n for n in live if any(c.id == category.id for c in n.categories))
        rows.append(
            ServiceRow(
                category.label(language),
                lifecycle.worst([_state(n) for n in touching]),
                tuple(n for n in touching if _state(n) is not ServiceState.OPERATIONAL),
                "category",
                category.group,
            )
        )
    services: dict[str, str] = {}
    for notice in sorted(notices, key=lambda n: n.starts_at):
        for name in notice.services:
            services.setdefault(name.casefold(), name)
    for key, name in sorted(services.items()):
        touching = tuple(n for n in live if key in {s.casefold() for s in n.services})
        rows.append(
            ServiceRow(
                name,
                lifecycle.worst([_state(n) for n in touching]),
                tuple(n for n in touching if _state(n) is not ServiceState.OPERATIONAL),
                "service",
            )
        )
    return StatusOverview(running, upcoming, history, rows)


# -- the report form's banners ---------------------------------------------------------


def notices_for_report(
    session: Session, category_id: int | None, point: tuple[float, float] | None
) -> list[ServiceNotice]:
    """Current notices a citizen about to report should see: those naming ``category_id``, and
    those whose area covers ``point`` (``(lon, lat)``), found through the spatial index."""
    conditions: list[sa.ColumnElement[bool]] = []
    if category_id is not None:
        conditions.append(
            ServiceNotice.id.in_(
                sa.select(NoticeCategory.notice_id).where(NoticeCategory.category_id == category_id)
            )
        )
    if point is not None:
        conditions.append(notices_near_point(session, *point))
    if not conditions:
        return []
    candidates = session.scalars(
        sa.select(ServiceNotice)
        .where(current(), sa.or_(*conditions))
        .options(selectinload(ServiceNotice.categories))
        .order_by(ServiceNotice.starts_at.desc(), ServiceNotice.id.desc())
    )
    found = []
    for notice in candidates:
        named = category_id is not None and any(c.id == category_id for c in notice.categories)
        placed = point is not None and covers_point(area_shape(notice), *point)
        if named or placed:
            found.append(notice)
    return found


def area_shape(notice: ServiceNotice) -> BaseGeometry | None:
    return to_shape(notice.area) if notice.area is not None else None


# -- Open311 ---------------------------------------------------------------------


def current_titles_by_category(
    session: Session, category_ids: Iterable[int] | None, language: str
) -> dict[int, str]:
    """The title of the latest current notice naming each of ``category_ids`` (those with one;
    every category named by a current notice when ``None``)."""
    query = (
        sa.select(NoticeCategory.category_id, ServiceNotice)
        .join(ServiceNotice, ServiceNotice.id == NoticeCategory.notice_id)
        .where(current())
        .order_by(ServiceNotice.starts_at.desc(), ServiceNotice.id.desc())
    )
    if category_ids is not None:
        wanted = set(category_ids)
        if not wanted:
            return {}
        query = query.where(NoticeCategory.category_id.in_(wanted))
    rows = session.execute(query).all()
    titles: dict[int, str] = {}
    for category_id, notice in rows:
        titles.setdefault(category_id, notice.title_in(language))
    return titles


def service_notice(category: Category, language: str, notice_title: str | None) -> str | None:
    """Open311's ``service_notice`` of a category: its "urgent? call ..." text and the title of the
    current notice naming it, when there is one (None for neither)."""
    parts = [category.urgent_notice_in(language)]
    if notice_title:
        parts.append(_("Known problem, already being handled: %(title)s", title=notice_title))
    return " — ".join(p for p in parts if p) or None


def category_service_notice(session: Session, category: Category, language: str) -> str | None:
    """:func:`service_notice` of one category."""
    title = current_titles_by_category(session, [category.id], language).get(category.id)
    return service_notice(category, language, title)


# -- feeds -----------------------------------------------------------------------

#: Notices in the RSS/Atom feeds.
FEED_SIZE = 50


def feed_notices(session: Session) -> list[ServiceNotice]:
    """The latest published notices (by their last change), with their steps."""
    return list(
        session.scalars(
            sa.select(ServiceNotice)
            .where(published())
            .options(selectinload(ServiceNotice.categories), selectinload(ServiceNotice.updates))
            .order_by(ServiceNotice.updated_at.desc(), ServiceNotice.id.desc())
            .limit(FEED_SIZE)
        )
    )


def planned_works(session: Session, now: datetime | None = None) -> list[ServiceNotice]:
    """Published planned works not over, or over in the last :data:`HISTORY_DAYS` days (the calendar)."""
    since = (now or utcnow()) - timedelta(days=HISTORY_DAYS)
    return list(
        session.scalars(
            sa.select(ServiceNotice)
            .where(
                published(),
                ServiceNotice.kind == NoticeKind.PLANNED.value,
                sa.or_(current(), ServiceNotice.ended_at >= since),
            )
            .options(selectinload(ServiceNotice.categories))
            .order_by(ServiceNotice.starts_at, ServiceNotice.id)
        )
    )
