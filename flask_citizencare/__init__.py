"""flask-citizencare: citizen care for municipal Flask sites."""

from __future__ import annotations

from .database import engine_options_for
from .errors import ConfigurationError
from .extension import CitizenCare, CitizenCareState, state
from .storage import LocalPhotoStore, PhotoStore

__all__ = [
    "CitizenCare",
    "CitizenCareState",
    "ConfigurationError",
    "LocalPhotoStore",
    "PhotoStore",
    "engine_options_for",
    "state",
]
