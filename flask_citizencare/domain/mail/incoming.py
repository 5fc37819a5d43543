"""Reply by mail: the pure rules that turn a citizen's answer into a thread message.

Every mail the outbox sends carries a Reply-To such as
``risposte+123.k3m5...@segnalazioni.comune.example``: the report id and a token,
the first 130 bits of ``HMAC-SHA256(secret, "reply:<id>")`` in lowercase base32.
Whoever replies writes into report 123's thread (and, for a resolved report,
reopens it back to the same technician: reference 002); nobody can forge an
address for a report they never received mail about.

:func:`parse_incoming` is what ``flask citizencare mail ingest`` calls for each
raw message. It never raises: it says which report the mail is for, or why it is
ignored (``ignored_reason``):

``unreadable``
    not a mail at all, or truncated (MIME boundaries missing), or no sender;
``loop``
    our own mail coming back (:data:`LOOP_HEADER`), or more than
    :data:`MAX_RECEIVED` ``Received`` headers;
``bounce``
    delivery status notifications, MAILER-DAEMON/postmaster, empty Return-Path,
    PEC non-delivery receipts;
``automatic``
    out-of-office and other auto-replies (RFC 3834 ``Auto-Submitted``,
    ``Precedence``, Microsoft and other vendors' headers, well-known subjects),
    PEC acceptance/delivery receipts;
``forged``
    addressed to our reply mailbox but no token verifies;
``no_target``
    no reply address of ours among To, Cc, Delivered-To, X-Original-To.

``report_id`` is set only for accepted mail (``ignored_reason is None``), so a
caller that checks ``report_id`` alone can never attach an auto-reply.

The text kept is the citizen's own words: text/plain is preferred over
text/html; quoted text, attribution lines ("Il giorno ... ha scritto:"), the
original message blocks of Outlook, signatures ("-- ") and mobile footers
("Inviato da iPhone") are removed. Nothing here needs Flask or a database.
"""

from __future__ import annotations

import base64
import binascii
import email
import email.errors
import hashlib
import hmac
import mimetypes
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from email.header import Header, decode_header, make_header
from email.message import Message
from email.utils import collapse_rfc2231_value, getaddresses, parseaddr
from html.parser import HTMLParser

__all__ = [
    "LOOP_HEADER",
    "MAX_RECEIVED",
    "TOKEN_LENGTH",
    "Attachment",
    "Incoming",
    "attachments",
    "find_reply_target",
    "html_to_text",
    "is_automatic",
    "parse_incoming",
    "parse_reply_address",
    "reply_address",
    "reply_text",
    "strip_quotes",
]

#: Header the outbox adds to every mail it sends; a message carrying it is our own mail coming back.
LOOP_HEADER = "X-CitizenCare-Loop"
#: More ``Received`` headers than this means the message is going round in circles.
MAX_RECEIVED = 30
#: Base32 characters of the HMAC kept in the address: 26 × 5 = 130 bits.
TOKEN_LENGTH = 26
#: Headers searched for the reply address, in this order.
TARGET_HEADERS = ("To", "Cc", "Delivered-To", "X-Original-To")

DEFAULT_MAX_ATTACHMENTS = 5
DEFAULT_MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024

_REPORT_ID_MAX_DIGITS = 18


# --------------------------------------------------------------------------- reply addresses


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


# --------------------------------------------------------------------------- headers


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


# --------------------------------------------------------------------------- machine mail

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


# --------------------------------------------------------------------------- MIME walking and decoding


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


def _is_attachment(part: Message) -> bool:
    if part.is_multipart():
        return False
    disposition = _disposition(part)
    if disposition == "attachment" or _filename(part) is not None:
        return True
    return part.get_content_maintype() == "image"


# --------------------------------------------------------------------------- HTML to text

