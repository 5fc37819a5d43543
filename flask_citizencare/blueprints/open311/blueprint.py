"""The Open311 GeoReport v2 blueprint: rules from the declarations, keys, limits, formats, errors.

Mounted at ``CITIZENCARE_OPEN311_PREFIX`` (``/open311``) under the extension's
prefix: the API at ``/v2``. Every declared endpoint (:mod:`.endpoints`) gets
the rules ``<path>.xml`` and ``<path>.json``, and its view is wrapped in
:func:`dispatch`, which

- answers 404 for another municipality's ``jurisdiction_id``;
- runs in the language of ``locale`` when it is one of ours;
- checks ``api_key`` (403 when needed and missing, unknown or revoked) and
  counts the request under the key's own rate, else the client address's;
- parses the declared parameters (400 naming the one that is wrong);
- writes the view's document as XML or JSON, GETs with an ETag (``304``
  when unchanged) and :data:`~flask_citizencare.web.caching.PUBLIC_DATA`.

Everything that goes wrong inside our prefix is answered in the spec's error
format, never as an HTML page: unknown paths and formats, wrong methods,
bodies too large, NUL bytes, floods.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, current_app, request
from flask.sansio.blueprints import BlueprintSetupState
from flask_babel import force_locale
from werkzeug.datastructures import CombinedMultiDict, MultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from ...context import db_session, state
from ...domain.open311.documents import CONTENT_TYPES, FORMATS, JSON, XML, Document, errors, render
from ...i18n import current_language, offered_language
from ...i18n import gettext as _
from ...models import ApiKey
from ...services import api_keys
from ...web.caching import PUBLIC_DATA
from ...web.requests import accepts_photos
from ..ratelimit import RateLimited, check, client_ip, parse_rates
from . import description as published
from .endpoints import ENDPOINTS, Endpoint, KeyUse
from .errors import Open311Error
from .params import one, parse

blueprint = Blueprint("open311", __name__)
#: The API's path under the Open311 prefix.
VERSION_PATH = "/v2"


def api_prefix(app: Any) -> str:
    return str(app.config["CITIZENCARE_OPEN311_PREFIX"]) + VERSION_PATH


def request_format() -> str:
    """The format the client asked for: the path's suffix; XML (the spec's required one) otherwise."""
    fmt = (request.view_args or {}).get("fmt")
    if fmt in FORMATS:
        return str(fmt)
    return JSON if request.path.endswith(".json") else XML


def document_response(document: Document, fmt: str, *, cacheable: bool = False) -> Response:
    response = Response(render(document, fmt), status=document.status, content_type=CONTENT_TYPES[fmt])
    if cacheable and document.status == 200:
        response.headers["Cache-Control"] = PUBLIC_DATA
        response.add_etag()
        response.make_conditional(request)
    else:
        response.headers["Cache-Control"] = "no-store"
    return response


def error_response(status: int, description: str, fmt: str | None = None) -> Response:
    return document_response(errors(status, [description]), fmt or request_format())


def _values(spec: Endpoint) -> MultiDict[str, str]:
    if spec.method == "GET":
        return request.args
    return CombinedMultiDict([request.args, request.form])


def _jurisdiction(values: MultiDict[str, str]) -> None:
    configured = current_app.config["CITIZENCARE_OPEN311_JURISDICTION"]
    given = one(values, "jurisdiction_id")
    if configured and given is not None and given != configured:
        raise Open311Error(404, _("jurisdiction_id: this server answers only for %(id)s.", id=configured))


def _key(spec: Endpoint, values: MultiDict[str, str]) -> ApiKey | None:
    """The client's key (None when not needed and not given); counts the request under its limit."""
    given = one(values, "api_key")
    if given is None:
        if spec.key is KeyUse.POST:
            raise Open311Error(403, _("api_key: an API key is required to file or update a request."))
        check("RATELIMIT_OPEN311_PER_IP", client_ip())
        return None
    session = db_session()
    api_key = api_keys.find_key(session, given)
    if api_key is None:
        raise Open311Error(403, _("api_key: this API key is not valid, or it was revoked."))
    if spec.key is KeyUse.POST and not api_key.can_post:
        raise Open311Error(403, _("api_key: this API key may read, not file requests."))
    rates = api_key.rate or current_app.config["CITIZENCARE_RATELIMIT_OPEN311_PER_KEY"]
    limiter_check(f"key:{api_key.id}", rates)
    api_keys.record_use(session, api_key)
    return api_key


def limiter_check(key: str, rates: str) -> None:
    """Count under a key's own rate string."""
    limiter = state().rate_limiter
    if limiter is not None:
        limiter.hit("RATELIMIT_OPEN311_PER_KEY", key, parse_rates(rates))


def _language(values: MultiDict[str, str]) -> str:
    return offered_language(one(values, "locale")) or current_language()


