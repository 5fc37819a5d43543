"""Mail written into the outbox in the same transaction as the change it tells about.

The services call these functions before they commit, so a mail exists if and
only if the change does; ``flask citizencare outbox send`` delivers the rows
(see :mod:`.outbox`). Nothing is lost when SMTP is down.
"""

from __future__ import annotations

import uuid
from contextlib import AbstractContextManager, nullcontext
from typing import Any, cast

import sqlalchemy as sa
from flask import current_app, has_request_context, render_template, url_for
from flask_babel import force_locale
from sqlalchemy.orm import Session

from ...access import publicly_visible
from ...context import app_object, state
from ...domain.lifecycle import Action, Channel
from ...domain.mail import reply_address
from ...i18n import gettext as _
from ...logs import current_request_id
from ...models import (
    Follower,
    Message,
    Office,
    OfficeMember,
    OutboxMail,
    ProposalAnswer,
    Report,
    StaffMember,
    StatusEvent,
)
from ...models.base import utcnow
from ..surveys import survey_url
from .recipients import Recipient, confirm_days, recipients, unsubscribe_token
from .reply_addresses import reply_local, reply_secret


def message_id() -> str:
    domain = current_app.config["CITIZENCARE_REPLY_DOMAIN"] or "citizencare.invalid"
    return f"<{uuid.uuid4().hex}@{domain}>"


def _reminder_recipients(session: Session, report: Report) -> list[tuple[str, str]]:
    """(address, language) of whoever must act: the assignee, else the office, else the operators."""
    default = state().settings.languages[0]
    if report.assignee is not None and report.assignee.email:
        return [(report.assignee.email, report.assignee.locale or default)]
    if report.office is not None and report.office.email:
        return [(report.office.email, default)]
    operators = session.scalars(
        sa.select(StaffMember).where(
            StaffMember.role == "operator", StaffMember.active.is_(True), StaffMember.email.is_not(None)
        )
    )
    return [(m.email, m.locale or default) for m in operators if m.email]


def queue_staff_reminder(session: Session, report: Report, which: str) -> list[OutboxMail]:
    mails = []
    for address, language in _reminder_recipients(session, report):
        with mail_links(), force_locale(language):
            subject = (
                _("Overdue: %(number)s is waiting to be taken in charge", number=report.public_id)
                if which == "acknowledgement"
                else _("Overdue: %(number)s is waiting to be resolved", number=report.public_id)
            )
            link = url_for("citizencare.staff.case", public_id=report.public_id, _external=True)
        values = {"report": report, "which": which, "link": link}
        mails.append(
            write_mail(
                session,
                report,
                template="sla_reminder",
                recipient=address,
                language=language,
                subject=subject,
                values=values,
            )
        )
    return mails


# -- mails to citizens ---------------------------------------------------------

#: The mail the reporter gets after each staff action (actions not listed send none).
ACTION_MAILS: dict[Action, str] = {
    Action.ACKNOWLEDGE: "taken_in_charge",
    Action.ASSIGN: "assigned",
    Action.ESCALATE: "escalated",
    Action.SUSPEND: "suspended",
    Action.RESUME: "resumed",
    Action.RESOLVE: "resolved",
    Action.REJECT: "rejected",
    Action.MERGE: "merged",
}

#: Channels whose reporters get the "received" mail at submission (reference 001).
RECEIVED_CHANNELS = frozenset({Channel.WEB.value, Channel.API.value, Channel.EMAIL.value})


def _default_language() -> str:
    return state().settings.languages[0]


def _language(locale: str | None) -> str:
    languages = state().settings.languages
    return locale if locale in languages else languages[0]


def mail_links() -> AbstractContextManager[object]:
    """A request context for absolute links when there is none (commands, workers)."""
    if has_request_context():
        return nullcontext()
    app = app_object()
    return cast(
        AbstractContextManager[object], app.test_request_context(base_url=app.config["CITIZENCARE_SITE_URL"])
    )


def write_mail(
    session: Session,
    report: Report | None,
    *,
    template: str,
    recipient: str,
    language: str,
    subject: str,
    values: dict[str, Any],
    files: str | None = None,
    reply_to: str | None = None,
    headers: dict[str, str] | None = None,
) -> OutboxMail:
    """Render ``citizencare/mail/<files or template>.txt`` and ``.html`` in ``language`` and add the
    mail to the outbox (not committed): the one place every kind of mail goes through.

    ``report`` is the case the mail is about; None for mails about no case (service notices,
    local alerts' digests)."""
    name = files or template
    with mail_links(), force_locale(language):
        context = {**values, "subject": subject, "language": language}
        body_text = render_template(f"citizencare/mail/{name}.txt", **context)
        body_html = render_template(f"citizencare/mail/{name}.html", **context)
    mail = OutboxMail(
        message_id=message_id(),
        report_id=report.id if report is not None else None,
        template=template,
        recipient=recipient,
        locale=language,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        reply_to=reply_to,
        headers=headers or {},
        next_attempt_at=utcnow(),
        request_id=current_request_id(),
    )
    session.add(mail)
    return mail


