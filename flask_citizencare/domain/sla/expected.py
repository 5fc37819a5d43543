"""What the public is told about when an answer is due, and whether it is late.

One rule for every surface (the public page, the tracking page, the list of
reports): the expected moment is the one the API publishes as ``expected_at``
(the resolution due time, else the due time of the current step), shown only
while the case is open; it is late once that moment has passed. Finished
cases (resolved, closed, rejected) show nothing, nor does a paused case
whose clock has no term yet (the API gives it none either).

A proposal whose supports reached its category's threshold and that is not
answered yet has a term of its own, ``answer_due_at`` ("the municipality will
answer by ..."): it wins over the case's service-level times, and it holds
until the answer is published (``answered_at``), whatever the case's status
but rejected (out of scope, or merged into another proposal: no answer comes).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..lifecycle import Status


@dataclass(frozen=True)
class ExpectedAnswer:
    """When the public may expect an answer (UTC), and whether that moment has passed.

    ``threshold``: the moment is a proposal's answer term after its supports reached the threshold.
    """

    at: datetime
    late: bool
    threshold: bool = False


def expected_answer(
    status: str,
    resolve_due_at: datetime | None,
    due_at: datetime | None,
    now: datetime,
    *,
    answer_due_at: datetime | None = None,
    answered_at: datetime | None = None,
) -> ExpectedAnswer | None:
    """The expected answer of a case in ``status`` with these stored due times, at ``now``; or None."""
    if answer_due_at is not None and answered_at is None and status != Status.REJECTED.value:
        return ExpectedAnswer(at=answer_due_at, late=now > answer_due_at, threshold=True)
    try:
        if not Status(status).is_open:
            return None
    except ValueError:
        return None
    at = resolve_due_at if resolve_due_at is not None else due_at  # the API's coalesce()
    if at is None:
        return None
    return ExpectedAnswer(at=at, late=now > at)
