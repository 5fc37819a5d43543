"""One score for "is this the same problem?" from distance, age and the similarity of the words.

The spatial index narrows the candidates to open reports near the point; this
ranks them. Words weigh most (two reports of the same broken light rarely
share a category *and* words by chance), nearness next, age least: a report
of yesterday at the same corner is likelier the same than one of last month.
"""

from __future__ import annotations

import math

SIMILARITY_WEIGHT = 0.6
DISTANCE_WEIGHT = 0.25
AGE_WEIGHT = 0.15
#: Words at least this similar make a candidate worth showing whatever its score ...
SHOWN_SIMILARITY = 0.3
#: ... and a close, recent one with at least half that similarity, when its combined score reaches this.
SHOWN_SCORE = 0.5


def duplicate_score(
    *,
    similarity: float,
    distance_m: float | None,
    radius_m: float,
    age_days: float,
    max_age_days: float,
    same_category: bool = False,
) -> float:
    """0–1: words' similarity (0–1), nearness within ``radius_m`` and recency within ``max_age_days``.

    Without a place (``distance_m`` None) nearness counts as half. The same
    category adds a little: the citizen's choice is a hint, not a proof.
    """
    sim = min(1.0, max(0.0, similarity))
    if distance_m is None or not math.isfinite(distance_m):
        near = 0.5
    else:
        near = 1.0 - min(1.0, max(0.0, distance_m) / radius_m) if radius_m > 0 else 0.0
    recent = 1.0 - min(1.0, max(0.0, age_days) / max_age_days) if max_age_days > 0 else 0.0
    score = SIMILARITY_WEIGHT * sim + DISTANCE_WEIGHT * near + AGE_WEIGHT * recent
    if same_category:
        score = min(1.0, score + 0.05)
    return round(score, 4)


def worth_showing(score: float, similarity: float) -> bool:
    return (score >= SHOWN_SCORE and similarity >= SHOWN_SIMILARITY / 2) or similarity >= SHOWN_SIMILARITY
