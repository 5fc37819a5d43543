"""The public map page: the map (JavaScript, fed by the GeoJSON API) and the list beside it.

Without JavaScript the list is the page: the newest reports matching the
filters, rendered here, a page at a time. With JavaScript ``map-page.js``
replaces the list with the reports in the map's view.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import groupby
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ...domain.geo import Area
from ...domain.lifecycle import Kind, Status
from ...extension import db_session
from ...geojson import overdue_condition
from ...models import Category, Photo, Report
from ...public_filters import FilterError, PublicFilter, filter_conditions, parse_public_filter

#: Reports per page of the list shown without JavaScript.
PAGE_SIZE = 25
#: Widest zoom range a shared URL may ask for (Leaflet and common tile servers).
MIN_ZOOM, MAX_ZOOM = 1, 19
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
FILTER_NAMES = ("kind", "category", "group", "status", "since", "until", "has_photo")


@dataclass(frozen=True)
class ListedReport:
    """One row of the list: public fields only (never the reporter, the text or the staff)."""

    public_id: str
    kind: str
    title: str
    status: str
    category: str
    created_at: datetime
    overdue: bool
    thumbnail_key: str | None


def _language() -> str:
    return str(get_locale() or current_app.config["CITIZENCARE_LANGUAGES"][0])


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


def _cursor(text: str | None) -> tuple[datetime, int] | None:
    """The next page's position, ``<created_at epoch microseconds>.<id>``; raises FilterError."""
    if not text:
        return None
    micros, _dot, ident = text.partition(".")
    if len(text) > 40 or not micros.isdigit() or not ident.isdigit():
        raise FilterError("cursor", _("This page link is damaged: go back to the first page."))
    try:
        return EPOCH + timedelta(microseconds=int(micros)), int(ident)
    except OverflowError:
        raise FilterError("cursor", _("This page link is damaged: go back to the first page.")) from None


def _cursor_text(created_at: datetime, report_id: int) -> str:
    stamp = created_at if created_at.tzinfo else created_at.replace(tzinfo=UTC)
    return f"{(stamp - EPOCH) // timedelta(microseconds=1)}.{report_id}"


def _thumbnail() -> sa.ScalarSelect[Any]:
    """The first photo the public may see, as its thumbnail's key."""
    return (
        sa.select(Photo.thumbnail_key)
        .where(Photo.report_id == Report.id, Photo.hidden.is_(False), Photo.message_id.is_(None))
        .order_by(Photo.position, Photo.id)
        .limit(1)
        .scalar_subquery()
    )


def listed_query(
    session: Session,
    public_filter: PublicFilter,
    after: tuple[datetime, int] | None,
    now: datetime,
    limit: int,
) -> sa.Select[Any]:
    """Newest first, public columns only; ``limit + 1`` rows, so the caller sees if a next page exists."""
    timezone = ZoneInfo(current_app.config["CITIZENCARE_TIMEZONE"])
    conditions = filter_conditions(session, public_filter, timezone)
    if after is not None:
        created, ident = after
        conditions.append(
            sa.or_(Report.created_at < created, sa.and_(Report.created_at == created, Report.id < ident))
        )
    return (
        sa.select(
            Report.id,
            Report.public_id,
            Report.kind,
            sa.func.coalesce(Report.public_title, Report.title).label("title"),
            Report.status,
            overdue_condition(now).label("overdue"),
            Report.created_at,
            Category.name.label("category_name"),
            Category.names.label("category_names"),
            _thumbnail().label("thumbnail_key"),
        )
        .join(Category, Category.id == Report.category_id)
        .where(*conditions)
        .order_by(Report.created_at.desc(), Report.id.desc())
        .limit(limit + 1)
    )


def listed_reports(
    public_filter: PublicFilter, after: tuple[datetime, int] | None, language: str, limit: int = PAGE_SIZE
) -> tuple[list[ListedReport], str | None]:
    """A page of the newest matching public reports and the cursor of the next page (or None)."""
    session = db_session()
    query = listed_query(session, public_filter, after, datetime.now(UTC), limit)
    rows = session.execute(query).all()
    reports: list[ListedReport] = []
    for row in rows[:limit]:
        reports.append(
            ListedReport(
                public_id=row.public_id,
                kind=row.kind,
                title=row.title,
                status=row.status,
                category=(row.category_names or {}).get(language) or row.category_name,
                created_at=row.created_at,
                overdue=bool(row.overdue),
                thumbnail_key=row.thumbnail_key,
            )
        )
    next_cursor = _cursor_text(rows[limit - 1].created_at, rows[limit - 1].id) if len(rows) > limit else None
    return reports, next_cursor


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
    }


def map_page() -> ResponseReturnValue:
    config = current_app.config
    language = _language()
    categories = _categories()
    area = Area.from_setting(config["CITIZENCARE_AREA"])
    error: FilterError | None = None
    public_filter = PublicFilter()
    reports: list[ListedReport] = []
    next_cursor: str | None = None
    try:
        public_filter = parse_public_filter(
            request.args, area=area, category_codes=[c.code for c in categories]
        )
        reports, next_cursor = listed_reports(public_filter, _cursor(request.args.get("cursor")), language)
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
    return page, 400 if error is not None else 200


def _chosen(args: Any) -> dict[str, list[str]]:
    """The filter values as typed, to fill the form again (also when they were refused)."""
    return {
        name: [
            part.strip() for value in args.getlist(name) for part in value[:2000].split(",") if part.strip()
        ]
        for name in FILTER_NAMES
    }


def _status_labels() -> dict[Status, str]:
    from .. import status_label

    return {s: status_label(s.value) for s in Status}
