"""Replies by mail fetched from an IMAP folder (``flask citizencare mail ingest --imap``).

One :func:`poll` logs in, reads every message of ``CITIZENCARE_IMAP_FOLDER``
(not flagged deleted) without marking it seen, hands the raw bytes to the
caller and, when the caller says the message was *handled* (posted, duplicate
or deliberately ignored), moves it to ``CITIZENCARE_IMAP_DONE_FOLDER`` or, when
that is None, flags it ``\\Deleted`` and expunges it. A message whose handling
failed (the database is down, a setting is missing) stays where it is, unseen,
for the next poll: no reply is ever lost. A crash between the database commit
and the move only means the message is read again and found a duplicate.

The standard library's :mod:`imaplib` is enough: one folder, one message at a
time, MOVE and UID EXPUNGE when the server has them (RFC 6851, RFC 4315), COPY
and EXPUNGE otherwise. Folder names are taken as ASCII.
"""

from __future__ import annotations

import imaplib
import logging
import re
import ssl
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from ...errors import ConfigurationError

__all__ = ["ImapSettings", "ImapUnavailable", "PollResult", "check_login", "poll"]

log = logging.getLogger(__name__)

SECURITY_MODES = ("ssl", "starttls", "none")
#: Seconds a connection waits for the server before giving up.
TIMEOUT = 60


class ImapUnavailable(Exception):
    """The server cannot be reached or refuses service for now; try again later."""


@dataclass(frozen=True)
class ImapSettings:
    host: str
    port: int
    security: str
    username: str
    password: str
    folder: str
    done_folder: str | None

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ImapSettings:
        """The ``CITIZENCARE_IMAP_*`` settings; :class:`ConfigurationError` if polling cannot work."""
        host = config.get("CITIZENCARE_IMAP_HOST")
        if not host:
            raise ConfigurationError("set CITIZENCARE_IMAP_HOST to read replies from an IMAP server")
        security = str(config.get("CITIZENCARE_IMAP_SECURITY") or "ssl").lower()
        if security not in SECURITY_MODES:
            raise ConfigurationError(
                f"CITIZENCARE_IMAP_SECURITY must be one of {', '.join(SECURITY_MODES)}, not {security!r}"
            )
        username = config.get("CITIZENCARE_IMAP_USERNAME")
        if not username:
            raise ConfigurationError("set CITIZENCARE_IMAP_USERNAME (and CITIZENCARE_IMAP_PASSWORD)")
        try:
            port = int(config.get("CITIZENCARE_IMAP_PORT") or (993 if security == "ssl" else 143))
        except (TypeError, ValueError):
            raise ConfigurationError("CITIZENCARE_IMAP_PORT must be a port number") from None
        return cls(
            host=str(host),
            port=port,
            security=security,
            username=str(username),
            password=str(config.get("CITIZENCARE_IMAP_PASSWORD") or ""),
            folder=str(config.get("CITIZENCARE_IMAP_FOLDER") or "INBOX"),
            done_folder=config.get("CITIZENCARE_IMAP_DONE_FOLDER") or None,
        )

    @property
    def where(self) -> str:
        return f"{self.username}@{self.host}:{self.port}"


@dataclass(frozen=True)
class PollResult:
    """Messages handled (moved or deleted) and failed (left in the folder) by one poll."""

    handled: int = 0
    failed: int = 0
    #: Over the size limit: left in the folder unread, for a person to look at.
    too_large: int = 0

    def __str__(self) -> str:
        text = f"{self.handled} handled, {self.failed} left for the next poll"
        return text + (f", {self.too_large} too large left in the folder" if self.too_large else "")


def _quote(name: str) -> str:
    """An IMAP quoted string (imaplib sends arguments as they are)."""
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _text(data: Any) -> str:
    parts = data if isinstance(data, list) else [data]
    return " ".join(
        part.decode("utf-8", "replace") if isinstance(part, bytes) else str(part) for part in parts if part
    )


def check_login(settings: ImapSettings, timeout: float) -> None:
    """Log in and out as :func:`poll` does, waiting at most ``timeout`` seconds for each answer.

    Raises :class:`ImapUnavailable` or :class:`ConfigurationError` with what failed.
    """
    with _connection(settings, timeout):
        pass