def _reply_to(report: Report) -> str | None:
    """The address that routes the citizen's answer back into the case; None without a reply domain."""
    domain = current_app.config.get("CITIZENCARE_REPLY_DOMAIN")
    if not domain or report.contact_erased:
        return None
    return reply_address(reply_local(), report.id, reply_secret(), str(domain))


def _subject(kind: str, report: Report, context: dict[str, Any]) -> str:
    number = report.public_id
    subjects = {
        "received": lambda: _("Report %(number)s received", number=number),
        "taken_in_charge": lambda: _("Report %(number)s taken in charge", number=number),
        "assigned": lambda: _("Report %(number)s assigned", number=number),
        "escalated": lambda: _("Report %(number)s passed to a second-level office", number=number),
        "suspended": lambda: _("Report %(number)s suspended", number=number),
        "resumed": lambda: _("Work on report %(number)s has resumed", number=number),
        "resolved": lambda: _("Report %(number)s resolved", number=number),
        "rejected": lambda: _("Report %(number)s rejected", number=number),
        "message": lambda: _("New message about report %(number)s", number=number),
        "merged": lambda: _(
            "Report %(number)s joined to report %(master)s", number=number, master=context["master_number"]
        ),
    }
    if kind not in subjects:
        raise ValueError(f"unknown citizen mail: {kind!r}")
    return str(subjects[kind]())


def unsubscribe_headers(url: str) -> dict[str, str]:
    """``List-Unsubscribe`` with one-click POST (RFC 8058) pointing at ``url``."""
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def _unsubscribe_url(report: Report, address: str) -> str:
    return url_for("citizencare.public.unsubscribe", token=unsubscribe_token(report, address), _external=True)


def queue_citizen_mail(session: Session, report: Report, kind: str, **context: Any) -> OutboxMail | None:
    """Write the ``kind`` mail to the reporter of ``report`` into the outbox (not committed).

    None when the reporter left no e-mail address, had their data erased or
    unsubscribed from the report. Mails to followers too: :func:`queue_event_mails`.
    """
    for recipient in recipients(session, report, public=False):
        return _queue_reporter_mail(session, report, kind, recipient, context)
    return None


def _queue_reporter_mail(
    session: Session, report: Report, kind: str, recipient: Recipient, context: dict[str, Any]
) -> OutboxMail:
    """The reporter's mail: their language, the tracking link, a one-click unsubscribe link and,
    when ``CITIZENCARE_REPLY_DOMAIN`` is set, a Reply-To that routes answers back into the case.

    ``context`` goes to the templates ``citizencare/mail/<kind>.txt`` and
    ``.html``; it must hold nothing about other citizens.
    """
    if report.id is None:
        session.flush()
    language = recipient.language
    reply_to = _reply_to(report)
    with mail_links(), force_locale(language):
        tracking_url = url_for("citizencare.public.track", token=report.tracking_token, _external=True)
        unsubscribe_url = _unsubscribe_url(report, recipient.email)
        subject = _subject(kind, report, context)
        values = {
            **context,
            "report": report,
            "tracking_url": tracking_url,
            "unsubscribe_url": unsubscribe_url,
            "can_reply": reply_to is not None,
        }
        if kind == "resolved":
            values.setdefault("survey_url", survey_url(report))
            values.setdefault("reopen_days", int(current_app.config["CITIZENCARE_REOPEN_DAYS"]))
    return write_mail(
        session,
        report,
        template=kind,
        recipient=recipient.email,
        language=language,
        subject=subject,
        values=values,
        reply_to=reply_to,
        headers=unsubscribe_headers(unsubscribe_url),
    )


#: What a follower's mail may tell, per kind: only what the report's public page shows
#: (and ``auto_reply``, a public reply of the municipality, whatever the kind).
FOLLOWER_CONTEXT = {
    "suspended": ("reason",),
    "rejected": ("reason",),
    "resolved": ("answer",),
    "message": ("message",),
    "merged": ("master_number", "master_url"),
}


