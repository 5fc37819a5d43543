"""The audit trail page (managers and admins): every change of the catalogue, filtered, paged by keyset."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from flask import abort, g, render_template, request, url_for
from flask.typing import ResponseReturnValue

from ...context import state
from ...labels import AUDIT_ACTIONS, audit_action_label, audit_subject_label
from ...models import AuditEntry
from ...parsing import InputError, optional_id, parse_date
from ...queries.audit import actors, entries, existing_subjects
from ...services.audit import SUBJECT_TYPES

PAGE = 50


def _id(name: str) -> int | None:
    try:
        return optional_id(request.args.get(name))
    except InputError:
        return None  # a forged value: ignored


def _day(name: str) -> str:
    value = (request.args.get(name) or "").strip()
    try:
        return parse_date(value).isoformat() if value else ""
    except InputError:
        return ""


def _moment(day: str, *, end: bool) -> datetime | None:
    """The start of ``day`` in the municipality's time zone (of the next day when ``end``), or None."""
    if not day:
        return None
    start = datetime.combine(datetime.fromisoformat(day).date(), time(), tzinfo=state().settings.zone)
    return start + timedelta(days=1) if end else start


def _link(entry: AuditEntry, existing: dict[str, set[int]]) -> str | None:
    """The page of the entry's object, if it has one and the object still exists."""
    if entry.subject_type in ("calendar", "sla_policy"):
        return url_for(".calendar_admin" if entry.subject_type == "calendar" else ".service_levels")
    if entry.subject_id is None or entry.subject_id not in existing.get(entry.subject_type, set()):
        return None
    if entry.subject_type == "category":
        return url_for(".category_edit", category_id=entry.subject_id)
    if entry.subject_type == "office":
        return url_for(".office_edit", office_id=entry.subject_id)
    if entry.subject_type == "report":  # labelled by its number, as the case's page is addressed
        return url_for(".case", public_id=entry.subject_label)
    if entry.subject_type == "template":
        return url_for(".template_edit", template_id=entry.subject_id)
    if entry.subject_type == "staff" and g.cc_actor.is_admin:
        return url_for(".staff_admin", show="all", _anchor=f"member-{entry.subject_id}")
    return None


def audit_trail() -> ResponseReturnValue:
    if not g.cc_actor.supervises:
        abort(403)
    args = request.args
    subject_type = args.get("subject_type", "")
    subject_type = subject_type if subject_type in SUBJECT_TYPES else ""
    action = args.get("action", "")
    action = action if action in AUDIT_ACTIONS else ""
    actor_id = _id("actor")
    since, until = _day("since"), _day("until")
    before_id = _id("before")
    found = list(
        entries(
            subject_type=subject_type or None,
            actor_id=actor_id,
            action=action or None,
            since=_moment(since, end=False),
            until=_moment(until, end=True),
            before_id=before_id,
            limit=PAGE + 1,
        )
    )
    more = len(found) > PAGE
    found = found[:PAGE]
    existing = existing_subjects(found)
    links = {e.id: link for e in found if (link := _link(e, existing)) is not None}
    filters: dict[str, Any] = {
        "subject_type": subject_type,
        "action": action,
        "actor": str(actor_id) if actor_id is not None else "",
        "since": since,
        "until": until,
    }
    older = (
        url_for(".audit_trail", **{k: v for k, v in filters.items() if v}, before=found[-1].id)
        if more
        else None
    )
    return render_template(
        "citizencare/staff/admin/audit.html",
        entries=found,
        links=links,
        filters=filters,
        older=older,
        paged=before_id is not None,
        first_page=url_for(".audit_trail", **{k: v for k, v in filters.items() if v}),
        subject_choices=[(t, audit_subject_label(t)) for t in SUBJECT_TYPES],
        action_choices=[(a, audit_action_label(a)) for a in AUDIT_ACTIONS],
        actor_choices=actors(),
    )
