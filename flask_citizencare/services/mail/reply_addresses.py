"""The addresses our mails carry as Reply-To, one per report: ``risposte+<id>.<token>@<domain>``.

The outbox writes them (:mod:`.notify`) and the reply-by-mail ingestion reads
them back (:mod:`flask_citizencare.services.replies`); the address format itself is a pure rule of
:mod:`flask_citizencare.domain.mail`. Here: the settings and the key.
"""

from __future__ import annotations

from flask import current_app

from ...tokens import Purpose, purpose_key

__all__ = ["DEFAULT_REPLY_LOCAL", "reply_domain", "reply_local", "reply_secret"]

DEFAULT_REPLY_LOCAL = "risposte"


def reply_secret() -> bytes:
    """Key of the reply-address tokens: ``CITIZENCARE_REPLY_SECRET``, else derived from ``SECRET_KEY``.

    ``CITIZENCARE_REPLY_SECRET`` is a key kept apart for this one purpose (the
    mail hosts need not know ``SECRET_KEY``); the derivation
    (:func:`~flask_citizencare.tokens.purpose_key`) keeps the session key itself
    out of the addresses. The outbox uses this same function when it writes the Reply-To.
    """
    secret = current_app.config.get("CITIZENCARE_REPLY_SECRET")
    if secret:
        return secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)
    return purpose_key(Purpose.REPLY_ADDRESS)


def reply_local() -> str:
    return str(current_app.config.get("CITIZENCARE_REPLY_LOCAL", DEFAULT_REPLY_LOCAL))


def reply_domain() -> str:
    domain = current_app.config.get("CITIZENCARE_REPLY_DOMAIN")
    if not domain:
        raise RuntimeError("set CITIZENCARE_REPLY_DOMAIN to receive replies by mail")
    return str(domain)
