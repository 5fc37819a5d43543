"""Satisfaction figures from survey answers (reference 003): pure functions, no database.

Every answer is a whole number from 0 to 10. The Net Promoter Score counts the
answers to "would you recommend the service": promoters answer 9 or 10,
detractors 0 to 6; the score is the percentage of promoters minus the
percentage of detractors, from -100 (all detractors) to 100 (all promoters).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

SCORE_MIN = 0
SCORE_MAX = 10
#: Promoters answer at least this much to "would you recommend".
PROMOTER_MIN = 9
#: Detractors answer at most this much.
DETRACTOR_MAX = 6
#: A "was your request resolved" answer at most this low flags the case for the manager.
UNRESOLVED_MAX = 4


class Answers(Protocol):
    """The three scores of one survey response (``SurveyResponse`` has them)."""

    @property
    def recommend(self) -> int: ...

    @property
    def knowledge(self) -> int: ...

    @property
    def resolved(self) -> int: ...


def check_score(score: int) -> int:
    """``score`` itself when it is a whole number from 0 to 10; ``ValueError`` otherwise."""
    if isinstance(score, bool) or not isinstance(score, int) or not SCORE_MIN <= score <= SCORE_MAX:
        raise ValueError(f"a score is a whole number from {SCORE_MIN} to {SCORE_MAX}, not {score!r}")
    return score


def _checked(scores: Iterable[int]) -> list[int]:
    return [check_score(score) for score in scores]


def nps(scores: Iterable[int]) -> float | None:
    """Net Promoter Score of "would you recommend" answers, or ``None`` with no answers."""
    values = _checked(scores)
    if not values:
        return None
    promoters = sum(1 for v in values if v >= PROMOTER_MIN)
    detractors = sum(1 for v in values if v <= DETRACTOR_MAX)
    return 100.0 * (promoters - detractors) / len(values)


def average(scores: Iterable[int]) -> float | None:
    """Mean of the scores, or ``None`` with no answers."""
    values = _checked(scores)
    if not values:
        return None
    return sum(values) / len(values)


def is_unresolved(resolved: int) -> bool:
    """Whether a "was your request resolved" answer is low enough to flag the case."""
    return check_score(resolved) <= UNRESOLVED_MAX


def summary(responses: Iterable[Answers]) -> dict[str, float | int | None]:
    """``count``, ``nps`` (of "recommend"), ``knowledge`` and ``resolved`` averages of the responses."""
    rows = list(responses)
    return {
        "count": len(rows),
        "nps": nps(r.recommend for r in rows),
        "knowledge": average(r.knowledge for r in rows),
        "resolved": average(r.resolved for r in rows),
    }
