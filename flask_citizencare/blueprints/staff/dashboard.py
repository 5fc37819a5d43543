"""The staff dashboard: the public figures over every report, plus offices and technicians.

Technicians see their offices' cases and the ones assigned to them (the rule of
:func:`flask_citizencare.services.staff.visible_reports`); operators, managers
and admins see everything. CSV: ``?csv=<table>`` with the same filters.
"""

from __future__ import annotations

from dataclasses import replace

from flask import g, request
from flask.typing import ResponseReturnValue

from ...queries.filters import FilterError
from ..dashboard.views import filter_error_page, parse_scope, render_dashboard


def dashboard() -> ResponseReturnValue:
    actor = g.cc_actor
    try:
        scope, query = parse_scope(request.args, public_only=False)
    except FilterError as error:
        return filter_error_page(error)
    if not actor.sees_everything:
        scope = replace(scope, office_ids=actor.office_ids, assignee_id=actor.staff.id)
    return render_dashboard(
        scope,
        query,
        staff=True,
        csv_table=request.args.get("csv") or None,
        endpoint="citizencare.staff.dashboard",
        csv_endpoint="citizencare.staff.dashboard",
    )
