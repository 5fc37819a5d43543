"""Stylesheets and scripts the host's layout loads from other sites, and whether our CSP lets them.

Our pages send a Content-Security-Policy (:mod:`.security_headers`) whose
``style-src`` and ``script-src`` are our own origin. A host layout that loads
Bootstrap or its own scripts from a CDN then loses them on our pages, and only
the browser's console says so. The layout's source is read (the same chain of
``{% extends %}`` as :mod:`.layout`) for ``<link rel="stylesheet" href="https://...">``
and ``<script src="https://...">``; what the policy would block is named at
start-up and by ``flask citizencare doctor``, with the setting that allows it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from ..security_headers import policy

_TAG = re.compile(r"<(link|script)\b([^>]*)>", re.I)
_ATTRIBUTE = re.compile(r"""\b(rel|href|src)\s*=\s*["']([^"'{}]*)["']""", re.I)


def external_assets(sources: Iterable[str]) -> list[tuple[str, str]]:
    """``(directive, origin)`` of each stylesheet and script the sources load from another site."""
    found: list[tuple[str, str]] = []
    for source in sources:
        for tag, attributes in _TAG.findall(source):
            values = {name.lower(): value for name, value in _ATTRIBUTE.findall(attributes)}
            if tag.lower() == "link":
                if "stylesheet" not in values.get("rel", "").lower().split():
                    continue
                directive, url = "style-src", values.get("href", "")
            else:
                directive, url = "script-src", values.get("src", "")
            origin = _origin(url)
            if origin and (directive, origin) not in found:
                found.append((directive, origin))
    return found


def _origin(url: str) -> str | None:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https", "") or not parts.netloc:
        return None  # our own origin (a path), a data: URL, or nothing static
    return f"{parts.scheme or 'https'}://{parts.netloc.lower()}"


def _allows(sources: Sequence[str], origin: str) -> bool:
    scheme, _, host = origin.partition("://")
    for source in sources:
        source = source.lower().rstrip("/")
        if source in ("*", origin, f"{scheme}:"):
            return True
        if source.startswith(f"{scheme}://*.") and host.endswith(source[len(scheme) + 4 :]):
            return True
    return False


def blocked_assets(config: Mapping[str, Any], assets: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The assets our policy (with ``CITIZENCARE_CSP``) would block on our pages."""
    directives = policy(config)
    blocked = []
    for directive, origin in assets:
        sources = directives.get(directive, directives.get("default-src", ()))
        if not _allows(sources, origin):
            blocked.append((directive, origin))
    return blocked


def blocked_message(template: str, blocked: Sequence[tuple[str, str]]) -> str | None:
    if not blocked:
        return None
    by_directive: dict[str, list[str]] = {}
    for directive, origin in blocked:
        by_directive.setdefault(directive, []).append(origin)
    named = "; ".join(f"{d} {' '.join(origins)}" for d, origins in by_directive.items())
    return (
        f"CITIZENCARE_BASE_TEMPLATE {template!r} loads from other sites what our Content-Security-Policy "
        f"blocks on our pages ({named}): allow them with CITIZENCARE_CSP={by_directive!r}"
    )
