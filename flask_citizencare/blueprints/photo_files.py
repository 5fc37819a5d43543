"""The answer that sends a photo file, once the view has decided the asker may see it.

By default the app streams the file itself. With ``CITIZENCARE_PHOTO_SENDFILE``
and the default local store, it answers with an empty body and a header that
tells the web server in front which file to send (nginx: ``X-Accel-Redirect``
to an ``internal`` location; Apache's mod_xsendfile: ``X-Sendfile`` with the
absolute path): the access checks stay in the app, the bytes leave from the web
server. The header is built from the storage key alone, which
:class:`~flask_citizencare.storage.LocalPhotoStore` only accepts as letters,
digits, ``_`` and ``-``, so it never names a file outside the photo folder.
"""

from __future__ import annotations

from flask import abort, current_app, request, send_file
from werkzeug.wrappers import Response

from ..context import state
from ..storage import LocalPhotoStore
from ..web.metrics import count_photo_store_error

#: What every photo answer carries: a photo is never taken for a page, nor runs anything.
PHOTO_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
}


def photo_file_response(key: str, content_type: str, cache_control: str) -> Response:
    """The photo stored under ``key``; 404 if the store has no such file.

    Call it only after the access rules allowed this photo to this request.
    """
    store = state().photo_store
    mode = current_app.config["CITIZENCARE_PHOTO_SENDFILE"]
    if mode and isinstance(store, LocalPhotoStore):
        response = _delegated(store, key, content_type, mode)
    else:
        try:
            handle = store.open(key)
        except (FileNotFoundError, ValueError):
            abort(404)
        except OSError:
            count_photo_store_error("read")
            raise
        response = send_file(handle, mimetype=content_type, conditional=True, etag=key, max_age=None)
    response.headers["Cache-Control"] = cache_control
    response.headers.update(PHOTO_HEADERS)
    return response


def _delegated(store: LocalPhotoStore, key: str, content_type: str, mode: str) -> Response:
    """An empty answer naming the file for nginx or Apache; 304 when the browser has it already."""
    try:
        relative = store.relative_path(key)
    except ValueError:
        abort(404)
    if not store.exists(key):
        abort(404)  # the web server would answer 404 too, but without our error page
    response = Response(b"", mimetype=content_type)
    # The same validator as when the app streams: a photo never changes under its key.
    response.set_etag(key)
    response.make_conditional(request)
    if response.status_code == 304:
        return response  # nothing to send: no header, or the web server would send the file
    if mode == "x-accel-redirect":
        prefix = current_app.config["CITIZENCARE_PHOTO_ACCEL_PREFIX"]
        response.headers["X-Accel-Redirect"] = f"{prefix}/{relative}"
    else:
        response.headers["X-Sendfile"] = str(store.absolute_path(key))
    return response
