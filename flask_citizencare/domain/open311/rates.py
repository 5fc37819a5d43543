"""A key's rate as people write it on the command line: ``120/min``, ``10/s``, ``5000/day``, or the
rate-limit notation itself (``60 per minute; 5000 per day``). Plain Python."""

from __future__ import annotations

import re

_SHORT = re.compile(r"\s*([0-9]{1,9})\s*/\s*([a-z]+)\s*")
_UNITS = {
    "s": "second",
    "sec": "second",
    "second": "second",
    "m": "minute",
    "min": "minute",
    "minute": "minute",
    "h": "hour",
    "hour": "hour",
    "d": "day",
    "day": "day",
}


def normalise_rate(text: str) -> str:
    """``120/min`` → ``120 per minute``; other texts come back as they are (checked by the limiter)."""
    parts = []
    for part in text.split(";"):
        match = _SHORT.fullmatch(part.lower())
        if match and match.group(2) in _UNITS:
            parts.append(f"{int(match.group(1))} per {_UNITS[match.group(2)]}")
        else:
            parts.append(part.strip())
    return "; ".join(part for part in parts if part)
