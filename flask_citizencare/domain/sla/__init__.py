"""The service-level clock: business time, due times and breaches (see :mod:`.calendar`)."""

from .calendar import (
    DEFAULT_ACKNOWLEDGEMENT,
    DEFAULT_HOURS,
    DEFAULT_RESOLUTION,
    BusinessCalendar,
    CategoryOverride,
    DueTimes,
    SlaPolicy,
    SlaState,
    Suspension,
    acknowledgement_due,
    due_times,
    parse_duration,
    remaining,
    resolution_due,
    sla_state,
)

__all__ = [
    "DEFAULT_ACKNOWLEDGEMENT",
    "DEFAULT_HOURS",
    "DEFAULT_RESOLUTION",
    "BusinessCalendar",
    "CategoryOverride",
    "DueTimes",
    "SlaPolicy",
    "SlaState",
    "Suspension",
    "acknowledgement_due",
    "due_times",
    "parse_duration",
    "remaining",
    "resolution_due",
    "sla_state",
]
