"""A honeypot field and a minimum fill time for the citizens' forms (not the staff's).

Bots fill every field and post at once. :class:`BotTrap` adds to a form

- a field that people never see nor reach (off screen, ``aria-hidden``,
  ``tabindex=-1``, no autocomplete, labelled "leave this field empty"), and
- the time the form was shown, signed (:mod:`flask_citizencare.tokens`,
  naming the form it was made for), so that a post sooner than
  ``CITIZENCARE_FORM_MIN_SECONDS`` after it, or with the time missing or
  forged, is recognised.

A view that finds :meth:`BotTrap.caught` (after validating, so that an expired
CSRF token is still reported as such) answers as if all went well and does
nothing: the bot learns nothing to adapt to. No report, message or mail comes
of it; the drop is logged, without the form's content.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Any, ClassVar

from flask import current_app, request
from wtforms import HiddenField, StringField

from ...i18n import lazy_gettext as _l
from ...tokens import InvalidToken, Purpose, sign, verify
from ...web.forms import CitizenCareForm

log = logging.getLogger(__name__)

HONEYPOT = "website"
FORM_TIME = "form_time"


def form_time_token(purpose: str, at: float | None = None) -> str:
    """The signed time (now by default) a form of ``purpose`` was shown."""
    # Rounded down, never up: a form posted at once must not seem to be sent before it was shown.
    shown = math.floor((time.time() if at is None else at) * 10) / 10
    return sign(Purpose.FORM_TIME, {"f": purpose, "t": shown})


def shown_at(purpose: str, token: str | None) -> float | None:
    """When the form was shown, from its signed token; None if missing or forged."""
    if not token:
        return None
    try:
        payload = verify(Purpose.FORM_TIME, token)
    except InvalidToken:
        return None
    if not isinstance(payload, dict) or payload.get("f") != purpose:
        return None
    value = payload.get("t")
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


class BotTrap(CitizenCareForm):
    """Mix into a public form; render both fields with ``forms.bot_trap(form)`` (``_form.html``)."""

    #: Names the form in the signature: a time signed for one form is worthless on another.
    trap_purpose: ClassVar[str] = "form"

    website = StringField(_l("Leave this field empty"))
    form_time = HiddenField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if request.method == "GET" or not self.form_time.raw_data:
            # A fresh time for the page being shown (an answer with errors gets a new one too,
            # unless it came with one: then the person keeps the time they started at).
            self.form_time.data = form_time_token(self.trap_purpose)

    def caught(self) -> str | None:
        """Why this post looks like a bot's (``honeypot``, ``no_time``, ``too_fast``), or None.

        Call it after ``validate()``: a post whose CSRF token failed is not judged here, so a
        person whose form expired is told so instead of being dropped.
        """
        csrf = getattr(self, "csrf_token", None)
        if csrf is not None and csrf.errors:
            return None
        if (request.form.get(HONEYPOT) or "").strip():
            reason = "honeypot"
        else:
            started = shown_at(self.trap_purpose, request.form.get(FORM_TIME))
            minimum = float(current_app.config["CITIZENCARE_FORM_MIN_SECONDS"])
            if started is None:
                reason = "no_time"
            elif time.time() - started < minimum:
                reason = "too_fast"
            else:
                return None
        log.info("dropped a %s form from a bot (%s)", self.trap_purpose, reason)
        return reason
