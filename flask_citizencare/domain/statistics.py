"""Dashboard arithmetic: percentiles, duration buckets, backlog ages, shares. Pure Python.

Durations are seconds. Two ways to a percentile:

* exact, from the sorted durations (:func:`percentile`), the same linear
  interpolation as PostgreSQL's ``percentile_cont``;
* approximate, from a histogram of fixed log-scale buckets
  (:func:`histogram_percentile`), which is what the summary tables keep per
  day. Bucket ``0`` holds durations under a minute; bucket ``k`` (1 ≤ k ≤ 60)
  holds ``[60·2^((k-1)/3), 60·2^(k/3))`` seconds, so each bucket is 26 % wider
  than the previous one and the last closed edge is 60·2^20 s (about two
  years); bucket 61 holds anything longer. Inside a bucket the percentile is
  interpolated geometrically by rank, so the answer always lies in the bucket
  of the true value: at most 26 % away from it (in practice a few per cent),
  whatever the number of cases.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Sequence
from datetime import date

#: Edges of the histogram buckets, in seconds: ``EDGES[k]`` is the lower edge of bucket ``k + 1``.
STEPS_PER_DOUBLING = 3
EDGES: tuple[float, ...] = tuple(60.0 * 2 ** (k / STEPS_PER_DOUBLING) for k in range(61))
#: Number of buckets: under a minute, 60 closed buckets, and everything beyond the last edge.
BUCKETS = len(EDGES) + 1
#: Widest relative error of a histogram percentile (one bucket's width).
HISTOGRAM_PRECISION = 2 ** (1 / STEPS_PER_DOUBLING) - 1

#: Backlog age buckets in days: ``(lower, upper)``, upper excluded, ``None`` for no upper bound.
AGE_BUCKETS: tuple[tuple[int, int | None], ...] = ((0, 1), (1, 7), (7, 30), (30, 90), (90, None))


def bucket_of(seconds: float) -> int:
    """The histogram bucket of a duration (negative durations count as zero)."""
    return bisect_right(EDGES, seconds)


def bucket_bounds(bucket: int) -> tuple[float, float]:
    """``(lower, upper)`` seconds of a bucket; the last one is given twice its lower edge as upper."""
    lower = 0.0 if bucket == 0 else EDGES[bucket - 1]
    upper = EDGES[bucket] if bucket < len(EDGES) else lower * 2
    return lower, upper


def percentile(ordered: Sequence[float], share: float) -> float | None:
    """The ``share`` percentile (0–1) of sorted values, interpolated like ``percentile_cont``."""
    if not ordered:
        return None
    position = share * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def percentile_positions(count: int, share: float) -> tuple[int, float]:
    """Offset of the first of the two values a percentile needs, and the weight of the second.

    Lets SQL fetch just two rows (``ORDER BY d LIMIT 2 OFFSET offset``) instead of all of them.
    """
    position = share * (count - 1)
    low = math.floor(position)
    return low, position - low


def histogram_percentile(counts: Sequence[int], share: float) -> float | None:
    """The ``share`` percentile of the durations counted in ``counts`` (one count per bucket).

    Interpolated like :func:`percentile` between the two ranks around it, each
    rank's value estimated inside its bucket (geometrically, by its place among
    the bucket's cases), so the error is at most one bucket's width.
    """
    total = sum(counts)
    if total <= 0:
        return None
    low, weight = percentile_positions(total, share)
    first = _ranked_value(counts, low)
    if not weight:
        return first
    return first + (_ranked_value(counts, min(low + 1, total - 1)) - first) * weight


def _ranked_value(counts: Sequence[int], rank: int) -> float:
    """Estimate of the ``rank``-th smallest duration (0-based) of a histogram."""
    seen = 0
    for bucket, count in enumerate(counts):
        if count and rank < seen + count:
            lower, upper = bucket_bounds(bucket)
            fraction = (rank - seen + 0.5) / count
            if lower <= 0:
                return upper * fraction
            return float(lower * (upper / lower) ** fraction)
        seen += count
    return bucket_bounds(len(counts) - 1)[1]


def share(part: int, whole: int) -> float | None:
    """``part / whole``, or ``None`` when there is nothing to divide."""
    return part / whole if whole else None


def age_bucket(received: date, today: date) -> int:
    """Index in :data:`AGE_BUCKETS` of a case received on ``received`` (local date)."""
    days = (today - received).days
    for index, (lower, upper) in enumerate(AGE_BUCKETS):
        if upper is None or days < upper:
            return index if days >= lower else 0
    return len(AGE_BUCKETS) - 1


def net_promoter_score(promoters: int, detractors: int, answers: int) -> float | None:
    """NPS from counts (see :func:`flask_citizencare.domain.satisfaction.nps`, which counts scores)."""
    if not answers:
        return None
    return 100.0 * (promoters - detractors) / answers


def months_back(today: date, count: int) -> list[date]:
    """First days of the ``count`` months ending with ``today``'s, oldest first."""
    year, month = today.year, today.month
    months = []
    for _ in range(count):
        months.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]
