"""The counters of our rate limits: one ``RateLimiter`` per app, built from its settings.

Why our own limiter and not Flask-Limiter's, and who is counted: see
:mod:`flask_citizencare.blueprints.ratelimit`, which applies these counters to requests.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypeVar

import limits
import limits.errors
import limits.storage
import limits.strategies
from werkzeug.exceptions import TooManyRequests

from ..errors import ConfigurationError

log = logging.getLogger(__name__)

#: The settings (without ``CITIZENCARE_``) that hold a rate string.
LIMIT_SETTINGS = (
    "RATELIMIT_REPORT_PER_IP",
    "RATELIMIT_REPORT_PER_EMAIL",
    "RATELIMIT_ADD_INFORMATION_PER_IP",
    "RATELIMIT_ADD_INFORMATION_PER_REPORT",
    "RATELIMIT_FOLLOW_PER_IP",
    "RATELIMIT_FOLLOW_PER_ADDRESS",
    "RATELIMIT_LINKS_PER_IP",
    "RATELIMIT_API_PER_IP",
    "RATELIMIT_FEEDBACK_PER_IP",
    "RATELIMIT_SUPPORT_PER_IP",
    "RATELIMIT_SUPPORT_PER_ADDRESS",
    "RATELIMIT_SUBSCRIBE_PER_IP",
    "RATELIMIT_SUBSCRIBE_PER_ADDRESS",
    "RATELIMIT_OPEN311_PER_IP",
    "RATELIMIT_OPEN311_PER_KEY",
    "RATELIMIT_READYZ_PER_IP",
)
STRATEGIES = tuple(limits.strategies.STRATEGIES)
_REDIS_OPTIONS = {"socket_timeout": 2, "socket_connect_timeout": 2}

F = TypeVar("F", bound=Callable[..., Any])


class RateLimited(TooManyRequests):
    """A limit is reached: 429 with ``Retry-After``; the handlers render it in the user's language."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after=retry_after)
        self.seconds = retry_after


@dataclass(frozen=True)
class RateLimiter:
    """What one app counts with; kept in the extension's state."""

    strategy: limits.strategies.RateLimiter
    prefix: str
    exempt: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]

    def hit(self, rule: str, key: str, rates: Iterable[limits.RateLimitItem]) -> None:
        """Count one request of ``key`` under ``rule``; raise :class:`RateLimited` past a rate."""
        identifier = hashlib.blake2b(key.encode(), digest_size=16).hexdigest()
        for rate in rates:
            try:
                if self.strategy.hit(rate, self.prefix, rule, identifier):
                    continue
                reset = self.strategy.get_window_stats(rate, self.prefix, rule, identifier).reset_time
            except limits.errors.StorageError as error:
                log.warning("rate limit store unreachable, not limiting: %s", error.storage_error)
                return
            raise RateLimited(max(1, math.ceil(reset - time.time())))


@lru_cache(maxsize=64)
def parse_rates(text: str) -> tuple[limits.RateLimitItem, ...]:
    """``"5 per hour; 20 per day"`` as rate items, narrowest first; an empty text limits nothing."""
    if not text.strip():
        return ()
    return tuple(sorted(limits.parse_many(text)))


def build(config: Mapping[str, Any]) -> RateLimiter | None:
    """The app's limiter from its settings (None when limits are off); refuse unusable settings."""
    for name in LIMIT_SETTINGS:
        value = config["CITIZENCARE_" + name]
        try:
            if not isinstance(value, str):
                raise ValueError("not a string")
            parse_rates(value)
        except ValueError as error:
            raise ConfigurationError(
                f"CITIZENCARE_{name} is not a rate such as '5 per hour; 20 per day': {value!r} ({error})"
            ) from None
    try:
        exempt = tuple(
            ipaddress.ip_network(str(n), strict=False) for n in config["CITIZENCARE_RATELIMIT_EXEMPT"]
        )
    except (TypeError, ValueError) as error:
        raise ConfigurationError(
            f"CITIZENCARE_RATELIMIT_EXEMPT must list addresses or networks such as '10.0.0.0/8': {error}"
        ) from None
    strategy = config["CITIZENCARE_RATELIMIT_STRATEGY"]
    if strategy not in limits.strategies.STRATEGIES:
        raise ConfigurationError(
            f"CITIZENCARE_RATELIMIT_STRATEGY must be one of {', '.join(STRATEGIES)}, not {strategy!r}"
        )
    if not config["CITIZENCARE_RATELIMIT_ENABLED"]:
        return None
    uri = config["CITIZENCARE_RATELIMIT_STORAGE_URI"]
    options: dict[str, Any] = {"wrap_exceptions": True}
    if str(uri).startswith(("redis", "rediss")):
        options.update(_REDIS_OPTIONS)
    try:
        storage = limits.storage.storage_from_string(str(uri), **options)
    except limits.errors.ConfigurationError as error:
        raise ConfigurationError(f"CITIZENCARE_RATELIMIT_STORAGE_URI is not usable: {error}") from None
    return RateLimiter(
        strategy=limits.strategies.STRATEGIES[strategy](storage),
        prefix=str(config["CITIZENCARE_RATELIMIT_KEY_PREFIX"]),
        exempt=exempt,
    )