@contextmanager
def _connection(settings: ImapSettings, timeout: float = TIMEOUT) -> Iterator[imaplib.IMAP4]:
    """A logged-in connection.

    A refused login is :class:`ConfigurationError` (retrying with the same
    password only risks locking the account), unless the server answers
    ``[UNAVAILABLE]``: then, like a server that cannot be reached, it is
    :class:`ImapUnavailable`.
    """
    try:
        imap: imaplib.IMAP4
        if settings.security == "ssl":
            imap = imaplib.IMAP4_SSL(
                settings.host, settings.port, ssl_context=ssl.create_default_context(), timeout=timeout
            )
        else:
            imap = imaplib.IMAP4(settings.host, settings.port, timeout=timeout)
    except (OSError, imaplib.IMAP4.error) as exc:
        raise ImapUnavailable(f"cannot connect to IMAP server {settings.where}: {_describe(exc)}") from None
    try:
        if settings.security == "starttls":
            if "STARTTLS" not in imap.capabilities:
                raise ConfigurationError(
                    f"IMAP server {settings.where} offers no STARTTLS; check CITIZENCARE_IMAP_SECURITY"
                )
            try:
                imap.starttls(ssl_context=ssl.create_default_context())
            except (imaplib.IMAP4.error, OSError) as exc:  # ssl.SSLError is an OSError
                raise ImapUnavailable(f"STARTTLS with {settings.where}: {_describe(exc)}") from None
        try:
            imap.login(settings.username, settings.password)
        except imaplib.IMAP4.abort as exc:
            raise ImapUnavailable(f"IMAP server {settings.where} hung up: {_describe(exc)}") from None
        except imaplib.IMAP4.error as exc:
            text = _describe(exc)
            if "[UNAVAILABLE]" in text:  # RFC 5530: the server's authentication backend is down
                raise ImapUnavailable(f"IMAP login to {settings.where} failed for now: {text}") from None
            raise ConfigurationError(
                f"IMAP login to {settings.where} refused ({text}); check CITIZENCARE_IMAP_USERNAME, "
                "CITIZENCARE_IMAP_PASSWORD and CITIZENCARE_IMAP_SECURITY"
            ) from None
        except OSError as exc:
            raise ImapUnavailable(f"IMAP server {settings.where}: {_describe(exc)}") from None
        yield imap
    finally:
        try:
            imap.logout()
        except (OSError, imaplib.IMAP4.error):
            pass


def _describe(exc: BaseException) -> str:
    """One line about ``exc``; imaplib puts the server's bytes in its errors."""
    first = exc.args[0] if exc.args else None
    text = first.decode("utf-8", "replace") if isinstance(first, bytes) else str(exc) or type(exc).__name__
    if isinstance(exc, OSError):
        text = f"{type(exc).__name__}: {text}"
    return " ".join(text.split())[:300]


def _capabilities(imap: imaplib.IMAP4) -> frozenset[str]:
    """The capabilities after login (they may differ from the greeting's)."""
    typ, data = imap.capability()
    return frozenset(_text(data).upper().split()) if typ == "OK" else frozenset()


def _ensure_folder(imap: imaplib.IMAP4, name: str) -> None:
    typ, data = imap.list('""', _quote(name))
    if typ == "OK" and any(item for item in data if item):
        return
    typ, data = imap.create(_quote(name))
    if typ != "OK":
        raise ConfigurationError(f"IMAP folder {name!r} cannot be created: {_text(data)}")
    log.info("created IMAP folder %s", name)


def _check(typ: str, data: Any, what: str) -> None:
    if typ != "OK":
        raise imaplib.IMAP4.error(f"{what}: {_text(data)}")


