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
from typing import Any, NamedTuple

from .domain.lifecycle import Status
from .i18n import lazy_gettext as _l
from .i18n import lazy_pgettext as _lp

__all__ = [
    "AUDIT_ACTIONS",
    "AUDIT_SUBJECTS",
    "CHANNELS",
    "audit_action_label",
    "audit_subject_label",
    "channel_label",
    "public_status_label",
    "public_status_labels",
    "staff_status_labels",
    "status_in_sentence",
]


class _Names(NamedTuple):
    public: Any
    staff: Any
    in_sentence: Any


#: One row per status: its name for citizens, for staff, and inside a sentence.
_NAMES: Mapping[Status, _Names] = MappingProxyType(
    {
        Status.NEW: _Names(_l("Received"), _l("New"), _l("new")),
        Status.ACKNOWLEDGED: _Names(_l("Taken in charge"), _l("Taken in charge"), _l("taken in charge")),
        Status.IN_PROGRESS: _Names(_l("In progress"), _l("In progress"), _l("in progress")),
        Status.SUSPENDED: _Names(_l("Suspended"), _l("Suspended"), _l("suspended")),
        Status.RESOLVED: _Names(_l("Resolved"), _l("Resolved"), _l("resolved")),
        Status.CLOSED: _Names(_l("Closed"), _l("Closed"), _l("closed")),
        Status.REJECTED: _Names(_l("Rejected"), _l("Rejected"), _l("rejected")),
    }
)


def public_status_label(status: Status | str) -> str:
    """The citizen-facing name of a status (an unknown value is shown as it is)."""
    try:
        return str(_NAMES[Status(status)].public)
    except ValueError:
        return str(status)


def public_status_labels() -> dict[str, str]:
    """Every status value with its citizen-facing name, in the current language."""
    return {status.value: str(names.public) for status, names in _NAMES.items()}


def staff_status_labels() -> dict[Status, Any]:
    """Every status with its name for staff (lazy strings, for forms and templates)."""
    return {status: names.staff for status, names in _NAMES.items()}


def status_in_sentence(status: Status) -> str:
    """A status's name inside a sentence of the case's history."""
    return str(_NAMES[status].in_sentence)


# -- The audit trail ---------------------------------------------------------------------------

#: What each action of an audit entry is called (``AuditEntry.action``).
AUDIT_ACTIONS: Mapping[str, Any] = MappingProxyType(
    {
        "create": _l("Created"),
        "update": _l("Changed"),
        "deactivate": _l("Deactivated"),
        "activate": _l("Reactivated"),
        "delete": _l("Deleted"),
        "reorder": _l("Reordered"),
        "import": _l("Imported"),
        "invite": _l("Invited"),
        "reset": _l("Reset to the defaults"),
        "revoke": _l("Revoked"),
        "publish": _l("Published"),
        "step": _l("New step posted"),
        "auto_route": _l("Routed automatically"),
    }
)

#: What each kind of object of the trail is called (``AuditEntry.subject_type``).
AUDIT_SUBJECTS: Mapping[str, Any] = MappingProxyType(
    {
        "category": _l("Category"),
        "office": _l("Office"),
        "routing_rule": _l("Routing rule"),
        "calendar": _l("Calendar"),
        "sla_policy": _l("Service levels"),
        "template": _l("Response template"),
        "api_key": _l("API key"),
        "staff": _l("Staff member"),
        "catalogue": _l("Catalogue"),
        "answer_state": _l("Answer state"),
        "notice": _l("Service notice"),
        "report": _l("Case"),
    }
)


def audit_action_label(action: str) -> str:
    """The action's name in the current language; an action of the future keeps its code."""
    label = AUDIT_ACTIONS.get(action)
    return str(label) if label is not None else action


def audit_subject_label(subject_type: str) -> str:
    label = AUDIT_SUBJECTS.get(subject_type)
    return str(label) if label is not None else subject_type


# -- Channels ----------------------------------------------------------------------------------

#: How a request reached us (``Report.channel``), as people call it. Open data keeps the codes.
CHANNELS: Mapping[str, Any] = MappingProxyType(
    {
        "web": _l("Web form"),
        "email": _l("E-mail"),
        "phone": _l("Phone"),
        "letter": _l("Letter"),
        "counter": _l("Counter"),
        "fax": _l("Fax"),
        "api": _l("API"),
    }
)


def channel_label(channel: object) -> str:
    """A channel's name in the current language (a code or a ``Channel``); an unknown code stays as it is."""
    code = str(getattr(channel, "value", channel))
    label = CHANNELS.get(code)
    return str(label) if label is not None else code


# -- Service notices ---------------------------------------------------------------------------

#: What each step of a notice is called (``ServiceNotice.status``, ``NoticeUpdate.status``).
NOTICE_STATUSES: Mapping[str, Any] = MappingProxyType(
    {
        "draft": _lp("notice status", "Draft"),
        "investigating": _lp("notice status", "Investigating"),
        "identified": _lp("notice status", "Cause identified"),
        "monitoring": _lp("notice status", "Monitoring"),
        "resolved": _lp("notice status", "Resolved"),
        "scheduled": _lp("notice status", "Scheduled"),
        "in_progress": _lp("notice status", "Works in progress"),
        "completed": _lp("notice status", "Completed"),
        "cancelled": _lp("notice status", "Cancelled"),
    }
)
#: The kinds of notice.
NOTICE_KINDS: Mapping[str, Any] = MappingProxyType(
    {"incident": _l("Incident"), "planned": _l("Planned works")}
)
#: A row of the status page (``domain.notices.lifecycle.ServiceState``).
SERVICE_STATES: Mapping[str, Any] = MappingProxyType(
    {
        "operational": _l("Operational"),
        "degraded": _l("Degraded"),
        "interrupted": _l("Interrupted"),
        "maintenance": _l("Maintenance"),
    }
)


def notice_status_label(status: str) -> str:
    return str(NOTICE_STATUSES.get(status, status))


def notice_kind_label(kind: str) -> str:
    return str(NOTICE_KINDS.get(kind, kind))


def service_state_label(state: str) -> str:
    return str(SERVICE_STATES.get(state, state))
