"""The URP's actions on a case: every change of state goes through :func:`apply_action`.

Each call checks, in order, that the actor may see the case, that nobody changed
it meanwhile (the version the actor saw), that the action applies in the case's
state and level, that the actor's role and relation to the case allow it, and
that what the action needs is there. Only then does it change the report,
record the status event and recompute the due times, in one transaction.
Anything refused raises an :class:`~.errors.ActionRefused` and changes nothing;
so does a change lost to someone else's at the same instant, whichever flush
finds it (:func:`~.locking.changing_case`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from blinker import Signal
from sqlalchemy.orm import Session

from .. import signals
from ..access import Actor, can_see, is_assigned
from ..context import app_object, db_session
from ..domain.lifecycle import TRANSITIONS, Action, Kind, Need, Status, Transition, next_status
from ..i18n import gettext as _
from ..labels import status_in_sentence
from ..models import Message, Office, Report, StaffMember, StatusEvent
from ..models.base import utcnow
from .auto_replies import planned_replies, send_auto_replies
from .errors import Forbidden, InvalidInput, NotFound, NotNow
from .following import follow_master
from .locking import changing_case, check_version
from .mail import notify
from .proposal_threshold import record_threshold
from .sla import recompute_due_times
from .support_counts import move_supports

REASON_MAX = 2000
REPLY_MAX = 10000

SIGNALS: dict[Action, Signal] = {
    Action.ACKNOWLEDGE: signals.report_acknowledged,
    Action.ASSIGN: signals.report_assigned,
    Action.ESCALATE: signals.report_escalated,
    Action.DEESCALATE: signals.report_deescalated,
    Action.SUSPEND: signals.report_suspended,
    Action.RESUME: signals.report_resumed,
    Action.RESOLVE: signals.report_resolved,
    Action.REOPEN: signals.report_reopened,
    Action.REJECT: signals.report_rejected,
    Action.CLOSE: signals.report_closed,
    Action.MERGE: signals.report_merged,
}


@dataclass(frozen=True)
class ActionInput:
    """What the actor sent with the action; which fields matter depends on the action."""

    expected_version: int
    note: str | None = None
    public_reply: str | None = None
    office_id: int | None = None
    assignee_id: int | None = None
    master_id: int | None = None
    #: The master as staff type it: its public number (``2026-000123``).
    master_number: str | None = None


def load_case(session: Session, actor: Actor, report_id: int) -> Report:
    report = session.get(Report, report_id)
    if report is None or not can_see(actor, report):
        raise NotFound(_("There is no such case, or it is not one of yours."))
    return report


def _check_allowed(actor: Actor, report: Report, transition: Transition) -> None:
    status = Status(report.status)
    if not (actor.roles & transition.roles):
        raise Forbidden(_("Your role does not allow this action."))
    if status not in transition.sources or report.level not in transition.levels:
        raise NotNow(
            _("This action is not possible on a case that is %(status)s.", status=status_in_sentence(status))
        )
    if transition.assigned_only and not is_assigned(actor, report):
        raise Forbidden(_("Only the staff the case is assigned to can do this."))


def _text(value: str | None, limit: int, missing: str) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(missing)
    if len(text) > limit:
        raise InvalidInput(_("The text can be at most %(max)d characters long.", max=limit))
    return text


def _office_and_assignee(session: Session, data: ActionInput) -> tuple[Office, StaffMember | None]:
    office = session.get(Office, data.office_id) if data.office_id is not None else None
    assignee = session.get(StaffMember, data.assignee_id) if data.assignee_id is not None else None
    if data.assignee_id is not None and (assignee is None or not assignee.active):
        raise InvalidInput(_("Choose an active staff member."))
    if office is None and assignee is not None and len(assignee.offices) == 1:
        office = assignee.offices[0]
    if office is None or not office.active:
        raise InvalidInput(_("Choose the office in charge."))
    if assignee is not None and assignee.role == "technician" and office not in assignee.offices:
        raise InvalidInput(
            _("%(name)s does not work in %(office)s.", name=assignee.display_name, office=office.name)
        )
    return office, assignee


def _master(session: Session, report: Report, data: ActionInput) -> Report:
    if data.master_id is not None:
        master = session.get(Report, data.master_id)
    elif data.master_number:
        master = session.scalar(sa.select(Report).where(Report.public_id == data.master_number.strip()))
    else:
        master = None
    if master is None or master.id == report.id:
        raise InvalidInput(_("Choose the report this one duplicates."))
    if master.duplicate_of_id is not None or not Status(master.status).is_open:
        raise InvalidInput(
            _("A report can only be merged into an open report that is not itself a duplicate.")
        )
    if report.kind != master.kind:
        raise InvalidInput(
            _("A proposal can only be merged into another proposal: convert one of them first.")
            if report.kind == Kind.PROPOSAL.value
            else _("A report can only be merged into another report: convert one of them first.")
        )
    if report.kind == Kind.PROPOSAL.value:
        if master.answered_at is not None:
            raise InvalidInput(
                _(
                    "%(number)s has a published answer: supports can no longer be moved to it.",
                    number=master.public_id,
                )
            )
        if report.answered_at is not None:
            raise InvalidInput(_("This proposal has a published answer: it can no longer be merged."))
    return master


def apply_action(actor: Actor, report_id: int, action: Action, data: ActionInput) -> Report:
    with changing_case() as session:
        with session.no_autoflush:  # the row is only consistent once every column is set
            report, event, master = _apply(session, actor, report_id, action, data)
        # The automatic replies go in the same transaction as the change of state (see
        # auto_replies): both or neither. When the change mails the reporter (and, public, the
        # followers) anyway, that mail carries the replies' text: one mail, not two.
        planned = planned_replies(session, report, event)
        folded = bool(planned) and action in notify.ACTION_MAILS and event.public
        auto_reply = "\n\n".join(text for _template, text in planned) if folded else ""
        notify.queue_action_mails(
            session, report, action, event, master, actor=actor.staff, auto_reply=auto_reply
        )
        replies = send_auto_replies(session, report, event, author=actor.staff, mail=not folded)
        session.commit()
    extra: dict[str, Any] = {"master": master} if master is not None else {}
    SIGNALS[action].send(app_object(), report=report, event=event, actor=actor.staff, **extra)
    for message in replies:
        signals.message_posted.send(app_object(), report=report, message=message, actor=actor.staff)
    return report


def _apply(
    session: Session, actor: Actor, report_id: int, action: Action, data: ActionInput
) -> tuple[Report, StatusEvent, Report | None]:
    transition = TRANSITIONS[action]
    report = load_case(session, actor, report_id)
    check_version(session, report, data.expected_version)
    _check_allowed(actor, report, transition)

    needs = transition.needs
    note = (
        _text(data.note, REASON_MAX, _("Write the reason."))
        if Need.REASON in needs
        else (data.note or "").strip() or None
    )
    reply = (
        _text(data.public_reply, REPLY_MAX, _("Write the answer the citizen will read."))
        if Need.PUBLIC_REPLY in needs
        else None
    )
    office, assignee = _office_and_assignee(session, data) if Need.OFFICE in needs else (None, None)
    master = _master(session, report, data) if Need.MASTER in needs else None

    now = utcnow()
    before = Status(report.status)
    report.updated_at = now  # every action is a change of the case: it bumps the version
    event_data: dict[str, Any] = {}
    if office is not None:
        # Keys, not relationships: inside no_autoflush the keys would lag behind.
        report.office_id = office.id
        report.assignee_id = assignee.id if assignee is not None else None
        event_data["office"] = office.name
        if assignee is not None:
            event_data["assignee"] = assignee.display_name
    if action is Action.ESCALATE:
        report.level = 2
    elif action is Action.DEESCALATE:
        report.level = 1
    elif action is Action.RESOLVE:
        report.resolved_at = now
        report.resolver_id = actor.staff.id
        report.messages.append(
            Message(visibility="public", author_kind="staff", author_id=actor.staff.id, body=reply or "")
        )
    elif action is Action.REOPEN:
        back_to_resolver(report)
    elif action is Action.REJECT:
        report.reject_reason = note
    elif action is Action.MERGE:
        assert master is not None
        report.duplicate_of_id = master.id
        report.reject_reason = _("Duplicate of %(number)s", number=master.public_id)
        master.duplicates_count += 1
        event_data["master"] = master.public_id
        _follow_master(session, report, master, now)
        if report.kind == Kind.PROPOSAL.value:
            moved = move_supports(session, report.id, master.id)
            event_data["supports_moved"] = moved.moved
            event_data["supports_already"] = moved.already
            # The moved supports may bring the master to its category's threshold.
            record_threshold(session, master, moved.master_count, now)
    elif action is Action.CLOSE:
        report.closed_at = now

    suspended_from = next(
        (
            Status(e.from_status)
            for e in reversed(report.events)
            if e.action == Action.SUSPEND.value and e.from_status
        ),
        None,
    )
    after = next_status(transition, before, before_suspension=suspended_from)
    if after is Status.IN_PROGRESS and report.office_id is None and report.assignee_id is None:
        raise InvalidInput(_("Choose the office in charge."))
    report.status = after.value
    if after is not Status.NEW and report.acknowledged_at is None and after is not Status.REJECTED:
        report.acknowledged_at = now
    report.suspended_at = now if after is Status.SUSPENDED else None

    event = StatusEvent(
        action=action.value,
        from_status=before.value,
        to_status=after.value,
        actor_kind="staff",
        actor_id=actor.staff.id,
        note=None if action is Action.RESOLVE else note,  # the answer is the public message
        public=True,
        data=event_data,
        at=now,
    )
    report.events.append(event)
    recompute_due_times(report, now=now)
    return report, event, master


def back_to_resolver(report: Report) -> None:
    """What reopening does besides the status, for staff and citizens alike.

    Reference 002: a reopened case goes back to the technician who resolved it.
    """
    report.resolved_at = None
    if report.resolver_id is not None:
        report.assignee_id = report.resolver_id
    if report.office_id is None and report.assignee_id is None:
        report.office_id = report.category.default_office_id


def reopen_by_citizen(report: Report, note: str | None, now: datetime) -> StatusEvent | None:
    """The reporter says a resolved case is not solved (a reply by mail): reopen it like staff would.

    The same state changes as :data:`Action.REOPEN` (status ``in_progress``,
    back to the resolver, due times recomputed), recorded as the citizen's.
    The ``note`` (the start of their mail) is for the office: the public
    timeline shows the step, never a citizen's note (``StatusEvent.public_note``).
    Returns the event, or None when the case cannot be reopened (not resolved,
    or nobody left to give it to). Nothing is committed and no signal is sent:
    the caller commits together with whatever else it writes, then sends
    ``report_reopened`` (see :func:`send_reopened`).
    """
    transition = TRANSITIONS[Action.REOPEN]
    before = Status(report.status)
    if before not in transition.sources or report.level not in transition.levels:
        return None
    if not (
        report.resolver_id or report.assignee_id or report.office_id or report.category.default_office_id
    ):
        return None  # the resolver is gone and there is no office to give it to
    with db_session().no_autoflush:
        back_to_resolver(report)
        after = next_status(transition, before)
        report.updated_at = now
        report.status = after.value
        report.suspended_at = None
        if report.acknowledged_at is None:
            report.acknowledged_at = now
        event = StatusEvent(
            action=Action.REOPEN.value,
            from_status=before.value,
            to_status=after.value,
            actor_kind="citizen",
            actor_id=None,
            note=(note or "").strip()[:200] or None,
            public=True,
            data={},
            at=now,
        )
        report.events.append(event)
        recompute_due_times(report, now=now)
    send_auto_replies(db_session(), report, event, author=None)
    return event


def send_reopened(report: Report, event: StatusEvent) -> None:
    """``report_reopened`` for a reopening no staff member did (``actor`` is None)."""
    SIGNALS[Action.REOPEN].send(app_object(), report=report, event=event, actor=None)


def _follow_master(session: Session, duplicate: Report, master: Report, now: datetime) -> None:
    """The duplicate's reporter and followers now hear about the master case ("me too")."""
    follow_master(session, duplicate, master, now)


def record_change(
    actor: Actor,
    report: Report,
    action: str,
    changes: dict[str, Any],
    *,
    note: str | None = None,
    public: bool = False,
    now: datetime | None = None,
) -> StatusEvent:
    """An event for a change that keeps the status (moderation, classification)."""
    event = StatusEvent(
        action=action,
        from_status=report.status,
        to_status=report.status,
        actor_kind="staff",
        actor_id=actor.staff.id,
        note=note,
        public=public,
        data=changes,
        at=now or utcnow(),
    )
    report.events.append(event)
    return event
