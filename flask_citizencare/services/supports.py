"""Supporting proposals: one support per person, exact counts under concurrent clicks.

Who supports
    A logged-in user of the host supports with one click (:func:`support_as_user`,
    key ``u:<host user id>``). An anonymous citizen gives an e-mail address
    (:func:`request_support`); nothing is stored but the confirmation mail in
    the outbox, whose signed link (``Purpose.SUPPORT_CONFIRM``, valid
    ``CITIZENCARE_SUPPORT_CONFIRM_DAYS``) names that mail by its Message-ID;
    the link's page has a button that confirms (:func:`confirm_support`, key
    ``e:<keyed hash of the normalised address>``), so mail scanners that open
    links confirm nothing. The answer to the address form is the same whatever
    happens (already supporting, limits, a new mail): no enumeration.
    The support row keeps the address (the user's, or the confirmed one) and
    the language, so the answer can be mailed later; both are private.

One per person
    ``uq_cc_supports_once`` (report, supporter) is the rule; the service looks
    first (a second click is a no-op that says "you already support it") and
    the constraint settles races: the loser's ``INSERT`` fails, is rolled back
    and treated as "already supported". A logged-in user whose address already
    supports the proposal anonymously counts as the same person.

The counter
    ``Report.supports_count`` changes in the transaction of the support's
    ``INSERT`` or ``DELETE`` with ``UPDATE ... SET supports_count =
    supports_count + 1`` (never read-modify-write): PostgreSQL's row lock
    orders concurrent updates, SQLite has one writer. It is a Core ``UPDATE``
    that does not bump ``Report.version``: a support is not a staff edit, and
    a staff member's save of the same case (an ORM update of the columns they
    changed, under the optimistic lock) neither loses the count nor is refused
    because citizens clicked. A ``Report`` loaded in the session is expired
    after the update, so it reads the new count.

Withdrawing
    Possible until the proposal is answered (``answered_at``): the logged-in
    user with a button, the anonymous supporter with the signed link
    (``Purpose.SUPPORT_WITHDRAW``) shown on the confirmation page and again
    whenever they open their confirmation link while it is valid. Withdrawing
    also deletes the confirmation mails sent to that address for that
    proposal: the address is no longer kept, and the old confirmation link no
    longer works (a reused link never brings a support back).

The per-person limit (``CITIZENCARE_SUPPORT_LIMIT``, Decidim's vote limit)
counts the person's supports on proposals still open and not answered; two
supports of one person on two proposals at the same instant may pass it by
one (the limit is a fairness rule, not a security one).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..context import db_session
from ..domain.lifecycle import OPEN_STATUSES, Kind
from ..domain.supports import (
    ProposalFacts,
    Refusal,
    address_supporter,
    limit_reached,
    user_supporter,
    why_not_supportable,
    why_not_withdrawable,
)
from ..i18n import gettext as _
from ..models import Category, OutboxMail, Report, StatusEvent, Support
from ..models.base import utcnow
from ..tokens import ExpiredToken, InvalidToken, Purpose, same, sign, verify
from .errors import ActionRefused
from .mail.recipients import address_key, normalise
from .mail.support_mail import SUPPORT_CONFIRM_TEMPLATE, queue_support_confirmation, support_confirm_days
from .proposal_threshold import record_threshold

__all__ = [
    "MAX_CONFIRMATIONS_PER_REPORT",
    "PendingSupport",
    "SupportRefused",
    "SupportResult",
    "address_key_of",
    "confirm_support",
    "confirm_token",
    "pending_support",
    "refusal_of",
    "request_support",
    "support_as_user",
    "support_limit",
    "support_of",
    "supporter_of_address",
    "supporter_of_user",
    "withdraw_as_user",
    "withdraw_by_token",
    "withdraw_token",
    "withdrawal_for",
]

#: Confirmation mails for one address and one proposal within :data:`RESEND_WINDOW`.
MAX_CONFIRMATIONS_PER_REPORT = 2
RESEND_WINDOW = timedelta(hours=24)
_TOKEN_MAX = 500
_SUPPORTS = cast(sa.Table, Support.__table__)
_OUTBOX = cast(sa.Table, OutboxMail.__table__)


class SupportRefused(ActionRefused):
    """A support or withdrawal that cannot be done: ``reason`` says why, ``message`` says it to the user."""

    def __init__(self, reason: Refusal, message: str, status_code: int) -> None:
        super().__init__(message)
        self.reason = reason
        self.status_code = status_code


@dataclass(frozen=True)
class SupportResult:
    """What a support or withdrawal did: ``changed`` False is the no-op (already / not supporting)."""

    report: Report
    changed: bool
    #: The public step when this support made the proposal reach its threshold.
    threshold_event: StatusEvent | None = None
    #: The anonymous supporter's withdraw link token (confirmations only).
    withdraw_token: str | None = None


def _refusal(reason: Refusal) -> SupportRefused:
    messages: dict[Refusal, tuple[Any, int]] = {
        Refusal.NOT_A_PROPOSAL: (lambda: _("Only proposals can be supported."), 400),
        Refusal.NOT_PUBLIC: (lambda: _("This proposal is not public, so it cannot be supported."), 404),
        Refusal.MERGED: (
            lambda: _("This proposal was merged into another one: support that one instead."),
            409,
        ),
        Refusal.FINISHED: (lambda: _("This proposal is closed: it no longer takes supports."), 409),
        Refusal.ANSWERED: (
            lambda: _("The municipality has already answered this proposal: supports are closed."),
            409,
        ),
        Refusal.CLOSED_FOR_CATEGORY: (
            lambda: _("Supports are closed for the proposals of this category."),
            409,
        ),
        Refusal.LIMIT: (
            lambda: _(
                "You already support %(limit)d proposals that are waiting for an answer, the most "
                "one person may support at a time. Withdraw one of them, or wait for its answer.",
                limit=support_limit(),
            ),
            409,
        ),
        Refusal.ALREADY: (lambda: _("You already support this proposal."), 409),
        Refusal.NOT_SUPPORTED: (lambda: _("You do not support this proposal."), 409),
        Refusal.LINK: (
            lambda: _("This link is not valid. Check that you copied the whole address from the e-mail."),
            404,
        ),
        Refusal.LINK_EXPIRED: (
            lambda: _(
                "This link has expired. Ask again from the proposal's page: we will send you a new link."
            ),
            410,
        ),
    }
    text, status = messages[reason]
    return SupportRefused(reason, str(text()), status)


def support_limit() -> int:
    return int(current_app.config.get("CITIZENCARE_SUPPORT_LIMIT") or 0)


def supporter_of_user(user_id: str) -> str:
    return user_supporter(user_id)


def address_key_of(address: str) -> str:
    """The keyed hash of an address, whatever its case and surrounding blanks."""
    return address_key(normalise(address))


def supporter_of_address(address: str) -> str:
    return address_supporter(address_key_of(address))


def _facts(session: Session, report: Report) -> ProposalFacts:
    category = session.get(Category, report.category_id)
    return ProposalFacts(
        kind=report.kind,
        is_public=bool(report.is_public),
        duplicate_of_id=report.duplicate_of_id,
        status=report.status,
        answered_at=report.answered_at,
        supports_open=bool(category.supports_open) if category is not None else False,
    )


def _fresh(session: Session, report_id: int) -> Report:
    """The report as committed now (another request may have changed it since this one loaded it)."""
    report = session.get(Report, report_id, populate_existing=True)
    if report is None:
        raise _refusal(Refusal.NOT_PUBLIC)
    return report


def refusal_of(report: Report) -> SupportRefused | None:
    """Why ``report`` takes no support now (the refusal to raise or show), or None."""
    reason = why_not_supportable(_facts(db_session(), report))
    return _refusal(reason) if reason is not None else None


def check_supportable(session: Session, report: Report) -> None:
    reason = why_not_supportable(_facts(session, report))
    if reason is not None:
        raise _refusal(reason)


def _supports(session: Session, report_id: int, supporters: tuple[str, ...]) -> Support | None:
    return session.scalar(
        sa.select(Support).where(Support.report_id == report_id, Support.supporter.in_(supporters)).limit(1)
    )


def open_supports(session: Session, supporter: str) -> int:
    """The person's supports on proposals still open and not answered (what the limit counts)."""
    return int(
        session.scalar(
            sa.select(sa.func.count(Support.id))
            .join(Report, Report.id == Support.report_id)
            .where(
                Support.supporter == supporter,
                Report.kind == Kind.PROPOSAL.value,
                Report.answered_at.is_(None),
                Report.duplicate_of_id.is_(None),
                Report.status.in_(sorted(s.value for s in OPEN_STATUSES)),
            )
        )
        or 0
    )


