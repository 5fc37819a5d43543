"""The mails of supports: the anonymous supporter's confirmation, and the office's "threshold reached".

Written into the outbox like every other mail (:func:`.notify.write_mail`),
in the transaction of the change they tell about; not committed here.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import force_locale
from sqlalchemy.orm import Session

from ...context import state
from ...i18n import gettext as _
from ...models import Office, OfficeMember, OutboxMail, Report, StaffMember
from .notify import _language, mail_links, message_id, write_mail

__all__ = [
    "SUPPORT_CONFIRM_TEMPLATE",
    "THRESHOLD_TEMPLATE",
    "queue_support_confirmation",
    "queue_threshold_reached",
    "support_confirm_days",
    "threshold_recipients",
]

SUPPORT_CONFIRM_TEMPLATE = "support_confirm"
THRESHOLD_TEMPLATE = "proposal_threshold"


def support_confirm_days() -> int:
    return int(current_app.config.get("CITIZENCARE_SUPPORT_CONFIRM_DAYS") or 7)


def queue_support_confirmation(
    session: Session, report: Report, address: str, language: str, token_for: Callable[[str], str]
) -> OutboxMail:
    """The double opt-in mail of an anonymous support (not committed).

    ``token_for(message_id)`` signs the link: the link names the mail by its
    Message-ID, and the mail's recipient is the address to confirm, so the
    address itself never travels in the link. No ``List-Unsubscribe``:
    ignoring the mail is enough for nothing to happen.
    """
    language = _language(language)
    mail_id = message_id()
    token = token_for(mail_id)
    with mail_links(), force_locale(language):
        subject = _("Confirm your support for proposal %(number)s", number=report.public_id)
        values = {
            "number": report.public_id,
            "title": report.shown_title,
            "confirm_url": url_for("citizencare.public.confirm_support", token=token, _external=True),
            "public_url": url_for("citizencare.public.report", public_id=report.public_id, _external=True),
            "days": support_confirm_days(),
        }
    mail = write_mail(
        session,
        report,
        template=SUPPORT_CONFIRM_TEMPLATE,
        recipient=address,
        language=language,
        subject=subject,
        values=values,
    )
    mail.message_id = mail_id
    return mail


def threshold_recipients(session: Session, report: Report) -> list[tuple[str, str]]:
    """(address, language) told that a proposal reached its threshold: the office in charge.

    The proposal's office, else its category's default office: the office's
    own address and its active members with an address (each once); with no
    office, the active first-line operators, who route it.
    """
    default = state().settings.languages[0]
    office_id = report.office_id
    if office_id is None and report.category is not None:
        office_id = report.category.default_office_id
    found: dict[str, str] = {}
    wanted = sa.and_(StaffMember.active.is_(True), StaffMember.email.is_not(None))
    if office_id is not None:
        office = session.get(Office, office_id)
        if office is not None and office.email:
            found.setdefault(office.email.strip().lower(), default)
        members = session.scalars(
            sa.select(StaffMember)
            .join(OfficeMember, OfficeMember.staff_id == StaffMember.id)
            .where(OfficeMember.office_id == office_id, wanted)
            .order_by(StaffMember.id)
        )
    else:
        members = session.scalars(
            sa.select(StaffMember).where(StaffMember.role == "operator", wanted).order_by(StaffMember.id)
        )
    for member in members:
        if member.email:
            found.setdefault(member.email.strip().lower(), _language(member.locale))
    return list(found.items())


def queue_threshold_reached(
    session: Session, report: Report, supports: int, threshold: int
) -> list[OutboxMail]:
    """Tell the office in charge that ``report`` reached its threshold and must answer (not committed)."""
    mails = []
    for address, language in threshold_recipients(session, report):
        with mail_links(), force_locale(language):
            subject = _(
                "Proposal %(number)s reached %(threshold)d supports: it must be answered",
                number=report.public_id,
                threshold=threshold,
            )
            link = url_for("citizencare.staff.case", public_id=report.public_id, _external=True)
        mails.append(
            write_mail(
                session,
                report,
                template=THRESHOLD_TEMPLATE,
                recipient=address,
                language=language,
                subject=subject,
                values={"report": report, "link": link, "supports": supports, "threshold": threshold},
            )
        )
    return mails
