"""What a request filed over Open311 becomes in our terms, where the spec has no word for it.

Plain Python.
"""

from __future__ import annotations

import hashlib
import re

#: ``attribute[CODE]`` and ``attribute[CODE][]``: the answers to a service's questions.
ATTRIBUTE_FIELD = re.compile(r"attribute\[([^\[\]]*)\](\[\])?")
#: The longest ``Idempotency-Key`` header taken (the column's size).
IDEMPOTENCY_MAX = 200
#: The longest text that can be one of our tokens (longer ones are not even looked up).
TOKEN_MAX = 64


def title_from(description: str, fallback: str, limit: int) -> str:
    """Open311 has no title: the description's first line, cut to ``limit``; else ``fallback``."""
    first = next((line.strip() for line in description.splitlines() if line.strip()), "")
    text = first or fallback
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def submission_token(api_key_id: int, idempotency_key: str) -> str:
    """The report's ``submission_token`` for a client's ``Idempotency-Key``: the same pair, the same
    token, so two identical requests at once collide on its unique index and file one report."""
    digest = hashlib.sha256(f"{api_key_id}\n{idempotency_key}".encode()).hexdigest()
    return f"o311-{digest[:59]}"
