"""The page ratings read back: per page figures for the staff dashboard and open data.

Aggregates only, except :func:`recent_comments`, which is for staff: free texts
never go to a public surface.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from ..context import db_session
from ..domain.feedback import ALL_ANSWERS, RATINGS
from ..models.feedback import PageRating

__all__ = ["PageSummary", "RecentComment", "page_summaries", "recent_comments"]


@dataclass
class PageSummary:
    page: str
    count: int = 0
    total: int = 0
    ratings: dict[int, int] = field(default_factory=lambda: dict.fromkeys(RATINGS, 0))
    answers: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ALL_ANSWERS, 0))

    @property
    def average(self) -> float:
        return self.total / self.count if self.count else 0.0


@dataclass(frozen=True)
class RecentComment:
    page: str
    rating: int
    answer: str | None
    comment: str
    created_at: datetime


def page_summaries() -> list[PageSummary]:
    """Every rated page with its count, average, ratings and answers; most rated first."""
    session = db_session()
    summaries: dict[str, PageSummary] = {}
    by_rating = session.execute(
        sa.select(PageRating.page, PageRating.rating, sa.func.count()).group_by(
            PageRating.page, PageRating.rating
        )
    )
    for page, rating, count in by_rating:
        summary = summaries.setdefault(page, PageSummary(page))
        summary.count += count
        summary.total += rating * count
        summary.ratings[rating] = summary.ratings.get(rating, 0) + count
    by_answer = session.execute(
        sa.select(PageRating.page, PageRating.answer, sa.func.count())
        .where(PageRating.answer.is_not(None))
        .group_by(PageRating.page, PageRating.answer)
    )
    for page, answer, count in by_answer:
        if page in summaries and answer in summaries[page].answers:
            summaries[page].answers[answer] = count
    return sorted(summaries.values(), key=lambda s: (-s.count, s.page))


def recent_comments(limit: int = 50) -> Sequence[RecentComment]:
    """The newest free texts (staff only), at most ``limit``."""
    rows = db_session().execute(
        sa.select(
            PageRating.page, PageRating.rating, PageRating.answer, PageRating.comment, PageRating.created_at
        )
        .where(PageRating.comment.is_not(None))
        .order_by(PageRating.created_at.desc(), PageRating.id.desc())
        .limit(limit)
    )
    return [
        RecentComment(page, rating, answer, comment or "", created_at)
        for page, rating, answer, comment, created_at in rows
    ]
