"""Mail: the pure rules that turn a citizen's answer into a thread message, and the header
policy of the mail we send. Nothing here needs Flask or a database.

One idea a module, each importing only the ones before it:

- :mod:`.mime`: walking and decoding a raw message without ever raising (private to the package);
- :mod:`.addresses`: the reply address of each report, finding it among the recipients, the sender;
- :mod:`.classification`: machine-made mail (loops, bounces, auto-replies);
- :mod:`.text`: the citizen's words (HTML to text, quotes and signatures stripped);
- :mod:`.incoming`: :func:`parse_incoming`, one raw mail read whole, with its attachments;
- :mod:`.headers`: the e-mail policy of outgoing mail (imported from there, by the outbox).

Import from here: the names below are the package's interface for incoming mail.
"""

from .addresses import TOKEN_LENGTH, find_reply_target, parse_reply_address, reply_address
from .classification import LOOP_HEADER, MAX_RECEIVED, is_automatic
from .incoming import Attachment, Incoming, attachments, parse_incoming
from .text import html_to_text, reply_text, strip_quotes

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
