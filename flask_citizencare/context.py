"""Where the rest of the package finds the extension's per-app state (like Flask's ``globals.py``).

Everything below :mod:`.extension` imports its ``state()``, ``db_session()``,
``app_object()`` and ``current_roles()`` from here, so that the extension
object itself can import the CLI and the blueprints at the top of its module
and sit on the top floor of the import graph.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, cast

from flask import Flask, current_app, has_request_context
from flask_login import current_user
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import Session

from .domain.lifecycle import STAFF_ROLES, Role
from .roles import RoleLoader, normalise, staff_table_roles
from .settings import AppSettings, Settings
from .storage.base import PhotoStore
from .user_info import UserInfo, UserInfoHook, default_user_info
from .web.layout import LayoutReport
from .web.limiter import RateLimiter

__all__ = [
    "CitizenCareState",
    "Geocoder",
    "HostHooks",
    "ReverseGeocoder",
    "UserFactory",
    "app_object",
    "current_roles",
    "current_user_info",
    "db_session",
    "is_staff",
    "state",
    "user_info_of",
]

Geocoder = Callable[[str], "tuple[float, float] | None"]
ReverseGeocoder = Callable[[float, float], "str | None"]
#: ``(username, display_name, email, password) -> host user id``: creates an account in the host.
UserFactory = Callable[[str, str, str, str], str]


class HostHooks:
    """The callbacks a host registers, with the decorators that register them.

    One object, shared by the extension (whose decorators of the same names
    register here) and the state of every app it is initialised on, so a host
    may register a hook before or after ``init_app``. What is not registered
    is None; :class:`CitizenCareState` supplies the defaults.
    """

    def __init__(self, role_loader: RoleLoader | None = None) -> None:
        self._role_loader = role_loader
        self._geocoder: Geocoder | None = None
        self._reverse_geocoder: ReverseGeocoder | None = None
        self._user_factory: UserFactory | None = None
        self._user_info: UserInfoHook | None = None

    def role_loader(self, callback: RoleLoader) -> RoleLoader:
        self._role_loader = callback
        return callback

    def geocoder(self, callback: Geocoder) -> Geocoder:
        self._geocoder = callback
        return callback

    def reverse_geocoder(self, callback: ReverseGeocoder) -> ReverseGeocoder:
        self._reverse_geocoder = callback
        return callback

    def user_factory(self, callback: UserFactory) -> UserFactory:
        self._user_factory = callback
        return callback

    def user_info(self, callback: UserInfoHook) -> UserInfoHook:
        self._user_info = callback
        return callback


@dataclass
class CitizenCareState:
    """What the extension keeps per application, in ``app.extensions["citizencare"]``."""

    db: SQLAlchemy
    backend: str
    photo_store: PhotoStore
    #: The app's settings as parsed at ``init_app``; read them as :attr:`settings`.
    app_settings: AppSettings
    hooks: HostHooks = field(default_factory=HostHooks)
    #: None when ``CITIZENCARE_RATELIMIT_ENABLED`` is off.
    rate_limiter: RateLimiter | None = None
    #: What the host's layout offers our pages; None until checked (:mod:`.layout`).
    layout: LayoutReport | None = None

    @property
    def settings(self) -> Settings:
        """The parsed settings: the area, time zone, calendar... (parsed again if ``app.config`` changed)."""
        return self.app_settings.current()

    @property
    def role_loader(self) -> RoleLoader:
        return self.hooks._role_loader or staff_table_roles(self.db)

    @property
    def host_maps_roles(self) -> bool:
        """Whether the host decides roles with its own ``role_loader`` (our staff table's role unused)."""
        return self.hooks._role_loader is not None

    @property
    def user_info(self) -> UserInfoHook:
        """The host's ``@citizencare.user_info`` hook, else our ``default_user_info``."""
        return self.hooks._user_info or default_user_info

    @property
    def user_factory(self) -> UserFactory | None:
        return self.hooks._user_factory

    @property
    def geocoder(self) -> Geocoder | None:
        return self.hooks._geocoder

    @property
    def reverse_geocoder(self) -> ReverseGeocoder | None:
        return self.hooks._reverse_geocoder

    def roles_for(self, user: Any) -> frozenset[Role]:
        return normalise(self.role_loader(user))


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


def _is_logged_in(user: Any) -> bool:
    return user is not None and bool(getattr(user, "is_authenticated", False))


def user_info_of(user: Any) -> UserInfo:
    """What we know about ``user``: empty for anonymous users or when the hook returns None."""
    if not _is_logged_in(user):
        return UserInfo()
    hook = state().user_info
    info = hook(user)
    if info is None:
        return UserInfo()
    if not isinstance(info, UserInfo):
        raise TypeError(f"the user_info hook must return a UserInfo or None, not {type(info).__name__}")
    return info


def current_user_info() -> UserInfo:
    """:func:`user_info_of` the user of this request (empty outside a request)."""
    if not has_request_context():
        return UserInfo()
    return user_info_of(current_user._get_current_object() if current_user else None)
