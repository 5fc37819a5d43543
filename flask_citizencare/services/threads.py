"""The staff side of a report's thread: replies to the citizen and internal notes.

The reporter's side is :func:`.reports.add_reporter_information`.

Visibility:

* ``public``: an answer everybody reads, on the public page and on the
  reporter's tracking page. Allowed on a report that is not published: it is
  shown on the public page once the report is published (the tracking page
  shows it at once).
* ``private``: to the reporter only (tracking page), never on the public page.
* ``internal``: a note among staff, shown only in the back office.

Every message is also an event on the case's timeline (``action="message"``,
public only for public messages) and bumps the case's version, like any other
change made by staff.
"""

from __future__ import annotations

from .. import signals
from ..access import Actor
from ..context import app_object
from ..i18n import gettext as _
from ..models import Message
from ..models.base import utcnow
from .errors import InvalidInput
from .locking import changing_case, check_version
from .messages import add_staff_message
from .triage import load_case

VISIBILITIES = ("public", "private", "internal")
BODY_MAX = 10000


def post_message(
    actor: Actor, report_id: int, *, expected_version: int, visibility: str, body: str | None
) -> Message:
    """Add a staff message to the thread of a case the actor may see; one transaction.

    Refusals raise :class:`~.errors.ActionRefused` subclasses (``NotFound`` for a
    case the actor may not see, ``ChangedMeanwhile`` for a stale version,
    ``InvalidInput`` for the visibility or the text) and change nothing.
    Sends ``message_posted`` after the commit.
    """
    with changing_case() as session:
        report = load_case(session, actor, report_id)
        check_version(session, report, expected_version)
        if visibility not in VISIBILITIES:
            raise InvalidInput(_("Choose who can read the message."))
        text = (body or "").strip()
        if not text:
            raise InvalidInput(_("Write the message."))
        if len(text) > BODY_MAX:
            raise InvalidInput(_("The text can be at most %(max)d characters long.", max=BODY_MAX))
        message = add_staff_message(
            session, report, author=actor.staff, visibility=visibility, text=text, now=utcnow()
        )
        session.commit()
    signals.message_posted.send(app_object(), report=report, message=message, actor=actor.staff)
    return message