def dispatch(spec: Endpoint) -> Callable[..., Response]:
    """The view function of ``spec``: see the module's docstring."""

    @wraps(spec.view)
    def view(fmt: str, **path: Any) -> Response:
        values = _values(spec)
        try:
            language = _language(values)
        except Open311Error as error:
            return error_response(error.status, error.description, fmt)
        with force_locale(language):
            try:
                _jurisdiction(values)
                api_key = _key(spec, values)
                args = parse(spec.params, values)
                document = spec.view(fmt=fmt, args=args, key=api_key, **path)
            except Open311Error as error:
                db_session().rollback()
                return error_response(error.status, error.description, fmt)
            if isinstance(document, Response):
                return document
            return document_response(document, fmt, cacheable=spec.method == "GET")

    view.__name__ = f"open311_{spec.name}"
    if spec.multipart:
        accepts_photos(view)  # the request guard's upload body limit
    return view


def _dispatchers() -> dict[str, Callable[..., Response]]:
    return {spec.name: dispatch(spec) for spec in ENDPOINTS}


_FORMAT = "<any(xml, json):fmt>"
_VIEWS: dict[str, Callable[..., Response]] = {}


@blueprint.record
def _add_rules(setup: BlueprintSetupState) -> None:
    """The rules of every declared endpoint, under the app's ``CITIZENCARE_OPEN311_PREFIX``."""
    from . import discovery, filing, requests, services, updates  # noqa: F401  (their declarations)

    if not _VIEWS:
        _VIEWS.update(_dispatchers())
    if not setup.app.config["CITIZENCARE_OPEN311_ENABLED"]:
        return
    prefix = api_prefix(setup.app)
    for spec in ENDPOINTS:
        setup.add_url_rule(
            f"{prefix}{spec.path}.{_FORMAT}", spec.name, _VIEWS[spec.name], methods=[spec.method]
        )
    setup.add_url_rule(f"{prefix}/openapi.json", "openapi", published.openapi_json)
    setup.add_url_rule(
        f"{setup.app.config['CITIZENCARE_OPEN311_PREFIX']}/", "developers", published.developers_page
    )
    setup.add_url_rule(f"{prefix}/", "not_found", not_found, methods=_EVERY_METHOD, defaults={"rest": ""})
    setup.add_url_rule(f"{prefix}/<path:rest>", "not_found", not_found, methods=_EVERY_METHOD)


_EVERY_METHOD = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]


def _asked_language() -> str:
    """The ``locale`` of the query string, if ours (for answers given before any parsing)."""
    given = [value for value in request.args.getlist("locale") if value and "\x00" not in value]
    return offered_language(given[0] if len(given) == 1 else None) or current_language()


def not_found(rest: str) -> Response:
    """No such address in the API, or a method it does not take there."""
    with force_locale(_asked_language()):
        return _not_found()


def _not_found() -> Response:
    adapter = current_app.create_url_adapter(request)
    allowed: list[str] = []
    if adapter is not None:
        for method in ("GET", "POST"):
            try:
                endpoint = adapter.match(method=method)[0]
            except HTTPException:
                continue
            if endpoint != request.endpoint:
                allowed.append(method)
    if allowed:
        response = error_response(
            405, _("This address of the API does not take %(method)s.", method=request.method)
        )
        response.headers["Allow"] = ", ".join(allowed)
        return response
    return error_response(404, _("There is nothing at this address of the API."))


@blueprint.errorhandler(RateLimited)
def rate_limited(error: RateLimited) -> Response:
    with force_locale(_asked_language()):
        response = error_response(
            429, _("Too many requests: try again in %(seconds)d seconds.", seconds=error.seconds)
        )
    response.headers["Retry-After"] = str(error.seconds)
    return response


@blueprint.errorhandler(HTTPException)
def http_error(error: HTTPException) -> Response:
    with force_locale(_asked_language()):
        return _http_error(error)


def _http_error(error: HTTPException) -> Response:
    status = error.code or 500
    if status == 413:
        description = _("What you sent is too large.")
    elif status == 404:
        description = _("There is nothing at this address of the API.")
    elif status == 405:
        description = _("This address of the API does not take %(method)s.", method=request.method)
    elif status >= 500:
        description = _("Something went wrong on our side. Try again later.")
    else:
        description = _("The request could not be understood: check its parameters.")
    return error_response(status, description)


# Code-specific handlers of the parent blueprint (400, 403, 404, 413 ...) would be found before a
# handler of the HTTPException class: the API answers these codes itself.
for _code in (400, 403, 404, 405, 413):
    blueprint.register_error_handler(_code, http_error)


def _exempt_from_csrf() -> None:
    """Open311 clients POST without a CSRF token: their key is their credential, not a cookie."""
    csrf = current_app.extensions.get("csrf")
    if csrf is not None and hasattr(csrf, "exempt"):
        for view in _VIEWS.values():
            csrf.exempt(view)


@blueprint.record_once
def _register_csrf_exemption(setup: BlueprintSetupState) -> None:
    setup.app.before_request_funcs.setdefault(None, []).insert(0, _exempt_from_csrf)
