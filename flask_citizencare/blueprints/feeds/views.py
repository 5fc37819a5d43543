"""``/feeds/reports.atom`` and ``/feeds/reports.rss``: the newest public reports as a feed.

The query string is the public map's (:func:`~flask_citizencare.queries.filters.parse_public_filter`:
``bbox``, ``category``, ``kind``, ``status``, ``group``, ``since``, ``until``,
``has_photo``), with two additions: a ``category`` may be given by code or by
id, and ``district=`` names a configured district. ``bbox`` is read strictly
(four plain decimal numbers, in range, min < max, touching the municipality,
no larger than :data:`MAX_BBOX_DEGREES` or the municipality). Anything else is
a ``400`` in the visitor's language that names the parameter.

Each entry holds only what the report's public page shows: number, title and
description as published, category, public status, address and point; it
links the public page. Hidden and merged reports never appear (the public rule
of :func:`~flask_citizencare.queries.reports.public_reports_filter`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime

from feedgen.feed import FeedGenerator
from flask import Response, current_app, request, url_for
from geoalchemy2.shape import to_shape
from werkzeug.datastructures import MultiDict

from ...context import db_session, state
from ...database.spatial import BBox, reports_in_box
from ...i18n import current_language
from ...i18n import gettext as _
from ...labels import public_status_label
from ...models import Report
from ...queries.alerts import FEED_SIZE, category_codes_by_id, feed_reports
from ...queries.filter_sql import filter_conditions
from ...queries.filters import MAX_PARAMETER_LENGTH, FilterError, parse_public_filter
from ...web.caching import PUBLIC_DATA

#: Widest box a feed accepts, in degrees of longitude and of latitude (about 110 km), unless the
#: municipality itself is wider: a feed is about a neighbourhood or the city, not a region.
MAX_BBOX_DEGREES = 1.0
#: One corner coordinate as people and maps write it: no exponents, no ``_``, no ``nan``/``inf``.
_NUMBER = re.compile(r"[+-]?(?:[0-9]{1,3}(?:\.[0-9]{1,20})?|\.[0-9]{1,20})")
_ID = re.compile(r"[0-9]{1,9}")
DISTRICT_MAX = 120
#: Decimals of a point (7: about 1 cm), as the public map gives them.
PRECISION = 7
#: The ``updated`` time of a feed with no entry (Atom requires one).
EMPTY_FEED_UPDATED = datetime(2000, 1, 1, tzinfo=UTC)


def _bbox_text(args: MultiDict[str, str]) -> None:
    """Refuse a bbox whose parts are not plain decimals before the common parser reads them."""
    for value in args.getlist("bbox"):
        if len(value) > MAX_PARAMETER_LENGTH or not all(
            _NUMBER.fullmatch(p.strip()) for p in value.split(",")
        ):
            raise FilterError(
                "bbox", _("Give four numbers: west,south,east,north (minLon,minLat,maxLon,maxLat).")
            )


def _categories(args: MultiDict[str, str], codes_by_id: dict[int, str]) -> list[str]:
    """The ``category`` values as codes: a known code stays, a number is an id, anything else stays
    (and the common parser refuses it, naming it)."""
    codes = set(codes_by_id.values())
    found: list[str] = []
    for value in args.getlist("category"):
        if len(value) > MAX_PARAMETER_LENGTH:
            raise FilterError("category", _("This value is too long."))
        for part in (p.strip() for p in value.split(",")):
            if not part:
                continue
            if part not in codes and _ID.fullmatch(part) and int(part) in codes_by_id:
                part = codes_by_id[int(part)]
            found.append(part)
    return found


def _district_box() -> BBox | None:
    values = [v for v in request.args.getlist("district") if v != ""]
    if not values:
        return None
    if len(values) > 1:
        raise FilterError("district", _("Give one district."))
    name = values[0].strip()
    for district in state().settings.districts:
        if district.name == name:
            return district.bounds
    raise FilterError("district", _("There is no district called %(name)s.", name=name[:DISTRICT_MAX]))


def _check_size(box: BBox) -> None:
    bounds = state().settings.area.bounds
    wide = max(MAX_BBOX_DEGREES, bounds[2] - bounds[0]) if bounds else MAX_BBOX_DEGREES
    high = max(MAX_BBOX_DEGREES, bounds[3] - bounds[1]) if bounds else MAX_BBOX_DEGREES
    if box[2] - box[0] > wide or box[3] - box[1] > high:
        raise FilterError("bbox", _("This area is too large: choose a smaller part of the map."))


def _reports() -> Sequence[Report]:
    session = db_session()
    args = MultiDict(request.args)
    _bbox_text(args)
    codes_by_id = category_codes_by_id(session) if "category" in args else {}
    if "category" in args:
        args.setlist("category", _categories(args, codes_by_id))
    public_filter = parse_public_filter(args, area=state().settings.area, category_codes=codes_by_id.values())
    if public_filter.bbox is not None:
        _check_size(public_filter.bbox)
    conditions = filter_conditions(session, public_filter, state().settings.zone)
    district = _district_box()
    if district is not None:
        conditions.append(reports_in_box(session, district))
    return feed_reports(session, conditions, limit=FEED_SIZE)


def _feed(reports: Sequence[Report], self_url: str) -> FeedGenerator:
    language = current_language()
    municipality = current_app.config["CITIZENCARE_MUNICIPALITY_NAME"]
    feed = FeedGenerator()
    feed.load_extension("geo")
    home = url_for("citizencare.map.index", _external=True)
    feed.id(self_url)
    feed.title(_("Reports to %(municipality)s", municipality=municipality))
    feed.subtitle(_("The newest public reports, as on the map."))
    feed.author({"name": municipality})
    feed.link(href=home, rel="alternate")
    feed.link(href=self_url, rel="self")
    feed.language(language)
    feed.updated(max((r.updated_at for r in reports), default=None) or EMPTY_FEED_UPDATED)
    for report in reversed(reports):  # feedgen puts each new entry first
        url = url_for("citizencare.public.report", public_id=report.public_id, _external=True)
        category = report.category.label(language)
        status = public_status_label(report.status)
        entry = feed.add_entry()
        entry.id(url)
        entry.guid(url, permalink=True)
        entry.title(f"{report.public_id} · {category}: {report.shown_title}")
        entry.link(href=url, rel="alternate")
        entry.published(report.created_at)
        entry.updated(report.updated_at)
        entry.category(term=report.category.code, label=category)
        lines = [_("Status: %(status)s", status=status)]
        if report.address:
            lines.append(_("Address: %(address)s", address=report.address))
        lines.append(report.shown_description)
        entry.description("\n\n".join(lines))
        if report.point is not None:
            point = to_shape(report.point)
            entry.geo.point(f"{round(point.y, PRECISION)} {round(point.x, PRECISION)}")
    return feed


def _answer(kind: str) -> Response:
    try:
        reports = _reports()
    except FilterError as refused:
        return Response(
            f"{refused.parameter}: {refused.message}\n", status=400, content_type="text/plain; charset=utf-8"
        )
    self_url = request.url
    feed = _feed(reports, self_url)
    if kind == "atom":
        body, mimetype = feed.atom_str(pretty=True), "application/atom+xml"
    else:
        body, mimetype = feed.rss_str(pretty=True), "application/rss+xml"
    response = Response(body, mimetype=mimetype)
    response.headers["Cache-Control"] = PUBLIC_DATA
    response.headers["Content-Language"] = current_language()
    response.add_etag()
    response.make_conditional(request)
    return response


def reports_atom() -> Response:
    """The newest public reports as Atom 1.0."""
    return _answer("atom")


def reports_rss() -> Response:
    """The newest public reports as RSS 2.0."""
    return _answer("rss")
