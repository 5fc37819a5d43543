"""``flask citizencare doctor``: the readiness checks of /readyz, then warnings that do not fail it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from example_site.config import DEV_SECRET_KEY
from flask_citizencare.context import db_session
from flask_citizencare.models import Category

from .imap import ImapServer
from .smtp import REPLY_DOMAIN, SmtpSink, free_port
from .suggest_history import train_small_model

STRONG_KEY = "9f2c4e7a1b3d5f60718293a4b5c6d7e8f9a0b1c2d3e4f5061728394a5b6c7d8e"


def doctor(app: Flask) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["citizencare", "doctor"])
    return result.exit_code, result.output


def line(output: str, name: str) -> str:
    (found,) = [text for text in output.splitlines() if re.match(rf"\S+\s+{name}\s", text)]
    return found


@pytest.fixture
def production_like(app: Flask, smtp: SmtpSink) -> Flask:
    """The ``app`` fixture set up as a site in production would be: nothing to warn about."""
    # Suggestions off: their model needs a history (the tests below check their line).
    app.config.update(
        SECRET_KEY=STRONG_KEY, CITIZENCARE_REPLY_DOMAIN=REPLY_DOMAIN, CITIZENCARE_SUGGEST_ENABLED=False
    )
    return app


def test_doctor_says_whether_the_suggestion_model_is_there_and_current(production_like: Flask) -> None:
    production_like.config["CITIZENCARE_SUGGEST_ENABLED"] = True
    code, output = doctor(production_like)
    assert code == 0, output
    assert line(output, "suggestions").startswith("WARNING ") and "suggest train" in line(
        output, "suggestions"
    )
    train_small_model(production_like, count=120)
    code, output = doctor(production_like)
    found = line(output, "suggestions")
    assert re.match(r"ok\s+suggestions\s+model 1 \(classical\) trained .* on \d+ finished cases", found)
    with production_like.app_context():
        db_session().execute(sa.update(Category).where(Category.code == "animali").values(active=False))
        db_session().commit()
    code, output = doctor(production_like)
    assert code == 0
    assert line(output, "suggestions").startswith("WARNING ") and "versione del catalogo" in output


def test_doctor_prints_the_readiness_checks_and_no_warning_when_all_is_set(production_like: Flask) -> None:
    code, output = doctor(production_like)
    assert code == 0, output
    assert "WARNING" not in output and "PROBLEM" not in output
    for name in ("database", "schema", "photos", "spatial"):
        assert line(output, name).startswith("ok ")
    assert line(output, "smtp").startswith("ok ") and "answers EHLO" in line(output, "smtp")
    assert line(output, "secret key").startswith("ok ")
    assert f"@{REPLY_DOMAIN}" in line(output, "reply domain")
    assert " imap " not in output  # no IMAP host set: nothing asked


@pytest.mark.parametrize(
    ("key", "why"),
    [
        (DEV_SECRET_KEY, "well-known value"),
        ("Kq3v9xZp2Lm8Rt5Wy7Bn4Hc6Jd1", "shorter than 32 characters"),
    ],
    ids=["the example site's development key", "a short key"],
)
def test_doctor_warns_about_a_public_or_short_secret_key(production_like: Flask, key: str, why: str) -> None:
    production_like.config["SECRET_KEY"] = key
    code, output = doctor(production_like)
    assert code == 0, output
    assert line(output, "secret key").startswith("WARNING ") and why in line(output, "secret key")
    assert key not in output


def test_doctor_warns_without_a_reply_domain_or_an_smtp_server(production_like: Flask) -> None:
    production_like.config.update(CITIZENCARE_REPLY_DOMAIN=None, CITIZENCARE_SMTP_PORT=free_port())
    code, output = doctor(production_like)
    assert code == 0, output
    assert line(output, "reply domain").startswith("WARNING ")
    assert "CITIZENCARE_REPLY_DOMAIN is not set" in output
    smtp = line(output, "smtp")
    assert smtp.startswith("WARNING ") and "ConnectionRefusedError" in smtp


def test_doctor_logs_in_to_imap_and_warns_when_the_login_fails(
    production_like: Flask, imap_server: ImapServer
) -> None:
    production_like.config.update(
        CITIZENCARE_IMAP_HOST=imap_server.host,
        CITIZENCARE_IMAP_PORT=imap_server.port,
        CITIZENCARE_IMAP_SECURITY="none",
        CITIZENCARE_IMAP_USERNAME=imap_server.username,
        CITIZENCARE_IMAP_PASSWORD=imap_server.password,
    )
    code, output = doctor(production_like)
    assert code == 0, output
    assert line(output, "imap").startswith("ok ") and "login to" in line(output, "imap")

    production_like.config["CITIZENCARE_IMAP_PASSWORD"] = "wrong-password"
    code, output = doctor(production_like)
    assert code == 0, output
    imap = line(output, "imap")
    assert imap.startswith("WARNING ") and "refused" in imap
    assert "wrong-password" not in output

    production_like.config["CITIZENCARE_IMAP_PORT"] = free_port()
    code, output = doctor(production_like)
    assert code == 0 and line(output, "imap").startswith("WARNING ")
    assert "cannot connect" in line(output, "imap")


def test_doctor_still_fails_on_a_problem_besides_the_warnings(production_like: Flask, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    production_like.config.update(SECRET_KEY=DEV_SECRET_KEY)
    production_like.extensions["citizencare"].photo_store.root = blocker / "photos"
    code, output = doctor(production_like)
    assert code == 1
    assert line(output, "photos").startswith("PROBLEM ") and line(output, "secret key").startswith("WARNING ")
