"""The outbox as administrators see it: how much mail waits, and the dead letters to send again."""

from __future__ import annotations

from datetime import datetime

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError

from ...context import db_session
from ...i18n import gettext as _
from ...i18n import ngettext
from ...models.base import utcnow
from ...parsing import InputError, parse_id
from ...services.mail.outbox import dead_letter_page, outbox_health, retry_dead
from .forms import CsrfForm

PAGE_SIZE = 50
_MAX_IDS = 1000


def _positive_int(value: str | None) -> int | None:
    """A database id from a form or query string; ``None`` if it is not one."""
    try:
        return parse_id(value)
    except InputError:
        return None


def outbox() -> ResponseReturnValue:
    if not g.cc_actor.is_admin:
        abort(403)
    session = db_session()
    csrf = CsrfForm()
    error, status = None, 200
    if request.method == "POST":
        if not csrf.validate():
            raise CSRFError(_("The form has expired"))
        raw = request.form.getlist("mail")
        ids = [_positive_int(value) for value in raw]
        if not raw:
            error, status = _("Choose at least one mail to send again."), 400
        elif len(raw) > _MAX_IDS or None in ids:
            error, status = _("The chosen mails are not valid. Nothing was changed."), 400
        else:
            put_back = retry_dead(session, [i for i in ids if i is not None], now=utcnow())
            if not put_back:
                error, status = (
                    _("None of the chosen mails is a dead letter any more. Nothing was changed."),
                    400,
                )
            else:
                flash(
                    ngettext(
                        "%(num)d mail will be sent again.", "%(num)d mails will be sent again.", len(put_back)
                    ),
                    "success",
                )
                skipped = len(set(ids)) - len(put_back)
                if skipped:
                    flash(
                        ngettext(
                            "%(num)d chosen mail was not a dead letter any more and was left alone.",
                            "%(num)d chosen mails were not dead letters any more and were left alone.",
                            skipped,
                        ),
                        "error",
                    )
                return redirect(url_for(".outbox"), code=303)
    before = _positive_int(request.args.get("before"))
    now: datetime = utcnow()
    rows, next_before = dead_letter_page(session, before=before, limit=PAGE_SIZE)
    return render_template(
        "citizencare/staff/outbox.html",
        health=outbox_health(session, now=now),
        now=now,
        rows=rows,
        next_before=next_before,
        first_page=before is None,
        csrf=csrf,
        error=error,
    ), status
