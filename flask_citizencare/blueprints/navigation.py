"""The entries of our pages for the host's menus: ``cc_navigation()`` in any template of the app.

The host's layout lists them (the example site's header does), so nobody has
to type an address: the public ones for everybody (the service sheet, the
report form, the map with the list of reports, the list of proposals, the dashboard; "my reports"
once logged in), and for staff the queue and their dashboard, and the back
office for managers and admins. Each entry says whether the page shown
belongs to it (``current``: a class "active") or is its own page (``here``:
``aria-current="page"``). An entry whose endpoint is not registered (a host
that mounts only some blueprints) is left out.

Usage in a layout::

    {% for entry in cc_navigation() %}
      <a href="{{ entry.url }}" {% if entry.here %}aria-current="page"{% endif %}>{{ entry.label }}</a>
    {% endfor %}

``cc_navigation("staff")`` gives one area only (``"public"`` or ``"staff"``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app, g, has_request_context, request, url_for
from flask_login import current_user

from ..context import current_roles
from ..domain.lifecycle import STAFF_ROLES, Role
from ..i18n import lazy_gettext as _l


@dataclass(frozen=True)
class _Spec:
    key: str
    endpoint: str
    label: Any
    area: str
    #: Also current on the other pages of the blueprints whose name starts with this.
    section: str | None = None
    #: Who sees it: None everybody; "user" logged-in users; "staff"; "supervisor" managers and admins.
    audience: str | None = None


SPECS: tuple[_Spec, ...] = (
    _Spec(
        "service", "citizencare.public.index", _l("Reporting an inefficiency"), "public", "citizencare.public"
    ),
    _Spec("report", "citizencare.public.new_report", _l("Report a problem"), "public"),
    _Spec("reports", "citizencare.map.index", _l("See the reports"), "public", "citizencare.map"),
    _Spec("proposals", "citizencare.public.proposals", _l("Proposals"), "public"),
    _Spec("dashboard", "citizencare.dashboard.index", _l("Dashboard"), "public", "citizencare.dashboard"),
    _Spec("mine", "citizencare.public.mine", _l("My reports"), "public", audience="user"),
    _Spec("queue", "citizencare.staff.queue", _l("Staff area"), "staff", "citizencare.staff", "staff"),
    _Spec("staff_dashboard", "citizencare.staff.dashboard", _l("Staff dashboard"), "staff", audience="staff"),
    _Spec("admin", "citizencare.staff.category_list", _l("Back office"), "staff", audience="supervisor"),
)


@dataclass(frozen=True)
class NavEntry:
    """One entry of ``cc_navigation()``."""

    key: str
    label: Any
    url: str
    area: str
    endpoint: str
    #: The page shown belongs to this entry (class "active").
    current: bool
    #: The page shown is this entry's own page (``aria-current="page"``).
    here: bool


def _allowed(audience: str | None, roles: frozenset[Role]) -> bool:
    if audience is None:
        return True
    if audience == "user":
        return bool(current_user and getattr(current_user, "is_authenticated", False))
    if audience == "staff":
        return bool(STAFF_ROLES & roles)
    return bool({Role.MANAGER, Role.ADMIN} & roles)


def belongs_to(key: str) -> None:
    """Mark the page of this request as part of entry ``key`` (a proposal's page is under "Proposals")."""
    g.cc_navigation_section = key


def navigation(area: str | None = None) -> list[NavEntry]:
    """The entries for the user of this request, with the current one marked (none outside a request)."""
    if not has_request_context():
        return []
    roles = current_roles()
    specs = [
        spec
        for spec in SPECS
        if (area is None or spec.area == area)
        and spec.endpoint in current_app.view_functions
        and _allowed(spec.audience, roles)
    ]
    endpoint = request.endpoint
    blueprint = request.blueprint or ""
    exact = any(spec.endpoint == endpoint for spec in specs)
    declared = g.get("cc_navigation_section")
    entries = []
    for spec in specs:
        here = spec.endpoint == endpoint
        in_blueprint = bool(spec.section) and (
            blueprint == spec.section or blueprint.startswith(f"{spec.section}.")
        )
        in_section = not exact and (spec.key == declared if declared is not None else in_blueprint)
        entries.append(
            NavEntry(
                key=spec.key,
                label=spec.label,
                url=url_for(spec.endpoint),
                area=spec.area,
                endpoint=spec.endpoint,
                current=here or in_section,
                here=here,
            )
        )
    return entries
