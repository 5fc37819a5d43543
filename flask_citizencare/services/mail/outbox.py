"""Delivery of the outbox (``flask citizencare outbox send``).

Rows are written by the services in the same transaction as the change they
tell about (see :mod:`.notify`); this worker delivers them over SMTP.

Several workers on several hosts may run at once. A worker first *claims* due
rows in a short transaction of its own (``claimed_by``/``claimed_until``, a
lease), commits, and only then talks to the SMTP server, so no database
transaction stays open across the network:

* on PostgreSQL the due rows are selected ``FOR UPDATE SKIP LOCKED`` and
  stamped with the claim in the same transaction;
* on SQLite, which has no ``SKIP LOCKED``, each candidate is claimed with a
  conditional ``UPDATE`` that only matches a row still unclaimed (or whose
  claim has expired); a row count of 0 means another worker got it first.

Delivery is at least once: a worker that dies after the server accepted a
mail but before recording it leaves the claim to expire, and the row is sent
again by the next worker. The Message-ID is fixed when the row is written, so
the citizen's mail client shows the repeat as the same message.

Failures: a mail that cannot be built (a line break in a header value, i.e.
an attempt at header injection, or a malformed recipient) and a recipient the
server refuses for good (5xx) are *permanent*: the row goes straight to
``dead``. Anything else (server down, time-out, 4xx) is retried with
exponential backoff until ``CITIZENCARE_OUTBOX_MAX_ATTEMPTS``, then ``dead``.
Dead rows are listed by :func:`dead_letters` for the administrators.
"""

from __future__ import annotations

import email.policy
import secrets
import smtplib
import ssl
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any, cast

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from ...context import db_session
from ...domain.mail import LOOP_HEADER
from ...domain.mail.headers import OUTGOING
from ...errors import ConfigurationError
from ...logs import valid_request_id
from ...models import OutboxMail, Report
from ...models.base import utcnow

#: Headers a row may add to its mail (``OutboxMail.headers``); any other key is ignored.
ALLOWED_HEADERS = {
    "list-unsubscribe": "List-Unsubscribe",
    "list-unsubscribe-post": "List-Unsubscribe-Post",
    "auto-submitted": "Auto-Submitted",
    "in-reply-to": "In-Reply-To",
    "references": "References",
}

# Settings not (yet) in config.SETTINGS are read with these defaults.
DEFAULT_MAX_ATTEMPTS = 8
DEFAULT_BACKOFF_SECONDS = 60
DEFAULT_BACKOFF_MAX_SECONDS = 6 * 3600
DEFAULT_CLAIM_SECONDS = 300
DEFAULT_SMTP_TIMEOUT = 30

_ERROR_MAX_CHARS = 500
_table = cast(sa.Table, OutboxMail.__table__)


@dataclass(frozen=True)
class DeliveryRun:
    """What one pass did: mails accepted by the server, put back for later, given up on."""

    sent: int = 0
    retried: int = 0
    dead: int = 0

    def __add__(self, other: DeliveryRun) -> DeliveryRun:
        return DeliveryRun(self.sent + other.sent, self.retried + other.retried, self.dead + other.dead)

    def __str__(self) -> str:
        return f"sent {self.sent}, retried {self.retried}, dead {self.dead}"


class InvalidMail(ValueError):
    """The row cannot become a safe mail; retrying would not help."""


class _PermanentFailure(Exception):
    """The server refused the mail for good."""


def _setting(name: str, default: Any) -> Any:
    value = current_app.config.get("CITIZENCARE_" + name)
    return default if value is None else value


# -- claiming ---------------------------------------------------------------


