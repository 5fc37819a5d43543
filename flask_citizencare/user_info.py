"""What we know about a host user: name, e-mail, phone, locale.

The host owns its user model, and models differ (``username`` and ``email``
only, ``first_name`` and ``last_name``, ``full_name``...). Everything that
needs those details (pre-filled forms, the page language, the staff row made
for a staff user) asks :func:`~flask_citizencare.context.user_info_of`, so
there is one rule: the host's ``@citizencare.user_info`` hook when it registered one, else
:func:`default_user_info`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

#: Attributes read by :func:`default_user_info`, in order; the first one set wins.
NAME_ATTRIBUTES = ("display_name", "full_name", "name")
EMAIL_ATTRIBUTES = ("email", "email_address", "mail")
PHONE_ATTRIBUTES = ("phone", "phone_number", "telephone")
LOCALE_ATTRIBUTES = ("locale", "language")


@dataclass(frozen=True)
class UserInfo:
    """Contact details of a host user; ``None`` is "not known" (the field stays empty)."""

    name: str | None = None
    email: str | None = None
    phone: str | None = None
    #: A language code such as ``"en"`` or ``"it_IT"``; used only if it is one we offer.
    locale: str | None = None

    def __post_init__(self) -> None:
        for field in ("name", "email", "phone", "locale"):
            object.__setattr__(self, field, _text(getattr(self, field)))


#: ``callback(user) -> UserInfo | None``; called for logged-in users only, ``None`` = nothing known.
UserInfoHook = Callable[[Any], "UserInfo | None"]


def _text(value: Any) -> str | None:
    """A non-empty string (stripped), else None; locales and other objects become their ``str``."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _first(user: Any, attributes: tuple[str, ...]) -> str | None:
    for attribute in attributes:
        if (text := _text(getattr(user, attribute, None))) is not None:
            return text
    return None


def default_user_info(user: Any) -> UserInfo:
    """What a user object's usual attributes tell, when the host registered no hook.

    - name: ``display_name``, ``full_name``, ``name``, then ``first_name`` +
      ``last_name``, then ``username``;
    - e-mail: ``email``, ``email_address``, ``mail``;
    - phone: ``phone``, ``phone_number``, ``telephone``;
    - locale: ``locale``, ``language``.
    """
    name = _first(user, NAME_ATTRIBUTES)
    if name is None:
        parts = [_text(getattr(user, a, None)) for a in ("first_name", "last_name")]
        name = " ".join(p for p in parts if p) or _first(user, ("username",))
    return UserInfo(
        name=name,
        email=_first(user, EMAIL_ATTRIBUTES),
        phone=_first(user, PHONE_ATTRIBUTES),
        locale=_first(user, LOCALE_ATTRIBUTES),
    )
