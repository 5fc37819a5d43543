"""Who gets the mail of an event on a report, and the unsubscribe link each of them gets.

The reporter gets every event of their report; people who follow it by e-mail
(:mod:`~flask_citizencare.services.following`) get the public ones; the
supporters of a proposal who left an address (``Support.email``) get the
events that ask for them (``supporters=True``: the official answer). Both the
mail writer (:mod:`.notify`) and following need these rules, so they live
here, below both.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from ...access import publicly_visible
from ...context import state
from ...models import Follower, Report, Support
from ...tokens import Purpose, digest, sign

__all__ = [
    "Recipient",
    "address_key",
    "confirm_days",
    "followers_of",
    "normalise",
    "recipients",
    "reporter_address",
    "supporters_of",
    "unsubscribe_token",
]


@dataclass(frozen=True)
class Recipient:
    """One address that gets an event's mail; ``follower`` picks the public variant of the mail.

    ``supporter``: the address is there because it supports the proposal (it
    gets the public variant too, ``follower`` is True).
    """

    email: str
    language: str
    follower: bool
    supporter: bool = False


def normalise(address: str) -> str:
    return address.strip().lower()


def address_key(address: str) -> str:
    """A keyed hash of the address: what the links carry instead of the address."""
    return digest(Purpose.ADDRESS, normalise(address))[:24]


def _language(locale: str | None) -> str:
    languages = state().settings.languages
    return locale if locale in languages else languages[0]


def followers_of(session: Session, report_id: int) -> list[Follower]:
    return list(session.scalars(sa.select(Follower).where(Follower.report_id == report_id)))


def supporters_of(session: Session, report_id: int) -> list[Support]:
    """The report's supports that left an address to be told of the answer, oldest first."""
    query = (
        sa.select(Support)
        .where(Support.report_id == report_id, Support.email.is_not(None))
        .order_by(Support.id)
    )
    return list(session.scalars(query))


def reporter_address(report: Report) -> str | None:
    contact = report.contact
    if contact is None or not contact.email or contact.erased_at is not None:
        return None
    return normalise(contact.email)


def recipients(
    session: Session, report: Report, *, public: bool, merge: bool = False, supporters: bool = False
) -> list[Recipient]:
    """Who gets the mail of an event on ``report``, each address once.

    The reporter gets every event (with their tracking link) unless they
    unsubscribed from the report. Confirmed followers get only ``public``
    events, and only while the report has a public page (``merge``: the
    "joined to another report" mail of a public report that just became a
    duplicate). A follower whose address is the reporter's gets the
    reporter's mail only. ``supporters`` (a public event on a public
    proposal): the supporters' addresses too, after the followers, each once;
    an address unsubscribed from the report (a ``Follower`` row with
    ``unsubscribed_at``) gets nothing.
    """
    if report.id is None:
        session.flush()
    rows = followers_of(session, report.id)
    opted_out = {normalise(row.email) for row in rows if row.opted_out}
    found: list[Recipient] = []
    reporter = reporter_address(report)
    if reporter is not None and reporter not in opted_out:
        locale = report.contact.locale if report.contact is not None else None
        found.append(Recipient(reporter, _language(locale), follower=False))
    if public and (publicly_visible(report) or (merge and report.is_public)):
        seen = {r.email for r in found} | opted_out
        for row in sorted(rows, key=lambda r: r.id):
            address = normalise(row.email)
            if row.confirmed_at is None or row.opted_out or address in seen:
                continue
            seen.add(address)
            found.append(Recipient(address, _language(row.locale), follower=True))
        if supporters:
            for support in supporters_of(session, report.id):
                address = normalise(support.email or "")
                if not address or address in seen:
                    continue
                seen.add(address)
                found.append(Recipient(address, _language(support.locale), follower=True, supporter=True))
    return found


def confirm_days() -> float:
    return float(current_app.config.get("CITIZENCARE_FOLLOW_CONFIRM_DAYS") or 7)


def unsubscribe_token(report: Report, address: str) -> str:
    """The link's token for one address and one report; it does not expire."""
    return sign(Purpose.UNSUBSCRIBE, {"r": report.id, "a": address_key(address)})
