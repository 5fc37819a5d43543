"""``/api/reports.geojson``: public reports as GeoJSON points, or grid clusters when a view holds too many.

Thin: parse the query string, ask :mod:`flask_citizencare.queries.public_map` for the
points or clusters, wrap them, and make the answer cheap to send again (strong ETag,
``304``, gzip). Every refusal is a ``400`` problem document
(``application/problem+json``, RFC 9457) naming the parameter, in the
visitor's language.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from typing import Any

import sqlalchemy as sa
from flask import Response, current_app, request, url_for

from ...context import db_session, state
from ...domain.geo import Area
from ...i18n import current_language
from ...i18n import gettext as _
from ...labels import public_status_labels
from ...models import Category
from ...queries import geojson, public_map
from ...queries.cursors import BadCursor
from ...queries.filter_sql import filter_conditions
from ...queries.filters import FilterError, parse_public_filter
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


def _cursor() -> geojson.Key | None:
    """The signed position after which the page starts; anything else is refused."""
    text = _one("cursor")
    if text is None:
        return None
    message = _("This page link is not valid: start again from the first page.")
    try:
        return public_map.decode_cursor(text)
    except BadCursor:
        raise ParameterError("cursor", message) from None


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


def _next_url(cursor: str, limit: int) -> str:
    params: dict[str, Any] = request.args.to_dict(flat=False)
    params["cursor"] = [cursor]
    params["limit"] = [str(limit)]
    return url_for(".reports_geojson", **params)


def reports_geojson() -> Response:
    """Public reports in a bbox with the public filters: points (paginated) or clusters.

    What the view holds decides which (:func:`~flask_citizencare.queries.public_map.public_map`):
    on a first page with ``cluster=auto``, a view holding more than
    ``CITIZENCARE_API_MAX_LIMIT`` reports is clustered.
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
    cap = int(config["CITIZENCARE_API_MAX_LIMIT"])
    found = public_map.public_map(
        session,
        public_filter,
        area=area,
        timezone=timezone,
        labels=_labels(current_language()),
        limit=limit,
        cap=cap,
        zoom=zoom,
        after=after,
        cluster=mode == "auto",
    )
    if isinstance(found, public_map.MapClusters):
        document = {"type": "FeatureCollection", "clustered": True, "features": found.features, "next": None}
        return _cacheable(json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode())
    next_url = json.dumps(_next_url(found.next_cursor, limit) if found.next_cursor is not None else None)
    body = (
        '{"type":"FeatureCollection","clustered":false,"features":['
        + ",".join(found.features)
        + '],"next":'
        + next_url
        + "}"
    ).encode()
    return _cacheable(body)


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
