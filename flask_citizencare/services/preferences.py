"""A staff member's own settings: which mails they want."""

from __future__ import annotations

from ..context import db_session
from ..models import StaffMember


def set_mail_preferences(member: StaffMember, *, assignments: bool, replies: bool) -> None:
    """Switch the "case assigned to you" and "the reporter wrote" mails; commits."""
    session = db_session()
    staff = session.get(StaffMember, member.id)
    if staff is None:  # pragma: no cover - the staff check of the request found it
        raise LookupError(member.id)
    staff.notify_assignments = assignments
    staff.notify_replies = replies
    session.commit()
