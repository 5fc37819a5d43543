"""The ``CitizenCare`` extension object."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from flask import Flask, current_app
from flask_login import LoginManager, current_user
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import Session

from . import config
from .database import prepare_database
from .domain.lifecycle import STAFF_ROLES, Role
from .errors import ConfigurationError
from .host_migrations import install_when_ready
from .i18n import setup_babel
from .layout import LayoutReport, check_layout
from .ratelimit import RateLimiter
from .ratelimit import build as build_rate_limiter
from .roles import RoleLoader, normalise, staff_table_roles
from .storage import LocalPhotoStore, PhotoStore
from .tokens import check_secret_key
from .user_info import UserInfoHook, default_user_info

Geocoder = Callable[[str], "tuple[float, float] | None"]
#: ``(username, display_name, email, password) -> host user id``: creates an account in the host.
UserFactory = Callable[[str, str, str, str], str]


@dataclass
class CitizenCareState:
    """What the extension keeps per application, in ``app.extensions["citizencare"]``."""

    extension: CitizenCare
    db: SQLAlchemy
    backend: str
    photo_store: PhotoStore
    #: None when ``CITIZENCARE_RATELIMIT_ENABLED`` is off.
    rate_limiter: RateLimiter | None = None
    #: What the host's layout offers our pages; None until checked (:mod:`.layout`).
    layout: LayoutReport | None = None

    # Hooks are read from the extension on every use, so a host may register
    # them with the decorators before or after ``init_app``.
    @property
    def role_loader(self) -> RoleLoader:
        return self.extension._role_loader or staff_table_roles(self.db)

    @property
    def user_info(self) -> UserInfoHook:
        """The host's ``@citizencare.user_info`` hook, else our ``default_user_info``."""
        return self.extension._user_info or default_user_info

    @property
    def user_factory(self) -> UserFactory | None:
        return self.extension._user_factory

    @property
    def geocoder(self) -> Geocoder | None:
        return self.extension._geocoder

    @property
    def reverse_geocoder(self) -> Callable[[float, float], str | None] | None:
        return self.extension._reverse_geocoder

    def roles_for(self, user: Any) -> frozenset[Role]:
        return normalise(self.role_loader(user))