def _count(session: Session, report_id: int, delta: int) -> int:
    """Add ``delta`` to the counter in SQL; the new count. Never below zero."""
    table = cast(sa.Table, Report.__table__)
    condition = [table.c.id == report_id]
    if delta < 0:
        condition.append(table.c.supports_count > 0)
    result = session.execute(
        sa.update(table)
        .where(*condition)
        .values(supports_count=table.c.supports_count + delta)
        .returning(table.c.supports_count)
    )
    value = result.scalar()
    return int(value) if value is not None else 0


def _add(
    report_id: int,
    supporter: str,
    *,
    email: str | None,
    locale: str | None,
    same_person: tuple[str, ...] = (),
    now: datetime | None = None,
) -> SupportResult:
    """Add one support, count it, record the threshold; commits. Refusals change nothing."""
    session = db_session()
    now = now or utcnow()
    try:
        report = _fresh(session, report_id)
        check_supportable(session, report)
        if _supports(session, report.id, (supporter, *same_person)) is not None:
            session.rollback()
            return SupportResult(report, changed=False)
        if limit_reached(open_supports(session, supporter), support_limit()):
            raise _refusal(Refusal.LIMIT)
        session.add(
            Support(report_id=report.id, supporter=supporter, email=email, locale=locale, created_at=now)
        )
        session.flush()
        count = _count(session, report.id, +1)
        session.expire(report, ["supports_count"])
        event = record_threshold(session, report, count, now)
        session.commit()
    except IntegrityError:
        # The same person at the same instant (uq_cc_supports_once): the other request counted it.
        session.rollback()
        return SupportResult(_fresh(session, report_id), changed=False)
    except BaseException:
        session.rollback()
        raise
    return SupportResult(report, changed=True, threshold_event=event)


