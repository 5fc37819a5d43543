"""Adding one staff (or system) message to a case's thread, inside the caller's transaction.

What :func:`.threads.post_message` does once it has checked the actor and the
version, and what :mod:`.auto_replies` does for a template sent by itself: the
message, its event on the timeline, the version bump and the mails (public
answers reach the followers too, private ones only the reporter). Nothing is
committed here, and no signal is sent: the caller commits, then sends
``message_posted``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from ..models import Message, Report, StaffMember, StatusEvent
from .mail.notify import queue_event_mails


def add_staff_message(
    session: Session,
    report: Report,
    *,
    author: StaffMember | None,
    visibility: str,
    text: str,
    now: datetime,
    event_data: dict[str, Any] | None = None,
    mail: bool = True,
) -> Message:
    """``author`` None: a message of the system (an automatic template with nobody acting).

    ``mail`` False: the caller mails the text itself (in the mail of a change of state).
    """
    message = Message(
        visibility=visibility,
        author_kind="staff" if author is not None else "system",
        author_id=author.id if author is not None else None,
        body=text,
        source="web",
        created_at=now,
    )
    report.messages.append(message)
    session.flush()  # the message's id, for the event
    report.events.append(
        StatusEvent(
            action="message",
            from_status=report.status,
            to_status=report.status,
            actor_kind="staff" if author is not None else "system",
            actor_id=author.id if author is not None else None,
            note=None,
            public=visibility == "public",
            data={"visibility": visibility, "message": message.id, **(event_data or {})},
            at=now,
        )
    )
    report.updated_at = now  # a change of the case: it bumps the version
    if mail and visibility in ("public", "private"):
        queue_event_mails(session, report, "message", public=visibility == "public", message=text)
    return message
