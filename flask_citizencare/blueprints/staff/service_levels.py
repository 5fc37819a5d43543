"""Service levels per category: everyone on staff reads them, managers change them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError

from ...domain.lifecycle import Role
from ...i18n import gettext as _
from ...parsing import InputError, parse_id
from ...queries.reports import active_categories
from ...services import sla
from ...services.errors import ActionRefused
from .forms import CsrfForm

CHANNELS = ("web", "email", "phone")
LEVELS = ("1", "2")


def duration(value: timedelta | None) -> str:
    """``1h30m`` style, the same notation the settings accept."""
    if value is None:
        return "—"
    minutes = int(value.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60) if minutes % (24 * 60) == 0 else (0, minutes)
    if days:
        return f"{days}d"
    hours, mins = divmod(rest, 60)
    return (f"{hours}h" if hours else "") + (f"{mins}m" if mins else "") or "0m"


def _overrides(form: Any) -> dict[str, Any]:
    acknowledgement = {
        c: form.get(f"ack_{c}", "").strip() for c in CHANNELS if form.get(f"ack_{c}", "").strip()
    }
    resolution = {
        lvl: form.get(f"res_{lvl}", "").strip() for lvl in LEVELS if form.get(f"res_{lvl}", "").strip()
    }
    overrides: dict[str, Any] = {}
    if acknowledgement:
        overrides["acknowledgement"] = acknowledgement
    if resolution:
        overrides["resolution"] = resolution
    if form.get("complex") in ("yes", "no"):
        overrides["complex"] = form.get("complex") == "yes"
    return overrides


def service_levels() -> ResponseReturnValue:
    csrf = CsrfForm()
    manager = bool(g.cc_actor.roles & {Role.MANAGER, Role.ADMIN})
    error, status = None, 200
    if request.method == "POST":
        if not csrf.validate():
            raise CSRFError(_("The form has expired"))
        try:
            category_id = parse_id(request.form.get("category"))
        except InputError:
            category_id = -1  # no such category: the service says "choose one from the list"
        try:
            sla.set_category_sla(
                g.cc_actor, category_id, None if request.form.get("reset") else _overrides(request.form)
            )
        except ActionRefused as refusal:
            error, status = refusal.message, refusal.status_code
        else:
            flash(_("Service levels saved."), "success")
            return redirect(url_for(".service_levels"), code=303)
    rows = []
    for category in active_categories():
        terms = sla.policy(category).for_category(category.code)
        rows.append(
            {
                "category": category,
                "ack": {c: duration(terms.acknowledgement_for(c)) for c in CHANNELS},
                "res": {lvl: duration(terms.resolution_for(int(lvl), terms.complex)) for lvl in LEVELS},
                "ceiling": duration(terms.ceiling_for(terms.complex)),
                "complex": terms.complex,
            }
        )
    return render_template(
        "citizencare/staff/service_levels.html",
        rows=rows,
        manager=manager,
        csrf=csrf,
        error=error,
        channels=CHANNELS,
        levels=LEVELS,
    ), status
