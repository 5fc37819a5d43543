"""flask-citizencare: citizen care for municipal Flask sites."""

from __future__ import annotations

from .context import CitizenCareState, state
from .database.engine import engine_options_for
from .database.host_migrations import alembic_filters, include_name, include_object
from .errors import ConfigurationError
from .extension import CitizenCare
from .i18n import chosen_locale
from .security_headers import apply_security_headers, csp_nonce
from .storage import LocalPhotoStore, PhotoStore
from .user_info import UserInfo

__all__ = [
    "CitizenCare",
    "CitizenCareState",
    "ConfigurationError",
    "LocalPhotoStore",
    "PhotoStore",
    "UserInfo",
    "alembic_filters",
    "apply_security_headers",
    "chosen_locale",
    "csp_nonce",
    "engine_options_for",
    "include_name",
    "include_object",
    "state",
]
