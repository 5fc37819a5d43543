"""The staff list for administrators: add a host user, change role and offices, deactivate."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError

from ...context import state
from ...domain.lifecycle import STAFF_ROLES
from ...i18n import gettext as _
from ...queries.audit import entries
from ...queries.staff_admin import SHOW, active_offices, staff_list
from ...services.errors import ActionRefused
from ...services.staff import (
    add_staff_member,
    can_invite,
    invite_staff_member,
    set_staff_member_active,
    update_staff_member,
)
from .forms import CsrfForm

#: The latest changes of the staff shown under the list.
HISTORY = 30
ROLES = ("operator", "technician", "manager", "admin")
assert set(ROLES) == {r.value for r in STAFF_ROLES}


def _page(
    csrf: CsrfForm,
    error: str | None = None,
    status: int = 200,
    added: dict[str, Any] | None = None,
    invited: dict[str, Any] | None = None,
) -> tuple[str, int]:
    show = request.args.get("show", "active")
    if show not in SHOW:
        show = "active"
    return render_template(
        "citizencare/staff/admin/staff.html",
        members=staff_list(show),
        offices=active_offices(),
        roles=ROLES,
        role_labels={
            "operator": _("Operator"),
            "technician": _("Technician"),
            "manager": _("Manager"),
            "admin": _("Administrator"),
        },
        show_labels={"active": _("Active"), "inactive": _("Inactive"), "all": _("All")},
        show=show,
        shows=SHOW,
        host_roles=state().host_maps_roles,
        can_invite=can_invite(),
        csrf=csrf,
        error=error,
        added=added or {},
        invited=invited or {},
        entries=entries(subject_type="staff", limit=HISTORY),
    ), status


def _guard() -> CsrfForm:
    if not g.cc_actor.is_admin:
        abort(403)
    csrf = CsrfForm()
    if request.method == "POST" and not csrf.validate():
        raise CSRFError(_("The form has expired"))
    return csrf


def staff_admin() -> ResponseReturnValue:
    csrf = _guard()
    if request.method != "POST":
        return _page(csrf)
    form = request.form
    try:
        member = add_staff_member(
            g.cc_actor,
            form.get("user_id"),
            role=form.get("role"),
            display_name=form.get("display_name"),
            email=form.get("email"),
            office_codes=form.getlist("offices"),
        )
    except ActionRefused as refusal:
        return _page(
            csrf,
            refusal.message,
            refusal.status_code,
            added={**form.to_dict(), "offices": form.getlist("offices")},
        )
    flash(_("%(name)s was added to the staff.", name=member.display_name), "success")
    return redirect(url_for(".staff_admin"), code=303)


def staff_invite() -> ResponseReturnValue:
    """Create the person's account in the site (its ``user_factory``), then the staff row."""
    csrf = _guard()
    form = request.form
    try:
        member = invite_staff_member(
            g.cc_actor,
            email=form.get("email"),
            display_name=form.get("display_name"),
            role=form.get("role"),
            office_codes=form.getlist("offices"),
        )
    except ActionRefused as refusal:
        return _page(
            csrf,
            refusal.message,
            refusal.status_code,
            invited={**form.to_dict(), "offices": form.getlist("offices")},
        )
    flash(
        _(
            "%(name)s was invited: the site made their account; they choose a password with the site's "
            "password reset.",
            name=member.display_name,
        ),
        "success",
    )
    return redirect(url_for(".staff_admin"), code=303)


def staff_member_edit(member_id: int) -> ResponseReturnValue:
    csrf = _guard()
    form = request.form
    try:
        member = update_staff_member(
            g.cc_actor,
            member_id,
            role=form.get("role"),
            display_name=form.get("display_name"),
            email=form.get("email"),
            office_codes=form.getlist("offices"),
        )
    except ActionRefused as refusal:
        return _page(csrf, refusal.message, refusal.status_code)
    flash(_("Changes to %(name)s saved.", name=member.display_name), "success")
    return redirect(url_for(".staff_admin"), code=303)


def staff_member_active(member_id: int) -> ResponseReturnValue:
    csrf = _guard()
    active = request.form.get("active") == "1"
    try:
        member = set_staff_member_active(g.cc_actor, member_id, active)
    except ActionRefused as refusal:
        return _page(csrf, refusal.message, refusal.status_code)
    if active:
        flash(_("%(name)s is active again.", name=member.display_name), "success")
    else:
        flash(_("%(name)s was deactivated.", name=member.display_name), "success")
    return redirect(url_for(".staff_admin"), code=303)
