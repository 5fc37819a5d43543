"""Keep a case's due times right: recomputed from its history on every change."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app

from .. import signals
from ..access import Actor
from ..context import app_object, db_session, state
from ..domain.lifecycle import Action, Role, Status
from ..domain.sla import BusinessCalendar, SlaPolicy, Suspension, due_times
from ..i18n import gettext as _
from ..models import Category, Report, StatusEvent
from .errors import ChangedMeanwhile, Forbidden, InvalidInput
from .locking import changing_case
from .mail.notify import queue_staff_reminder


def calendar() -> BusinessCalendar:
    """The app's business calendar (parsed with the app's settings; it caches its years)."""
    return state().settings.calendar


def policy(category: Category | None = None) -> SlaPolicy:
    """The configured policy, with the managers' overrides for ``category`` on top."""
    if category is None or not category.sla:
        return state().settings.sla_policy
    settings = dict(current_app.config["CITIZENCARE_SLA_POLICY"])
    categories = dict(settings.get("categories") or {})
    categories[category.code] = {**categories.get(category.code, {}), **category.sla}
    settings["categories"] = categories
    return SlaPolicy.from_config(settings)


def set_category_sla(actor: Actor, category_id: int, overrides: dict[str, Any] | None) -> Category:
    """Managers (and admins) set a category's service levels; ``None`` goes back to the configuration.

    Applies to due times computed from now on (each case's next change).
    """
    session = db_session()
    if not actor.roles & {Role.MANAGER, Role.ADMIN}:
        raise Forbidden(_("Only managers change service levels."))
    category = session.get(Category, category_id)
    if category is None:
        raise InvalidInput(_("Choose a category from the list."))
    cleaned = {k: v for k, v in (overrides or {}).items() if v not in (None, "", {})} or None
    if cleaned is not None:
        try:
            SlaPolicy.from_config({"categories": {category.code: cleaned}})
        except (TypeError, ValueError) as exc:
            raise InvalidInput(_("These service levels are not valid: %(reason)s", reason=str(exc))) from None
    category.sla = cleaned
    session.commit()
    return category


def suspensions(report: Report) -> list[Suspension]:
    """The intervals the case spent suspended, from its events (the last may still be open)."""
    intervals: list[Suspension] = []
    started: datetime | None = None
    for event in report.events:
        if event.action == Action.SUSPEND.value:
            started = event.at
        elif started is not None and event.from_status == Status.SUSPENDED.value:
            intervals.append((started, event.at))
            started = None
    if started is not None:
        intervals.append((started, None))
    return intervals


def recompute_due_times(report: Report, *, now: datetime) -> None:
    """Store the acknowledgement and resolution due times, and ``due_at`` for the queue."""
    terms = due_times(
        policy(report.category),
        calendar(),
        channel=report.channel,
        level=report.level,
        received_at=report.received_at,
        category_code=report.category.code if report.category is not None else None,
        suspensions=suspensions(report),
        acknowledged_at=report.acknowledged_at,
    )
    report.ack_due_at = terms.ack_due
    report.resolve_due_at = terms.resolve_due
    status = Status(report.status)
    if status is Status.NEW:
        report.due_at = terms.ack_due
    elif status in (Status.ACKNOWLEDGED, Status.IN_PROGRESS):
        report.due_at = terms.resolve_due
    else:
        report.due_at = None  # paused (suspended) or finished
    if status.is_open and (report.due_at is None or report.due_at > now):
        report.sla_breached_at = None  # a new term: `sla sweep` marks it again if it passes


def soon(now: datetime) -> datetime:
    """The end of the next business hour: cases due before it are "due soon"."""
    return calendar().add(now, policy().due_soon)


def sweep(now: datetime) -> list[Report]:
    """Mark the open cases whose due time passed, once each; queue a reminder for whoever is in charge.

    Run from cron (``flask citizencare sla sweep``). Each case is handled in its
    own transaction, so a case changed meanwhile by an operator is simply
    picked up again at the next run.
    """
    session = db_session()
    ids = list(
        session.scalars(
            sa.select(Report.id)
            .where(Report.due_at < now, Report.sla_breached_at.is_(None), Report.status.in_(_OPEN))
            .order_by(Report.due_at)
        )
    )
    breached = []
    for report_id in ids:
        try:
            with changing_case():
                report = session.get(Report, report_id)
                if (
                    report is None
                    or report.due_at is None
                    or report.due_at >= now
                    or report.sla_breached_at is not None
                ):
                    continue
                which = "acknowledgement" if report.status == Status.NEW.value else "resolution"
                report.sla_breached_at = now
                event = StatusEvent(
                    action="sla_breach",
                    from_status=report.status,
                    to_status=report.status,
                    actor_kind="system",
                    public=False,
                    data={"which": which},
                    at=now,
                )
                report.events.append(event)
                queue_staff_reminder(session, report, which)
                session.commit()
        except ChangedMeanwhile:
            continue  # changed by someone meanwhile: the next run looks at it again
        signals.sla_breached.send(app_object(), report=report, event=event, actor=None, which=which)
        breached.append(report)
    return breached


_OPEN = [Status.NEW.value, Status.ACKNOWLEDGED.value, Status.IN_PROGRESS.value]
