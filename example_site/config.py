"""The site's settings: fixed defaults, then the instance folder, then the process environment.

``SECRET_KEY`` signs the session (an admin's too), the CSRF tokens and, through
keys derived from it, every link the citizens get. Outside debug mode and
tests the site refuses to start without one: it comes from the environment, or
from the file ``secret_key`` in the instance folder (``instance/secret_key``,
never committed), which ``make demo`` writes once with a random key. In debug
mode (``flask --debug run``) and tests a missing key falls back to
:data:`DEV_SECRET_KEY`, which the extension only accepts there.

Environment variables (all optional):

``DATABASE_URL``
    SQLAlchemy URL of a SQLite or PostgreSQL database; default
    ``sqlite:///<instance folder>/comune.sqlite``. ``postgres://`` and
    ``postgresql://`` use the psycopg 3 driver.
``SECRET_KEY``
    Signs the session and the CSRF tokens; wins over ``instance/secret_key``.
``REDIS_URL``
    Redis that holds the rate-limit counters of the site and of the extension, shared by all
    processes (``redis://127.0.0.1:6379/0``); without it each process counts in memory.
``SECURE_COOKIES``
    ``1`` when the site is served over HTTPS (it should be): the session and remember-me cookies get
    the ``Secure`` flag (``SESSION_COOKIE_SECURE``, ``REMEMBER_COOKIE_SECURE``) and never travel in clear.
``TRUSTED_PROXIES``
    How many proxies (nginx, Apache, a load balancer) stand in front of the site, each adding itself
    to ``X-Forwarded-For``: the site then reads the client's address, scheme and host from them
    (Werkzeug's ``ProxyFix``). Default ``0``: behind nginx without it, every citizen would have the
    proxy's address, share its rate limits and count as a monitoring address (loopback).
``SITE_DEMO_MAILBOX``, ``SITE_DEMO_MAILDIR``
    ``1`` only for the demo (``make demo`` sets it): the page ``/demo/mailbox`` lists the mails the
    demo's mail catcher received into the Maildir ``SITE_DEMO_MAILDIR`` (default
    ``<instance folder>/demo-mail``). Never on a real site: anybody could read everybody's mail.
``SMTP_HOST``, ``SMTP_PORT``, ``SMTP_STARTTLS``, ``SMTP_SSL``, ``SMTP_USERNAME``, ``SMTP_PASSWORD``,
``MAIL_FROM``
    The mail server of the extension's outbox (``CITIZENCARE_SMTP_*``, ``CITIZENCARE_MAIL_FROM``).
``CITIZENCARE_<NAME>``
    Any of the extension's settings (``flask citizencare settings`` lists them):
    ``1``/``0`` (or true/false) for a flag, a number for a number, JSON for a
    list or mapping, text otherwise. Variables that name no setting are left
    alone (the test and benchmark URLs share the prefix). The load test
    (``bench/load_test.py``) sets its settings this way.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask_citizencare.config import PREFIX, SETTINGS

HERE = Path(__file__).resolve().parent
#: Public (it is in the repository): used only in debug mode and tests when no key is set.
#: The extension knows it (``flask_citizencare.tokens.WELL_KNOWN_KEYS``) and refuses it elsewhere.
DEV_SECRET_KEY = "comune-di-esempio-dev-key-change-me"  # noqa: S105
#: The file in the instance folder that holds the key ``make demo`` generated.
SECRET_KEY_FILE = "secret_key"  # noqa: S105 (a file name)

DEFAULTS: dict[str, Any] = {
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "SQLALCHEMY_TRACK_MODIFICATIONS": False,
    # The site's own forms (log-in) are small; the extension bounds its pages itself.
    "MAX_CONTENT_LENGTH": 1024 * 1024,
    # Languages: the site's catalog; the extension adds its own beside it.
    "BABEL_DEFAULT_LOCALE": "it",
    "BABEL_DEFAULT_TIMEZONE": "Europe/Rome",
    "BABEL_TRANSLATION_DIRECTORIES": str(HERE / "translations"),
    # The extension, mounted the way an Italian municipal portal would.
    "CITIZENCARE_URL_PREFIX": "/segnalazioni",
    "CITIZENCARE_BASE_TEMPLATE": "comune/base.html",
    "CITIZENCARE_MUNICIPALITY_NAME": "Comune di Esempio",
    # The URP, on the service sheet's Contatti and in its JSON-LD (and the site's footer and contacts page).
    "CITIZENCARE_URP_NAME": "Ufficio Relazioni con il Pubblico (URP)",
    "CITIZENCARE_URP_EMAIL": "urp@comune.esempio.example",
    "CITIZENCARE_URP_PHONE": "051 000 0001",
    "CITIZENCARE_URP_STREET_ADDRESS": "Piazza del Municipio 1",
    "CITIZENCARE_URP_POSTAL_CODE": "40100",
    "CITIZENCARE_URP_LOCALITY": "Esempio (BO)",
    "CITIZENCARE_URP_URL": "/contatti",
    # Bologna's area: (min_lon, min_lat, max_lon, max_lat); centre as (lat, lon).
    "CITIZENCARE_AREA": (11.23, 44.42, 11.43, 44.56),
    "CITIZENCARE_MAP_CENTER": (44.4949, 11.3426),
    "CITIZENCARE_MAP_ZOOM": 14,
    # Bologna's districts (quartieri), approximately, for the staff queue's area filter.
    "CITIZENCARE_DISTRICTS": (
        {"name": "Santo Stefano", "bbox": (11.340, 44.470, 11.375, 44.495)},
        {"name": "Porto-Saragozza", "bbox": (11.290, 44.475, 11.340, 44.505)},
        {"name": "Navile", "bbox": (11.320, 44.505, 11.380, 44.545)},
        {"name": "San Donato-San Vitale", "bbox": (11.355, 44.490, 11.420, 44.525)},
        {"name": "Savena", "bbox": (11.370, 44.455, 11.420, 44.490)},
        {"name": "Borgo Panigale-Reno", "bbox": (11.240, 44.485, 11.310, 44.530)},
    ),
    # Bootstrap Italia's CSS embeds video.js's icon font as a data: URI; the extension's
    # Content-Security-Policy (which the site's own pages get too) allows only fonts from the site.
    "CITIZENCARE_CSP": {"font-src": ["data:"]},
    # The site's layout shows flashed messages itself.
    "CITIZENCARE_SHOW_FLASHES": False,
    # Rate limits: Flask-Limiter's settings for the site's own limiter (the extension's are
    # CITIZENCARE_RATELIMIT_*). Behind a proxy, wrap the app in Werkzeug's ProxyFix.
    # Explicit: Flask-Limiter keeps `enabled` on its one object, so an app that turned it off
    # would otherwise leave it off for the next app made by the factory.
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_KEY_PREFIX": "comune",
    "RATELIMIT_HEADERS_ENABLED": True,
    "RATELIMIT_HEADER_RETRY_AFTER_VALUE": "delta-seconds",
    #: Failed log-ins allowed per account: each step waits longer (a minute, a quarter, a day).
    "SITE_LOGIN_FAILURES_PER_ACCOUNT": "5 per minute; 10 per 15 minutes; 20 per day",
    #: Failed log-ins allowed per client address, whatever the account.
    "SITE_LOGIN_FAILURES_PER_IP": "20 per 15 minutes; 100 per day",
    # The site itself.
    "SITE_REGION_NAME": "Regione Emilia-Romagna",
    "SITE_REGION_URL": "https://www.regione.emilia-romagna.it/",
    #: Create the site's own tables (not the extension's) when the app starts.
    "SITE_CREATE_TABLES": True,
    #: Proxies in front of the site (TRUSTED_PROXIES); 0 reads the address the connection comes from.
    "SITE_TRUSTED_PROXIES": 0,
    #: The demo mailbox (/demo/mailbox): the mails the outbox delivered to the demo's mail catcher.
    #: Only `make demo` turns it on (SITE_DEMO_MAILBOX=1); never on a real site.
    "SITE_DEMO_MAILBOX": False,
    #: The Maildir the demo's mail catcher writes to and the mailbox page reads (None: instance/demo-mail).
    "SITE_DEMO_MAILDIR": None,
}

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _flag(name: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError(f"{name} must be 1/true/yes or 0/false/no, not {value!r}")


def _port(name: str, value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise ValueError(f"{name} must be a port number, not {value!r}") from None
    if not 0 < port < 65536:
        raise ValueError(f"{name} must be between 1 and 65535, not {port}")
    return port


def _count(name: str, value: str) -> int:
    try:
        count = int(value)
    except ValueError:
        raise ValueError(f"{name} must be a number of proxies, not {value!r}") from None
    if not 0 <= count <= 5:
        raise ValueError(f"{name} must be between 0 and 5, not {count}")
    return count


def database_url(url: str) -> str:
    """Accept the common ``postgres://`` spelling and pick the psycopg 3 driver."""
    for scheme in ("postgres://", "postgresql://"):
        if url.startswith(scheme):
            return "postgresql+psycopg://" + url[len(scheme) :]
    return url


