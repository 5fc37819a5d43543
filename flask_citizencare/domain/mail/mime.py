"""Reading a raw message without tripping over it: MIME parts, charsets, headers.

Incoming mail is written by every client there is, and by spammers: charsets
that lie or do not exist, raw 8-bit bytes in headers, broken RFC 2047 words,
attached messages nested inside. These helpers walk the parts (never into an
attached message), decode bytes and header values forgivingly and never
raise, and make every text storable (:func:`_storable`). The other modules of
the package read the message only through them; they are private to it.
"""

from __future__ import annotations

import binascii
import email
import email.errors
import re
from collections.abc import Iterator
from email.header import Header, decode_header, make_header
from email.message import Message


def _safe_walk(message: Message) -> Iterator[Message]:
    """Every part, but not inside attached messages (message/rfc822 is one opaque part)."""
    yield message
    if message.is_multipart() and message.get_content_maintype() != "message":
        payload = message.get_payload()
        if isinstance(payload, list):
            for part in payload:
                if isinstance(part, Message):
                    yield from _safe_walk(part)


def _decode_bytes(data: bytes, charset: str | None) -> str:
    """Bytes in a declared charset, forgiving lies: Latin-1 is read as Windows-1252, unknown as UTF-8."""
    return _storable(_decode_declared(data, charset))


def _decode_declared(data: bytes, charset: str | None) -> str:
    """:func:`_decode_bytes` before :func:`_storable`."""
    charset = (charset or "").strip().strip('"').lower()
    if charset in ("", "us-ascii", "ascii", "unknown-8bit", "x-unknown"):
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return data.decode("windows-1252", "replace")
    if charset in ("iso-8859-1", "latin-1", "latin1", "iso8859-1", "l1"):
        charset = "windows-1252"
    try:
        return data.decode(charset, "replace")
    except (LookupError, ValueError):
        # Unknown, or a name Python takes but cannot decode mail with: NUL inside ("embedded null
        # character"), codecs refusing "replace" (idna, punycode), the "undefined" codec.
        return data.decode("utf-8", "replace")


_NOT_STORABLE = re.compile(r"[\x00\ud800-\udfff]")


def _storable(text: str) -> str:
    """``text`` as the database takes it: NUL dropped (PostgreSQL refuses it in text), lone
    surrogates (which UTF-7 or ``unicode_escape`` "charsets" and 8-bit headers can yield, and no
    driver encodes) replaced with U+FFFD. Every text the parser gives comes through here."""
    return _NOT_STORABLE.sub(lambda match: "" if match.group() == "\x00" else "\ufffd", text)


def _part_bytes(part: Message) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except (ValueError, TypeError, binascii.Error, AssertionError):
        return b""
    return data if isinstance(data, bytes) else b""


def _part_text(part: Message) -> str:
    try:
        charset = part.get_content_charset()
    except (ValueError, LookupError, email.errors.MessageError):
        charset = None
    return _decode_bytes(_part_bytes(part), charset)


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except (ValueError, LookupError, UnicodeError, email.errors.MessageError):
        return None
    if name is None:
        return None
    return _header_text(name) or None


def _disposition(part: Message) -> str:
    return str(part.get_content_disposition() or "")


def _header_text(value: object) -> str:
    """A header value as text: RFC 2047 words decoded, raw 8-bit bytes guessed, never an exception."""
    if value is None:
        return ""
    if isinstance(value, Header):
        # raw 8-bit bytes in a header: decode_header gives them back as bytes; guess their charset
        text = "".join(
            _decode_bytes(chunk, None if charset in (None, "unknown-8bit") else charset)
            if isinstance(chunk, bytes)
            else chunk
            for chunk, charset in decode_header(value)
        )
    else:
        text = str(value)
    if "=?" in text:
        try:
            text = str(make_header(decode_header(text)))
        except (LookupError, UnicodeError, ValueError, email.errors.MessageError):
            try:
                text = "".join(
                    _decode_bytes(chunk, charset) if isinstance(chunk, bytes) else chunk
                    for chunk, charset in decode_header(text)
                )
            except (LookupError, UnicodeError, ValueError, email.errors.MessageError):
                pass
    return re.sub(r"\s+", " ", _storable(text)).strip()


def _header(message: Message, name: str) -> str:
    return _header_text(message.get(name))
