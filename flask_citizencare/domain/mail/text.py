"""The citizen's own words out of a mail body.

The text kept is the citizen's own words: text/plain is preferred over
text/html; quoted text, attribution lines ("Il giorno ... ha scritto:"), the
original message blocks of Outlook, signatures ("-- ") and mobile footers
("Inviato da iPhone") are removed. :func:`html_to_text` and :func:`strip_quotes`
work on any text, not only on mail.
"""

from __future__ import annotations

import re
from email.message import Message
from html.parser import HTMLParser

from .mime import _disposition, _filename, _part_text, _safe_walk

__all__ = ["html_to_text", "reply_text", "strip_quotes"]

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
