"""A small generated history and a suggestion model trained on it, for the suggestion tests."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask

from flask_citizencare.context import db_session
from flask_citizencare.demo import load_demo
from flask_citizencare.models import SuggestionModelRecord
from flask_citizencare.services.suggestion_training import train_and_store

#: The demo's histories stop here: most of its reports are finished, the newest still open.
NOW = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)
HISTORY = 700


def load_history(app: Flask, count: int = HISTORY, seed: int = 11) -> None:
    with app.app_context():
        load_demo(count, seed=seed, now=NOW, refresh=False)


def train_small_model(app: Flask, *, count: int = HISTORY, seed: int = 0) -> SuggestionModelRecord:
    """Load ``count`` demo reports and train the model on the finished ones; returns the stored record."""
    load_history(app, count)
    with app.app_context():
        record = train_and_store(db_session(), seed=seed).record
        db_session().refresh(record)
        db_session().expunge(record)
        return record
