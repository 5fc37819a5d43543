"""The names of the statuses, in one place, for the three ways they are read.

- :func:`public_status_label`: what citizens see (badges, the map, the API's
  ``status_label``, open data): "Received" for a new report.
- :func:`staff_status_labels`: the triage queue's filter and the case page.
- :func:`status_in_sentence`: inside a sentence of the case's history
  ("status changed from new to in progress"), so in lower case.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from .domain.lifecycle import Status
from .i18n import lazy_gettext as _l

__all__ = ["public_status_label", "public_status_labels", "staff_status_labels", "status_in_sentence"]

_PUBLIC: Mapping[Status, Any] = MappingProxyType(
    {
        Status.NEW: _l("Received"),
        Status.ACKNOWLEDGED: _l("Taken in charge"),
        Status.IN_PROGRESS: _l("In progress"),
        Status.SUSPENDED: _l("Suspended"),
        Status.RESOLVED: _l("Resolved"),
        Status.CLOSED: _l("Closed"),
        Status.REJECTED: _l("Rejected"),
    }
)
_STAFF: Mapping[Status, Any] = MappingProxyType(
    {
        Status.NEW: _l("New"),
        Status.ACKNOWLEDGED: _l("Taken in charge"),
        Status.IN_PROGRESS: _l("In progress"),
        Status.SUSPENDED: _l("Suspended"),
        Status.RESOLVED: _l("Resolved"),
        Status.CLOSED: _l("Closed"),
        Status.REJECTED: _l("Rejected"),
    }
)
_IN_SENTENCE: Mapping[Status, Any] = MappingProxyType(
    {
        Status.NEW: _l("new"),
        Status.ACKNOWLEDGED: _l("taken in charge"),
        Status.IN_PROGRESS: _l("in progress"),
        Status.SUSPENDED: _l("suspended"),
        Status.RESOLVED: _l("resolved"),
        Status.CLOSED: _l("closed"),
        Status.REJECTED: _l("rejected"),
    }
)


def public_status_label(status: Status | str) -> str:
    """The citizen-facing name of a status (an unknown value is shown as it is)."""
    try:
        return str(_PUBLIC[Status(status)])
    except ValueError:
        return str(status)


def public_status_labels() -> dict[str, str]:
    """Every status value with its citizen-facing name, in the current language."""
    return {status.value: str(label) for status, label in _PUBLIC.items()}


def staff_status_labels() -> dict[Status, Any]:
    """Every status with its name for staff (lazy strings, for forms and templates)."""
    return dict(_STAFF)


def status_in_sentence(status: Status) -> str:
    """A status's name inside a sentence of the case's history."""
    return str(_IN_SENTENCE[status])