def poll(
    settings: ImapSettings,
    handle: Callable[[str, bytes], bool],
    *,
    stopping: Callable[[], bool] = lambda: False,
    max_bytes: int | None = None,
    too_large: Callable[[str, int], None] = lambda label, size: None,
) -> PollResult:
    """Hand every message of the folder to ``handle(label, raw)``; move away those it returns True for.

    ``label`` is ``imap:<uid>``. ``stopping`` is asked between messages (the
    message being handled is finished first). Raises :class:`ImapUnavailable`
    when the server is down or the connection drops (what was moved stays
    moved), :class:`ConfigurationError` for refused credentials or a missing
    folder.

    A message whose ``RFC822.SIZE`` is over ``max_bytes`` is not fetched:
    ``too_large(label, size)`` is told, and it stays in the folder as it is.
    """
    handled = failed = refused = 0
    try:
        with _connection(settings) as imap:
            capabilities = _capabilities(imap)
            if settings.done_folder:
                _ensure_folder(imap, settings.done_folder)
            typ, data = imap.select(_quote(settings.folder))
            if typ != "OK":
                raise ConfigurationError(
                    f"IMAP folder {settings.folder!r} cannot be opened on {settings.where}: {_text(data)}"
                )
            typ, data = imap.uid("SEARCH", "UNDELETED")
            _check(typ, data, "SEARCH")
            uids = [uid.decode("ascii") for uid in (data[0] or b"").split()]
            deleted: list[str] = []
            for uid in uids:
                if stopping():
                    break
                size = _size(imap, uid) if max_bytes is not None else None
                if size is not None and max_bytes is not None and size > max_bytes:
                    too_large(f"imap:{uid}", size)
                    refused += 1
                    continue
                raw = _fetch(imap, uid)
                if raw is None:
                    continue  # expunged by someone else meanwhile
                if not handle(f"imap:{uid}", raw):
                    failed += 1
                    continue
                if _move_away(imap, uid, settings.done_folder, capabilities):
                    deleted.append(uid)
                handled += 1
            if deleted:
                _expunge(imap, deleted, capabilities)
    except (imaplib.IMAP4.abort, OSError) as exc:
        raise ImapUnavailable(
            f"connection to IMAP server {settings.where} lost after {handled} message(s): {_describe(exc)}"
        ) from None
    except imaplib.IMAP4.error as exc:
        raise ImapUnavailable(f"IMAP server {settings.where}: {_describe(exc)}") from None
    return PollResult(handled, failed, refused)


def _size(imap: imaplib.IMAP4, uid: str) -> int | None:
    """The message's size as the server counts it, without fetching it (None if it is gone)."""
    typ, data = imap.uid("FETCH", uid, "(RFC822.SIZE)")
    _check(typ, data, f"FETCH {uid} RFC822.SIZE")
    for part in data:
        text = part[0] if isinstance(part, tuple) else part
        if isinstance(text, bytes) and (match := re.search(rb"RFC822\.SIZE (\d+)", text)):
            return int(match.group(1))
    return None


def _fetch(imap: imaplib.IMAP4, uid: str) -> bytes | None:
    # BODY.PEEK: reading does not set \\Seen, so a failed message looks untouched in a mail client.
    typ, data = imap.uid("FETCH", uid, "(BODY.PEEK[])")
    _check(typ, data, f"FETCH {uid}")
    for part in data:
        if isinstance(part, tuple) and len(part) == 2 and isinstance(part[1], bytes):
            return part[1]
    return None


def _move_away(imap: imaplib.IMAP4, uid: str, done_folder: str | None, capabilities: frozenset[str]) -> bool:
    """Move the handled message to ``done_folder`` or flag it deleted; True when an expunge must follow."""
    if done_folder and "MOVE" in capabilities:
        typ, data = imap.uid("MOVE", uid, _quote(done_folder))
        _check(typ, data, f"MOVE {uid}")
        return False
    if done_folder:
        typ, data = imap.uid("COPY", uid, _quote(done_folder))
        _check(typ, data, f"COPY {uid}")
    typ, data = imap.uid("STORE", uid, "+FLAGS.SILENT", "(\\Deleted)")
    _check(typ, data, f"STORE {uid}")
    return True


def _expunge(imap: imaplib.IMAP4, uids: list[str], capabilities: frozenset[str]) -> None:
    """Remove the messages flagged by us; only those when the server has UID EXPUNGE."""
    if "UIDPLUS" in capabilities:
        typ, data = imap.uid("EXPUNGE", ",".join(uids))
    else:
        typ, data = imap.expunge()
    _check(typ, data, "EXPUNGE")