class CitizenCare:
    """Citizen care for a Flask site.

    ::

        db = SQLAlchemy()
        citizencare = CitizenCare()

        def create_app():
            app = Flask(__name__)
            app.config["CITIZENCARE_URL_PREFIX"] = "/segnalazioni"
            db.init_app(app)
            citizencare.init_app(app, db=db)
            return app

    Keyword options given here apply to every app this object is initialised
    on; ``init_app`` may override them per app. ``db`` is the host's
    Flask-SQLAlchemy instance (the one registered on the app if omitted).
    """

    def __init__(
        self,
        app: Flask | None = None,
        *,
        db: SQLAlchemy | None = None,
        photo_store: PhotoStore | None = None,
        role_loader: RoleLoader | None = None,
    ) -> None:
        self.db = db
        self.photo_store = photo_store
        self._role_loader = role_loader
        self._geocoder: Geocoder | None = None
        self._reverse_geocoder: Callable[[float, float], str | None] | None = None
        self._user_factory: UserFactory | None = None
        self._user_info: UserInfoHook | None = None
        if app is not None:
            self.init_app(app)

    # -- host hooks ---------------------------------------------------------

    def role_loader(self, callback: RoleLoader) -> RoleLoader:
        """Decorator: ``callback(user) -> iterable of role names`` maps host users to our roles."""
        self._role_loader = callback
        return callback

    def geocoder(self, callback: Geocoder) -> Geocoder:
        """Decorator: ``callback(address) -> (lat, lon) | None``. No network call happens by default."""
        self._geocoder = callback
        return callback

    def reverse_geocoder(
        self, callback: Callable[[float, float], str | None]
    ) -> Callable[[float, float], str | None]:
        """Decorator: ``callback(lat, lon) -> address | None``."""
        self._reverse_geocoder = callback
        return callback

    def user_info(self, callback: UserInfoHook) -> UserInfoHook:
        """Decorator: ``callback(user) -> UserInfo | None``, a logged-in user's name, e-mail, phone, locale.

        They pre-fill our forms, pick the page language and name staff members.
        Without it :func:`~flask_citizencare.user_info.default_user_info` reads
        the usual attributes (``display_name`` ... ``username``, ``email``,
        ``phone``, ``locale``); ``None`` means nothing is known.
        """
        self._user_info = callback
        return callback

    def user_factory(self, callback: UserFactory) -> UserFactory:
        """Decorator: create (or find) a host account; used by ``demo-data`` and ``staff add``.

        ``callback(username, display_name, email, password)`` returns the new
        user's id as Flask-Login's ``get_id()`` would. Without it, staff rows
        are created for user ids that the host must provide itself.
        """
        self._user_factory = callback
        return callback

    # -- set-up -------------------------------------------------------------

    def init_app(self, app: Flask, *, db: SQLAlchemy | None = None) -> None:
        if "citizencare" in app.extensions:
            raise RuntimeError("CitizenCare is already initialised on this app; use that instance.")
        db = db or self.db or (app.extensions.get("sqlalchemy"))
        if db is None:
            raise ConfigurationError("CitizenCare needs Flask-SQLAlchemy: pass CitizenCare(app, db=db)")

        config.check_unknown_keys(app.config)
        config.apply_defaults(app.config)
        config.check_values(app.config)
        rate_limiter = build_rate_limiter(app.config)

        check_secret_key(app)
        backend = prepare_database(app, db)
        app.extensions["citizencare"] = CitizenCareState(
            extension=self,
            db=db,
            backend=backend,
            photo_store=app.config["CITIZENCARE_PHOTO_STORAGE"] or self.photo_store or _default_store(app),
            rate_limiter=rate_limiter,
        )
        setup_babel(app)
        if not hasattr(app, "login_manager"):
            # A site without accounts still works: everybody is an anonymous citizen.
            manager = LoginManager(app)
            manager.user_loader(lambda user_id: None)

        # The host's own `flask db migrate` must not see (and propose to drop) our tables.
        install_when_ready(app)

        from .cli import citizencare_cli

        app.cli.add_command(citizencare_cli)

        if app.config["CITIZENCARE_REGISTER_BLUEPRINTS"]:
            from .blueprints import blueprint

            app.register_blueprint(blueprint, url_prefix=app.config["CITIZENCARE_URL_PREFIX"] or None)
        # Now if the layout is already there; otherwise on the first request to our pages.
        check_layout(app, at_start_up=True)


def _default_store(app: Flask) -> PhotoStore:
    folder = app.config["CITIZENCARE_PHOTO_DIR"] or Path(app.instance_path) / "citizencare-photos"
    return LocalPhotoStore(folder)


def state(app: Flask | None = None) -> CitizenCareState:
    """The extension's state on ``app`` (the current app by default)."""
    app = app or current_app
    try:
        return app.extensions["citizencare"]  # type: ignore[no-any-return]
    except KeyError:
        raise RuntimeError("CitizenCare is not initialised on this app") from None


def db_session() -> Session:
    """The host's Flask-SQLAlchemy session (a scoped session, typed as the session it proxies)."""
    return cast(Session, state().db.session)


def app_object() -> Flask:
    """The real app behind ``current_app``: signals are sent with it as sender."""
    return current_app._get_current_object()  # type: ignore[attr-defined,no-any-return]


def current_roles() -> frozenset[Role]:
    """Roles of the user of this request."""
    return state().roles_for(current_user._get_current_object() if current_user else None)


def is_staff(roles: Iterable[Role]) -> bool:
    return bool(STAFF_ROLES & set(roles))
