"""The AgID model's page rating (C.SI.2.5/2.6): ratings, blocks and their answers as data.

A rating of 1 to 3 stars opens the negative block ("Dove hai incontrato le
maggiori difficoltà?"), 4 or 5 the positive one ("Quali sono stati gli aspetti
che hai preferito?"); each block has the model's five answers. Answers are
stored by code, so a change of wording keeps the figures comparable.
"""

from __future__ import annotations

from dataclasses import dataclass

RATINGS = (1, 2, 3, 4, 5)
#: Ratings up to this one are negative (the validator's ``positiveThreshold``).
NEGATIVE_UP_TO = 3

POSITIVE = "positive"
NEGATIVE = "negative"

#: The answers of each block, in the model's order.
ANSWERS: dict[str, tuple[str, ...]] = {
    POSITIVE: ("clear", "complete", "on_track", "no_technical_problems", "other_positive"),
    NEGATIVE: ("unclear", "incomplete", "lost", "technical_problems", "other_negative"),
}
ALL_ANSWERS: tuple[str, ...] = ANSWERS[NEGATIVE] + ANSWERS[POSITIVE]


class FeedbackError(ValueError):
    """A rating that cannot be stored; ``field`` names the part of the form at fault."""

    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


def block_of(rating: int) -> str:
    """The block a rating opens."""
    return NEGATIVE if rating <= NEGATIVE_UP_TO else POSITIVE


@dataclass(frozen=True)
class Rating:
    page: str
    rating: int
    answer: str | None
    comment: str | None


def check_rating(page: str, rating: int, answer: str | None, comment: str | None, text_max: int) -> Rating:
    """The rating as stored, or :class:`FeedbackError` naming the bad part."""
    if rating not in RATINGS:
        raise FeedbackError("rating")
    if answer is not None and answer not in ANSWERS[block_of(rating)]:
        raise FeedbackError("answer")
    if comment is not None:
        comment = comment.strip()
        if len(comment) > text_max or "\x00" in comment:
            raise FeedbackError("comment")
    return Rating(page=page, rating=rating, answer=answer or None, comment=comment or None)
