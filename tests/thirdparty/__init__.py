"""A host that looks like a typical third-party Flask application, not written for us.

It is shaped like the well-known "microblog" of the Flask Mega-Tutorial: users
with only ``username`` and ``email``, posts, Flask-Migrate with the stock
``env.py`` that ``flask db init`` writes (``migrations/``), Flask-Babel with its
own Spanish catalog and its own locale selector, and a plain Bootstrap layout
that defines nothing but a ``content`` block.

Everything between the two ``flask-citizencare`` comments in :func:`create_app`
is what the README's embedding section tells a host to add, line by line; the
rest is the application as it was before it met us.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, flash, g, redirect, render_template, request, url_for
from flask_babel import Babel
from flask_babel import get_locale as babel_locale
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, UserMixin, current_user, login_user
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import Mapped, mapped_column

from flask_citizencare import CitizenCare, chosen_locale

HERE = Path(__file__).parent
LANGUAGES = ["en", "es"]

db = SQLAlchemy()
migrate = Migrate()
login = LoginManager()
login.login_view = "login"
login.login_message = _l("Please log in to access this page.")
babel = Babel()
citizencare = CitizenCare()


class User(UserMixin, db.Model):  # type: ignore[name-defined,misc]
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), index=True, unique=True)
    email: Mapped[str] = mapped_column(sa.String(120), index=True, unique=True)
    about_me: Mapped[str | None] = mapped_column(sa.String(140))


class Post(db.Model):  # type: ignore[name-defined,misc]
    id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[str] = mapped_column(sa.String(140))
    timestamp: Mapped[datetime] = mapped_column(index=True, default=lambda: datetime.now(UTC))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey(User.id), index=True)


@login.user_loader
def load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id))


def get_locale() -> str | None:
    """The application's own selector, as the tutorial writes it."""
    return request.accept_languages.best_match(LANGUAGES)


def compile_catalog() -> None:
    """Compile the Spanish catalog (``.mo`` files are not committed, as in most projects)."""
    folder = HERE / "translations" / "es" / "LC_MESSAGES"
    with open(folder / "messages.po", "rb") as po:
        catalog = read_po(po, locale="es")
    with open(folder / "messages.mo", "wb") as mo:
        write_mo(mo, catalog)


def create_app(database_url: str, **config: Any) -> Flask:
    compile_catalog()
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY="thirdparty-host-secret-key-for-tests-only",
        TESTING=True,
        SQLALCHEMY_DATABASE_URI=database_url,
        LANGUAGES=LANGUAGES,
    )
    db.init_app(app)
    migrate.init_app(app, db, directory=str(HERE / "migrations"))
    login.init_app(app)
    # -- flask-citizencare (README, "Embedding it in your Flask site", step 2) ---
    babel.init_app(app, locale_selector=lambda: chosen_locale() or get_locale())
    app.config.update(
        CITIZENCARE_URL_PREFIX="/segnalazioni",
        CITIZENCARE_BASE_TEMPLATE="base.html",
        CITIZENCARE_MUNICIPALITY_NAME="Comune di Esempio",
        CITIZENCARE_AREA=(11.23, 44.42, 11.43, 44.56),
        CITIZENCARE_SHOW_FLASHES=False,
        CITIZENCARE_CSP={"style-src": ["https://cdn.jsdelivr.net"], "script-src": ["https://cdn.jsdelivr.net"]},
    )
    app.config.update(config)  # tests only: a test's own settings
    citizencare.init_app(app, db=db)
    # -- end of flask-citizencare ------------------------------------------------
    _add_views(app)
    return app


def _add_views(app: Flask) -> None:
    @app.route("/")
    @app.route("/index")
    def index() -> str:
        posts = db.session.scalars(sa.select(Post).order_by(Post.timestamp.desc())).all()
        return render_template("index.html", title=_l("Home"), posts=posts)

    @app.route("/login/<username>")
    def login_as(username: str) -> Any:
        """Tests log in by name (the real application has a password form)."""
        user = db.session.scalar(sa.select(User).where(User.username == username))
        if user is None:
            return "no such user", 404
        login_user(user)
        flash(str(_l("Welcome back!")))
        return redirect(request.args.get("next") or url_for("index"))

    @app.route("/login")
    def login() -> str:
        return "log in"

    @app.before_request
    def before_request() -> None:
        g.locale = str(babel_locale())

    @app.context_processor
    def user_in_templates() -> dict[str, Any]:
        return {"current_user": current_user}


def add_user(app: Flask, username: str, email: str) -> int:
    with app.app_context():
        user = User(username=username, email=email)
        db.session.add(user)
        db.session.commit()
        return user.id