def _claimable(now: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(
        _table.c.state == "pending",
        sa.or_(_table.c.claimed_until.is_(None), _table.c.claimed_until < now),
    )


def claim_due(session: Session, *, worker: str, limit: int, now: datetime) -> list[int]:
    """Claim up to ``limit`` due rows for ``worker`` and commit; the ids of the rows claimed.

    A claim lasts ``CITIZENCARE_OUTBOX_CLAIM_SECONDS``; an expired one
    (a worker that died) may be taken over.
    """
    if limit <= 0:
        return []
    until = now + timedelta(seconds=float(_setting("OUTBOX_CLAIM_SECONDS", DEFAULT_CLAIM_SECONDS)))
    due = (
        sa.select(_table.c.id)
        .where(_claimable(now), _table.c.next_attempt_at <= now)
        .order_by(_table.c.next_attempt_at, _table.c.id)
        .limit(limit)
    )
    connection = session.connection()
    try:
        if connection.dialect.name == "postgresql":
            ids = list(connection.scalars(due.with_for_update(skip_locked=True)))
            if ids:
                connection.execute(
                    sa.update(_table)
                    .where(_table.c.id.in_(ids))
                    .values(claimed_by=worker, claimed_until=until)
                )
            session.commit()
            return ids
        # SQLite: read the candidates, end that read, then claim each one with a
        # conditional UPDATE; another worker may have been quicker.
        candidates = list(connection.scalars(due))
        session.commit()
        if not candidates:
            return []
        connection = session.connection()
        claimed = []
        for mail_id in candidates:
            result = connection.execute(
                sa.update(_table)
                .where(_table.c.id == mail_id, _claimable(now))
                .values(claimed_by=worker, claimed_until=until)
            )
            if result.rowcount == 1:
                claimed.append(mail_id)
        session.commit()
        return claimed
    except BaseException:
        session.rollback()
        raise


# -- building ---------------------------------------------------------------


def _set_header(message: EmailMessage, name: str, value: Any) -> None:
    """``message[name] = value``, turning a refusal into :class:`InvalidMail` that names the header."""
    try:
        message[name] = value
    except ValueError as exc:
        if isinstance(value, str) and "".join(value.splitlines()) != value:
            raise InvalidMail(
                f"{name} contains a line break (header injection attempt?); mail not sent"
            ) from None
        raise InvalidMail(f"{name} is not a valid header value: {exc}") from None


def _single_address(value: str, what: str) -> Address:
    """The one address of a To/From/Reply-To value (refuses lists and garbage)."""
    probe = EmailMessage(policy=email.policy.SMTP)
    try:
        probe["To"] = value  # an address header, whatever ``what`` is
    except ValueError:
        _set_header(EmailMessage(policy=email.policy.SMTP), what, value)  # raises, naming ``what``
        raise
    header: Any = probe["To"]
    addresses: tuple[Address, ...] = tuple(getattr(header, "addresses", ()))
    if len(addresses) != 1 or not addresses[0].domain or getattr(header, "defects", None):
        raise InvalidMail(f"{what} is not a single e-mail address: {value!r}; mail not sent")
    return addresses[0]


def build_message(mail: OutboxMail, *, sender: str | Address, now: datetime | None = None) -> EmailMessage:
    """The mail of an outbox row; :class:`InvalidMail` if it cannot be built safely.

    Header values with a line break (header injection) are refused by
    ``EmailMessage`` itself; that refusal becomes :class:`InvalidMail`.
    """
    # List-Unsubscribe, In-Reply-To, References: written literally, never RFC 2047-encoded.
    message = EmailMessage(policy=OUTGOING)
    if not isinstance(sender, Address):
        sender = _single_address(sender, "From")
    _set_header(message, "From", sender)
    _set_header(message, "To", _single_address(mail.recipient, "To"))
    _set_header(message, "Subject", mail.subject)
    _set_header(message, "Date", format_datetime(now or utcnow()))
    _set_header(message, "Message-ID", mail.message_id)
    # Marks our own mail: if it comes back into `mail ingest` (a loop), it is ignored.
    _set_header(message, LOOP_HEADER, "1")
    # Auto-Submitted tells other robots not to answer these notifications (RFC 3834).
    _set_header(message, "Auto-Submitted", "auto-generated")
    if mail.reply_to:
        _set_header(message, "Reply-To", _single_address(mail.reply_to, "Reply-To"))
    # The request (or job) that wrote the mail: its log lines have the same id.
    if mail.request_id and valid_request_id(mail.request_id):
        _set_header(message, "X-Request-ID", mail.request_id)
    for name, value in (mail.headers or {}).items():
        canonical = ALLOWED_HEADERS.get(str(name).lower())
        if canonical is not None and value is not None:
            _set_header(message, canonical, str(value))
    try:
        message.set_content(mail.body_text or "")
        if mail.body_html:
            message.add_alternative(mail.body_html, subtype="html")
    except (ValueError, TypeError, LookupError) as exc:
        raise InvalidMail(f"the body cannot be encoded: {exc}") from None
    return message


# -- sending ----------------------------------------------------------------


def smtp_address() -> str:
    """``host:port`` of the SMTP server the outbox delivers to."""
    config = current_app.config
    host = config.get("CITIZENCARE_SMTP_HOST") or "localhost"
    return f"{host}:{int(config.get('CITIZENCARE_SMTP_PORT') or 25)}"


def check_smtp(timeout: float) -> None:
    """Connect, EHLO (STARTTLS and log in when set), QUIT: as a delivery would; raise what fails."""
    _disconnect(_connect(timeout))


def _connect(timeout: float | None = None) -> smtplib.SMTP:
    config = current_app.config
    host = config.get("CITIZENCARE_SMTP_HOST") or "localhost"
    port = int(config.get("CITIZENCARE_SMTP_PORT") or 25)
    if timeout is None:
        timeout = float(_setting("SMTP_TIMEOUT", DEFAULT_SMTP_TIMEOUT))
    smtp: smtplib.SMTP
    if config.get("CITIZENCARE_SMTP_SSL"):
        smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    try:
        smtp.ehlo()
        if config.get("CITIZENCARE_SMTP_STARTTLS") and not config.get("CITIZENCARE_SMTP_SSL"):
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        if config.get("CITIZENCARE_SMTP_USERNAME"):
            smtp.login(config["CITIZENCARE_SMTP_USERNAME"], config.get("CITIZENCARE_SMTP_PASSWORD") or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


def _disconnect(smtp: smtplib.SMTP | None) -> None:
    if smtp is None:
        return
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()


def _send(smtp: smtplib.SMTP, message: EmailMessage, recipient: str) -> None:
    from_header = message["From"]
    sender = from_header.addresses[0].addr_spec
    try:
        smtp.send_message(message, from_addr=sender, to_addrs=[recipient])
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        if codes and all(500 <= code < 600 for code in codes):
            raise _PermanentFailure(f"recipient refused: {_describe(exc)}") from None
        raise


def _describe(exc: BaseException) -> str:
    """One line about ``exc``, without the SMTP password."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        text = "; ".join(
            f"{address} {code} {reply.decode('utf-8', 'replace') if isinstance(reply, bytes) else reply}"
            for address, (code, reply) in exc.recipients.items()
        )
    elif isinstance(exc, smtplib.SMTPResponseException):
        error = exc.smtp_error
        text = f"{exc.smtp_code} {error.decode('utf-8', 'replace') if isinstance(error, bytes) else error}"
    else:
        text = str(exc) or type(exc).__name__
    if not isinstance(exc, (InvalidMail, _PermanentFailure)):
        text = f"{type(exc).__name__}: {text}"
    password = current_app.config.get("CITIZENCARE_SMTP_PASSWORD")
    if password:
        text = text.replace(str(password), "***")
    text = " ".join(text.split())
    return text[:_ERROR_MAX_CHARS]


def backoff_delay(attempts: int) -> timedelta:
    """Wait before the next try after ``attempts`` failed ones: base * 2**(attempts-1), capped, +0-10%."""
    base = float(_setting("OUTBOX_BACKOFF_SECONDS", DEFAULT_BACKOFF_SECONDS))
    cap = float(_setting("OUTBOX_BACKOFF_MAX_SECONDS", DEFAULT_BACKOFF_MAX_SECONDS))
    seconds = min(cap, base * 2 ** min(max(attempts - 1, 0), 32))
    return timedelta(seconds=seconds * (1 + secrets.randbelow(1001) / 10_000))


@dataclass
class _Claimed:
    id: int
    attempts: int
    recipient: str
    message: EmailMessage | None
    error: str | None


def deliver_pending(*, worker: str, limit: int = 50, now: datetime | None = None) -> DeliveryRun:
    """Claim up to ``limit`` due mails for ``worker``, send them over one SMTP connection, record the outcome.

    ``now`` (aware UTC) decides which rows are due and stamps the results;
    tests pass it to move time forward.
    """
    now = now or utcnow()
    try:
        sender = _single_address(str(current_app.config.get("CITIZENCARE_MAIL_FROM")), "From")
    except ValueError as exc:  # InvalidMail too: a setting to fix, not a reason to kill every mail
        raise ConfigurationError(f"CITIZENCARE_MAIL_FROM is not usable: {exc}") from None
    session = db_session()
    ids = claim_due(session, worker=worker, limit=limit, now=now)
    if not ids:
        return DeliveryRun()
    rows = session.scalars(sa.select(OutboxMail).where(OutboxMail.id.in_(ids)).order_by(OutboxMail.id))
    batch = []
    for row in rows:
        try:
            message = build_message(row, sender=sender, now=now)
            recipient = message["To"].addresses[0].addr_spec
            batch.append(_Claimed(row.id, row.attempts, recipient, message, None))
        except InvalidMail as exc:
            batch.append(_Claimed(row.id, row.attempts, row.recipient, None, _describe(exc)))
    session.commit()

    claim_seconds = float(_setting("OUTBOX_CLAIM_SECONDS", DEFAULT_CLAIM_SECONDS))
    # Stop before the lease runs out, or another worker could take the rows over.
    deadline = time.monotonic() + max(claim_seconds - 30, claim_seconds / 2)
    sent = retried = dead = 0
    smtp: smtplib.SMTP | None = None
    broken: str | None = None  # the connection failed: the rest of the batch waits
    try:
        for item in batch:
            if item.message is None:
                _record_failure(session, item, worker, item.error or "invalid mail", now, permanent=True)
                dead += 1
                continue
            if broken is None and time.monotonic() > deadline:
                _release(session, item, worker)
                continue
            if broken is not None:
                outcome = _record_failure(session, item, worker, broken, now, permanent=False)
            else:
                try:
                    if smtp is None:
                        smtp = _connect()
                    _send(smtp, item.message, item.recipient)
                except _PermanentFailure as exc:
                    outcome = _record_failure(session, item, worker, str(exc), now, permanent=True)
                except (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, OSError) as exc:
                    broken = _describe(exc)
                    _disconnect(smtp)
                    smtp = None
                    outcome = _record_failure(session, item, worker, broken, now, permanent=False)
                except smtplib.SMTPException as exc:
                    outcome = _record_failure(session, item, worker, _describe(exc), now, permanent=False)
                else:
                    _record_sent(session, item, now)
                    sent += 1
                    continue
            if outcome == "dead":
                dead += 1
            else:
                retried += 1
    finally:
        _disconnect(smtp)
    return DeliveryRun(sent=sent, retried=retried, dead=dead)


def _record_sent(session: Session, item: _Claimed, now: datetime) -> None:
    session.connection().execute(
        sa.update(_table)
        .where(_table.c.id == item.id)
        .values(
            state="sent",
            sent_at=now,
            attempts=item.attempts + 1,
            last_error=None,
            claimed_by=None,
            claimed_until=None,
        )
    )
    session.commit()


def _record_failure(
    session: Session, item: _Claimed, worker: str, error: str, now: datetime, *, permanent: bool
) -> str:
    attempts = item.attempts + 1
    max_attempts = int(_setting("OUTBOX_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS))
    values: dict[str, Any] = {
        "attempts": attempts,
        "last_error": error,
        "claimed_by": None,
        "claimed_until": None,
    }
    if permanent or attempts >= max_attempts:
        values["state"] = "dead"
        if not permanent:
            values["last_error"] = f"gave up after {attempts} attempts: {error}"[:_ERROR_MAX_CHARS]
    else:
        values["next_attempt_at"] = now + backoff_delay(attempts)
    session.connection().execute(
        sa.update(_table)
        .where(_table.c.id == item.id, _table.c.claimed_by == worker, _table.c.state == "pending")
        .values(**values)
    )
    session.commit()
    return str(values.get("state", "pending"))


def _release(session: Session, item: _Claimed, worker: str) -> None:
    session.connection().execute(
        sa.update(_table)
        .where(_table.c.id == item.id, _table.c.claimed_by == worker, _table.c.state == "pending")
        .values(claimed_by=None, claimed_until=None)
    )
    session.commit()


# -- administration -----------------------------------------------------------


def dead_letters(session: Session, *, limit: int | None = None) -> Sequence[OutboxMail]:
    """Mails given up on, newest first, for the administrators."""
    query = sa.select(OutboxMail).where(OutboxMail.state == "dead").order_by(OutboxMail.id.desc())
    if limit is not None:
        query = query.limit(limit)
    return session.scalars(query).all()


def dead_letter_page(
    session: Session, *, before: int | None = None, limit: int = 50
) -> tuple[list[tuple[OutboxMail, str | None]], int | None]:
    """One page of dead letters, newest first, each with its report's public number.

    Keyset on the id (``before``: the last id of the previous page); the
    second value is the ``before`` of the next page, or ``None`` on the last.
    """
    query = (
        sa.select(OutboxMail, Report.public_id)
        .outerjoin(Report, Report.id == OutboxMail.report_id)
        .where(OutboxMail.state == "dead")
        .order_by(OutboxMail.id.desc())
        .limit(limit + 1)
    )
    if before is not None:
        query = query.where(OutboxMail.id < before)
    rows: list[tuple[OutboxMail, str | None]] = [
        (mail, public_id) for mail, public_id in session.execute(query)
    ]
    if len(rows) > limit:
        return rows[:limit], rows[limit - 1][0].id
    return rows, None


@dataclass(frozen=True)
class OutboxHealth:
    """What the administrators' page shows about the queue."""

    pending: int
    due: int
    oldest_pending: datetime | None
    dead: int


def outbox_health(session: Session, *, now: datetime) -> OutboxHealth:
    """Counts of waiting and dead mails, and when the oldest waiting one was written.

    Sent rows, the bulk of the table, are never read: every query starts on
    ``ix_cc_outbox_state_next``.
    """
    counts = {
        state: (count, oldest)
        for state, count, oldest in session.execute(
            sa.select(_table.c.state, sa.func.count(), sa.func.min(_table.c.created_at))
            .where(_table.c.state.in_(("pending", "dead")))
            .group_by(_table.c.state)
        )
    }
    due = session.scalar(
        sa.select(sa.func.count())
        .select_from(_table)
        .where(_table.c.state == "pending", _table.c.next_attempt_at <= now)
    )
    pending, oldest = counts.get("pending", (0, None))
    return OutboxHealth(
        pending=pending, due=due or 0, oldest_pending=oldest, dead=counts.get("dead", (0,))[0]
    )


def retry_dead(session: Session, ids: Iterable[int], *, now: datetime) -> list[int]:
    """Put the chosen dead letters back in the queue, due at ``now``; the ids actually put back.

    Ids of mails that are not dead (unknown, pending, already sent) are left
    alone, so a double submit cannot send a delivered mail again. The row keeps
    its Message-ID, so a recipient who did get an earlier attempt sees one
    message. ``attempts`` starts again from 0 (a full round of retries);
    ``last_error`` stays as the record of why it died until the next attempt
    replaces it.
    """
    wanted = sorted({int(i) for i in ids})
    if not wanted:
        return []
    return _put_back(session, _table.c.id.in_(wanted), now)


def retry_all_dead(session: Session, *, now: datetime) -> list[int]:
    """Every dead letter back in the queue (after fixing the SMTP settings, say)."""
    return _put_back(session, sa.true(), now)


def _put_back(session: Session, condition: sa.ColumnElement[bool], now: datetime) -> list[int]:
    try:
        connection = session.connection()
        ids = sorted(
            connection.scalars(
                sa.select(_table.c.id).where(condition, _table.c.state == "dead").with_for_update()
            )
        )
        if ids:
            connection.execute(
                sa.update(_table)
                .where(_table.c.id.in_(ids), _table.c.state == "dead")
                .values(state="pending", attempts=0, next_attempt_at=now, claimed_by=None, claimed_until=None)
            )
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return ids