_BLOCK_TAGS = frozenset(
    (
        "p div li tr table ul ol dl dt dd h1 h2 h3 h4 h5 h6 pre hr"
        " section article header footer address center"
    ).split()
)
_SKIP_TAGS = frozenset({"script", "style", "head", "title", "template", "noscript", "object", "svg"})
_QUOTE_CLASSES = ("gmail_quote", "moz-cite-prefix", "yahoo_quoted")


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip_tag: str | None = None
        self.skip_depth = 0
        self.pre = 0
        self.paragraph_breaks: list[int] = []

    def _break(self, count: int) -> None:
        """At least ``count`` line breaks here (block boundaries do not add up)."""
        have = 0
        for chunk in reversed(self.out):
            stripped = chunk.strip(" \t")
            if stripped.strip("\n"):
                have += len(stripped) - len(stripped.rstrip("\n"))
                break
            have += stripped.count("\n")
        else:
            return  # nothing written yet: no leading blank lines
        if have < count:
            self.out.append("\n" * (count - have))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.skip_tag is not None:
            if tag == self.skip_tag:
                self.skip_depth += 1
            return
        attributes = {k: (v or "") for k, v in attrs}
        classes = attributes.get("class", "")
        if tag in _SKIP_TAGS or tag == "blockquote" or any(c in classes for c in _QUOTE_CLASSES):
            self.skip_tag, self.skip_depth = tag, 1
            return
        if tag == "br":
            self.out.append("\n")
        elif tag == "p":
            # Outlook's paragraphs have no margins: one line each, like its editor shows them
            style = attributes.get("style", "").replace(" ", "").lower()
            tight = classes.startswith("Mso") or "margin:0" in style
            self.paragraph_breaks.append(1 if tight else 2)
            self._break(self.paragraph_breaks[-1])
        elif tag in _BLOCK_TAGS:
            self._break(1)
        if tag == "pre":
            self.pre += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.skip_tag is not None:
            return
        if tag == "br":
            self.out.append("\n")
        elif tag in _BLOCK_TAGS:
            self._break(1)

    def handle_endtag(self, tag: str) -> None:
        if self.skip_tag is not None:
            if tag == self.skip_tag:
                self.skip_depth -= 1
                if self.skip_depth == 0:
                    self.skip_tag = None
            return
        if tag == "p":
            self._break(self.paragraph_breaks.pop() if self.paragraph_breaks else 2)
        elif tag in _BLOCK_TAGS:
            self._break(1)
        if tag == "pre" and self.pre:
            self.pre -= 1

    def handle_data(self, data: str) -> None:
        if self.skip_tag is not None:
            return
        if not self.pre:
            data = re.sub(r"[ \t\r\n\f]+", " ", data)
        self.out.append(data)


