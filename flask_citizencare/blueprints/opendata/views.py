"""Open data views: the page describing the datasets and the two streamed exports."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Response, current_app, jsonify, render_template, request, stream_with_context, url_for
from flask.typing import ResponseReturnValue

from ...context import db_session, state
from ...i18n import current_language
from ...i18n import gettext as _
from ...models import Category
from ...queries.filter_sql import filter_conditions
from ...queries.filters import FilterError, PublicFilter, parse_public_filter
from ...queries.opendata import (
    FIELDS,
    PROPOSAL_FIELDS,
    ProposalRowMaker,
    RowMaker,
    answer_state_labels,
    category_labels,
    csv_chunks,
    export_query,
    geojson_chunks,
    proposals_csv_chunks,
    proposals_export_query,
    proposals_json_chunks,
    stream_rows,
)
from ...queries.reports import active_categories
from ...queries.supports import counts_hidden_until_answered
from ...web.caching import PUBLIC_DATA

_ID = "00000000-000000"


def _timezone() -> ZoneInfo:
    return state().settings.zone


def _parse() -> PublicFilter:
    codes = db_session().scalars(sa.select(Category.code))
    area = state().settings.area
    return parse_public_filter(request.args, area=area, category_codes=codes)


def _licence_headers(response: Response) -> Response:
    url = current_app.config["CITIZENCARE_OPENDATA_LICENCE_URL"]
    if url:
        response.headers["Link"] = f'<{url}>; rel="license"'
    return response


def _export(chunks: Iterator[str], content_type: str, extension: str, name: str = "segnalazioni") -> Response:
    """A streamed download: constant memory, first bytes out before the last row is read."""
    today = datetime.now(UTC).astimezone(_timezone()).date().isoformat()
    response = Response(
        stream_with_context(chunk.encode("utf-8") for chunk in chunks), content_type=content_type
    )
    response.headers["Content-Disposition"] = f"attachment; filename={name}-{today}.{extension}"
    # A report hidden meanwhile must not stay in a proxy's copy (see caching.py).
    response.headers["Cache-Control"] = PUBLIC_DATA
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return _licence_headers(response)


def _row_maker() -> RowMaker:
    pattern = url_for("citizencare.public.report", public_id=_ID, _external=True).replace(_ID, "{id}")
    return RowMaker(
        categories=category_labels(db_session(), current_language()),
        timezone=_timezone(),
        now=datetime.now(UTC),
        url_pattern=pattern,
    )


def _batches(public_filter: PublicFilter) -> Iterator[Sequence[sa.Row[Any]]]:
    session = db_session()
    return stream_rows(session, export_query(filter_conditions(session, public_filter, _timezone())))


def index() -> ResponseReturnValue:
    """What the datasets hold, their licence, and download links that keep the chosen filters."""
    config = current_app.config
    status = 200
    error: FilterError | None = None
    try:
        args = _parse().query_args()
    except FilterError as refused:
        error, args, status = refused, {}, 400
    page = render_template(
        "citizencare/opendata/index.html",
        fields=FIELDS,
        proposal_fields=PROPOSAL_FIELDS,
        filter_args=args,
        proposal_args={name: value for name, value in args.items() if name != "kind"},
        error=error,
        categories=active_categories(),
        licence=config["CITIZENCARE_OPENDATA_LICENCE"],
        licence_url=config["CITIZENCARE_OPENDATA_LICENCE_URL"],
        language=current_language(),
    )
    return _licence_headers(Response(page, status=status, content_type="text/html; charset=utf-8"))


def reports_csv() -> ResponseReturnValue:
    try:
        public_filter = _parse()
    except FilterError as refused:
        return Response(
            f"{refused.parameter}: {refused.message}\n", status=400, content_type="text/plain; charset=utf-8"
        )
    chunks = csv_chunks(_batches(public_filter), _row_maker())
    return _export(chunks, "text/csv; charset=utf-8; header=present", "csv")


def _problem(refused: FilterError) -> Response:
    problem = jsonify(
        type="about:blank",
        title=_("The request could not be understood"),
        status=400,
        detail=refused.message,
        parameter=refused.parameter,
    )
    problem.status_code = 400
    problem.content_type = "application/problem+json"
    return problem


def _header(name: str) -> dict[str, Any]:
    config = current_app.config
    return {
        "name": name,
        "license": config["CITIZENCARE_OPENDATA_LICENCE"],
        "license_url": config["CITIZENCARE_OPENDATA_LICENCE_URL"],
        "attribution": config["CITIZENCARE_MUNICIPALITY_NAME"],
        "generated_at": datetime.now(UTC).astimezone(_timezone()).isoformat(timespec="seconds"),
    }


def _proposal_row_maker() -> ProposalRowMaker:
    session = db_session()
    language = current_language()
    pattern = url_for("citizencare.public.report", public_id=_ID, _external=True).replace(_ID, "{id}")
    return ProposalRowMaker(
        categories=category_labels(session, language),
        states=answer_state_labels(session, language),
        timezone=_timezone(),
        url_pattern=pattern,
        hide_supports=counts_hidden_until_answered(),
    )


def _proposal_batches(public_filter: PublicFilter) -> Iterator[Sequence[sa.Row[Any]]]:
    session = db_session()
    conditions = filter_conditions(session, public_filter, _timezone())
    return stream_rows(session, proposals_export_query(conditions))


def proposals_csv() -> ResponseReturnValue:
    """Every public proposal with its supports and its published answer's state (never a draft)."""
    try:
        public_filter = _parse()
    except FilterError as refused:
        return Response(
            f"{refused.parameter}: {refused.message}\n", status=400, content_type="text/plain; charset=utf-8"
        )
    chunks = proposals_csv_chunks(_proposal_batches(public_filter), _proposal_row_maker())
    return _export(chunks, "text/csv; charset=utf-8; header=present", "csv", "proposte")


def proposals_json() -> ResponseReturnValue:
    try:
        public_filter = _parse()
    except FilterError as refused:
        return _problem(refused)
    chunks = proposals_json_chunks(
        _proposal_batches(public_filter), _proposal_row_maker(), _header(_("Proposals"))
    )
    return _export(chunks, "application/json", "json", "proposte")


def reports_geojson() -> ResponseReturnValue:
    try:
        public_filter = _parse()
    except FilterError as refused:
        return _problem(refused)
    config = current_app.config
    header = {
        "name": _("Reports"),
        "license": config["CITIZENCARE_OPENDATA_LICENCE"],
        "license_url": config["CITIZENCARE_OPENDATA_LICENCE_URL"],
        "attribution": config["CITIZENCARE_MUNICIPALITY_NAME"],
        "generated_at": datetime.now(UTC).astimezone(_timezone()).isoformat(timespec="seconds"),
    }
    chunks = geojson_chunks(_batches(public_filter), _row_maker(), header)
    return _export(chunks, "application/geo+json", "geojson")
