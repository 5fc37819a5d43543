"""The id of what is running now: a web request's ``X-Request-ID`` or a scheduled job's id.

Outbox mails and audit entries written meanwhile keep it, and every log line
of ours carries it (``request_id``), so one search finds a request's log
lines, the mails it sent and the changes it made.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from flask import g, has_app_context

#: What an id from a client or proxy may look like (nginx's ``$request_id`` is 32 hex digits).
_VALID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_G_KEY = "citizencare_request_id"
_job_id: ContextVar[str | None] = ContextVar("citizencare_job_id", default=None)


def new_request_id() -> str:
    """A fresh id: 32 hex digits."""
    return uuid.uuid4().hex


def valid_request_id(value: object) -> bool:
    """True for 1-64 characters of ``A-Z a-z 0-9 . _ : -`` (nothing that could break a header or a log)."""
    return isinstance(value, str) and _VALID.fullmatch(value) is not None


def set_request_id(value: str) -> None:
    """Make ``value`` the id of the request being handled (kept in ``flask.g``)."""
    setattr(g, _G_KEY, value)


def clear_request_id() -> None:
    if has_app_context():
        g.pop(_G_KEY, None)


def current_request_id() -> str | None:
    """The id of the request being handled, else of the job running, else None."""
    if has_app_context():
        value = g.get(_G_KEY)
        if value:
            return str(value)
    return _job_id.get()


@contextmanager
def job_context(job_id: str | None = None) -> Iterator[str]:
    """Run the block as the job ``job_id`` (a fresh id if None); yields the id."""
    value = job_id or new_request_id()
    token = _job_id.set(value)
    try:
        yield value
    finally:
        _job_id.reset(token)


class RequestIdFilter(logging.Filter):
    """Adds ``record.request_id`` (the current id, or None) unless the call gave one."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = current_request_id()
        return True
