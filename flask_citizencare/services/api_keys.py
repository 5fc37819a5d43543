"""Open311 API keys: created (shown once), found by the key a client sends, revoked, their use counted.

A key is ``cc311_`` and 43 random URL-safe characters (256 bits). Only its
SHA-256 is stored: with that much randomness a plain digest cannot be
reversed, and unlike a digest keyed with the site's ``SECRET_KEY`` it keeps
working when the secret is rotated. Creation and revocation are audited.
"""

from __future__ import annotations

import hashlib
import secrets

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..access import Actor
from ..models import ApiKey
from ..models.base import utcnow
from . import audit

KEY_PREFIX = "cc311_"
#: Longest text taken as a key: anything longer is not one of ours (and is not hashed).
KEY_MAX = 100
NAME_MAX = 120
_FIELDS = ("name", "prefix", "can_post", "rate", "revoked_at")


class ApiKeyError(ValueError):
    """``code``: ``name_taken``, ``name_missing``, ``name_too_long``, ``unknown``, ``already_revoked``."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(
    session: Session,
    name: str,
    *,
    can_post: bool = False,
    rate: str | None = None,
    actor: Actor | None = None,
) -> tuple[ApiKey, str]:
    """A new key named ``name`` and the key itself (shown once, never stored); commits.

    ``rate`` must already be a valid rate string (the caller parses it).
    """
    name = name.strip()
    if not name:
        raise ApiKeyError("name_missing")
    if len(name) > NAME_MAX:
        raise ApiKeyError("name_too_long")
    if session.scalar(sa.select(ApiKey.id).where(ApiKey.name == name)) is not None:
        raise ApiKeyError("name_taken")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    api_key = ApiKey(name=name, prefix=key[:10], key_hash=key_hash(key), can_post=can_post, rate=rate)
    session.add(api_key)
    try:
        session.flush()
    except sa.exc.IntegrityError:
        session.rollback()
        raise ApiKeyError("name_taken") from None
    audit.record(
        session, actor, "api_key", api_key.id, name, "create", None, audit.snapshot(api_key, _FIELDS)
    )
    session.commit()
    return api_key, key


def find_key(session: Session, key: str) -> ApiKey | None:
    """The live (not revoked) key a client sent, or None."""
    if not key.startswith(KEY_PREFIX) or len(key) > KEY_MAX:
        return None
    api_key = session.scalar(sa.select(ApiKey).where(ApiKey.key_hash == key_hash(key)))
    if api_key is None or api_key.revoked:
        return None
    return api_key


def record_use(session: Session, api_key: ApiKey) -> None:
    """Count one use of ``api_key`` and its time, in one statement of its own transaction; commits.

    An ``UPDATE ... SET uses = uses + 1``: two requests at once both count.
    """
    session.execute(
        sa.update(ApiKey)
        .where(ApiKey.id == api_key.id)
        .values(uses=ApiKey.uses + 1, last_used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    session.commit()


def revoke_key(session: Session, key_id_or_name: int | str, *, actor: Actor | None = None) -> ApiKey:
    """Revoke a key by id or name: it is refused from now on; commits."""
    column = ApiKey.id if isinstance(key_id_or_name, int) else ApiKey.name
    api_key = session.scalar(sa.select(ApiKey).where(column == key_id_or_name))
    if api_key is None:
        raise ApiKeyError("unknown")
    if api_key.revoked:
        raise ApiKeyError("already_revoked")
    before = audit.snapshot(api_key, _FIELDS)
    api_key.revoked_at = utcnow()
    audit.record(
        session,
        actor,
        "api_key",
        api_key.id,
        api_key.name,
        "revoke",
        before,
        audit.snapshot(api_key, _FIELDS),
    )
    session.commit()
    return api_key
