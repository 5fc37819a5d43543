"""Storing a page rating of the AgID widget: one row, no personal data."""

from __future__ import annotations

from ..context import db_session
from ..domain.feedback import check_rating
from ..models.feedback import FEEDBACK_TEXT_MAX, PageRating
from .transactions import one_transaction

__all__ = ["record_rating"]


def record_rating(page: str, rating: int, answer: str | None, comment: str | None, locale: str) -> PageRating:
    """Store one rating of ``page`` (a path template); :class:`~..domain.feedback.FeedbackError` if bad.

    Nothing of the person is kept: no address, no user, no session.
    """
    checked = check_rating(page, rating, answer, comment, FEEDBACK_TEXT_MAX)
    row = PageRating(
        page=checked.page[:200],
        rating=checked.rating,
        answer=checked.answer,
        comment=checked.comment,
        locale=(locale or "")[:8],
    )
    with one_transaction(db_session()) as session:
        session.add(row)
    return row
