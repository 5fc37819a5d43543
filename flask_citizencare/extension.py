"""The ``CitizenCare`` extension object."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy

from . import config
from .babel_setup import setup_babel
from .blueprints import blueprint
from .blueprints.layout_check import check_layout
from .cli import citizencare_cli
from .context import CitizenCareState, Geocoder, HostHooks, ReverseGeocoder, UserFactory
from .database.engine import prepare_database
from .database.host_migrations import install_when_ready
from .errors import ConfigurationError
from .logs import install as install_logging
from .roles import RoleLoader
from .services.suggestion_records import connect_receivers as connect_suggestion_receivers
from .settings import AppSettings
from .storage import LocalPhotoStore, PhotoStore
from .tokens import check_secret_key
from .user_info import UserInfoHook
from .web.limiter import build as build_rate_limiter
from .web.metrics import install as install_metrics


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
        #: Shared with the state of every app this object is initialised on.
        self.hooks = HostHooks(role_loader=role_loader)
        if app is not None:
            self.init_app(app)

    # -- host hooks ---------------------------------------------------------

    def role_loader(self, callback: RoleLoader) -> RoleLoader:
        """Decorator: ``callback(user) -> iterable of role names`` maps host users to our roles."""
        return self.hooks.role_loader(callback)

    def geocoder(self, callback: Geocoder) -> Geocoder:
        """Decorator: ``callback(address) -> (lat, lon) | None``. No network call happens by default."""
        return self.hooks.geocoder(callback)

    def reverse_geocoder(self, callback: ReverseGeocoder) -> ReverseGeocoder:
        """Decorator: ``callback(lat, lon) -> address | None``."""
        return self.hooks.reverse_geocoder(callback)

    def user_info(self, callback: UserInfoHook) -> UserInfoHook:
        """Decorator: ``callback(user) -> UserInfo | None``, a logged-in user's name, e-mail, phone, locale.

        They pre-fill our forms, pick the page language and name staff members.
        Without it :func:`~flask_citizencare.user_info.default_user_info` reads
        the usual attributes (``display_name`` ... ``username``, ``email``,
        ``phone``, ``locale``); ``None`` means nothing is known.
        """
        return self.hooks.user_info(callback)

    def user_factory(self, callback: UserFactory) -> UserFactory:
        """Decorator: create (or find) a host account; used by ``demo-data`` and ``staff add``.

        ``callback(username, display_name, email, password)`` returns the new
        user's id as Flask-Login's ``get_id()`` would. Without it, staff rows
        are created for user ids that the host must provide itself.
        """
        return self.hooks.user_factory(callback)

    # -- set-up -------------------------------------------------------------

    def init_app(self, app: Flask, *, db: SQLAlchemy | None = None) -> None:
        if "citizencare" in app.extensions:
            raise RuntimeError("CitizenCare is already initialised on this app; use that instance.")
        db = db or self.db or (app.extensions.get("sqlalchemy"))
        if db is None:
            raise ConfigurationError("CitizenCare needs Flask-SQLAlchemy: pass CitizenCare(app, db=db)")

        config.check_unknown_keys(app.config)
        config.apply_defaults(app.config)
        settings = AppSettings(app.config, config.check_values(app.config))
        rate_limiter = build_rate_limiter(app.config)

        check_secret_key(app)
        backend = prepare_database(app, db)
        app.extensions["citizencare"] = CitizenCareState(
            db=db,
            hooks=self.hooks,
            backend=backend,
            photo_store=app.config["CITIZENCARE_PHOTO_STORAGE"] or self.photo_store or _default_store(app),
            app_settings=settings,
            rate_limiter=rate_limiter,
        )
        setup_babel(app)
        install_logging(app)
        if not hasattr(app, "login_manager"):
            # A site without accounts still works: everybody is an anonymous citizen.
            manager = LoginManager(app)
            manager.user_loader(lambda user_id: None)

        # The host's own `flask db migrate` must not see (and propose to drop) our tables.
        install_when_ready(app)

        app.cli.add_command(citizencare_cli)
        # Before the blueprints: the scrape's route is only added when the metrics are on.
        install_metrics(app)
        connect_suggestion_receivers()

        if app.config["CITIZENCARE_REGISTER_BLUEPRINTS"]:
            app.register_blueprint(blueprint, url_prefix=app.config["CITIZENCARE_URL_PREFIX"] or None)
        # Now if the layout is already there; otherwise on the first request to our pages.
        check_layout(app, at_start_up=True)


def _default_store(app: Flask) -> PhotoStore:
    folder = app.config["CITIZENCARE_PHOTO_DIR"] or Path(app.instance_path) / "citizencare-photos"
    return LocalPhotoStore(folder)
