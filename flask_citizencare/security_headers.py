"""Security headers on every answer the extension serves.

Content-Security-Policy (scripts only from our origin or with this request's
nonce, no inline scripts or ``on...=`` handlers; styles only from files; images
from our origin, ``data:`` and the tile server; framing by our own origin only),
``X-Frame-Options`` for browsers without ``frame-ancestors``,
``X-Content-Type-Options: nosniff``, a ``Permissions-Policy`` that lets only our
own pages ask for the position (the report form's "use my position") and
nothing for camera, microphone, payment or USB, and a ``Referrer-Policy``.

Why a small ``after_request`` on our blueprint and not Flask-Talisman: Talisman
(wntrblm/flask-talisman, 1.1, the maintained fork of Google's archived one) is
built for a whole application. Its ``init_app`` registers ``before_request`` and
``after_request`` on the app, redirects every plain-HTTP request to HTTPS, sends
HSTS and rewrites ``SESSION_COOKIE_SECURE``/``SESSION_COOKIE_HTTPONLY`` in the
app's config; it has a per-view decorator but no way to cover one blueprint only.
An extension embedded in a municipality's site must protect what it serves
without taking over the host's other pages, cookies or TLS set-up. The policy
itself is a few dictionaries; merging them is less code than configuring
Talisman away from its app-wide defaults.

How it meets the host:

- Headers are set with ``setdefault``: a view (ours or a host override) that
  sets one keeps it; a host's app-wide ``after_request`` (e.g. Talisman) runs
  after ours and wins.
- ``CITIZENCARE_CSP`` adds sources to the default directives (the tile server's
  origin from ``CITIZENCARE_TILE_URL`` is added to ``img-src`` by itself);
  ``CITIZENCARE_CSP_REPORT_ONLY`` sends the policy as report-only while a host
  layout is being cleaned up; ``CITIZENCARE_SECURITY_HEADERS = False`` leaves
  every header to the host.
- A host layout's own inline ``<script>`` is blocked on our pages unless it
  carries ``nonce="{{ cc_csp_nonce() }}"`` (a template global, one value per
  request). ``'unsafe-inline'`` cannot be the way out: browsers ignore it in a
  policy that has a nonce, so :func:`check_policy_setting` refuses it.
- :func:`apply_security_headers` is public: a host may register it with
  ``app.after_request`` to give its own pages the same headers (the example site
  does).
- Pages whose URL carries a secret (a ``<token>`` variable: the tracking page,
  the survey, follow and unsubscribe links) get ``Referrer-Policy: strict-origin``
  instead of ``same-origin``: requests from them never carry the path, so the
  token never leaves in a ``Referer``. It is not ``no-referrer`` because those
  pages post forms, and over HTTPS Flask-WTF's CSRF check
  (``WTF_CSRF_SSL_STRICT``, on by default) refuses a POST without a same-origin
  ``Referer``; ``strict-origin`` still sends the bare origin it compares.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from flask import Response, current_app, g, request

from .errors import ConfigurationError

SELF = "'self'"
#: The policy of every answer, before ``CITIZENCARE_CSP`` adds to it. Leaflet sets its
#: styles through the CSSOM (allowed without ``'unsafe-inline'``) and uses a ``data:`` GIF for
#: tiles it cancels; Bootstrap's form controls draw with ``data:`` SVG backgrounds.
DEFAULT_CSP: dict[str, tuple[str, ...]] = {
    "default-src": (SELF,),
    "script-src": (SELF,),
    "style-src": (SELF,),
    "img-src": (SELF, "data:"),
    "font-src": (SELF,),
    "connect-src": (SELF,),
    "object-src": ("'none'",),
    "base-uri": (SELF,),
    "form-action": (SELF,),
    "frame-ancestors": (SELF,),
}
#: Features our pages may use: the position for the report form's map, on our own origin only.
DEFAULT_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "geolocation": ("self",),
    "camera": (),
    "microphone": (),
    "payment": (),
    "usb": (),
}
REFERRER_POLICY = "same-origin"
#: URL variables that carry a secret: their pages must not pass their address on.
SECRET_URL_VARIABLES = frozenset({"token"})
SECRET_REFERRER_POLICY = "strict-origin"  # noqa: S105 (a header value, not a password)
_NONCE = "_cc_csp_nonce"
_WARNED_COOKIES = "citizencare.insecure_cookie_warned"


def csp_nonce() -> str:
    """This request's script nonce (``cc_csp_nonce()`` in templates): ``<script nonce="...">``."""
    nonce: str | None = g.get(_NONCE)
    if nonce is None:
        nonce = secrets.token_urlsafe(18)
        setattr(g, _NONCE, nonce)
    return nonce


def tile_origin(template: str) -> str | None:
    """The origin the map's tiles come from, as a CSP source; None when they are on our own.

    ``https://{s}.tile.example.org/{z}/{x}/{y}.png`` gives ``https://*.tile.example.org``.
    """
    parts = urlsplit(template)
    if not parts.netloc:
        return None
    host = parts.netloc
    first, dot, rest = host.partition(".")
    if "{" in first and dot:
        host = "*." + rest
    if "{" in host or "}" in host:
        raise ConfigurationError(
            f"CITIZENCARE_TILE_URL {template!r} has a placeholder in its host name other than the first "
            "label: add its servers to img-src in CITIZENCARE_CSP and use one fixed host here"
        )
    return f"{parts.scheme}://{host}" if parts.scheme else f"//{host}"


