"""Machine-made mail: our own mail coming back, bounces, auto-replies.

:func:`parse_incoming <.incoming.parse_incoming>` asks this before it looks
for a reply address, so an out-of-office answer or a delivery failure never
lands in a case's thread, whatever address it was sent to.
"""

from __future__ import annotations

import re
from email.message import Message
from email.utils import collapse_rfc2231_value

from .addresses import _sender
from .mime import _header, _safe_walk

__all__ = ["LOOP_HEADER", "MAX_RECEIVED", "is_automatic"]

#: Header the outbox adds to every mail it sends; a message carrying it is our own mail coming back.
LOOP_HEADER = "X-CitizenCare-Loop"
#: More ``Received`` headers than this means the message is going round in circles.
MAX_RECEIVED = 30

_AUTO_SUBJECT = re.compile(
    r"^\W*(automatic reply|auto[- ]?reply|autoreply|auto:|risposta automatica|fuori sede|out of (the )?office"
    r"|respuesta autom[aá]tica|resposta autom[aà]tica|r[ée]ponse automatique|abwesenheitsnotiz"
    r"|assente dall'ufficio)",
    re.IGNORECASE,
)
_BOUNCE_SUBJECT = re.compile(
    r"^\W*(undeliver(ed|able)|delivery status notification|mail delivery (failed|failure|subsystem)"
    r"|returned mail|failure notice|mancata consegna|avviso di mancata consegna|impossibile recapitare)",
    re.IGNORECASE,
)
_BOUNCE_SENDERS = frozenset({"mailer-daemon", "postmaster"})
#: PEC (posta elettronica certificata) receipts: the ones that say the mail did not arrive.
_PEC_FAILURES = frozenset(
    {"non-accettazione", "errore-consegna", "preavviso-errore-consegna", "rilevazione-virus"}
)


def _classify_automatic(message: Message) -> tuple[str, str] | None:
    """``(code, detail)`` for machine-made mail: code is ``loop``, ``bounce`` or ``automatic``."""
    if message.get(LOOP_HEADER) is not None:
        return "loop", f"{LOOP_HEADER} header"
    received = len(message.get_all("Received") or [])
    if received > MAX_RECEIVED:
        return "loop", f"{received} Received headers"

    if message.get_content_type() == "multipart/report":
        report_type = collapse_rfc2231_value(message.get_param("report-type") or "").lower()
        if report_type in ("delivery-status", "disposition-notification"):
            return (
                "bounce" if report_type == "delivery-status" else "automatic",
                f"multipart/report {report_type}",
            )
    if any(part.get_content_type() == "message/delivery-status" for part in _safe_walk(message)):
        return "bounce", "message/delivery-status part"
    if message.get("X-Failed-Recipients") is not None:
        return "bounce", "X-Failed-Recipients header"
    sender = _sender(message)
    if sender and sender.split("@")[0] in _BOUNCE_SENDERS:
        return "bounce", f"from {sender.split('@')[0]}"
    pec = _header(message, "X-Ricevuta").lower()
    if pec:
        return ("bounce" if pec in _PEC_FAILURES else "automatic"), f"PEC receipt {pec}"

    auto_submitted = _header(message, "Auto-Submitted").lower()
    if auto_submitted and auto_submitted.split(";")[0].strip() != "no":
        return "automatic", f"Auto-Submitted: {auto_submitted}"
    precedence = _header(message, "Precedence").lower()
    if precedence in ("bulk", "list", "junk", "auto_reply"):
        return "automatic", f"Precedence: {precedence}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Auto-Reply"):
        if message.get(name) is not None:
            return "automatic", f"{name} header"
    suppress = {v.strip().lower() for v in _header(message, "X-Auto-Response-Suppress").split(",")}
    if suppress & {"all", "oof"}:
        return "automatic", "X-Auto-Response-Suppress: " + _header(message, "X-Auto-Response-Suppress")
    if message.get("X-MS-Exchange-Generated-Message-Source") is not None:
        return "automatic", "X-MS-Exchange-Generated-Message-Source header"
    subject = _header(message, "Subject")
    if _AUTO_SUBJECT.match(subject):
        return "automatic", f"subject {subject[:60]!r}"
    if _BOUNCE_SUBJECT.match(subject):
        return "bounce", f"subject {subject[:60]!r}"
    # last: RFC 3834 asks auto-replies to use the null sender too
    return_path = _header(message, "Return-Path")
    if message.get("Return-Path") is not None and return_path.strip("<> ") == "":
        return "bounce", "empty Return-Path"
    return None


def is_automatic(message: Message) -> str | None:
    """Why this mail was made by a machine (``"bounce: from mailer-daemon"``), or None for a person's."""
    verdict = _classify_automatic(message)
    return None if verdict is None else f"{verdict[0]}: {verdict[1]}"
