"""The subscription forms: only the address and the bot trap are WTForms fields; the choices
(categories, district, place, frequency) are read by the views from the posted form, so a
tampered value gets the service's own message."""

from __future__ import annotations

from typing import Any

from wtforms import EmailField
from wtforms.validators import DataRequired, Email, Length, StopValidation

from ...i18n import lazy_gettext as _l
from ..public.bot_trap import BotTrap


def _trim(value: Any) -> Any:
    return value.strip(" \t") if isinstance(value, str) else value


def _single_line(form: Any, field: Any) -> None:
    if field.data and any(ord(c) < 32 or ord(c) == 127 for c in str(field.data)):
        raise StopValidation(_l("Enter a valid e-mail address, such as name@example.org."))


def _email() -> EmailField:
    return EmailField(
        _l("Your e-mail address"),
        validators=[
            DataRequired(_l("Enter your e-mail address.")),
            _single_line,
            Length(max=254, message=_l("The e-mail address is too long.")),
            Email(_l("Enter a valid e-mail address, such as name@example.org.")),
        ],
        description=_l("We send you a link to confirm. The address is never published."),
        filters=[_trim],
    )


class SubscribeForm(BotTrap):
    """Service notices or local alerts: the address; the rest is read from the form by the view."""

    trap_purpose = "subscribe"
    email = _email()


class FollowNoticeForm(BotTrap):
    """ "Follow this notice" on a notice's page."""

    trap_purpose = "follow notice"
    email = _email()
