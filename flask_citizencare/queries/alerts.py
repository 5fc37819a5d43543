"""The read side of local alerts and report feeds: what is public and new, and the newest public reports.

Both go through the one rule of what the public may see,
:func:`.reports.public_reports_filter` (published, not a merged duplicate):
a hidden or merged report is never an alert item nor a feed entry. Only what
the public page shows leaves here (number, title as published, category,
status, address, point; the feed adds the published description).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

import sqlalchemy as sa
from geoalchemy2.shape import to_shape
from sqlalchemy.orm import Session, joinedload

from ..domain.alerts import AlertItem
from ..domain.lifecycle import Kind
from ..models import Category, ProposalAnswer, Report
from .reports import public_reports_filter

#: Most items one sweep reads (a sweep every few minutes sees far fewer).
MAX_ITEMS = 5000
#: Entries of a feed.
FEED_SIZE = 50

TOPIC_OF_KIND = {Kind.ISSUE.value: "reports", Kind.PROPOSAL.value: "proposals"}


def _point(report: Report) -> tuple[float | None, float | None]:
    if report.point is None:
        return None, None
    shape = to_shape(report.point)
    return float(shape.x), float(shape.y)


def _report_item(report: Report) -> AlertItem:
    lon, lat = _point(report)
    return AlertItem(
        key=f"report:{report.id}",
        topic=TOPIC_OF_KIND.get(report.kind, "reports"),
        kind=report.kind,
        number=report.public_id,
        title=report.shown_title,
        category_id=report.category_id,
        category_name=report.category.name,
        category_names=dict(report.category.names or {}),
        status=report.status,
        address=report.address,
        lon=lon,
        lat=lat,
        since=report.created_at,
        at=report.updated_at,
    )


def alert_items(session: Session, *, since: datetime, limit: int = MAX_ITEMS) -> list[AlertItem]:
    """Public reports and proposals changed since ``since`` (a report that became public changed
    then), and answers to public proposals published since then; oldest first."""
    reports = session.scalars(
        sa.select(Report)
        .where(public_reports_filter(), Report.updated_at >= since)
        .options(joinedload(Report.category))
        .order_by(Report.updated_at, Report.id)
        .limit(limit)
    ).all()
    items = [_report_item(report) for report in reports]
    answers = session.execute(
        sa.select(ProposalAnswer, Report)
        .join(Report, Report.id == ProposalAnswer.report_id)
        .where(
            public_reports_filter(),
            Report.kind == Kind.PROPOSAL.value,
            ProposalAnswer.published_at.is_not(None),
            ProposalAnswer.published_at >= since,
        )
        .options(joinedload(ProposalAnswer.state), joinedload(Report.category))
        .order_by(ProposalAnswer.published_at, ProposalAnswer.id)
        .limit(limit)
    ).all()
    for answer, report in answers:
        published = answer.published_at
        assert published is not None
        items.append(
            replace(
                _report_item(report),
                key=f"answer:{answer.id}",
                kind="answer",
                since=published,
                at=published,
                answer_state=answer.state.name,
                answer_states=dict(answer.state.names or {}),
            )
        )
    items.sort(key=lambda item: (item.at, item.key))
    return items


def feed_reports(
    session: Session, conditions: Sequence[sa.ColumnElement[bool]], *, limit: int = FEED_SIZE
) -> Sequence[Report]:
    """The newest public reports meeting ``conditions`` (from :func:`.filter_sql.filter_conditions`,
    which put the public rule first; it is added here again so no caller can forget it)."""
    return session.scalars(
        sa.select(Report)
        .where(public_reports_filter(), *conditions)
        .options(joinedload(Report.category))
        .order_by(Report.created_at.desc(), Report.id.desc())
        .limit(limit)
    ).all()


def category_codes_by_id(session: Session) -> dict[int, str]:
    return {category_id: code for category_id, code in session.execute(sa.select(Category.id, Category.code))}