def support_as_user(
    report_id: int, user_id: str, *, email: str | None, language: str, now: datetime | None = None
) -> SupportResult:
    """A logged-in host user supports a proposal with one click; commits.

    ``changed`` False: they (or their address, confirmed anonymously) already
    support it, and nothing changed.
    """
    same_person = (supporter_of_address(email),) if email else ()
    return _add(
        report_id,
        supporter_of_user(user_id),
        email=normalise(email) if email else None,
        locale=language,
        same_person=same_person,
        now=now,
    )


# -- anonymous supporters ---------------------------------------------------------


def confirm_token(report: Report, mail_id: str, address: str) -> str:
    return sign(Purpose.SUPPORT_CONFIRM, {"r": report.id, "m": mail_id, "a": address_key_of(address)})


def _recent_confirmations(session: Session, report_id: int, address: str, now: datetime) -> int:
    return int(
        session.scalar(
            sa.select(sa.func.count(OutboxMail.id)).where(
                OutboxMail.template == SUPPORT_CONFIRM_TEMPLATE,
                OutboxMail.report_id == report_id,
                OutboxMail.recipient == address,
                OutboxMail.created_at >= now - RESEND_WINDOW,
            )
        )
        or 0
    )


def request_support(report_id: int, address: str, language: str, *, now: datetime | None = None) -> bool:
    """An anonymous citizen asks to support a proposal; commits. True when a confirmation mail was queued.

    Refuses (:class:`SupportRefused`) only for what the page shows anyway (the
    proposal takes no supports). The caller answers "check your mail" whatever
    this returns: no mail goes out when the address already supports the
    proposal, when it already has the most open supports allowed, or when it
    was sent :data:`MAX_CONFIRMATIONS_PER_REPORT` confirmations for it in the
    last day.
    """
    session = db_session()
    now = now or utcnow()
    address = normalise(address)
    try:
        report = _fresh(session, report_id)
        check_supportable(session, report)
        supporter = supporter_of_address(address)
        if (
            _supports(session, report.id, (supporter,)) is not None
            or limit_reached(open_supports(session, supporter), support_limit())
            or _recent_confirmations(session, report.id, address, now) >= MAX_CONFIRMATIONS_PER_REPORT
        ):
            session.rollback()
            return False
        queue_support_confirmation(
            session, report, address, language, lambda mail_id: confirm_token(report, mail_id, address)
        )
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return True


@dataclass(frozen=True)
class PendingSupport:
    """What a valid confirmation link names: the proposal, the address, the language it was asked in."""

    report: Report
    address: str
    locale: str

    @property
    def supporter(self) -> str:
        return supporter_of_address(self.address)


def _payload(purpose: Purpose, token: str, max_age: float | None) -> dict[str, Any]:
    try:
        payload = verify(purpose, token, max_age=max_age, max_length=_TOKEN_MAX)
    except ExpiredToken:
        raise _refusal(Refusal.LINK_EXPIRED) from None
    except InvalidToken:
        raise _refusal(Refusal.LINK) from None
    if not isinstance(payload, dict):
        raise _refusal(Refusal.LINK)
    return payload


