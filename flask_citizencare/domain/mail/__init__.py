"""Reply by mail: the pure rules that turn a citizen's answer into a thread message (see :mod:`.incoming`)."""

from .incoming import (
    LOOP_HEADER,
    MAX_RECEIVED,
    TOKEN_LENGTH,
    Attachment,
    Incoming,
    attachments,
    find_reply_target,
    html_to_text,
    is_automatic,
    parse_incoming,
    parse_reply_address,
    reply_address,
    reply_text,
    strip_quotes,
)

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
