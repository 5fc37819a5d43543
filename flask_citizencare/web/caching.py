"""How others (browsers, proxies, CDNs) may keep a copy of what the public sees.

Moderation can take a report, a photo or a redacted text off the public
surfaces at any moment, and it must reach everybody at once: a shared cache
holding a copy with a freshness lifetime (``max-age=3600``) would go on
serving a withdrawn photo, whoever asks, until the lifetime runs out, and we
could not call it back. So nothing public about reports is ever *fresh* in a
cache:

* Data that is the same for everybody (photos, the GeoJSON API and its tiles,
  the open-data exports) is sent with :data:`PUBLIC_DATA`,
  ``public, max-age=0, must-revalidate``: any cache may store it, but must ask
  us before every reuse, and may not fall back on its copy when it cannot ask.
  The ETag makes asking cheap: ``304`` while nothing changed. Once the report
  is hidden or redacted the answer is the new content (its ETag is a digest of
  the body, so it changed) or ``404`` for its photos. ``no-cache`` would mean
  the same; this spelling also tells older caches that honour only
  ``max-age``.
* Pages (the report page, the map with its list) are sent with
  :data:`PUBLIC_PAGE`, ``private, no-cache``, plus an ETag of the body: they
  follow the visitor's language and the report page holds the session's CSRF
  token, so no shared cache may keep them at all; the browser asks again
  every time and gets ``304`` while nothing changed.
* What belongs to the reporter (the tracking page's photos) stays
  ``private``: only their browser keeps it (see the photo views).
"""

from __future__ import annotations

from flask import request
from werkzeug.wrappers import Response

#: Public data, the same for everybody: stored anywhere, reused only after asking us again.
PUBLIC_DATA = "public, max-age=0, must-revalidate"
#: Public pages: only the visitor's browser keeps them, and it asks again before each reuse.
PUBLIC_PAGE = "private, no-cache"


def public_page(response: Response) -> Response:
    """``response`` (a public page) with :data:`PUBLIC_PAGE`, an ETag of its body, ``304`` if unchanged."""
    response.headers["Cache-Control"] = PUBLIC_PAGE
    if response.status_code == 200:
        response.add_etag()
        response.make_conditional(request)
    return response