def html_to_text(html: str) -> str:
    """Visible text of an HTML body: no scripts or styles, no quoted blockquotes, line breaks kept."""
    parser = _TextExtractor()
    try:
        parser.feed(html)
        parser.close()
    except (AssertionError, ValueError):  # pragma: no cover - HTMLParser is lenient
        pass
    text = "".join(parser.out).replace("\xa0", " ")
    lines = [line.strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# --------------------------------------------------------------------------- quotes and signatures

_ATTRIBUTION = re.compile(
    r"^\s*(?:"
    r"(?:on|le|el|am)\s.{4,300}?\b(?:wrote|a écrit|escribió|va escriure|schrieb)\s*:"
    r"|il\s.{4,300}?\bha scritto\s*:"
    r"|.{0,200}\b(?:wrote|ha scritto|escribió|va escriure)\s*:"
    r")\s*$",
    re.IGNORECASE,
)
_SEPARATOR = re.compile(
    r"^\s*(?:-{2,}\s*(?:original message|messaggio originale|mensaje original|missatge original"
    r"|forwarded message|messaggio inoltrato|message d'origine)\s*-{2,}|_{20,})\s*$",
    re.IGNORECASE,
)
_HEADER_FROM = re.compile(r"^\s*\*?(?:from|da|de|von)\s*:\*?\s+\S", re.IGNORECASE)
_HEADER_NEXT = re.compile(
    r"^\s*\*?(?:sent|date|inviato|data|enviado|enviat|gesendet|to|a|cc|subject|oggetto|asunto|assumpte)\s*:",
    re.IGNORECASE,
)
_MOBILE_FOOTER = re.compile(
    r"^\s*(?:(?:sent|inviato|enviado|enviat|envoyé)\s+(?:from|da|dal|dalla|desde|des de|de)\s+"
    r"(?:(?:my|mio|mia|il|la|mi|el|meu|mon)\s+)?"
    r"(?:iphone|ipad|smartphone|android|cellulare|telefono|dispositivo|outlook|samsung|galaxy|huawei|xiaomi"
    r"|mobile|libero|yahoo|gmail|blackberry|tablet|mail per|posta)"
    r"|get outlook for (?:ios|android))\b.{0,80}$",
    re.IGNORECASE,
)


_ATTRIBUTION_START = re.compile(r"^\s*(?:on|il|le|el|am)\s", re.IGNORECASE)


def _is_attribution(lines: list[str], i: int) -> int:
    """How many lines (1 to 3) the attribution starting at line ``i`` takes, or 0 when there is none.

    An attribution names a date, so it has a digit; "il tecnico mi ha scritto:" is the citizen's.
    One wrapped over lines starts with its keyword ("Il", "On"...), its first lines are
    unfinished (no full stop) and no later line starts a new one.
    """
    first = lines[i].strip()
    if _ATTRIBUTION.match(first) and re.search(r"\d", first):
        return 1
    if not _ATTRIBUTION_START.match(first) or first.endswith((".", "!", "?", ":")):
        return 0
    for span in (2, 3):
        if i + span > len(lines):
            break
        last = lines[i + span - 1].strip()
        if not last or _ATTRIBUTION_START.match(last):
            break
        joined = " ".join(line.strip() for line in lines[i : i + span])
        if len(joined) > 400:
            break
        if _ATTRIBUTION.match(joined) and re.search(r"\d", joined):
            return span
        if last.endswith((".", "!", "?", ":")):
            break
    return 0


def _is_header_block(lines: list[str], i: int) -> bool:
    if not _HEADER_FROM.match(lines[i]):
        return False
    following = [line for line in lines[i + 1 : i + 6] if line.strip()][:3]
    return any(_HEADER_NEXT.match(line) for line in following)


def strip_quotes(text: str) -> str:
    """The writer's own words: no quoted lines, attributions, original-message blocks or signatures.

    A bottom-posted answer survives: an attribution directly followed by ``>``
    lines only removes that quote, and the text after it stays.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if stripped in ("--", "-- ") or line == "-- ":
            break
        if _SEPARATOR.match(line) or _MOBILE_FOOTER.match(line) or _is_header_block(lines, i):
            break
        span = _is_attribution(lines, i)
        if span:
            j = i + span
            while j < len(lines) and not lines[j].strip():
                j += 1
            if j < len(lines) and lines[j].lstrip().startswith(">"):
                i = j
                continue
            break
        if not line.lstrip().startswith(">"):
            kept.append(line.rstrip())
        i += 1
    result = "\n".join(kept)
    return re.sub(r"\n{3,}", "\n\n", result).strip()


# --------------------------------------------------------------------------- bodies


def _body_parts(message: Message) -> tuple[Message | None, Message | None]:
    plain = html = None
    for part in _safe_walk(message):
        if part.is_multipart() or _disposition(part) == "attachment" or _filename(part) is not None:
            continue
        ctype = part.get_content_type()
        if ctype == "text/plain" and plain is None:
            plain = part
        elif ctype == "text/html" and html is None:
            html = part
    return plain, html


def reply_text(message: Message) -> str:
    """The citizen's words: text/plain (or text/html turned into text), without quotes or signatures."""
    plain, html = _body_parts(message)
    if plain is not None:
        text = _part_text(plain)
        if plain.get_param("format") == "flowed":
            text = _unflow(text, str(plain.get_param("delsp") or "").lower() == "yes")
        if text.strip():
            return strip_quotes(text)
    if html is not None:
        return strip_quotes(html_to_text(_part_text(html)))
    return ""


def _unflow(text: str, delsp: bool) -> str:
    """Join RFC 3676 format=flowed soft line breaks: a line ending in a space goes on in the next
    line of the same quote depth; the signature separator ``"-- "`` is never joined."""
    out: list[str] = []
    buffer: str | None = None
    depth = 0
    for line in text.replace("\r\n", "\n").split("\n"):
        line_depth = len(line) - len(line.lstrip(">"))
        if buffer is not None and line_depth != depth:
            out.append(buffer)
            buffer = None
        if buffer is not None:
            line = buffer + line[line_depth:].removeprefix(" ")
            buffer = None
        if line != "-- " and line.endswith(" ") and line.strip():
            buffer, depth = (line[:-1] if delsp else line), line_depth
            continue
        out.append(line)
    if buffer is not None:
        out.append(buffer)
    return "\n".join(out)


# --------------------------------------------------------------------------- attachments


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes


def _safe_filename(name: str | None, content_type: str, index: int) -> str:
    if name:
        name = name.replace("\\", "/").rsplit("/", 1)[-1]
        name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip().lstrip(".")
    if not name:
        extension = mimetypes.guess_extension(content_type) or ".bin"
        name = f"allegato-{index}{extension}"
    return name[:200]


def _collect_attachments(
    message: Message, max_count: int, max_total_bytes: int
) -> tuple[list[Attachment], int]:
    found: list[Attachment] = []
    dropped = 0
    total = 0
    for part in _safe_walk(message):
        if not _is_attachment(part):
            continue
        data = _part_bytes(part)
        if not data:
            continue
        if len(found) >= max_count or total + len(data) > max_total_bytes:
            dropped += 1
            continue
        content_type = _storable(part.get_content_type())
        found.append(
            Attachment(_safe_filename(_filename(part), content_type, len(found) + 1), content_type, data)
        )
        total += len(data)
    return found, dropped


def attachments(
    message: Message,
    *,
    max_count: int = DEFAULT_MAX_ATTACHMENTS,
    max_total_bytes: int = DEFAULT_MAX_ATTACHMENT_BYTES,
) -> list[Attachment]:
    """Files sent with the reply (named parts, ``attachment`` parts, inline images), within the limits.

    Parts are taken in order; one that would go past ``max_count`` or
    ``max_total_bytes`` is left out (a smaller one after it may still fit).
    """
    return _collect_attachments(message, max_count, max_total_bytes)[0]


# --------------------------------------------------------------------------- the whole message


@dataclass(frozen=True)
class Incoming:
    """What one raw incoming mail means for the ingest command."""

    report_id: int | None
    ignored_reason: str | None
    sender: str | None = None
    subject: str = ""
    text: str = ""
    attachments: tuple[Attachment, ...] = ()
    message_id: str | None = None
    #: Human-readable why (for the log), e.g. ``"Auto-Submitted: auto-replied"``.
    detail: str | None = None
    #: Attachments left out by the count and size limits.
    attachments_dropped: int = 0

    @property
    def accepted(self) -> bool:
        return self.ignored_reason is None


def _sender(message: Message) -> str | None:
    pairs = getaddresses([_header(message, "From")])
    for _name, addr in pairs:
        addr = addr.strip().lower()
        if addr.count("@") == 1 and all(addr.split("@")) and not re.search(r"[\s<>()\[\],;:\"]", addr):
            return addr
        if addr in ("mailer-daemon", "postmaster"):
            return addr
    return None


_TRUNCATION_DEFECTS = (
    email.errors.StartBoundaryNotFoundDefect,
    email.errors.CloseBoundaryNotFoundDefect,
    email.errors.MultipartInvariantViolationDefect,
    email.errors.NoBoundaryInMultipartDefect,
)


def _unreadable(message: Message) -> str | None:
    if not message.keys():
        return "no headers"
    for part in _safe_walk(message):
        for defect in getattr(part, "defects", []):
            if isinstance(defect, _TRUNCATION_DEFECTS):
                return f"damaged MIME: {type(defect).__name__}"
            if isinstance(defect, email.errors.MissingHeaderBodySeparatorDefect) and part is message:
                return "damaged headers"
    if _sender(message) is None:
        return "no sender"
    return None


def _message_id(message: Message) -> str | None:
    value = _header(message, "Message-ID")
    return value[:998] or None


def parse_incoming(
    raw: bytes,
    *,
    secret: bytes,
    domain: str,
    local: str,
    max_attachments: int = DEFAULT_MAX_ATTACHMENTS,
    max_attachment_bytes: int = DEFAULT_MAX_ATTACHMENT_BYTES,
) -> Incoming:
    """Read one raw mail: which report it answers, or why it is ignored. Never raises on bad input."""
    try:
        return _parse(raw, secret, domain, local, max_attachments, max_attachment_bytes)
    except Exception as exc:  # a mail we cannot read must not stop the ingest of the others
        return Incoming(
            report_id=None, ignored_reason="unreadable", detail=f"{type(exc).__name__}: {exc}"[:200]
        )


def _parse(
    raw: bytes, secret: bytes, domain: str, local: str, max_attachments: int, max_attachment_bytes: int
) -> Incoming:
    if not isinstance(raw, bytes | bytearray):
        raise TypeError("raw must be bytes")
    message = email.message_from_bytes(bytes(raw))
    problem = _unreadable(message)
    if problem is not None:
        return Incoming(report_id=None, ignored_reason="unreadable", detail=problem)

    found, dropped = _collect_attachments(message, max_attachments, max_attachment_bytes)
    read = Incoming(
        report_id=None,
        ignored_reason=None,
        sender=_sender(message),
        subject=_header(message, "Subject"),
        text=reply_text(message),
        attachments=tuple(found),
        message_id=_message_id(message),
        attachments_dropped=dropped,
    )
    verdict = _classify_automatic(message)
    if verdict is not None:
        return replace(read, ignored_reason=verdict[0], detail=verdict[1])

    report_id = find_reply_target(message, secret, domain, local)
    if report_id is not None:
        return replace(read, report_id=report_id)
    ours = [addr for addr in _recipient_addresses(message) if _is_ours(addr, domain, local)]
    if ours:
        return replace(read, ignored_reason="forged", detail=f"bad reply address {ours[0][:120]}")
    return replace(read, ignored_reason="no_target", detail="no reply address of ours")
