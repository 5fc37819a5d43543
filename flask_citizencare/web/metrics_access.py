"""Who may read the monitoring endpoints: addresses inside ``CITIZENCARE_MONITORING_NETWORKS``."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from ..errors import ConfigurationError

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

SETTING = "CITIZENCARE_MONITORING_NETWORKS"


def monitoring_networks(config: Mapping[str, Any]) -> tuple[Network, ...]:
    """The setting parsed; a value that is not a list of CIDR strings stops start-up."""
    value = config[SETTING]
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise ConfigurationError(f"{SETTING} must be a list of networks (CIDR strings), not {value!r}")
    try:
        return tuple(ipaddress.ip_network(str(item), strict=False) for item in value)
    except ValueError as exc:
        raise ConfigurationError(f"{SETTING}: {exc}") from None


def is_monitoring_address(config: Mapping[str, Any], remote_addr: str | None) -> bool:
    """True when ``remote_addr`` (the request's peer, after the host's ProxyFix) is a monitoring one."""
    if not remote_addr:
        return False
    try:
        address = ipaddress.ip_address(remote_addr)
    except ValueError:
        return False
    return any(address in network for network in monitoring_networks(config))
