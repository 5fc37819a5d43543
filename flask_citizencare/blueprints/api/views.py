"""``/api/reports.geojson``: public reports as GeoJSON points, or grid clusters when a view holds too many.

Thin: parse the query string, ask :mod:`flask_citizencare.geojson` for the
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
from collections import OrderedDict
from datetime import UTC, datetime
from threading import Lock
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Response, current_app, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from itsdangerous import BadData, URLSafeSerializer

from ... import geojson
from ...domain.geo import Area
from ...domain.lifecycle import Status
from ...extension import db_session
from ...models import Category, Report
from ...public_filters import FilterError, filter_conditions, parse_public_filter
from ...queries import public_reports_filter

MEDIA_TYPE = "application/geo+json"
PROBLEM_TYPE = "application/problem+json"
#: Bodies smaller than this are sent as they are: gzip would save next to nothing.
GZIP_MIN_BYTES = 1024
#: zlib level 1 compresses GeoJSON about 8:1 at a fraction of level 6's cost (see bench/public_map.py).
GZIP_LEVEL = 1
MAX_AGE = 60
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


def _serializer() -> URLSafeSerializer:
    secret = current_app.config.get("SECRET_KEY") or "citizencare"
    return URLSafeSerializer(secret, salt="citizencare.api.reports-cursor")


def encode_cursor(key: geojson.Key) -> str:
    return str(_serializer().dumps([key[0].isoformat(), key[1]]))


def _cursor() -> geojson.Key | None:
    """The signed position after which the page starts; anything else is refused."""
    text = _one("cursor")
    if text is None:
        return None
    message = _("This page link is not valid: start again from the first page.")
    if len(text) > 200:
        raise ParameterError("cursor", message)
    try:
        moment_text, row_id = _serializer().loads(text)
        moment = datetime.fromisoformat(moment_text)
    except (BadData, ValueError, TypeError):
        raise ParameterError("cursor", message) from None
    if moment.tzinfo is None or not isinstance(row_id, int) or isinstance(row_id, bool):
        raise ParameterError("cursor", message)
    return moment.astimezone(UTC), row_id


def _labels(language: str) -> geojson.Labels:
    from .. import status_label  # the parent package imports this one

    report = url_for("citizencare.public.report", public_id=_PLACEHOLDER)
    photo = url_for("citizencare.public.photo", key=_PLACEHOLDER)
    report_prefix, report_suffix = report.split(_PLACEHOLDER)
    photo_prefix, photo_suffix = photo.split(_PLACEHOLDER)
    return geojson.Labels(
        language=language,
        statuses={s.value: status_label(s.value) for s in Status},
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
    """Public reports in a bbox with the public filters: points (paginated) or clusters."""
    config = current_app.config
    session = db_session()
    try:
        codes = session.scalars(sa.select(Category.code)).all()
        public_filter = parse_public_filter(
            request.args, area=Area.from_setting(config["CITIZENCARE_AREA"]), category_codes=codes
        )
        limit = _limit()
        zoom = _zoom()
        mode = _cluster()
        after = _cursor()
    except FilterError as error:
        return problem(400, _("Invalid parameter"), error.message, error.parameter)
    conditions = [
        *filter_conditions(session, public_filter, ZoneInfo(config["CITIZENCARE_TIMEZONE"])),
        Report.point.is_not(None),
    ]
    now = datetime.now(UTC)
    cap = int(config["CITIZENCARE_API_MAX_LIMIT"])
    body: bytes | None = None
    found: list[int] | None = None
    if mode == "auto" and after is None:
        if zoom is None:
            zoom = geojson.zoom_for(
                public_filter.bbox or Area.from_setting(config["CITIZENCARE_AREA"]).bounds
            )
        # A clustered answer still fresh for this view is served without even probing.
        key = (public_filter, zoom, cap)
        version = session.scalar(sa.select(sa.func.max(Report.id)))
        body = _cluster_cache().get(key, version, now)
        if body is None:
            found = geojson.probe_ids(session, conditions, cap + 1)
            if len(found) > cap:
                clusters = geojson.cluster_features(session, conditions, zoom=zoom, now=now)
                document = {
                    "type": "FeatureCollection",
                    "clustered": True,
                    "features": clusters,
                    "next": None,
                }
                body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
                _cluster_cache().put(key, version, now, body)
    if body is None:
        if found is not None:
            # Every match is in ``found``: fetch those rows by primary key rather than scan again.
            conditions = [public_reports_filter(), geojson.id_condition(session, found)]
        language = str(get_locale() or config["CITIZENCARE_LANGUAGES"][0])
        features, last = geojson.feature_rows(
            session, conditions, labels=_labels(language), now=now, after=after, limit=limit
        )
        next_url = json.dumps(_next_url(last, limit) if last is not None else None)
        body = (
            '{"type":"FeatureCollection","clustered":false,"features":['
            + ",".join(features)
            + '],"next":'
            + next_url
            + "}"
        ).encode()
    return _cacheable(body)


def report_tile(z: int, x: int, y: int) -> Response:
    """``/api/tiles/<z>/<x>/<y>.mvt``: the public reports of a map tile as a vector tile (PostGIS only).

    Takes the same filters as the GeoJSON (bbox aside: the tile is the area).
    """
    config = current_app.config
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
    conditions = filter_conditions(session, public_filter, ZoneInfo(config["CITIZENCARE_TIMEZONE"]))
    tile = geojson.vector_tile(session, conditions, z=z, x=x, y=y)
    return _cacheable(tile, "application/vnd.mapbox-vector-tile")


class ClusterCache:
    """Recent clustered answers of one app, for ``CITIZENCARE_API_CLUSTER_CACHE_SECONDS``.

    Clustering a whole city reads every public report (a second at 10^6); the
    answer only holds counts, so serving it for as long as browsers may cache
    it anyway (``max-age``) shows nothing that is not public. A new report (a
    higher largest id) makes an entry stale at once, so a report just filed is
    counted on the next request.
    """

    def __init__(self, seconds: float, size: int = 128) -> None:
        self.seconds = seconds
        self.size = size
        self._entries: OrderedDict[Any, tuple[datetime, Any, bytes]] = OrderedDict()
        self._lock = Lock()

    def get(self, key: Any, version: Any, now: datetime) -> bytes | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[1] != version or (now - entry[0]).total_seconds() >= self.seconds:
                return None
            self._entries.move_to_end(key)
            return entry[2]

    def put(self, key: Any, version: Any, now: datetime, body: bytes) -> None:
        if self.seconds <= 0:
            return
        with self._lock:
            self._entries[key] = (now, version, body)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)


def _cluster_cache() -> ClusterCache:
    app = current_app
    cache = app.extensions.get("citizencare.api.clusters")
    if cache is None:
        cache = app.extensions["citizencare.api.clusters"] = ClusterCache(
            float(app.config["CITIZENCARE_API_CLUSTER_CACHE_SECONDS"])
        )
    return cache


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
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    # Labels follow the visitor's language (header or the session's choice); bodies follow the encoding.
    response.vary.update(("Accept-Encoding", "Accept-Language", "Cookie"))
    return response
