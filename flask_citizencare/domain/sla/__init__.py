"""The service-level clock: business time, due times and breaches.

Everything here is plain Python (``zoneinfo`` and the ``holidays`` package);
the models and views store and show what these functions compute. One idea a
module, each importing only the ones before it:

- :mod:`.durations`: instants and durations as the clock counts them, duration settings;
- :mod:`.calendar`: :class:`BusinessCalendar`, the office's hours and holidays (business time);
- :mod:`.policy`: :class:`SlaPolicy`, the terms by channel, level and category (data only);
- :mod:`.due`: due times, remaining time and the state of a case, suspensions included;
- :mod:`.expected`: what the public is told about when an answer is due.

Import from here: the names below are the package's interface.
"""

from .calendar import DEFAULT_HOURS, BusinessCalendar
from .due import (
    DueTimes,
    SlaState,
    Suspension,
    acknowledgement_due,
    due_times,
    remaining,
    resolution_due,
    sla_state,
)
from .durations import format_duration, parse_duration
from .expected import ExpectedAnswer, expected_answer
from .policy import DEFAULT_ACKNOWLEDGEMENT, DEFAULT_RESOLUTION, CategoryOverride, SlaPolicy

__all__ = [
    "DEFAULT_ACKNOWLEDGEMENT",
    "DEFAULT_HOURS",
    "DEFAULT_RESOLUTION",
    "BusinessCalendar",
    "CategoryOverride",
    "DueTimes",
    "ExpectedAnswer",
    "SlaPolicy",
    "SlaState",
    "Suspension",
    "acknowledgement_due",
    "due_times",
    "expected_answer",
    "format_duration",
    "parse_duration",
    "remaining",
    "resolution_due",
    "sla_state",
]
