"""The list of public reports in the Designers Italia model's way: tabs "Mappa" / "Elenco".

The "Elenco" tab is this page: the newest public reports matching the public
filters, a page at a time by the signed keyset cursor of
:mod:`flask_citizencare.queries.listing` ("Carica altre segnalazioni" is a
plain link to the next page; ``reports-list.js`` appends that page in place).
The "Mappa" tab is the public map page, with the same filters. A damaged
cursor or a refused filter gets a 400 naming it, with the first page's link.
"""

from __future__ import annotations

from itertools import groupby
from typing import Any

from flask import make_response, render_template, request, url_for
from flask.typing import ResponseReturnValue

from ...context import state
from ...domain.lifecycle import Kind
from ...i18n import current_language
from ...labels import public_status_labels
from ...queries.filters import FilterError, PublicFilter, parse_public_filter
from ...queries.listing import ListedReport, decode_cursor, listed_categories, listed_reports
from ...web.caching import public_page

#: The filters this page offers (the public filters' names, as the map and the API read them).
FILTER_NAMES = ("kind", "category", "group", "status")


def _chosen(args: Any) -> dict[str, str]:
    """The first value of each filter as typed, to fill the form again (also when refused)."""
    return {name: (args.get(name) or "")[:200] for name in FILTER_NAMES}


def reports_list() -> ResponseReturnValue:
    language = current_language()
    categories = listed_categories()
    error: FilterError | None = None
    public_filter = PublicFilter()
    reports: list[ListedReport] = []
    next_cursor: str | None = None
    try:
        public_filter = parse_public_filter(
            request.args, area=state().settings.area, category_codes=[c.code for c in categories]
        )
        reports, next_cursor = listed_reports(
            public_filter, decode_cursor(request.args.get("cursor")), language
        )
    except FilterError as failure:
        error = failure
    keep: dict[str, Any] = {**public_filter.query_args()}
    page = render_template(
        "citizencare/public/reports.html",
        reports=reports,
        error=error,
        chosen=_chosen(request.args),
        next_url=url_for(".reports", **keep, cursor=next_cursor) if next_cursor else None,
        first_url=url_for(".reports", **keep) if request.args.get("cursor") else None,
        map_url=url_for("citizencare.map.index", **keep),
        filtered=bool(keep),
        category_groups=[
            (group, [(c.code, c.label(language)) for c in members])
            for group, members in groupby(categories, key=lambda c: c.group)
        ],
        kinds=list(Kind),
        status_options=list(public_status_labels().items()),
    )
    return public_page(make_response(page, 400 if error is not None else 200))
