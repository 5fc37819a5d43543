"""Fixtures for the third-party host (:mod:`tests.thirdparty`), on both databases."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import flask_migrate
import pytest
from flask import Flask

from flask_citizencare.database import migrate as citizencare_migrate

from . import create_app

#: What a test host sets that a real one would not need: a test's own photo folder, forms posted at once.
#: These tests look at the form itself (prefill, layout, a host's catalog): its one-page variant,
#: which holds every field; the model's three steps are tested in test_report_steps and the README's.
TEST_CONFIG = {"CITIZENCARE_FORM_MIN_SECONDS": 0, "CITIZENCARE_REPORT_FLOW": "single"}


def migrated_app(database_url: str, photo_dir: Path, **config: object) -> Flask:
    """The host on a new database after both ``flask db upgrade`` and ``flask citizencare db upgrade``."""
    app = create_app(database_url, CITIZENCARE_PHOTO_DIR=str(photo_dir), **TEST_CONFIG, **config)
    with app.app_context(), stock_env_warnings():
        flask_migrate.upgrade()
    citizencare_migrate.upgrade(app)
    return app


@contextmanager
def stock_env_warnings() -> Iterator[None]:
    """Flask-Migrate's stock ``env.py`` calls ``db.get_engine()``, deprecated by Flask-SQLAlchemy 3.

    That warning is the host's own code, not ours (the suite turns warnings into errors).
    The same ``env.py`` runs ``logging.config.fileConfig``, which disables every logger
    that exists at that moment (ours, the apps'): in a test process they are put back
    as they were, or later tests of logged warnings would see nothing.
    """
    loggers = logging.Logger.manager.loggerDict
    disabled = {name: one.disabled for name, one in loggers.items() if isinstance(one, logging.Logger)}
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*get_engine", category=DeprecationWarning)
            yield
    finally:
        for name, was_disabled in disabled.items():
            logger = loggers.get(name)
            if isinstance(logger, logging.Logger):
                logger.disabled = was_disabled


def dispose_engines(app: Flask) -> None:
    with app.app_context():
        for engine in app.extensions["sqlalchemy"].engines.values():
            engine.dispose()


@pytest.fixture
def thirdparty_app(new_database: str, tmp_path: Path) -> Iterator[Flask]:
    """The third-party host, migrated, on a database of its own (both backends)."""
    app = migrated_app(new_database, tmp_path / "photos")
    yield app
    dispose_engines(app)
