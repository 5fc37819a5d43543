"""Who counts as monitoring: ``CITIZENCARE_MONITORING_NETWORKS`` (loopback by default).

Operator endpoints (``/readyz``, the metrics) show their details to these
addresses only and do not rate-limit them. The client is
``request.remote_addr``: behind a proxy the host must apply Werkzeug's
``ProxyFix``, or every request comes from the proxy's address.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache

from flask import Request, current_app

from ..errors import ConfigurationError

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

SETTING = "CITIZENCARE_MONITORING_NETWORKS"


@lru_cache(maxsize=16)
def _parse(networks: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(network, strict=False) for network in networks)


def monitoring_networks(value: Iterable[object]) -> tuple[Network, ...]:
    """The networks of the setting's value; :class:`ConfigurationError` for one that is not a network."""
    if isinstance(value, str):
        value = [value]
    try:
        return _parse(tuple(str(network) for network in value))
    except (TypeError, ValueError) as error:
        raise ConfigurationError(
            f"{SETTING} must list addresses or networks such as '10.0.0.0/8' or '::1': {error}"
        ) from None


def is_monitoring_address(request: Request) -> bool:
    """Whether ``request`` comes from one of the monitoring networks (an IPv4-mapped IPv6 counts as IPv4)."""
    try:
        ip = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    networks = monitoring_networks(current_app.config.get(SETTING, ()))
    return any(ip.version == network.version and ip in network for network in networks)
