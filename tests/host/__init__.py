"""A minimal host site, unlike the example site: its own user model and layout.

Tests use it to check that the extension embeds in any Flask site.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask_login import LoginManager, UserMixin
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import Mapped, mapped_column

from flask_citizencare import CitizenCare

HERE = Path(__file__).parent
host_db = SQLAlchemy()


class HostUser(host_db.Model, UserMixin):  # type: ignore[name-defined,misc]
    __tablename__ = "host_people"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(200), unique=True)
    roles: Mapped[str] = mapped_column(sa.String(200), default="")


def make_host_app(
    database_url: str,
    *,
    template_folder: Path = HERE / "templates",
    db: SQLAlchemy | None = None,
    **config: Any,
) -> Flask:
    app = Flask(__name__, template_folder=str(template_folder))
    app.config.update(
        {
            "SECRET_KEY": "host-secret",
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "CITIZENCARE_BASE_TEMPLATE": "host/layout.html",
            "CITIZENCARE_MUNICIPALITY_NAME": "Comune di Prova",
            # Tests post forms at once: the bot trap's minimum fill time is tested on its own.
            "CITIZENCARE_FORM_MIN_SECONDS": 0,
            # Tests run the recompute of due times themselves, deterministically.
            "CITIZENCARE_SLA_RECOMPUTE_IN_BACKGROUND": False,
            # The suite's form tests post the one-page form; the three steps have their own tests
            # (tests/test_report_steps.py), which set CITIZENCARE_REPORT_FLOW="steps".
            "CITIZENCARE_REPORT_FLOW": "single",
            **config,
        }
    )
    db = db or host_db
    db.init_app(app)
    login = LoginManager(app)
    login.user_loader(lambda user_id: db.session.get(HostUser, int(user_id)))
    citizencare = CitizenCare(app, db=db)

    @citizencare.role_loader
    def roles(user: Any) -> list[str]:
        return (getattr(user, "roles", "") or "citizen").split()

    with app.app_context():
        HostUser.__table__.create(db.engine, checkfirst=True)
    return app
