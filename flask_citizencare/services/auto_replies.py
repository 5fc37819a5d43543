"""Response templates sent by themselves when a case enters a state.

Called by the services that change a case's state (:func:`.triage.apply_action`
and the citizen's reopening by mail), inside their transaction, after the
status event is added and before the commit. So the state change, the public
reply and its mails (the outbox rows) are committed together or not at all: a
refused or lost change (another operator won the race) posts nothing, and a
retried one posts once, because the reply is tied to the event that caused it
(``auto_for_event`` in the message's event) and never posted twice for one.

Which templates: the active ``auto_send`` ones for the state the case enters,
in the reporter's language (the site's default when they have none, or when no
template exists in theirs); the ones of the case's category, or the general
ones when the category has none. Only live changes of state call this:
historical imports and bulk loads write their states directly and send nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..context import state
from ..models import CannedReply, Message, Report, StaffMember, StatusEvent
from .canned import render_text
from .messages import add_staff_message

#: The longest message the thread takes (as :data:`.threads.BODY_MAX`).
MESSAGE_MAX = 10_000


def reporter_language(report: Report) -> str:
    languages = state().settings.languages
    locale = report.contact.locale if report.contact is not None else None
    return locale if locale in languages else languages[0]


def templates_for(session: Session, report: Report, status: str) -> Sequence[CannedReply]:
    """The templates to send when ``report`` enters ``status`` (see the module's docstring)."""
    rows = list(
        session.scalars(
            sa.select(CannedReply)
            .where(
                CannedReply.active.is_(True),
                CannedReply.auto_send.is_(True),
                CannedReply.status == status,
                sa.or_(CannedReply.category_id.is_(None), CannedReply.category_id == report.category_id),
            )
            .order_by(CannedReply.id)
        )
    )
    default = state().settings.languages[0]
    for language in dict.fromkeys((reporter_language(report), default)):
        in_language = [t for t in rows if t.language == language]
        own = [t for t in in_language if t.category_id is not None]
        chosen = own or [t for t in in_language if t.category_id is None]
        if chosen:
            return chosen
    return []


def planned_replies(session: Session, report: Report, event: StatusEvent) -> list[tuple[CannedReply, str]]:
    """The templates the state ``event`` enters would send, each with its text; nothing is written.

    Empty when the event keeps the state (a reassignment, an escalation) or was already answered.
    """
    if event.to_status == event.from_status:
        return []
    session.flush()  # the event's id
    if any(e.action == "message" and (e.data or {}).get("auto_for_event") == event.id for e in report.events):
        return []
    planned = []
    for template in templates_for(session, report, event.to_status):
        text = render_text(template.body, report, language=template.language).strip()[:MESSAGE_MAX]
        if text:
            planned.append((template, text))
    return planned


def send_auto_replies(
    session: Session, report: Report, event: StatusEvent, *, author: StaffMember | None, mail: bool = True
) -> list[Message]:
    """Post the templates for the state ``event`` enters as public replies; not committed.

    ``author`` is the staff member acting, None for the system. ``mail`` False
    when the mail of the change of state already carries the replies' text
    (see :func:`.triage.apply_action`): the reporter gets one mail, not two.
    """
    return [
        add_staff_message(
            session,
            report,
            author=author,
            visibility="public",
            text=text,
            now=event.at,
            event_data={"template": template.id, "auto_for_event": event.id},
            mail=mail,
        )
        for template, text in planned_replies(session, report, event)
    ]
