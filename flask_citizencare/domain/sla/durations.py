"""Instants and durations as the service-level clock counts them.

The clock works in whole microseconds since the Unix epoch (UTC), so its
arithmetic is exact integer arithmetic: these helpers convert aware datetimes
and timedeltas to and from that count (naive datetimes and negative durations
are refused here, once for every caller). :func:`parse_duration` reads the
duration settings (``"30m"``, ``"1h30m"``, ``"7d"``) of the policy.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Final

__all__ = ["format_duration", "parse_duration"]

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_US: Final = timedelta(microseconds=1)


def _to_us(at: datetime) -> int:
    """Microseconds since the Unix epoch of an aware datetime."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"the service-level clock needs aware datetimes, got naive {at!r}")
    return (at - _EPOCH) // _US


def _from_us(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


def _duration_us(duration: timedelta, what: str = "duration") -> int:
    if duration < timedelta(0):
        raise ValueError(f"{what} must not be negative, got {duration}")
    return duration // _US


_DURATION_PART = re.compile(
    r"\s*(\d+(?:\.\d+)?)\s*(days?|d|hours?|h|minutes?|mins?|m|seconds?|secs?|s)\s*", re.IGNORECASE
)
_UNIT_SECONDS: Final = {"d": 86400, "h": 3600, "m": 60, "s": 1}


def parse_duration(value: timedelta | str) -> timedelta:
    """A duration setting: a :class:`~datetime.timedelta` or e.g. ``"30m"``, ``"1h30m"``, ``"6 h"``, ``"7d"``.

    Bare numbers are refused: whether 30 means minutes or hours is what this
    format makes explicit.
    """
    if isinstance(value, timedelta):
        return _check_duration(value, "duration")
    if not isinstance(value, str):
        raise ValueError(f"a duration must be a timedelta or a string like '30m', '6h', '7d', not {value!r}")
    position = 0
    seconds = 0.0
    text = value.strip()
    while position < len(text):
        match = _DURATION_PART.match(text, position)
        if match is None or match.end() == position:
            raise ValueError(f"cannot read the duration {value!r} (write e.g. '30m', '1h30m', '6h', '7d')")
        seconds += float(match.group(1)) * _UNIT_SECONDS[match.group(2)[0].lower()]
        position = match.end()
    if not text:
        raise ValueError("empty duration")
    try:
        return timedelta(seconds=seconds)
    except OverflowError:
        raise ValueError(f"the duration {value!r} is too long") from None


def _check_duration(value: object, what: str) -> timedelta:
    if not isinstance(value, timedelta):
        raise ValueError(f"{what} must be a timedelta, not {value!r}")
    if value < timedelta(0):
        raise ValueError(f"{what} must not be negative, got {value}")
    return value


def format_duration(value: timedelta) -> str:
    """The notation :func:`parse_duration` reads: ``"7d"`` for whole days, else ``"1h30m"``, ``"45s"``."""
    seconds = int(_check_duration(value, "duration").total_seconds())
    if seconds and seconds % 86400 == 0:
        return f"{seconds // 86400}d"
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    text = (f"{hours}h" if hours else "") + (f"{minutes}m" if minutes else "") + (f"{secs}s" if secs else "")
    return text or "0m"
