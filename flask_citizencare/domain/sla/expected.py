"""What the public is told about when an answer is due, and whether it is late.

One rule for every surface (the public page, the tracking page, the list of
reports): the expected moment is the one the API publishes as ``expected_at``
(the resolution due time, else the due time of the current step), shown only
while the case is open; it is late once that moment has passed. Finished
cases (resolved, closed, rejected) show nothing, nor does a paused case
whose clock has no term yet (the API gives it none either).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..lifecycle import Status


@dataclass(frozen=True)
class ExpectedAnswer:
    """When the public may expect an answer (UTC), and whether that moment has passed."""

    at: datetime
    late: bool


def expected_answer(
    status: str, resolve_due_at: datetime | None, due_at: datetime | None, now: datetime
) -> ExpectedAnswer | None:
    """The expected answer of a case in ``status`` with these stored due times, at ``now``; or None."""
    try:
        if not Status(status).is_open:
            return None
    except ValueError:
        return None
    at = resolve_due_at if resolve_due_at is not None else due_at  # the API's coalesce()
    if at is None:
        return None
    return ExpectedAnswer(at=at, late=now > at)
