"""Signed tokens and keyed hashes, each under a key derived for its purpose.

Every link and address the extension hands out that must not be forged
(follow confirmations, unsubscribe links, survey links, reply addresses, the
keyset page cursors, the time a form was shown) is signed here, and nowhere
else. None of them is signed with the bare ``SECRET_KEY``: each purpose gets
its own key,
``HMAC-SHA256(SECRET_KEY, "flask-citizencare " + purpose)``, so a token of one
kind can never pass for another, and what leaks out of one purpose (a keyed
hash in a URL, a reply address) says nothing about the session key that
Flask signs cookies with.

Tokens are itsdangerous URL-safe timed serializers (HMAC-SHA256 signatures,
compared in constant time), so every token carries its issue time and
:func:`verify` can refuse old ones with ``max_age``.

:func:`check_secret_key` runs at start-up: a missing ``SECRET_KEY`` always
stops it, and outside debug and testing so does a key anyone may know
(:func:`weakness`): a value published in documentation or in this repository,
a common word, or a key too short to resist guessing. With such a key anyone
could sign an admin session or forge any link above.
"""

from __future__ import annotations

import hashlib
import hmac
from enum import StrEnum
from typing import Any

from flask import Flask, current_app
from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer

from .errors import ConfigurationError

__all__ = [
    "MIN_KEY_LENGTH",
    "WELL_KNOWN_KEYS",
    "ExpiredToken",
    "InvalidToken",
    "Purpose",
    "check_secret_key",
    "digest",
    "purpose_key",
    "same",
    "sign",
    "verify",
    "weakness",
]


class Purpose(StrEnum):
    """What a token or keyed hash is for; each has its own key."""

    FOLLOW_CONFIRM = "follow confirmation"
    UNSUBSCRIBE = "unsubscribe"
    #: The keyed hash of an e-mail address that follow and unsubscribe links carry.
    ADDRESS = "address"
    SURVEY = "survey"
    #: Reply-To addresses (the label is the one the reply secret was derived with before).
    REPLY_ADDRESS = "reply addresses"
    #: Keyset page cursors (:mod:`~flask_citizencare.queries.cursors`).
    CURSOR = "page cursor"
    #: When a citizen's form was shown (the bot trap's minimum fill time).
    FORM_TIME = "form time"
    #: The link that confirms an anonymous citizen's support of a proposal.
    SUPPORT_CONFIRM = "support confirmation"
    #: The link that withdraws an anonymous citizen's support.
    SUPPORT_WITHDRAW = "support withdrawal"
    #: The link that confirms a subscription to service notices or local alerts.
    SUBSCRIPTION_CONFIRM = "subscription confirmation"
    #: The one-click link that ends a subscription (or all of an address's).
    SUBSCRIPTION_UNSUBSCRIBE = "subscription unsubscribe"


_LABEL = b"flask-citizencare "

#: Shortest ``SECRET_KEY`` accepted outside debug and testing (``secrets.token_hex()`` gives 64).
MIN_KEY_LENGTH = 16
#: Fewest different characters a key must have ("aaaaaaaaaaaaaaaaaaaa" is not a key).
MIN_DISTINCT_CHARACTERS = 8
#: Keys that are public: the example site's development key, the keys of Flask's own
#: documentation and tutorial, and the words people type when told to "set a secret key".
#: Compared without case and surrounding blanks.
WELL_KNOWN_KEYS = frozenset(
    {
        "comune-di-esempio-dev-key-change-me",  # the example site's development key
        '_5#y2l"f4q8z\n\xec]/',  # Flask's quickstart
        "dev",  # Flask's tutorial
        "development",
        "secret",
        "secret-key",
        "secret_key",
        "secretkey",
        "your-secret-key",
        "your_secret_key",
        "mysecret",
        "supersecret",
        "super-secret",
        "super-secret-key",
        "changeme",
        "change-me",
        "change_me",
        "changethis",
        "default",
        "password",
        "test",
        "testing",
        "insecure",
        "notsecret",
        "not-secret",
        "flask",
        "key",
    }
)


