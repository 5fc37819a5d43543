"""The public dashboard: how many requests, how fast they are handled (reference 001).

Thin: read the period and category from the query string, ask
:mod:`flask_citizencare.queries.statistics` for the figures, render charts, tables
and CSV. The staff dashboard (``blueprints/staff/dashboard.py``) reuses
:func:`render_dashboard` over every report.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Response, abort, current_app, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from ...context import db_session, state
from ...i18n import current_language
from ...i18n import gettext as _
from ...models import Category, Office, StaffMember
from ...models.base import utcnow
from ...queries.filters import FilterError, parse_public_filter
from ...queries.statistics import Scope, dashboard, proposal_figures
from .tables import Table, build_tables, format_cell, format_duration, proposal_tables

#: Period presets offered as links; ``all`` means no dates.
PRESETS = ("30d", "90d", "year", "12m", "all")


def preset_label(preset: str) -> str:
    labels = {
        "30d": _("Last 30 days"),
        "90d": _("Last 90 days"),
        "year": _("This year"),
        "12m": _("Last 12 months"),
        "all": _("All time"),
    }
    return str(labels[preset])


def preset_dates(preset: str, today: date) -> tuple[date | None, date | None]:
    if preset == "30d":
        return today - timedelta(days=29), today
    if preset == "90d":
        return today - timedelta(days=89), today
    if preset == "year":
        return date(today.year, 1, 1), today
    if preset == "12m":
        return (today.replace(day=1) - timedelta(days=335)).replace(day=1), today
    return None, None


def parse_scope(args: MultiDict[str, str], *, public_only: bool) -> tuple[Scope, dict[str, str]]:
    """The dashboard's filters (period, since, until, category); :class:`FilterError` on bad input."""
    timezone = state().settings.zone
    session = db_session()
    categories = dict(session.execute(sa.select(Category.code, Category.id)).all())
    wanted: MultiDict[str, str] = MultiDict()
    for name in ("since", "until", "category"):
        for value in args.getlist(name):
            wanted.add(name, value)
    presets = [v for v in args.getlist("period") if v]
    if len(presets) > 1 or (presets and presets[0] not in PRESETS):
        raise FilterError("period", _("Unknown period: use %(choices)s.", choices=", ".join(PRESETS)))
    if presets and not (wanted.get("since") or wanted.get("until")):
        since, until = preset_dates(presets[0], utcnow().astimezone(timezone).date())
        if since:
            wanted["since"], wanted["until"] = since.isoformat(), until.isoformat()  # type: ignore[union-attr]
    parsed = parse_public_filter(wanted, area=state().settings.area, category_codes=categories)
    scope = Scope(
        public_only=public_only,
        category_ids=tuple(categories[code] for code in parsed.categories),
        since=parsed.since,
        until=parsed.until,
    )
    return scope, parsed.query_args()


def category_labels(locale: str) -> list[tuple[Any, str]]:
    """``(row, label)`` of every category: only the columns a label needs (the rows carry large JSON)."""
    rows = db_session().execute(
        sa.select(Category.id, Category.code, Category.name, Category.names, Category.active)
    )
    return [(row, (row.names or {}).get(locale) or row.name) for row in rows]


def names(staff: bool) -> dict[str, Any]:
    """How keys read in the tables: category labels, office and technician names, area names."""
    session = db_session()
    locale = current_language()
    categories = {c.id: label for c, label in category_labels(locale)}
    offices = dict(session.execute(sa.select(Office.id, Office.name)).all())
    staff_names = (
        dict(session.execute(sa.select(StaffMember.id, StaffMember.display_name)).all()) if staff else {}
    )
    return {
        "category": lambda key: categories.get(key, str(key)),
        "office": lambda key: offices.get(key, _("No office")) if key is not None else _("No office"),
        "area": lambda key: key or _("Elsewhere"),
        "assignee": lambda key: staff_names.get(key, _("Nobody")) if key is not None else _("Nobody"),
    }


def figures_for(scope: Scope, *, staff: bool) -> Any:
    config = current_app.config
    return dashboard(
        db_session(),
        scope,
        timezone=state().settings.zone,
        districts=state().settings.districts,
        source=config["CITIZENCARE_DASHBOARD_SOURCE"],
        live_max_reports=config["CITIZENCARE_DASHBOARD_LIVE_MAX_REPORTS"],
        staff=staff,
    )


def filter_error_page(error: FilterError) -> ResponseReturnValue:
    return (
        render_template(
            "citizencare/error.html",
            status=400,
            title=_("The request could not be understood"),
            message=f"{error.parameter}: {error.message}",
        ),
        400,
    )


def csv_response(table: Table) -> Response:
    response = Response(table.csv(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{table.name}.csv"'
    return response


def render_dashboard(
    scope: Scope,
    query: dict[str, str],
    *,
    staff: bool,
    csv_table: str | None = None,
    endpoint: str,
    csv_endpoint: str,
    extra: Mapping[str, Any] | None = None,
) -> ResponseReturnValue:
    figures = figures_for(scope, staff=staff)
    period = scope.since is not None or scope.until is not None
    name_of = names(staff)
    tables = build_tables(figures, name_of, staff=staff, period=period)
    # The proposals' figures come from where the others do: live, or the summary.
    settings = state().settings
    live = figures.as_of is None and not figures.preparing
    tables += proposal_tables(
        proposal_figures(
            db_session(), scope, timezone=settings.zone, districts=settings.districts, live=live
        ),
        name_of,
    )
    if csv_table is not None:
        table = next((t for t in tables if t.name == csv_table), None)
        if table is None:
            abort(404)
        return csv_response(table)
    choices = [(c.code, label) for c, label in category_labels(current_language()) if c.active]
    return render_template(
        "citizencare/dashboard/dashboard.html",
        figures=figures,
        tables=tables,
        query=query,
        staff=staff,
        presets=[(p, preset_label(p)) for p in PRESETS],
        categories=sorted(choices, key=lambda choice: choice[1].casefold()),
        endpoint=endpoint,
        csv_endpoint=csv_endpoint,
        format_cell=format_cell,
        format_duration=format_duration,
        **(extra or {}),
    )


def public_dashboard() -> ResponseReturnValue:
    try:
        scope, query = parse_scope(request.args, public_only=True)
    except FilterError as error:
        return filter_error_page(error)
    return render_dashboard(
        scope,
        query,
        staff=False,
        endpoint="citizencare.dashboard.index",
        csv_endpoint="citizencare.dashboard.table_csv",
    )


def public_csv(table: str) -> ResponseReturnValue:
    try:
        scope, query = parse_scope(request.args, public_only=True)
    except FilterError as error:
        return filter_error_page(error)
    return render_dashboard(scope, query, staff=False, csv_table=table, endpoint="", csv_endpoint="")