def from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    """The settings that the environment gives; variables that are unset change nothing."""
    config: dict[str, Any] = {}
    if environ.get("DATABASE_URL"):
        config["SQLALCHEMY_DATABASE_URI"] = database_url(environ["DATABASE_URL"])
    if environ.get("SECRET_KEY"):
        config["SECRET_KEY"] = environ["SECRET_KEY"]
    text = {
        "SMTP_HOST": "CITIZENCARE_SMTP_HOST",
        "SMTP_USERNAME": "CITIZENCARE_SMTP_USERNAME",
        "SMTP_PASSWORD": "CITIZENCARE_SMTP_PASSWORD",
        "MAIL_FROM": "CITIZENCARE_MAIL_FROM",
    }
    for variable, key in text.items():
        if environ.get(variable):
            config[key] = environ[variable]
    if environ.get("REDIS_URL"):
        config["RATELIMIT_STORAGE_URI"] = environ["REDIS_URL"]
        config["CITIZENCARE_RATELIMIT_STORAGE_URI"] = environ["REDIS_URL"]
    if environ.get("TRUSTED_PROXIES"):
        config["SITE_TRUSTED_PROXIES"] = _count("TRUSTED_PROXIES", environ["TRUSTED_PROXIES"])
    if environ.get("SMTP_PORT"):
        config["CITIZENCARE_SMTP_PORT"] = _port("SMTP_PORT", environ["SMTP_PORT"])
    if "SECURE_COOKIES" in environ:
        secure = _flag("SECURE_COOKIES", environ["SECURE_COOKIES"])
        config["SESSION_COOKIE_SECURE"] = config["REMEMBER_COOKIE_SECURE"] = secure
    if "SITE_DEMO_MAILBOX" in environ:
        config["SITE_DEMO_MAILBOX"] = _flag("SITE_DEMO_MAILBOX", environ["SITE_DEMO_MAILBOX"])
    if environ.get("SITE_DEMO_MAILDIR"):
        config["SITE_DEMO_MAILDIR"] = environ["SITE_DEMO_MAILDIR"]
    for variable in ("SMTP_STARTTLS", "SMTP_SSL"):
        if variable in environ:
            config["CITIZENCARE_" + variable] = _flag(variable, environ[variable])
    for variable, value in environ.items():
        if variable.startswith(PREFIX) and variable[len(PREFIX) :] in SETTINGS:
            config[variable] = extension_setting(variable, value)
    return config


def extension_setting(variable: str, value: str) -> Any:
    """The value of ``CITIZENCARE_<NAME>`` from its text, read the way its default is typed."""
    default = SETTINGS[variable[len(PREFIX) :]].default
    if isinstance(default, bool):
        return _flag(variable, value)
    try:
        if isinstance(default, int):
            return int(value)
        if isinstance(default, float):
            return float(value)
        if isinstance(default, str):
            return value
        if default is None and not value.lstrip().startswith(("[", "{", '"')):
            # Unset by default (a folder, a URL...): text, unless it reads as JSON (null, a list...).
            try:
                return json.loads(value)
            except ValueError:
                return value
        return json.loads(value)
    except ValueError as exc:
        raise ValueError(f"{variable}: {exc}") from None


def instance_secret_key(instance_path: str | Path) -> str | None:
    """The key in ``<instance folder>/secret_key`` (surrounding blanks dropped), if the file exists."""
    try:
        key = (Path(instance_path) / SECRET_KEY_FILE).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return key or None


def default_database_url(instance_path: str | Path) -> str:
    folder = Path(instance_path)
    folder.mkdir(parents=True, exist_ok=True)
    return "sqlite:///" + str(folder / "comune.sqlite")