class InvalidToken(Exception):
    """A token that was not made by us for this purpose (tampered, truncated, foreign)."""


class ExpiredToken(InvalidToken):
    """A genuine token older than the ``max_age`` it was checked with."""


def _key_bytes(key: str | bytes) -> bytes:
    return key if isinstance(key, bytes) else str(key).encode("utf-8")


def _secret_key(app: Flask | None = None) -> bytes:
    key = (app or current_app).config.get("SECRET_KEY")
    if not key:
        raise ConfigurationError(_MISSING)
    return _key_bytes(key)


def purpose_key(purpose: Purpose, secret: str | bytes | None = None) -> bytes:
    """The 32-byte key of ``purpose``, derived from ``secret`` (the app's ``SECRET_KEY`` by default)."""
    master = _key_bytes(secret) if secret else _secret_key()
    return hmac.new(master, _LABEL + purpose.value.encode("ascii"), hashlib.sha256).digest()


def _serializer(purpose: Purpose) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        purpose_key(purpose),
        salt=purpose.value,
        signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha256},
    )


def sign(purpose: Purpose, payload: Any) -> str:
    """A URL-safe token carrying ``payload`` (JSON-able) and the time it was made."""
    return str(_serializer(purpose).dumps(payload))


def verify(purpose: Purpose, token: str, *, max_age: float | None = None, max_length: int = 300) -> Any:
    """The payload of a token :func:`sign` made for ``purpose``.

    Raises :class:`ExpiredToken` for a genuine token older than ``max_age``
    seconds (None: tokens of this purpose do not expire) and
    :class:`InvalidToken` for anything else that is not such a token: empty,
    longer than ``max_length``, tampered, or signed for another purpose.
    """
    if not token or not isinstance(token, str) or len(token) > max_length:
        raise InvalidToken()
    try:
        return _serializer(purpose).loads(token, max_age=None if max_age is None else int(max_age))
    except SignatureExpired:
        raise ExpiredToken() from None
    except BadData:
        raise InvalidToken() from None


def digest(purpose: Purpose, message: str | bytes) -> str:
    """A keyed hash (hex HMAC-SHA256) of ``message`` under the key of ``purpose``."""
    data = message.encode("utf-8") if isinstance(message, str) else message
    return hmac.new(purpose_key(purpose), data, hashlib.sha256).hexdigest()


def same(a: str | bytes, b: str | bytes) -> bool:
    """Constant-time comparison of two tokens or digests."""
    return hmac.compare_digest(_key_bytes(a), _key_bytes(b))


# -- start-up -------------------------------------------------------------------

_MISSING = (
    "SECRET_KEY is not set: it signs sessions and every link the citizens get; set it to a "
    "random value, e.g. the output of python -c 'import secrets; print(secrets.token_hex(32))'"
)


def weakness(key: str | bytes | None) -> str | None:
    """Why ``key`` is no secret (a short phrase), or None when nothing is known against it."""
    if not key:
        return "it is not set"
    text = key.decode("latin-1") if isinstance(key, bytes) else str(key)
    if text.strip().lower() in WELL_KNOWN_KEYS:
        return "it is a well-known value (published in documentation or in this project)"
    if len(text) < MIN_KEY_LENGTH:
        return f"it is shorter than {MIN_KEY_LENGTH} characters"
    if len(set(text)) < MIN_DISTINCT_CHARACTERS:
        return f"it has fewer than {MIN_DISTINCT_CHARACTERS} different characters"
    return None


def check_secret_key(app: Flask) -> None:
    """Stop start-up without a ``SECRET_KEY``, or with a guessable one outside debug and testing."""
    key = app.config.get("SECRET_KEY")
    if not key:
        raise ConfigurationError(_MISSING)
    why = weakness(key)
    if why is None:
        return
    if app.debug or app.testing:  # a developer's machine or a test run: nothing to steal
        return
    raise ConfigurationError(
        f"SECRET_KEY cannot be used outside debug mode: {why}, so anyone could sign an admin "
        "session or forge the citizens' links; set it to a random value, e.g. the output of "
        "python -c 'import secrets; print(secrets.token_hex(32))'"
    )
