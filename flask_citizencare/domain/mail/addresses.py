"""Addresses: the reply address of each report, finding it among the recipients, the sender.

Every mail the outbox sends carries a Reply-To such as
``risposte+123.k3m5...@segnalazioni.comune.example``: the report id and a token,
the first 130 bits of ``HMAC-SHA256(secret, "reply:<id>")`` in lowercase base32.
Whoever replies writes into report 123's thread (and, for a resolved report,
reopens it back to the same technician: reference 002); nobody can forge an
address for a report they never received mail about.

The sender (``From``) is normalised here too, lowercase and bare, or refused
when it is not one plain address.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Iterator
from email.message import Message
from email.utils import getaddresses, parseaddr

from .mime import _header, _header_text

__all__ = ["TOKEN_LENGTH", "find_reply_target", "parse_reply_address", "reply_address"]

#: Base32 characters of the HMAC kept in the address: 26 × 5 = 130 bits.
TOKEN_LENGTH = 26
#: Headers searched for the reply address, in this order.
TARGET_HEADERS = ("To", "Cc", "Delivered-To", "X-Original-To")

_REPORT_ID_MAX_DIGITS = 18


def _token(report_id: int, secret: bytes) -> str:
    digest = hmac.new(secret, f"reply:{report_id}".encode("ascii"), hashlib.sha256).digest()
    return base64.b32encode(digest).decode("ascii").rstrip("=").lower()[:TOKEN_LENGTH]


def reply_address(local: str, report_id: int, secret: bytes, domain: str) -> str:
    """The Reply-To of every mail about report ``report_id``: ``local+<id>.<token>@domain``."""
    if isinstance(report_id, bool) or not isinstance(report_id, int) or report_id < 1:
        raise ValueError("report_id must be a positive integer")
    if not secret:
        raise ValueError("the reply secret must not be empty")
    if not local or "+" in local or "@" in local or not domain or "@" in domain:
        raise ValueError("local part and domain must be plain, without '+' or '@'")
    return f"{local}+{report_id}.{_token(report_id, secret)}@{domain.lower()}"


def _split(address: str) -> tuple[str, str] | None:
    """``(local part, domain)`` of a bare or ``Name <addr>`` address; None when it is not one."""
    _name, addr = parseaddr(address.strip())
    if addr.count("@") != 1:
        return None
    local_part, dom = addr.split("@")
    return local_part, dom


def _is_ours(address: str, domain: str, local: str) -> bool:
    """Whether an address is in our reply mailbox (``local+...@domain``), valid or not."""
    parts = _split(address)
    return (
        parts is not None
        and parts[1].lower() == domain.lower()
        and parts[0].lower().startswith(local.lower() + "+")
    )


def parse_reply_address(address: str, secret: bytes, domain: str, local: str) -> int | None:
    """The report id of a genuine reply address, None for anything else.

    The local part and the token are compared exactly (we only ever send them in
    lowercase: ``Risposte+…`` or an upper-case token is refused); the domain is
    compared without regard to case, as DNS does. Ids with leading zeros, signs
    or more than 18 digits are refused, so each report has exactly one address.
    """
    if not secret:
        return None
    parts = _split(address)
    if parts is None or parts[1].lower() != domain.lower():
        return None
    pattern = (
        re.escape(local) + rf"\+([1-9][0-9]{{0,{_REPORT_ID_MAX_DIGITS - 1}}})\.([a-z2-7]{{{TOKEN_LENGTH}}})"
    )
    match = re.fullmatch(pattern, parts[0])
    if match is None:
        return None
    report_id = int(match.group(1))
    if not hmac.compare_digest(match.group(2), _token(report_id, secret)):
        return None
    return report_id


def _recipient_addresses(message: Message) -> Iterator[str]:
    for name in TARGET_HEADERS:
        values = [_header_text(v) for v in (message.get_all(name) or [])]
        for _display, addr in getaddresses(values):
            if addr:
                yield addr


def find_reply_target(message: Message, secret: bytes, domain: str, local: str) -> int | None:
    """The report id of the first genuine reply address among To, Cc, Delivered-To, X-Original-To."""
    for addr in _recipient_addresses(message):
        report_id = parse_reply_address(addr, secret, domain, local)
        if report_id is not None:
            return report_id
    return None


def _sender(message: Message) -> str | None:
    pairs = getaddresses([_header(message, "From")])
    for _name, addr in pairs:
        addr = addr.strip().lower()
        if addr.count("@") == 1 and all(addr.split("@")) and not re.search(r"[\s<>()\[\],;:\"]", addr):
            return addr
        if addr in ("mailer-daemon", "postmaster"):
            return addr
    return None
