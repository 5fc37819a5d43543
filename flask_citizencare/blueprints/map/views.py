"""The public map page: the map (JavaScript, fed by the GeoJSON API) and the list beside it.

Without JavaScript the list is the page: the newest reports matching the
filters, rendered here, a page at a time. With JavaScript ``map-page.js``
replaces the list with the reports in the map's view.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import groupby
from typing import Any

import sqlalchemy as sa
from flask import current_app, make_response, render_template, request, url_for
from flask.typing import ResponseReturnValue

from ...context import db_session, state
from ...domain.lifecycle import Kind, Status
from ...i18n import current_language
from ...i18n import gettext as _
from ...labels import public_status_label
from ...models import Category
from ...queries.filters import FilterError, PublicFilter, parse_public_filter
from ...queries.listing import ListedReport, decode_cursor, listed_reports
from ...web.caching import public_page

#: Widest zoom range a shared URL may ask for (Leaflet and common tile servers).
MIN_ZOOM, MAX_ZOOM = 1, 19
FILTER_NAMES = ("kind", "category", "group", "status", "since", "until", "has_photo")


def _categories() -> Sequence[Category]:
    """Every category (retired ones too: their old reports are still on the map)."""
    query = sa.select(Category).order_by(Category.group, Category.position, Category.name)
    return db_session().scalars(query).all()


def _category_groups(
    categories: Sequence[Category], language: str
) -> list[tuple[str, list[tuple[str, str]]]]:
    """``[(group, [(code, label), ...]), ...]`` for the grouped select."""
    return [
        (group, [(c.code, c.label(language)) for c in members])
        for group, members in groupby(categories, key=lambda c: c.group)
    ]


def _view(args: Any) -> tuple[list[float], int]:
    """Centre ``[lat, lon]`` and zoom of a shared URL; the configured view where they are unusable."""
    config = current_app.config
    center = [float(v) for v in config["CITIZENCARE_MAP_CENTER"]]
    zoom = int(config["CITIZENCARE_MAP_ZOOM"])
    try:
        lat, lon = float(args.get("lat", "")), float(args.get("lon", ""))
        if math.isfinite(lat) and math.isfinite(lon) and abs(lat) <= 90 and abs(lon) <= 180:
            center = [lat, lon]
    except ValueError:
        pass
    text = args.get("zoom", "")
    if text.isdigit() and MIN_ZOOM <= int(text) <= MAX_ZOOM:
        zoom = int(text)
    return center, zoom


def _strings() -> dict[str, str]:
    """Texts the script shows, translated here (``{count}`` is filled in by the script)."""
    return {
        "summary": _("{count} reports in this area."),
        "summary_one": _("1 report in this area."),
        "summary_none": _("No reports in this area match the filters."),
        "summary_more": _("More than {count} reports in this area."),
        "newest": _("The list shows the {count} newest: zoom in or filter to see the others."),
        "zoom_in": _("Too many reports here to list them: zoom in or choose filters."),
        "loading": _("Loading the reports…"),
        "failed": _("The reports could not be loaded. Try again in a moment."),
        "cluster": _("{count} reports here: zoom in"),
        "overdue": _("overdue"),
        "open_report": _("Open the report"),
        "open_notice": _("Open the notice"),
    }


def map_page() -> ResponseReturnValue:
    config = current_app.config
    language = current_language()
    categories = _categories()
    area = state().settings.area
    error: FilterError | None = None
    public_filter = PublicFilter()
    reports: list[ListedReport] = []
    next_cursor: str | None = None
    try:
        public_filter = parse_public_filter(
            request.args, area=area, category_codes=[c.code for c in categories]
        )
        reports, next_cursor = listed_reports(
            public_filter, decode_cursor(request.args.get("cursor")), language
        )
    except FilterError as failure:
        error = failure
    center, zoom = _view(request.args)
    # The links to other pages keep the filters (as parsed: tidy) and the map view of the address.
    keep: dict[str, Any] = {**public_filter.query_args()}
    keep.update((k, v) for k in ("lat", "lon", "zoom") if (v := request.args.get(k)))
    next_url = url_for(".index", **keep, cursor=next_cursor) if next_cursor else None
    first_url = url_for(".index", **keep) if request.args.get("cursor") else None
    map_config = {
        "api": url_for("citizencare.api.reports_geojson"),
        "newReport": url_for("citizencare.public.new_report"),
        # The current service notices' areas, drawn as a layer under the reports.
        "notices": url_for("citizencare.notices.areas"),
        "apiMaxLimit": int(config["CITIZENCARE_API_MAX_LIMIT"]),
        "center": center,
        "zoom": zoom,
        "minZoom": MIN_ZOOM,
        "maxZoom": MAX_ZOOM,
        "tileUrl": config["CITIZENCARE_TILE_URL"],
        "tileAttribution": config["CITIZENCARE_TILE_ATTRIBUTION"],
        "statuses": {s.value: str(label) for s, label in _status_labels().items()},
        "kinds": {Kind.ISSUE.value: _("Problem"), Kind.PROPOSAL.value: _("Proposal")},
        "strings": _strings(),
        "locale": language,
    }
    page = render_template(
        "citizencare/map/index.html",
        reports=reports,
        next_url=next_url,
        first_url=first_url,
        error=error,
        args=request.args,
        chosen=_chosen(request.args),
        category_groups=_category_groups(categories, language),
        statuses=list(Status),
        map_config=map_config,
    )
    return public_page(make_response(page, 400 if error is not None else 200))


def _chosen(args: Any) -> dict[str, list[str]]:
    """The filter values as typed, to fill the form again (also when they were refused)."""
    return {
        name: [
            part.strip() for value in args.getlist(name) for part in value[:2000].split(",") if part.strip()
        ]
        for name in FILTER_NAMES
    }


def _status_labels() -> dict[Status, str]:
    return {s: public_status_label(s) for s in Status}
