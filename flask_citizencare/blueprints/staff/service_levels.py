"""Service levels (``/staff/admin/service-levels``): everyone on staff reads them, managers change them.

The general terms by channel and level, the categories' own levels, going back
to the configuration's values, the recompute of open cases and the history.
The old address ``/staff/service-levels`` still answers (GET redirects here).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError

from ...domain.sla import format_duration
from ...i18n import gettext as _
from ...parsing import InputError, parse_id
from ...queries.audit import history
from ...queries.reports import active_categories
from ...services import sla, sla_settings
from ...services.errors import ActionRefused
from .forms import CsrfForm, channel_labels

CHANNELS = ("web", "email", "phone")
LEVELS = ("1", "2")


def duration(value: timedelta | None) -> str:
    """``1h30m`` style, the same notation the settings accept."""
    return "—" if value is None else format_duration(value)


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _overrides(form: Any) -> dict[str, Any]:
    acknowledgement = {
        c: _text(form.get(f"ack_{c}")).strip() for c in CHANNELS if _text(form.get(f"ack_{c}")).strip()
    }
    resolution = {
        lvl: _text(form.get(f"res_{lvl}")).strip() for lvl in LEVELS if _text(form.get(f"res_{lvl}")).strip()
    }
    overrides: dict[str, Any] = {}
    if acknowledgement:
        overrides["acknowledgement"] = acknowledgement
    if resolution:
        overrides["resolution"] = resolution
    if form.get("complex") in ("yes", "no"):
        overrides["complex"] = form.get("complex") == "yes"
    return overrides


def _policy_input(form: Any) -> sla_settings.PolicyInput:
    return sla_settings.PolicyInput(
        acknowledgement={c: _text(form.get(f"ack_{c}")) for c in sla_settings.CHANNELS},
        resolution={lvl: _text(form.get(f"res_{lvl}")) for lvl in sla_settings.LEVELS},
        complex_resolution={lvl: _text(form.get(f"complex_{lvl}")) for lvl in sla_settings.LEVELS},
        ceiling_simple=_text(form.get("ceiling_simple")),
        ceiling_complex=_text(form.get("ceiling_complex")),
    )


def _general_values(source: Any = None) -> dict[str, str]:
    """The general form's values: as posted (after an error), else the terms in force."""
    if source is not None:
        return {k: _text(source.get(k)) for k in _general_fields()}
    snapshot = sla_settings.policy_snapshot(sla.policy())
    values = {f"ack_{c}": snapshot[f"acknowledgement.{c}"] or "" for c in sla_settings.CHANNELS}
    for lvl in sla_settings.LEVELS:
        values[f"res_{lvl}"] = snapshot[f"resolution.{lvl}"] or ""
        values[f"complex_{lvl}"] = snapshot[f"complex_resolution.{lvl}"] or ""
    values["ceiling_simple"] = snapshot["ceiling_simple"] or ""
    values["ceiling_complex"] = snapshot["ceiling_complex"] or ""
    return values


def _general_fields() -> list[str]:
    names = [f"ack_{c}" for c in sla_settings.CHANNELS]
    for lvl in sla_settings.LEVELS:
        names += [f"res_{lvl}", f"complex_{lvl}"]
    return [*names, "ceiling_simple", "ceiling_complex"]


def _saved_message(saved: sla_settings.Saved) -> None:
    if saved.changed:
        flash(_("Service levels saved. The open cases' due times are being recomputed."), "success")
    else:
        flash(_("Nothing changed."), "success")


def service_levels() -> ResponseReturnValue:
    csrf = CsrfForm()
    manager = g.cc_actor.supervises
    error, error_field, status, posted = None, "", 200, None
    if request.method == "POST":
        if not csrf.validate():
            raise CSRFError(_("The form has expired"))
        what = request.form.get("what")
        try:
            if what == "policy":
                if request.form.get("reset"):
                    saved = sla_settings.reset_policy(g.cc_actor)
                else:
                    posted = request.form
                    saved = sla_settings.save_policy(g.cc_actor, _policy_input(request.form))
                _saved_message(saved)
            else:
                try:
                    category_id = parse_id(request.form.get("category"))
                except InputError:
                    category_id = -1  # no such category: the service says "choose one from the list"
                sla_settings.set_category_sla(
                    g.cc_actor, category_id, None if request.form.get("reset") else _overrides(request.form)
                )
                flash(_("Service levels saved."), "success")
        except ActionRefused as refusal:
            error, status = refusal.message, refusal.status_code
            error_field = getattr(refusal, "field", "")
        else:
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
    general = sla_settings.policy_snapshot(sla.policy())
    return render_template(
        "citizencare/staff/admin/service_levels.html",
        rows=rows,
        manager=manager,
        csrf=csrf,
        error=error,
        error_field=error_field,
        channels=CHANNELS,
        levels=LEVELS,
        all_channels=sla_settings.CHANNELS,
        all_levels=sla_settings.LEVELS,
        channel_names={c.value: label for c, label in channel_labels().items()},
        general=general,
        values=_general_values(posted),
        stored=sla_settings.is_stored(sla.POLICY_KEY),
        job=sla_settings.recompute_job(),
        entries=history("sla_policy", None),
    ), status


def service_levels_old_address() -> ResponseReturnValue:
    """``/staff/service-levels``, where the page was: it still answers (bookmarks, forms posted there)."""
    return service_levels()
