"""Mail written into the outbox in the same transaction as the change it tells about.

Delivery (``flask citizencare outbox send``) comes with the notifications
feature; until then the rows wait in ``cc_outbox``, which is the point of an
outbox: nothing is lost.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from flask import current_app, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ..models import OutboxMail, Report, StaffMember
from ..models.base import utcnow


def message_id() -> str:
    domain = current_app.config["CITIZENCARE_REPLY_DOMAIN"] or "citizencare.invalid"
    return f"<{uuid.uuid4().hex}@{domain}>"


def _reminder_recipients(session: Session, report: Report) -> list[tuple[str, str]]:
    """(address, language) of whoever must act: the assignee, else the office, else the operators."""
    if report.assignee is not None and report.assignee.email:
        return [(report.assignee.email, report.assignee.locale or "it")]
    if report.office is not None and report.office.email:
        return [(report.office.email, "it")]
    operators = session.scalars(
        sa.select(StaffMember).where(
            StaffMember.role == "operator", StaffMember.active.is_(True), StaffMember.email.is_not(None)
        )
    )
    return [(m.email, m.locale or "it") for m in operators if m.email]


def queue_staff_reminder(session: Session, report: Report, which: str) -> list[OutboxMail]:
    mails = []
    for address, language in _reminder_recipients(session, report):
        with force_locale(language):
            subject = (
                _("Overdue: %(number)s is waiting to be taken in charge", number=report.public_id)
                if which == "acknowledgement"
                else _("Overdue: %(number)s is waiting to be resolved", number=report.public_id)
            )
            link = url_for("citizencare.staff.case", report_id=report.id, _external=True)
            body = render_template("citizencare/mail/sla_reminder.txt", report=report, which=which, link=link)
        mail = OutboxMail(
            message_id=message_id(),
            report_id=report.id,
            template="sla_reminder",
            recipient=address,
            locale=language,
            subject=subject,
            body_text=body,
            next_attempt_at=utcnow(),
        )
        session.add(mail)
        mails.append(mail)
    return mails
