"""Comune di Esempio: a small municipal site that embeds flask-citizencare.

Run it with ``flask --app example_site run`` after
``flask --app example_site citizencare db upgrade``. Settings come from the
environment and the instance folder (see :mod:`example_site.config`); outside
debug mode it needs a ``SECRET_KEY``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from flask_citizencare import ConfigurationError, apply_security_headers, engine_options_for
from flask_citizencare.babel_setup import select_locale

from . import accounts  # noqa: F401  (user loader and the extension's user factory)
from . import config as settings
from .extensions import babel, citizencare, csrf, db, limiter, login_manager

TEMPLATES = Path(__file__).resolve().parent / "templates"

__all__ = ["citizencare", "create_app", "db"]


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, template_folder=str(TEMPLATES))

    # Configuration: defaults, the instance folder, the environment, then the caller's overrides.
    app.config.from_mapping(settings.DEFAULTS)
    stored_key = settings.instance_secret_key(app.instance_path)
    if stored_key:
        app.config["SECRET_KEY"] = stored_key
    app.config.update(settings.from_environment(os.environ))
    if test_config:
        app.config.update(test_config)
    _secret_key(app)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = settings.default_database_url(app.instance_path)
    # SQLite needs a DBAPI module that can load SpatiaLite; choose it before the engine exists.
    engine_options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    for key, value in engine_options_for(app.config["SQLALCHEMY_DATABASE_URI"]).items():
        engine_options.setdefault(key, value)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options

    # Extensions; Babel before CitizenCare, which adds its catalog to this Babel.
    db.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    citizencare.init_app(app, db=db)

    from .cli import site_cli
    from .demo_mail import blueprint as demo_blueprint
    from .views import blueprint, register_error_handlers

    app.register_blueprint(blueprint)
    # The demo mailbox answers 404 unless SITE_DEMO_MAILBOX is set (make demo only).
    app.register_blueprint(demo_blueprint)
    register_error_handlers(app)
    # The site's own pages get the extension's security headers too (its pages have them already).
    app.after_request(apply_security_headers)
    app.cli.add_command(site_cli)
    proxies = app.config["SITE_TRUSTED_PROXIES"]
    if proxies:
        # The client's address (rate limits, monitoring networks), scheme and host as the proxies saw them.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)  # type: ignore[method-assign]

    if app.config["SITE_CREATE_TABLES"]:
        with app.app_context():
            # Only the site's own tables: the extension's come from its migrations.
            db.create_all()
    return app


def _secret_key(app: Flask) -> None:
    """Without a key, debug mode and tests use the public development key; anything else stops."""
    if app.config.get("SECRET_KEY"):
        return
    if not (app.debug or app.testing):
        raise ConfigurationError(
            "SECRET_KEY is not set: export SECRET_KEY=<a random value> or write one into "
            f"{Path(app.instance_path) / settings.SECRET_KEY_FILE} (make demo does), e.g. "
            "python3 -c 'import secrets; print(secrets.token_hex(32))'"
        )
    app.config["SECRET_KEY"] = settings.DEV_SECRET_KEY
    app.logger.warning("SECRET_KEY is not set: using the public development key (debug mode only)")