def _queue_follower_mail(
    session: Session, report: Report, kind: str, recipient: Recipient, context: dict[str, Any]
) -> OutboxMail:
    """A follower's mail: the public link instead of the tracking link, no Reply-To (a follower's
    answer must not enter the reporter's thread) and nothing the public page does not show."""
    language = recipient.language
    public = {key: context[key] for key in (*FOLLOWER_CONTEXT.get(kind, ()), "auto_reply") if key in context}
    with mail_links(), force_locale(language):
        public_url = url_for("citizencare.public.report", public_id=report.public_id, _external=True)
        unsubscribe_url = _unsubscribe_url(report, recipient.email)
        subject = _subject(kind, report, context)
        values = {
            **public,
            "kind": kind,
            "number": report.public_id,
            "title": report.shown_title,
            "public_url": public_url,
            "unsubscribe_url": unsubscribe_url,
        }
    return write_mail(
        session,
        report,
        template=f"follower_{kind}",
        files="follower",
        recipient=recipient.email,
        language=language,
        subject=subject,
        values=values,
        headers=unsubscribe_headers(unsubscribe_url),
    )


def queue_event_mails(
    session: Session, report: Report, kind: str, *, public: bool, merge: bool = False, **context: Any
) -> list[OutboxMail]:
    """The ``kind`` mail to everyone :func:`.recipients.recipients` names for the event (not committed).

    ``public`` events (those the public page shows) also reach the confirmed
    followers, each with the follower variant of the mail.
    """
    mails = []
    for recipient in recipients(session, report, public=public, merge=merge):
        if recipient.follower:
            mails.append(_queue_follower_mail(session, report, kind, recipient, context))
        else:
            mails.append(_queue_reporter_mail(session, report, kind, recipient, context))
    return mails


def queue_follow_confirmation(
    session: Session, report: Report, follower: Follower, language: str, token: str
) -> OutboxMail:
    """The double opt-in mail with the signed confirmation link (not committed).

    No ``List-Unsubscribe``: the address is not subscribed yet, and ignoring
    the mail is enough to stay so.
    """
    language = _language(language)
    with mail_links(), force_locale(language):
        subject = _("Confirm that you want to follow report %(number)s", number=report.public_id)
        values = {
            "number": report.public_id,
            "title": report.shown_title,
            "confirm_url": url_for("citizencare.public.confirm_follow", token=token, _external=True),
            "public_url": url_for("citizencare.public.report", public_id=report.public_id, _external=True),
            "days": int(confirm_days()),
        }
    return write_mail(
        session,
        report,
        template="follow_confirm",
        recipient=follower.email,
        language=language,
        subject=subject,
        values=values,
    )


def queue_received(session: Session, report: Report) -> OutboxMail | None:
    """The "we received your report" mail, for reports that came in by web, API or e-mail."""
    if report.channel not in RECEIVED_CHANNELS:
        return None
    return queue_citizen_mail(session, report, "received")


def queue_staff_assigned(session: Session, report: Report, assignee: StaffMember) -> OutboxMail | None:
    """Tell a staff member a case was assigned to them, if they want to be told."""
    if not assignee.email or not assignee.notify_assignments or not assignee.active:
        return None
    language = _language(assignee.locale)
    with mail_links(), force_locale(language):
        subject = _("Case %(number)s assigned to you", number=report.public_id)
        link = url_for("citizencare.staff.case", public_id=report.public_id, _external=True)
    return write_mail(
        session,
        report,
        template="staff_assigned",
        recipient=assignee.email,
        language=language,
        subject=subject,
        values={"report": report, "link": link},
    )


def _reply_recipients(session: Session, report: Report) -> list[StaffMember]:
    """Staff told of a reporter's new message: the assignee, else the office's members, else the
    first-line operators; each only with ``notify_replies`` on, active and with an address.

    An assignee who switched the mails off is not replaced by the office: the
    case is theirs, and they read it in the queue.
    """
    wanted = sa.and_(
        StaffMember.active.is_(True), StaffMember.notify_replies.is_(True), StaffMember.email.is_not(None)
    )
    if report.assignee_id is not None:
        query = sa.select(StaffMember).where(StaffMember.id == report.assignee_id, wanted)
    elif report.office_id is not None:
        query = (
            sa.select(StaffMember)
            .join(OfficeMember, OfficeMember.staff_id == StaffMember.id)
            .where(OfficeMember.office_id == report.office_id, wanted)
        )
    else:
        query = sa.select(StaffMember).where(StaffMember.role == "operator", wanted)
    return list(session.scalars(query.order_by(StaffMember.id)))


