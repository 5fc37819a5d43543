"""Submission tokens: a report form's double-click protection, usable only by the browser it was shown to.

Every report form (the citizens' one and the staff intake) carries a hidden
token; :func:`~flask_citizencare.services.reports.submit_report` files one
report per token and hands that report back when the same token comes again
(a double click, a phone's retry). The answer is the confirmation page with
the private tracking link, so the token must not work for anyone else: someone
who read it in a proxy log or a shared computer's history and posts it would
otherwise be sent to the other person's report.

So a token is a random part and its HMAC under a key kept in the session of the
browser that opened the form (``cc_form_key``, created with the first form).
A form posted with a token of another session gets a fresh token and is shown
again with an error: no report is filed or replayed, no mail is written.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from flask import session

SESSION_KEY = "cc_form_key"
#: Characters of the random part (18 bytes in URL-safe base64) and of the HMAC that follows it.
NONCE_CHARS = 24
MAC_CHARS = 22


def _session_key(create: bool) -> bytes | None:
    key = session.get(SESSION_KEY)
    if not isinstance(key, str) or not key:
        if not create:
            return None
        key = session[SESSION_KEY] = secrets.token_urlsafe(32)
    return key.encode()


def _mac(key: bytes, nonce: str) -> str:
    digest = hmac.new(key, nonce.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:MAC_CHARS]


def new_submission_token() -> str:
    """A token for a form shown now, bound to this browser's session."""
    key = _session_key(create=True)
    assert key is not None
    nonce = secrets.token_urlsafe(18)
    return nonce + _mac(key, nonce)


def is_own_submission_token(token: str | None) -> bool:
    """Whether ``token`` was made for a form shown to this browser's session."""
    key = _session_key(create=False)
    if key is None or not isinstance(token, str) or len(token) != NONCE_CHARS + MAC_CHARS:
        return False
    nonce, mac = token[:NONCE_CHARS], token[NONCE_CHARS:]
    return hmac.compare_digest(_mac(key, nonce), mac)
