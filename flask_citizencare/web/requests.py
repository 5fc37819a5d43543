"""What every request to our pages passes before anything reads it: a body limit, and no NUL bytes.

:func:`guard_request` runs as the app's *first* ``before_request`` (the parent
blueprint inserts it at the front when it is registered), so it comes before
Flask-WTF's ``CSRFProtect`` — which parses the form — whether the host set that
up before or after us. It only acts on requests routed to our blueprints:

- the body limit: the largest body the page accepts (photos and text for the
  pages marked with :func:`accepts_photos`, :data:`FORM_MAX_BYTES` for every
  other one), set on the request before parsing, so Werkzeug answers 413 from
  the ``Content-Length`` or, for a chunked body, as soon as the limit is passed;
- no NUL in the path (404), the query string or the form (400): PostgreSQL cannot
  store it, and no field of ours has a use for it. A new field cannot forget this.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from flask import Flask, abort, current_app, request

from ..parsing import has_nul

#: Largest body of a page without photos (every text field at its maximum fits many times).
FORM_MAX_BYTES = 1024 * 1024
#: Most parts of a multipart body (photos, fields); Werkzeug's default, stated here.
FORM_MAX_PARTS = 1000
#: Room for the text fields beside the photos of an upload.
UPLOAD_TEXT_BYTES = 1024 * 1024

View = TypeVar("View", bound=Callable[..., Any])
_PHOTOS_MARK = "citizencare_accepts_photos"


def accepts_photos(view: View) -> View:
    """Mark a view whose form carries photos: it gets the upload body limit."""
    setattr(view, _PHOTOS_MARK, True)
    return view


_UPLOAD_MARK = "citizencare_body_limit"


def accepts_upload(max_bytes: int) -> Callable[[View], View]:
    """Mark a view whose form carries one file of at most ``max_bytes`` (a CSV to import)."""

    def mark(view: View) -> View:
        setattr(view, _UPLOAD_MARK, int(max_bytes) + UPLOAD_TEXT_BYTES)
        return view

    return mark


def takes_photos(view: Any) -> bool:
    return bool(getattr(view, _PHOTOS_MARK, False))


def upload_limit(config: Mapping[str, Any]) -> int:
    """Largest body a form with photos accepts: every photo at its limit, plus the text."""
    return (
        int(config["CITIZENCARE_MAX_PHOTOS"]) * int(config["CITIZENCARE_PHOTO_MAX_BYTES"]) + UPLOAD_TEXT_BYTES
    )


def body_limit(app: Flask, endpoint: str | None) -> int:
    """The body limit of one of our endpoints."""
    view = app.view_functions.get(endpoint or "")
    if takes_photos(view):
        return upload_limit(app.config)
    return int(getattr(view, _UPLOAD_MARK, FORM_MAX_BYTES))


def is_ours(app: Flask, blueprint: Any) -> bool:
    """The request is routed to ``blueprint`` (whatever name the host registered it under)."""
    names = request.blueprints
    return bool(names) and app.blueprints.get(names[-1]) is blueprint


def _any_nul(values: Iterable[tuple[str, str]]) -> bool:
    return any(has_nul(key) or (isinstance(value, str) and has_nul(value)) for key, value in values)


def guard(blueprint: Any) -> Callable[[], None]:
    """The ``before_request`` function for requests routed to ``blueprint``."""

    def guard_request() -> None:
        app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
        if not is_ours(app, blueprint):
            return
        request.max_content_length = body_limit(app, request.endpoint)
        request.max_form_memory_size = FORM_MAX_BYTES
        request.max_form_parts = FORM_MAX_PARTS
        if any(isinstance(v, str) and has_nul(v) for v in (request.view_args or {}).values()):
            abort(404)
        if _any_nul(request.args.items(multi=True)) or _any_nul(request.form.items(multi=True)):
            abort(400)

    return guard_request
