"""The site's settings: fixed defaults, then the process environment.

Environment variables (all optional):

``DATABASE_URL``
    SQLAlchemy URL of a SQLite or PostgreSQL database; default
    ``sqlite:///<instance folder>/comune.sqlite``. ``postgres://`` and
    ``postgresql://`` use the psycopg 3 driver.
``SECRET_KEY``
    Signs the session and the CSRF tokens; the default is for development only.
``SECURE_COOKIES``
    ``1`` when the site is served over HTTPS (it should be): the session and remember-me cookies get
    the ``Secure`` flag (``SESSION_COOKIE_SECURE``, ``REMEMBER_COOKIE_SECURE``) and never travel in clear.
``SMTP_HOST``, ``SMTP_PORT``, ``SMTP_STARTTLS``, ``SMTP_SSL``, ``SMTP_USERNAME``, ``SMTP_PASSWORD``,
``MAIL_FROM``
    The mail server of the extension's outbox (``CITIZENCARE_SMTP_*``, ``CITIZENCARE_MAIL_FROM``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
#: Development only; create_app logs a warning when it is in use outside debug mode.
DEV_SECRET_KEY = "comune-di-esempio-dev-key-change-me"  # noqa: S105

DEFAULTS: dict[str, Any] = {
    "SECRET_KEY": DEV_SECRET_KEY,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "SQLALCHEMY_TRACK_MODIFICATIONS": False,
    # Languages: the site's catalog; the extension adds its own beside it.
    "BABEL_DEFAULT_LOCALE": "it",
    "BABEL_DEFAULT_TIMEZONE": "Europe/Rome",
    "BABEL_TRANSLATION_DIRECTORIES": str(HERE / "translations"),
    # The extension, mounted the way an Italian municipal portal would.
    "CITIZENCARE_URL_PREFIX": "/segnalazioni",
    "CITIZENCARE_BASE_TEMPLATE": "comune/base.html",
    "CITIZENCARE_MUNICIPALITY_NAME": "Comune di Esempio",
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
    # The site itself.
    "SITE_REGION_NAME": "Regione Emilia-Romagna",
    "SITE_REGION_URL": "https://www.regione.emilia-romagna.it/",
    #: Create the site's own tables (not the extension's) when the app starts.
    "SITE_CREATE_TABLES": True,
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
    if environ.get("SMTP_PORT"):
        config["CITIZENCARE_SMTP_PORT"] = _port("SMTP_PORT", environ["SMTP_PORT"])
    if "SECURE_COOKIES" in environ:
        secure = _flag("SECURE_COOKIES", environ["SECURE_COOKIES"])
        config["SESSION_COOKIE_SECURE"] = config["REMEMBER_COOKIE_SECURE"] = secure
    for variable in ("SMTP_STARTTLS", "SMTP_SSL"):
        if variable in environ:
            config["CITIZENCARE_" + variable] = _flag(variable, environ[variable])
    return config


def default_database_url(instance_path: str | Path) -> str:
    folder = Path(instance_path)
    folder.mkdir(parents=True, exist_ok=True)
    return "sqlite:///" + str(folder / "comune.sqlite")
