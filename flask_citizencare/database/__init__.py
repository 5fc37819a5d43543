"""The spatial database under the host's Flask-SQLAlchemy: engine set-up, spatial SQL, our migrations."""

from __future__ import annotations

from .engine import engine_options_for, prepare_database

__all__ = ["engine_options_for", "prepare_database"]
