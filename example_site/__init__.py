"""Comune di Esempio: a small municipal site that embeds flask-citizencare.

Run it with ``flask --app example_site run`` after
``flask --app example_site citizencare db upgrade``. Settings come from the
environment (see :mod:`example_site.config`).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

from flask_citizencare import apply_security_headers, engine_options_for
from flask_citizencare.i18n import select_locale

from . import accounts  # noqa: F401  (user loader and the extension's user factory)
from . import config as settings
from .extensions import babel, citizencare, csrf, db, login_manager

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

__all__ = ["citizencare", "create_app", "db"]


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, template_folder=str(TEMPLATES))

    # Configuration: defaults, then the environment, then the caller's overrides.
    app.config.from_mapping(settings.DEFAULTS)
    app.config.update(settings.from_environment(os.environ))
    if test_config:
        app.config.update(test_config)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = settings.default_database_url(app.instance_path)
    # SQLite needs a DBAPI module that can load SpatiaLite; choose it before the engine exists.
    engine_options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    for key, value in engine_options_for(app.config["SQLALCHEMY_DATABASE_URI"]).items():
        engine_options.setdefault(key, value)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options
    if app.config["SECRET_KEY"] == settings.DEV_SECRET_KEY and not (app.debug or app.testing):
        app.logger.warning("SECRET_KEY is not set: using the development key; set it in production")

    # Extensions; Babel before CitizenCare, which adds its catalog to this Babel.
    db.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    csrf.init_app(app)
    citizencare.init_app(app, db=db)

    from .cli import site_cli
    from .views import blueprint, register_error_handlers

    app.register_blueprint(blueprint)
    register_error_handlers(app)
    # The site's own pages get the extension's security headers too (its pages have them already).
    app.after_request(apply_security_headers)
    app.cli.add_command(site_cli)

    if app.config["SITE_CREATE_TABLES"]:
        with app.app_context():
            # Only the site's own tables: the extension's come from its migrations.
            db.create_all()
    return app
