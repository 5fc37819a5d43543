"""What ``flask citizencare doctor`` warns about: settings that work, but not as a site in production should.

A warning does not make the command fail. The only network calls are to the
mail servers of the settings (SMTP, and IMAP when it is set), each with a short
timeout; the map tiles' server is deliberately not asked.
"""

from __future__ import annotations

import smtplib

import sqlalchemy as sa
from flask import Flask

from ..context import db_session
from ..errors import ConfigurationError
from ..readiness import Check
from ..services.mail.imap import ImapSettings, ImapUnavailable, check_login
from ..services.mail.outbox import check_smtp, smtp_address
from ..services.suggestion_models import model_status
from ..tokens import weakness

#: Seconds each mail server gets to answer.
TIMEOUT = 5
#: A production ``SECRET_KEY`` at least this long (``secrets.token_hex()`` gives 64).
GOOD_KEY_LENGTH = 32


def setup_warnings(app: Flask) -> list[Check]:
    """One check per concern; ``ok=False`` is a warning. Needs an app context (the outbox reads it)."""
    checks = [_secret_key(app), _reply_domain(app), _smtp()]
    if app.config.get("CITIZENCARE_IMAP_HOST"):
        checks.append(_imap(app))
    if app.config.get("CITIZENCARE_SUGGEST_ENABLED", True):
        checks.append(_suggestions())
    return checks


def _suggestions() -> Check:
    session = db_session()
    try:
        status = model_status(session)
    except sa.exc.SQLAlchemyError:  # no schema yet: the schema check above says what to do
        return Check(
            "suggestions", False, "not checked: the database has no citizencare tables at this revision"
        )
    finally:
        session.rollback()
    if status.version is None:
        return Check(
            "suggestions",
            False,
            "no suggestion model yet: schedule flask citizencare suggest train nightly "
            "(staff see no suggested category, office or duplicates until it runs)",
        )
    if status.problem is not None:
        return Check("suggestions", False, status.problem)
    assert status.trained_at is not None
    return Check(
        "suggestions",
        True,
        f"model {status.version} ({status.method}) trained {status.trained_at:%Y-%m-%d %H:%M} UTC "
        f"on {status.cases} finished cases",
    )


def _secret_key(app: Flask) -> Check:
    key = app.config.get("SECRET_KEY")
    why = weakness(key)
    if why is None and len(str(key)) < GOOD_KEY_LENGTH:
        why = f"it is shorter than {GOOD_KEY_LENGTH} characters"
    if why is not None:
        return Check(
            "secret key",
            False,
            f"SECRET_KEY is no secret: {why}; anyone could forge sessions and the citizens' links. "
            "Set it to e.g. python -c 'import secrets; print(secrets.token_hex(32))'",
        )
    return Check("secret key", True, "set, long and not a known value")


def _reply_domain(app: Flask) -> Check:
    domain = app.config.get("CITIZENCARE_REPLY_DOMAIN")
    if not domain:
        return Check(
            "reply domain",
            False,
            "CITIZENCARE_REPLY_DOMAIN is not set: citizens' replies by mail do not reach their threads",
        )
    return Check("reply domain", True, f"replies go to addresses @{domain}")


def _smtp() -> Check:
    where = smtp_address()
    try:
        check_smtp(TIMEOUT)
    except (OSError, smtplib.SMTPException) as exc:
        return Check("smtp", False, f"{where}: {_describe(exc)}; the outbox cannot deliver")
    return Check("smtp", True, f"{where} answers EHLO")


def _imap(app: Flask) -> Check:
    try:
        settings = ImapSettings.from_config(app.config)
        check_login(settings, TIMEOUT)
    except (ConfigurationError, ImapUnavailable) as exc:
        return Check("imap", False, f"{exc}; replies are not fetched")
    return Check("imap", True, f"login to {settings.where} works")


def _describe(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:300]