def queue_staff_reply(session: Session, report: Report, message: Message) -> list[OutboxMail]:
    """Tell the staff handling ``report`` that the reporter wrote (tracking page or mail); not committed."""
    session.flush()
    mails = []
    for member in _reply_recipients(session, report):
        assert member.email is not None
        language = _language(member.locale)
        with mail_links(), force_locale(language):
            subject = _("The reporter of %(number)s wrote", number=report.public_id)
            values = {
                "report": report,
                "message": message,
                "link": url_for("citizencare.staff.case", public_id=report.public_id, _external=True),
                "preferences": url_for("citizencare.staff.preferences", _external=True),
            }
        mails.append(
            write_mail(
                session,
                report,
                template="staff_reply",
                recipient=member.email,
                language=language,
                subject=subject,
                values=values,
            )
        )
    return mails


def queue_action_mails(
    session: Session,
    report: Report,
    action: Action,
    event: StatusEvent,
    master: Report | None = None,
    actor: StaffMember | None = None,
    auto_reply: str = "",
) -> list[OutboxMail]:
    """The mails a staff action sends: to the reporter, and to the new assignee. Not committed.

    ``auto_reply``: the text of the public replies the change sends by itself (response
    templates), told in the same mail.
    """
    kind = ACTION_MAILS.get(action)
    if kind is None:
        return []
    session.flush()  # the keys set by the action, visible to the lookups below
    context: dict[str, Any] = {"auto_reply": auto_reply} if auto_reply else {}
    assignee = session.get(StaffMember, report.assignee_id) if report.assignee_id is not None else None
    if action is Action.ASSIGN:
        office = session.get(Office, report.office_id) if report.office_id is not None else None
        context["assignee_name"] = assignee.display_name if assignee is not None else None
        context["office_name"] = office.name if office is not None else None
    elif action in (Action.SUSPEND, Action.REJECT):
        context["reason"] = event.note or report.reject_reason or ""
    elif action is Action.RESOLVE:
        answers = [m for m in report.messages if m.visibility == "public" and m.author_kind == "staff"]
        context["answer"] = answers[-1].body if answers else ""
    elif action is Action.MERGE:
        context["master_number"] = master.public_id if master is not None else ""
    if action is Action.MERGE and master is not None and publicly_visible(master):
        with mail_links():
            context["master_url"] = url_for(
                "citizencare.public.report", public_id=master.public_id, _external=True
            )
    mails = queue_event_mails(
        session, report, kind, public=event.public, merge=action is Action.MERGE, **context
    )
    if action is Action.ASSIGN and assignee is not None and (actor is None or assignee.id != actor.id):
        staff = queue_staff_assigned(session, report, assignee)
        if staff is not None:
            mails.append(staff)
    return mails


# -- the official answer to a proposal --------------------------------------------


def queue_answer_mails(
    session: Session, report: Report, answer: ProposalAnswer, *, implemented: bool
) -> list[OutboxMail]:
    """The published answer of a proposal, mailed to its reporter, followers and supporters (not committed).

    Everyone :func:`.recipients.recipients` names with ``supporters=True``,
    each address once, in their own language: the state's label, the answer,
    the reason, the date and link, and the public page. The reporter's mail
    also carries the tracking link and, with a reply domain, a Reply-To into
    the thread; the others none (their answer must not enter the reporter's
    thread). ``implemented``: the answer says the proposal was carried out
    (its state means ``implemented`` and the previous published one did not).
    """
    session.flush()
    template = "proposal_implemented" if implemented else "proposal_answered"
    mails = []
    for recipient in recipients(session, report, public=True, supporters=True):
        language = recipient.language
        reporter = not recipient.follower
        reply_to = _reply_to(report) if reporter else None
        with mail_links(), force_locale(language):
            number = report.public_id
            subject = (
                _("Proposal %(number)s has been implemented", number=number)
                if implemented
                else _("The municipality answered proposal %(number)s", number=number)
            )
            unsubscribe_url = _unsubscribe_url(report, recipient.email)
            values = {
                "implemented": implemented,
                "role": "reporter" if reporter else ("supporter" if recipient.supporter else "follower"),
                "number": number,
                "title": report.shown_title,
                "state_label": answer.state.label(language),
                "body": answer.body,
                "reason": answer.reason,
                "implemented_on": answer.implemented_on,
                "link": answer.link,
                "public_url": url_for("citizencare.public.report", public_id=number, _external=True),
                "tracking_url": (
                    url_for("citizencare.public.track", token=report.tracking_token, _external=True)
                    if reporter
                    else None
                ),
                "can_reply": reply_to is not None,
                "unsubscribe_url": unsubscribe_url,
            }
        mails.append(
            write_mail(
                session,
                report,
                template=template,
                files="proposal_answered",
                recipient=recipient.email,
                language=language,
                subject=subject,
                values=values,
                reply_to=reply_to,
                headers=unsubscribe_headers(unsubscribe_url),
            )
        )
    return mails
