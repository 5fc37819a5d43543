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

import ipaddress
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import current_app, request

from ..context import state
from ..web.limiter import LIMIT_SETTINGS, RateLimited, RateLimiter, build, parse_rates

__all__ = [
    "LIMIT_SETTINGS",
    "RateLimited",
    "RateLimiter",
    "build",
    "check",
    "client_ip",
    "form_value",
    "limit_blueprint",
    "limited",
    "parse_rates",
    "view_arg",
]

F = TypeVar("F", bound=Callable[..., Any])


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
