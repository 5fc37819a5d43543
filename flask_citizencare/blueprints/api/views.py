"""``/api/reports.geojson``: public reports as GeoJSON points, or grid clusters when a view holds too many.

Thin: parse the query string, ask :mod:`flask_citizencare.queries.geojson` for the
features, wrap them, and make the answer cheap to send again (strong ETag,
``304``, gzip). Every refusal is a ``400`` problem document
(``application/problem+json``, RFC 9457) naming the parameter, in the
visitor's language.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Response, current_app, request, url_for
from sqlalchemy.orm import Session

from ...context import db_session, state
from ...domain.geo import Area
from ...i18n import current_language
from ...i18n import gettext as _
from ...labels import public_status_labels
from ...models import Category, Report
from ...queries import geojson, map_cells
from ...queries.filters import FilterError, PublicFilter, filter_conditions, parse_public_filter
from ...tokens import InvalidToken, Purpose, sign, verify
from ...web.caching import PUBLIC_DATA

MEDIA_TYPE = "application/geo+json"
PROBLEM_TYPE = "application/problem+json"
#: Bodies smaller than this are sent as they are: gzip would save next to nothing.
GZIP_MIN_BYTES = 1024
#: zlib level 1 compresses GeoJSON about 8:1 at a fraction of level 6's cost (see bench/public_map.py).
GZIP_LEVEL = 1
_INTEGER = re.compile(r"[0-9]{1,12}")
_PLACEHOLDER = "CCPLACEHOLDER"


def problem(status: int, title: str, detail: str, parameter: str | None = None) -> Response:
    """An RFC 9457 problem document."""
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if parameter is not None:
        body["parameter"] = parameter
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_TYPE)


class ParameterError(FilterError):
    """A parameter of the API itself (limit, cursor, zoom, cluster) that cannot be accepted."""


def _one(name: str) -> str | None:
    values = [v for v in request.args.getlist(name) if v != ""]
    if len(values) > 1:
        raise ParameterError(name, _("Give this parameter once."))
    return values[0] if values else None


def _limit() -> int:
    text = _one("limit")
    cap = int(current_app.config["CITIZENCARE_API_MAX_LIMIT"])
    if text is None:
        return min(int(current_app.config["CITIZENCARE_API_DEFAULT_LIMIT"]), cap)
    if not _INTEGER.fullmatch(text) or not 1 <= int(text) <= cap:
        raise ParameterError("limit", _("Give a whole number from 1 to %(cap)d.", cap=cap))
    return int(text)


def _zoom() -> int | None:
    text = _one("zoom")
    if text is None:
        return None
    if not _INTEGER.fullmatch(text) or not geojson.MIN_ZOOM <= int(text) <= geojson.MAX_ZOOM:
        raise ParameterError(
            "zoom",
            _("Give a zoom level from %(low)d to %(high)d.", low=geojson.MIN_ZOOM, high=geojson.MAX_ZOOM),
        )
    return int(text)


def _cluster() -> str:
    text = _one("cluster") or "auto"
    if text not in ("auto", "never"):
        raise ParameterError("cluster", _("Use auto or never."))
    return text


def encode_cursor(key: geojson.Key) -> str:
    return sign(Purpose.API_CURSOR, [key[0].isoformat(), key[1]])


def _cursor() -> geojson.Key | None:
    """The signed position after which the page starts; anything else is refused."""
    text = _one("cursor")
    if text is None:
        return None
    message = _("This page link is not valid: start again from the first page.")
    try:
        moment_text, row_id = verify(Purpose.API_CURSOR, text, max_length=200)
        moment = datetime.fromisoformat(moment_text)
    except (InvalidToken, ValueError, TypeError):
        raise ParameterError("cursor", message) from None
    if moment.tzinfo is None or not isinstance(row_id, int) or isinstance(row_id, bool):
        raise ParameterError("cursor", message)
    return moment.astimezone(UTC), row_id


def _labels(language: str) -> geojson.Labels:
    report = url_for("citizencare.public.report", public_id=_PLACEHOLDER)
    photo = url_for("citizencare.public.photo", key=_PLACEHOLDER)
    report_prefix, report_suffix = report.split(_PLACEHOLDER)
    photo_prefix, photo_suffix = photo.split(_PLACEHOLDER)
    return geojson.Labels(
        language=language,
        statuses=public_status_labels(),
        report_prefix=report_prefix,
        report_suffix=report_suffix,
        photo_prefix=photo_prefix,
        photo_suffix=photo_suffix,
    )


def _next_url(key: geojson.Key, limit: int) -> str:
    params: dict[str, Any] = request.args.to_dict(flat=False)
    params["cursor"] = [encode_cursor(key)]
    params["limit"] = [str(limit)]
    return url_for(".reports_geojson", **params)


def reports_geojson() -> Response:
    """Public reports in a bbox with the public filters: points (paginated) or clusters.

    On a first page with ``cluster=auto`` a view holding more than
    ``CITIZENCARE_API_MAX_LIMIT`` reports is clustered. The cluster cells
    answer first when they can (a lower bound of the matches is enough to
    know); otherwise the page of points is fetched, and only a full page of
    fewer than the cap needs a probe to decide.
    """
    config = current_app.config
    session = db_session()
    area = state().settings.area
    try:
        # The catalogue is only read when a category is asked for.
        codes = session.scalars(sa.select(Category.code)).all() if "category" in request.args else ()
        public_filter = parse_public_filter(request.args, area=area, category_codes=codes)
        limit = _limit()
        zoom = _zoom()
        mode = _cluster()
        after = _cursor()
    except FilterError as error:
        return problem(400, _("Invalid parameter"), error.message, error.parameter)
    timezone = state().settings.zone
    conditions = [*filter_conditions(session, public_filter, timezone), Report.point.is_not(None)]
    now = datetime.now(UTC)
    cap = int(config["CITIZENCARE_API_MAX_LIMIT"])
    clustering = mode == "auto" and after is None
    view_zoom = zoom if zoom is not None else geojson.zoom_for(public_filter.bbox or area.bounds)
    cells: map_cells.CellClusters | None = None
    if clustering and map_cells.usable(public_filter, view_zoom):
        cells = map_cells.clusters(session, public_filter, zoom=view_zoom)
        if cells.surely_inside > cap:
            return _cacheable(_clusters_body(session, public_filter, cells, view_zoom, now, timezone))
    language = current_language()
    features, last = geojson.feature_rows(
        session, conditions, labels=_labels(language), now=now, after=after, limit=limit
    )
    if (
        clustering
        and last is not None
        and (limit >= cap or len(geojson.probe_ids(session, conditions, cap + 1)) > cap)
    ):
        if cells is not None:
            return _cacheable(_clusters_body(session, public_filter, cells, view_zoom, now, timezone))
        found = geojson.cluster_features(session, conditions, zoom=view_zoom, now=now)
        return _cacheable(_document(geojson.as_features(found, zoom=view_zoom)))
    next_url = json.dumps(_next_url(last, limit) if last is not None else None)
    body = (
        '{"type":"FeatureCollection","clustered":false,"features":['
        + ",".join(features)
        + '],"next":'
        + next_url
        + "}"
    ).encode()
    return _cacheable(body)


def _document(features: list[dict[str, Any]]) -> bytes:
    document = {"type": "FeatureCollection", "clustered": True, "features": features, "next": None}
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def _clusters_body(
    session: Session,
    public_filter: PublicFilter,
    cells: map_cells.CellClusters,
    zoom: int,
    now: datetime,
    timezone: ZoneInfo,
) -> bytes:
    """Clusters from the cells, with the overdue reports of those cells counted live."""
    box = None
    if cells.ranges is not None:
        # The cells reach past the bbox: count the overdue ones of the whole cells.
        (x0, x1), (y0, y1) = cells.ranges
        west, south, _east, _north = geojson.cell_bounds(x0, y0, zoom)
        _west, _south, east, north = geojson.cell_bounds(x1, y1, zoom)
        box = (west, south, east, north)
    conditions = filter_conditions(session, replace(public_filter, bbox=None), timezone)
    overdue = geojson.overdue_by_cell(session, conditions, zoom=zoom, now=now, box=box)
    for cluster in cells.clusters:
        cluster.overdue = overdue.get((cluster.gx, cluster.gy), 0)
    return _document(geojson.as_features(cells.clusters, zoom=zoom))


def report_tile(z: int, x: int, y: int) -> Response:
    """``/api/tiles/<z>/<x>/<y>.mvt``: the public reports of a map tile as a vector tile (PostGIS only).

    Takes the same filters as the GeoJSON (bbox aside: the tile is the area).
    """
    session = db_session()
    if session.get_bind().dialect.name != "postgresql":
        return problem(501, _("Not available"), _("Vector tiles need a PostGIS database; use the GeoJSON."))
    if not geojson.MIN_TILE_ZOOM <= z <= geojson.MAX_ZOOM or not (0 <= x < 2**z and 0 <= y < 2**z):
        return problem(
            400,
            _("Invalid parameter"),
            _(
                "Tiles go from zoom %(low)d to %(high)d, with x and y inside the grid of that zoom.",
                low=geojson.MIN_TILE_ZOOM,
                high=geojson.MAX_ZOOM,
            ),
            "z",
        )
    try:
        codes = session.scalars(sa.select(Category.code)).all()
        public_filter = parse_public_filter(request.args, area=Area(None), category_codes=codes)
    except FilterError as error:
        return problem(400, _("Invalid parameter"), error.message, error.parameter)
    conditions = filter_conditions(session, public_filter, state().settings.zone)
    tile = geojson.vector_tile(session, conditions, z=z, x=x, y=y)
    return _cacheable(tile, "application/vnd.mapbox-vector-tile")


def _cacheable(body: bytes, mimetype: str = MEDIA_TYPE) -> Response:
    """Strong ETag of the body (one per encoding), 304 when the client has it, gzip when it accepts it."""
    digest = hashlib.blake2b(body, digest_size=16).hexdigest()
    zipped = len(body) >= GZIP_MIN_BYTES and request.accept_encodings["gzip"] > 0
    etag = digest + ("-gz" if zipped else "")
    if request.if_none_match.contains(etag):
        response = Response(status=304)
    else:
        if zipped:
            body = gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)
        response = Response(body, mimetype=mimetype)
        if zipped:
            response.headers["Content-Encoding"] = "gzip"
    response.set_etag(etag)
    # Moderation must reach every cache at once: reused only after asking (see caching.py).
    response.headers["Cache-Control"] = PUBLIC_DATA
    # Labels follow the visitor's language (header or the session's choice); bodies follow the encoding.
    response.vary.update(("Accept-Encoding", "Accept-Language", "Cookie"))
    return response
