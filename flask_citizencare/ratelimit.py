"""Rate limits of the public surfaces: forms, one-use links and the open API.

Counting is done by the `limits` library, the engine of Flask-Limiter, with
its rate strings ("5 per hour; 20 per day") and storages (``memory://``,
``redis://host:6379``). Flask-Limiter's own ``Limiter`` is not used here on
purpose: its ``init_app`` reads the app-wide ``RATELIMIT_*`` settings and hooks
every request of the app, so inside a host that has its own Limiter it would
count the host's default limits a second time and be switched off by the
host's ``RATELIMIT_ENABLED``. Our limiter is per app, in our state, with our
own ``CITIZENCARE_RATELIMIT_*`` settings and key prefix; the host's Limiter
(``app.extensions["limiter"]``) is left alone.

Who is counted: the client address is ``request.remote_addr``. Behind a proxy
or load balancer the host must apply Werkzeug's ``ProxyFix`` with the right
number of trusted hops, or every citizen shares the proxy's address (and one
flood blocks them all). IPv6 clients are counted per /64 network, since one
household or phone holds a whole /64. Keys are hashed before they reach the
store: no address, IP or e-mail, is kept in Redis in clear.

If the store cannot be reached the request goes through and the failure is
logged: a broken Redis must not make citizen care answer 500.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache, wraps
from typing import Any, TypeVar, cast

import limits
import limits.errors
import limits.storage
import limits.strategies
from flask import current_app, request
from werkzeug.exceptions import TooManyRequests

from .errors import ConfigurationError

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


def client_ip() -> str:
    """Who sends this request, as counted: the address, an IPv6 client's /64 network."""
    address = request.remote_addr or ""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address or "unknown"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def form_value(name: str) -> Callable[[], str | None]:
    """Key: a field of the posted form, trimmed and case-folded (an e-mail address)."""

    def key() -> str | None:
        value = request.form.get(name, "")
        return value.strip().lower() or None

    return key


def view_arg(name: str) -> Callable[[], str | None]:
    """Key: a part of the address, such as a report's tracking token."""

    def key() -> str | None:
        value = (request.view_args or {}).get(name)
        return str(value) if value else None

    return key


def _limiter() -> RateLimiter | None:
    from .extension import state

    return state().rate_limiter


def check(setting: str, key: str | None) -> None:
    """Count this request under ``CITIZENCARE_<setting>`` for ``key``; raise :class:`RateLimited`."""
    limiter = _limiter()
    if limiter is None or not key:
        return
    if limiter.exempt:
        try:
            ip = ipaddress.ip_address(request.remote_addr or "")
        except ValueError:
            ip = None
        if ip is not None and any(ip in network for network in limiter.exempt):
            return
    limiter.hit(setting, key, parse_rates(current_app.config["CITIZENCARE_" + setting]))


def limited(
    setting: str, key: Callable[[], str | None] = client_ip, methods: Iterable[str] | None = ("POST",)
) -> Callable[[F], F]:
    """Decorate a view: each request (of ``methods``; None for all) counts against the setting's rates."""
    counted = None if methods is None else frozenset(methods)

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if counted is None or request.method in counted:
                check(setting, key())
            return view(*args, **kwargs)

        return cast(F, wrapper)

    return decorate


def limit_blueprint(setting: str, key: Callable[[], str | None] = client_ip) -> Callable[[], None]:
    """A ``before_request`` function counting every request of a blueprint."""

    def before() -> None:
        check(setting, key())

    return before
