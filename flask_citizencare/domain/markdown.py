"""A small Markdown subset for messages in a report's thread, rendered to safe HTML.

Supported: paragraphs (blank line), line breaks (newline), ``**bold**``,
``*italic*``, ``- `` bulleted and ``1. `` numbered lists, and
``[text](url)`` links to ``http``, ``https`` and ``mailto`` addresses only.

The text is HTML-escaped *before* the Markdown is applied, so any HTML the
author typed (``<script>``, ``<img onerror=...>``) is shown as text, never
interpreted. The result then goes through nh3 with a short allow-list, as a
second line of defence. Pure: no Flask.
"""

from __future__ import annotations

import html
import re

import nh3
from markupsafe import Markup

TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "a"}
ATTRIBUTES = {"a": {"href"}}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "noopener noreferrer nofollow"

_LINK = re.compile(r"\[([^\[\]\n]+)\]\(((?:https?://|mailto:)[^\s()<>\"']+)\)", re.IGNORECASE)
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_ITALIC = re.compile(r"(?<![*\w])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![*\w])")
_BULLET = re.compile(r"^\s*[-*]\s+(.*)$")
_NUMBERED = re.compile(r"^\s*\d{1,9}[.)]\s+(.*)$")


def _emphasis(text: str) -> str:
    return _ITALIC.sub(r"<em>\1</em>", _BOLD.sub(r"<strong>\1</strong>", text))


def _inline(text: str) -> str:
    """Emphasis and links on already-escaped text; URLs are left as typed."""
    links: list[str] = []

    def stash(match: re.Match[str]) -> str:
        links.append(f'<a href="{match.group(2)}">{_emphasis(match.group(1))}</a>')
        return f"\x00{len(links) - 1}\x00"

    text = _emphasis(_LINK.sub(stash, text.replace("\x00", "")))
    return re.sub(r"\x00(\d+)\x00", lambda m: links[int(m.group(1))], text)


def _block(lines: list[str]) -> str:
    """One block (no blank lines): runs of list items become lists, the rest paragraphs."""
    parts: list[str] = []
    paragraph: list[str] = []
    items: list[str] = []
    kind = ""

    def flush_paragraph() -> None:
        if paragraph:
            parts.append("<p>" + "<br>".join(_inline(line) for line in paragraph) + "</p>")
            paragraph.clear()

    def flush_list() -> None:
        if items:
            parts.append(f"<{kind}>" + "".join(f"<li>{_inline(i)}</li>" for i in items) + f"</{kind}>")
            items.clear()

    for line in lines:
        bullet, numbered = _BULLET.match(line), _NUMBERED.match(line)
        found = bullet or numbered
        if found is None:
            flush_list()
            paragraph.append(line.strip())
            continue
        flush_paragraph()
        this_kind = "ul" if bullet else "ol"
        if items and this_kind != kind:
            flush_list()
        kind = this_kind
        items.append(found.group(1).strip())
    flush_paragraph()
    flush_list()
    return "".join(parts)


def to_html(text: str) -> str:
    """The HTML of ``text``, before sanitising (exposed for tests)."""
    escaped = html.escape(text.replace("\r\n", "\n").replace("\r", "\n"), quote=True)
    blocks = re.split(r"\n[ \t]*\n", escaped.strip("\n"))
    return "".join(
        _block(lines) for block in blocks if (lines := [x for x in block.split("\n") if x.strip()])
    )


def render(text: str | None) -> Markup:
    """Safe HTML for a message body written in the Markdown subset above."""
    if not text or not text.strip():
        return Markup("")
    cleaned = nh3.clean(
        to_html(text),
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
    )
    return Markup(cleaned)  # noqa: S704 (sanitised by nh3 just above)
