"""The e-mail policy of the mail we send: protocol headers written as their RFCs say.

``email.policy.SMTP`` treats every header it has no class for as free text.
Free text that cannot be folded within 78 columns (a URL or a message id
longer than a line) is written as RFC 2047 encoded words, so
``List-Unsubscribe: <https://...>`` left as
``List-Unsubscribe: =?utf-8?q?=3Chttps=3A//...?=``. Encoded words are only
allowed in free text (RFC 2047 §5); mail clients read these headers
literally, find no ``<URI>`` and drop the one-click unsubscribe (RFC 8058),
and threading breaks the same way for ``In-Reply-To`` and ``References``.

:data:`OUTGOING` is ``email.policy.SMTP`` with the headers of
:data:`TOKEN_HEADERS` given :class:`TokenHeader`: ASCII tokens folded only at
the white space between them (where RFC 2369 and RFC 5322 allow folding) and
never encoded. ``Message-ID`` and the address headers (From, To, Reply-To)
already have classes of their own in the standard library that fold them
correctly; subjects and display names stay encoded words, as they must.
"""

from __future__ import annotations

import email.policy
from email.headerregistry import BaseHeader, HeaderRegistry, UnstructuredHeader
from typing import Any

#: Headers whose values are ASCII tokens (``<URI>``, ``<msg-id>``, a fixed text) separated by white space.
TOKEN_HEADERS = ("List-Unsubscribe", "List-Unsubscribe-Post", "In-Reply-To", "References")
#: The longest line RFC 5322 allows, without the CRLF.
MAX_LINE = 998
#: Longest token accepted: with the header's name it must still fit on one line.
MAX_TOKEN = 900


class TokenHeader(UnstructuredHeader, BaseHeader):
    """A header of white-space separated ASCII tokens: folded between tokens, never encoded.

    A value that is not ASCII, or holds a token too long for any line, raises
    ``ValueError`` when it is set: such a header cannot be written as its RFC
    says, and sending it encoded would only look like it worked. (``BaseHeader``
    comes again when the registry builds the class; named here for the types.)
    """

    max_count = 1

    @classmethod
    def parse(cls, value: str, kwds: dict[str, Any]) -> None:
        text = " ".join(str(value).split())
        if not text.isascii():
            raise ValueError("this header takes ASCII only (a URI or message id), not free text")
        if any(len(token) > MAX_TOKEN for token in text.split()):
            raise ValueError(f"a token longer than {MAX_TOKEN} characters does not fit on a mail line")
        super().parse(text, kwds)

    def fold(self, *, policy: Any) -> str:
        """``Name: token token`` with a line break before a token that would pass the policy's width."""
        width = min(policy.max_line_length or MAX_LINE, MAX_LINE)
        head = f"{self.name}:"
        lines = [head]
        for token in str(self).split():
            if lines[-1] != head and len(lines[-1]) + 1 + len(token) > width:
                lines.append("")
            lines[-1] += " " + token
        linesep: str = policy.linesep
        return linesep.join(lines) + linesep


def _registry() -> HeaderRegistry:
    registry = HeaderRegistry()
    for name in TOKEN_HEADERS:
        registry.map_to_type(name, TokenHeader)
    return registry


#: The policy of every mail the outbox builds.
OUTGOING = email.policy.SMTP.clone(header_factory=_registry())
