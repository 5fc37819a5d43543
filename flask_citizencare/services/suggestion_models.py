"""The suggestion model in use: stored by the training command, loaded once per process, refused when stale.

The newest row of ``cc_suggestion_models`` is the model. Each use reads that
row's id and the catalogue's codes (two small queries); the unpickled model is
kept per app and reused while the id stays the same, so a nightly retraining
reaches every process at its next request. A model trained for another
catalogue (categories or offices added, removed, deactivated since) is refused
with a clear message, and everything works as without suggestions until
``flask citizencare suggest train`` runs again.
"""

from __future__ import annotations

import logging
import pickle
import threading
import weakref
import zlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from ..context import app_object
from ..domain.suggest.model import FORMAT, SuggestionModel, catalogue_fingerprint
from ..domain.suggest.profile_cache import ProfileCache
from ..i18n import gettext as _
from ..models import Category, Office, SuggestionModelRecord
from ..models.base import utcnow

logger = logging.getLogger(__name__)

#: Older models are deleted when a new one is stored; these many stay (the newest is used).
KEPT_MODELS = 3


@dataclass(frozen=True)
class LoadedModel:
    """The model in use with the ids of the catalogue entries its codes name."""

    version: int
    method: str
    trained_at: datetime
    cases: int
    model: SuggestionModel
    category_ids: dict[str, int]
    office_ids: dict[str, int]
    #: The profiles of the texts this process compared lately with this model (the open reports).
    profiles: ProfileCache


@dataclass(frozen=True)
class ModelStatus:
    """What ``suggest status``, ``doctor`` and the dashboard say of the model."""

    version: int | None = None
    method: str | None = None
    trained_at: datetime | None = None
    cases: int = 0
    metrics: dict[str, Any] | None = None
    #: Why the stored model is not used (None: it is, or there is none).
    problem: str | None = None

    @property
    def usable(self) -> bool:
        return self.version is not None and self.problem is None


_CACHE: weakref.WeakKeyDictionary[Flask, tuple[int, ProfileCache]] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def current_codes(session: Session) -> tuple[dict[str, int], dict[str, int]]:
    """The active categories' and offices' ``code -> id``: the catalogue a model must match."""
    categories = dict(session.execute(sa.select(Category.code, Category.id).where(Category.active)).all())
    offices = dict(session.execute(sa.select(Office.code, Office.id).where(Office.active)).all())
    return categories, offices


def _newest(session: Session) -> Any:
    return session.execute(
        sa.select(
            SuggestionModelRecord.id,
            SuggestionModelRecord.version,
            SuggestionModelRecord.method,
            SuggestionModelRecord.format,
            SuggestionModelRecord.fingerprint,
            SuggestionModelRecord.trained_at,
            SuggestionModelRecord.cases,
            SuggestionModelRecord.metrics,
        )
        .order_by(SuggestionModelRecord.version.desc())
        .limit(1)
    ).first()


def _problem(row: Any, categories: dict[str, int], offices: dict[str, int]) -> str | None:
    if row.format != FORMAT:
        return _(
            "The suggestion model %(version)s was stored by another release: "
            "train it again with flask citizencare suggest train.",
            version=row.version,
        )
    if row.fingerprint != catalogue_fingerprint(list(categories), list(offices)):
        return _(
            "The suggestion model %(version)s was trained on another version of the catalogue "
            "(categories or offices changed since): train it again with flask citizencare suggest train.",
            version=row.version,
        )
    return None


def model_status(session: Session) -> ModelStatus:
    row = _newest(session)
    if row is None:
        return ModelStatus()
    categories, offices = current_codes(session)
    return ModelStatus(
        version=row.version,
        method=row.method,
        trained_at=row.trained_at,
        cases=row.cases,
        metrics=row.metrics,
        problem=_problem(row, categories, offices),
    )


def load_current(session: Session) -> LoadedModel | None:
    """The model to suggest with, or None (none trained, refused, or suggestions turned off)."""
    app = app_object()
    if not app.config.get("CITIZENCARE_SUGGEST_ENABLED", True):
        return None
    row = _newest(session)
    if row is None:
        return None
    categories, offices = current_codes(session)
    problem = _problem(row, categories, offices)
    if problem is not None:
        logger.warning("suggestions off: %s", problem)
        return None
    profiles = _cached(app, session, row.id)
    if profiles is None:
        return None
    model = profiles.model
    return LoadedModel(
        version=row.version,
        method=row.method,
        trained_at=row.trained_at,
        cases=row.cases,
        model=model,
        category_ids={code: categories[code] for code in model.categories if code in categories},
        office_ids={code: offices[code] for code in model.offices if code in offices},
        profiles=profiles,
    )


def _cached(app: Flask, session: Session, record_id: int) -> ProfileCache | None:
    """The stored model ``record_id`` unpickled once per app, with its cache of profiles."""
    cached = _CACHE.get(app)
    if cached is not None and cached[0] == record_id:
        return cached[1]
    with _LOCK:
        cached = _CACHE.get(app)
        if cached is not None and cached[0] == record_id:
            return cached[1]
        payload = session.scalar(
            sa.select(SuggestionModelRecord.payload).where(SuggestionModelRecord.id == record_id)
        )
        if payload is None:
            return None
        try:
            model = decode(payload)
        except Exception:  # a damaged row must not break the pages that suggest
            logger.exception("the suggestion model %s cannot be read", record_id)
            return None
        profiles = ProfileCache(model)
        _CACHE[app] = (record_id, profiles)
        return profiles


def encode(model: SuggestionModel) -> bytes:
    return zlib.compress(pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL), 6)


def decode(payload: bytes) -> SuggestionModel:
    model = pickle.loads(zlib.decompress(payload))  # noqa: S301 - written by our training command only
    if not isinstance(model, SuggestionModel):
        raise TypeError("not a suggestion model")
    return model


def store(
    session: Session,
    model: SuggestionModel,
    *,
    training_seconds: float = 0.0,
    metrics: dict[str, Any] | None = None,
    fingerprint: str | None = None,
) -> SuggestionModelRecord:
    """Keep ``model`` as the newest version (committed by the caller); older ones beyond the last few go.

    ``fingerprint``: the catalogue it was trained for; by default the current
    catalogue's (the training command reads the history and the catalogue in
    one transaction).
    """
    if fingerprint is None:
        categories, offices = current_codes(session)
        fingerprint = catalogue_fingerprint(list(categories), list(offices))
    last = session.scalar(sa.select(sa.func.max(SuggestionModelRecord.version))) or 0
    payload = encode(model)
    record = SuggestionModelRecord(
        version=last + 1,
        method=model.method,
        format=model.format,
        fingerprint=fingerprint,
        categories=list(model.categories),
        offices=list(model.offices),
        cases=model.cases,
        seed=model.seed,
        trained_at=utcnow(),
        training_seconds=round(training_seconds, 3),
        metrics=metrics or {},
        size=len(payload),
        payload=payload,
    )
    session.add(record)
    session.flush()
    stale = session.scalars(
        sa.select(SuggestionModelRecord.id).order_by(SuggestionModelRecord.version.desc()).offset(KEPT_MODELS)
    ).all()
    if stale:
        session.execute(sa.delete(SuggestionModelRecord).where(SuggestionModelRecord.id.in_(stale)))
    return record
