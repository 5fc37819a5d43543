"""Our log lines: one per request and per scheduled job, with a request id, personal data masked.

* :mod:`.context` -- the id of the request (``X-Request-ID``) or of the job running now;
* :mod:`.masking` -- the filter that masks e-mail addresses and personal fields;
* :mod:`.json_format` -- the JSON formatter (``CITIZENCARE_LOG_FORMAT = "json"``);
* :mod:`.access` -- the access line of each request to our pages;
* :mod:`.setup` -- :func:`install`, called by ``init_app``.
"""

from .context import current_request_id, job_context, new_request_id, valid_request_id
from .masking import MaskPersonalData, mask_text
from .setup import install

__all__ = [
    "MaskPersonalData",
    "current_request_id",
    "install",
    "job_context",
    "mask_text",
    "new_request_id",
    "valid_request_id",
]