def _whole(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**63:
        raise _refusal(Refusal.LINK)
    return value


def pending_support(token: str) -> PendingSupport:
    """The support a confirmation link asks for; :class:`SupportRefused` (404/410) for a bad or old link."""
    payload = _payload(Purpose.SUPPORT_CONFIRM, token, support_confirm_days() * 86400)
    report_id, mail_id, key = _whole(payload.get("r")), payload.get("m"), payload.get("a")
    if not isinstance(mail_id, str) or not isinstance(key, str) or len(mail_id) > 250:
        raise _refusal(Refusal.LINK)
    session = db_session()
    mail = session.scalar(sa.select(OutboxMail).where(OutboxMail.message_id == mail_id))
    if (
        mail is None
        or mail.template != SUPPORT_CONFIRM_TEMPLATE
        or mail.report_id != report_id
        or not same(address_key_of(mail.recipient), key)
    ):
        raise _refusal(Refusal.LINK)
    report = session.get(Report, report_id)
    if report is None:
        raise _refusal(Refusal.LINK)
    return PendingSupport(report, normalise(mail.recipient), mail.locale)


def confirm_support(token: str, *, now: datetime | None = None) -> SupportResult:
    """Confirm the anonymous support of a confirmation link (the page's button); commits.

    A link used before (the address supports the proposal already) is a no-op,
    ``changed`` False, which the page tells as "you already support it".
    """
    pending = pending_support(token)
    result = _add(pending.report.id, pending.supporter, email=pending.address, locale=pending.locale, now=now)
    support = _supports(db_session(), result.report.id, (pending.supporter,))
    token_out = withdraw_token(support) if support is not None else None
    return SupportResult(result.report, result.changed, result.threshold_event, withdraw_token=token_out)


def support_of(report_id: int, supporter: str) -> Support | None:
    """The support of ``supporter`` on the proposal, if there is one."""
    return _supports(db_session(), report_id, (supporter,))


def withdraw_token(support: Support) -> str:
    """The anonymous supporter's withdraw link (does not expire; it dies with the support)."""
    key = support.supporter.removeprefix("e:")
    return sign(Purpose.SUPPORT_WITHDRAW, {"s": support.id, "r": support.report_id, "a": key})


def withdrawal_for(token: str) -> Support:
    """The support a withdraw link names; :class:`SupportRefused` when it is not (or no longer) there."""
    payload = _payload(Purpose.SUPPORT_WITHDRAW, token, None)
    support_id, report_id, key = _whole(payload.get("s")), _whole(payload.get("r")), payload.get("a")
    if not isinstance(key, str):
        raise _refusal(Refusal.LINK)
    support = db_session().get(Support, support_id)
    if support is None or support.report_id != report_id or not same(support.supporter, "e:" + key):
        raise _refusal(Refusal.NOT_SUPPORTED)
    return support


# -- withdrawing -------------------------------------------------------------------


def _withdraw(report_id: int, supporter: str) -> SupportResult:
    session = db_session()
    try:
        report = _fresh(session, report_id)
        reason = why_not_withdrawable(_facts(session, report))
        if reason is not None:
            raise _refusal(reason)
        support = _supports(session, report.id, (supporter,))
        if support is None:
            session.rollback()
            return SupportResult(report, changed=False)
        email = support.email
        deleted = session.execute(sa.delete(_SUPPORTS).where(_SUPPORTS.c.id == support.id))
        if deleted.rowcount != 1:  # type: ignore[attr-defined]
            session.rollback()  # withdrawn by another request at the same instant
            return SupportResult(_fresh(session, report_id), changed=False)
        session.expunge(support)
        _count(session, report.id, -1)
        session.expire(report, ["supports_count"])
        if supporter.startswith("e:") and email:
            # The address is no longer kept, and the old confirmation link no longer works.
            session.execute(
                sa.delete(_OUTBOX).where(
                    _OUTBOX.c.template == SUPPORT_CONFIRM_TEMPLATE,
                    _OUTBOX.c.report_id == report.id,
                    _OUTBOX.c.recipient == email,
                )
            )
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return SupportResult(report, changed=True)


def withdraw_as_user(report_id: int, user_id: str) -> SupportResult:
    """A logged-in user withdraws their support; commits. ``changed`` False: they did not support it."""
    return _withdraw(report_id, supporter_of_user(user_id))


def withdraw_by_token(token: str) -> SupportResult:
    """An anonymous supporter withdraws with their link; commits."""
    support = withdrawal_for(token)
    report_id, supporter = support.report_id, support.supporter
    result = _withdraw(report_id, supporter)
    if not result.changed:
        raise _refusal(Refusal.NOT_SUPPORTED)
    return result
