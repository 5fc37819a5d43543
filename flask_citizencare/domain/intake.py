"""When a request registered by staff may say it arrived.

The service levels count from ``received_at``: a time in the future would
stretch every term, one far in the past would make a case overdue the moment
it is registered and skew the office's measures. So the intake takes a time
that is not in the future and at most ``backdate_days`` days ago
(``CITIZENCARE_INTAKE_BACKDATE_DAYS``): a letter opened after a weekend, a
call noted on paper during an outage. The same rule for every role.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum


class ReceivedAtProblem(StrEnum):
    FUTURE = "future"
    TOO_OLD = "too_old"


def received_at_problem(received: datetime, now: datetime, backdate_days: int) -> ReceivedAtProblem | None:
    """What is wrong with ``received`` (aware datetimes), or None when the intake may take it."""
    if received > now:
        return ReceivedAtProblem.FUTURE
    if received < now - timedelta(days=backdate_days):
        return ReceivedAtProblem.TOO_OLD
    return None
