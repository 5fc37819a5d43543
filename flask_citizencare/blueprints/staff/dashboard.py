"""The staff dashboard: the public figures over every report, plus offices and technicians.

Technicians see their offices' cases and the ones assigned to them (the rule of
:func:`flask_citizencare.services.staff.visible_reports`); operators, managers
and admins see everything. CSV: ``?csv=<table>`` with the same filters.
"""

from __future__ import annotations

from dataclasses import replace

from flask import g, request
from flask.typing import ResponseReturnValue

from ...queries.feedback import page_summaries, recent_comments
from ...queries.filters import FilterError
from ..dashboard.views import filter_error_page, parse_scope, render_dashboard
from .suggestion_figures import suggestion_figures

#: The newest free texts of the rating widget shown to managers.
COMMENTS_SHOWN = 50


def dashboard() -> ResponseReturnValue:
    actor = g.cc_actor
    try:
        scope, query = parse_scope(request.args, public_only=False)
    except FilterError as error:
        return filter_error_page(error)
    if not actor.sees_everything:
        scope = replace(scope, office_ids=actor.office_ids, assignee_id=actor.staff.id)
    ratings = suggestions = None
    if request.args.get("csv") is None:
        suggestions = suggestion_figures(actor)
    if actor.supervises and request.args.get("csv") is None:
        # The rating widget's figures and free texts: managers and admins only.
        ratings = {"summaries": page_summaries(), "comments": recent_comments(COMMENTS_SHOWN)}
    return render_dashboard(
        scope,
        query,
        staff=True,
        extra={"page_ratings": ratings, "suggestion_figures": suggestions},
        csv_table=request.args.get("csv") or None,
        endpoint="citizencare.staff.dashboard",
        csv_endpoint="citizencare.staff.dashboard",
    )