def _sources(value: str | Iterable[str]) -> tuple[str, ...]:
    return tuple(value.split()) if isinstance(value, str) else tuple(value)


def policy(config: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    """The directives: the defaults, the tile server, then what ``CITIZENCARE_CSP`` adds or drops."""
    directives = dict(DEFAULT_CSP)
    origin = tile_origin(config["CITIZENCARE_TILE_URL"])
    if origin:
        directives["img-src"] += (origin,)
    for name, value in (config["CITIZENCARE_CSP"] or {}).items():
        if value is None:
            directives.pop(name, None)
            continue
        known = directives.get(name, ())
        directives[name] = known + tuple(s for s in _sources(value) if s not in known)
    return directives


def render_policy(directives: Mapping[str, tuple[str, ...]], nonce: str) -> str:
    parts = []
    for name, sources in directives.items():
        if name == "script-src":
            sources = (*sources, f"'nonce-{nonce}'")
        parts.append(" ".join((name, *sources)))
    return "; ".join(parts)


def permissions(config: Mapping[str, Any]) -> str:
    features = dict(DEFAULT_PERMISSIONS)
    for name, value in (config["CITIZENCARE_PERMISSIONS_POLICY"] or {}).items():
        if value is None:
            features.pop(name, None)
        else:
            features[name] = _sources(value)
    return ", ".join(f"{name}=({' '.join(map(_allow_item, allow))})" for name, allow in features.items())


def _allow_item(source: str) -> str:
    """``self`` and ``*`` as they are, an origin in quotes (the header's structured-field syntax)."""
    return source if source in ("self", "*") else '"' + source + '"'


def check_policy_setting(config: Mapping[str, Any]) -> None:
    """Catch at start-up a policy the browser would refuse or silently weaken."""
    for key in ("CITIZENCARE_CSP", "CITIZENCARE_PERMISSIONS_POLICY"):
        value = config[key]
        if value is None:
            continue
        if not isinstance(value, Mapping):
            raise ConfigurationError(f"{key} must be a dict of directive -> sources, not {value!r}")
        for name, sources in value.items():
            if not isinstance(name, str) or not name or any(c in name for c in " ;,\r\n"):
                raise ConfigurationError(f"{key} has an unusable directive name {name!r}")
            if sources is None:
                continue
            if not isinstance(sources, str) and not (
                isinstance(sources, Iterable) and all(isinstance(s, str) for s in sources)
            ):
                raise ConfigurationError(f"{key}[{name!r}] must be a string or a list of strings")
            for source in _sources(sources):
                if any(c in source for c in ';,\r\n"()'):
                    raise ConfigurationError(f"{key}[{name!r}] has an unusable source {source!r}")
            if key == "CITIZENCARE_CSP" and name == "script-src" and "'unsafe-inline'" in _sources(sources):
                raise ConfigurationError(
                    "CITIZENCARE_CSP: 'unsafe-inline' in script-src does nothing beside our nonce "
                    '(browsers ignore it): give your layout\'s inline scripts nonce="{{ cc_csp_nonce() }}" '
                    "or move them to files; CITIZENCARE_CSP_REPORT_ONLY = True reports without blocking"
                )
    tile_origin(config["CITIZENCARE_TILE_URL"])


def referrer_policy() -> str:
    """``strict-origin`` where the URL carries a secret, ``same-origin`` everywhere else."""
    if SECRET_URL_VARIABLES & set(request.view_args or ()):
        return SECRET_REFERRER_POLICY
    return REFERRER_POLICY


def apply_security_headers(response: Response) -> Response:
    """``after_request`` function: our headers on ``response``, unless it already has them."""
    config = current_app.config
    if not config["CITIZENCARE_SECURITY_HEADERS"]:
        return response
    headers = response.headers
    directives = policy(config)
    enforced, report_only = "Content-Security-Policy", "Content-Security-Policy-Report-Only"
    if enforced not in headers and report_only not in headers:
        header = report_only if config["CITIZENCARE_CSP_REPORT_ONLY"] else enforced
        headers[header] = render_policy(directives, csp_nonce())
    if directives.get("frame-ancestors") == (SELF,):
        headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", referrer_policy())
    headers.setdefault("Permissions-Policy", permissions(config))
    _warn_insecure_cookies()
    return response


def _warn_insecure_cookies() -> None:
    """Once per app: the site is served over HTTPS but its session cookie would also go over HTTP."""
    if not request.is_secure or current_app.config.get("SESSION_COOKIE_SECURE"):
        return
    if current_app.extensions.get(_WARNED_COOKIES):
        return
    current_app.extensions[_WARNED_COOKIES] = True
    current_app.logger.warning(
        "flask-citizencare is served over HTTPS but SESSION_COOKIE_SECURE is off: set SESSION_COOKIE_SECURE "
        "and REMEMBER_COOKIE_SECURE to True (and SESSION_COOKIE_SAMESITE = 'Lax') so the login cookies "
        "never travel in clear"
    )
