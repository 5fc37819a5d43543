"""Wiring: the filters on our loggers, our own handler when asked, the request hooks.

``CITIZENCARE_LOG_FORMAT``:

* ``None`` (default): our records go to the host's logging set-up as before
  (propagated to its handlers); the request id and the masking still apply;
* ``"json"`` / ``"text"``: the ``flask_citizencare`` logger gets a handler of
  its own on stderr, at ``CITIZENCARE_LOG_LEVEL``, and stops propagating to
  the root logger, so the host's logging is left as it is.

Only the ``flask_citizencare`` loggers are touched, never the root logger.
"""

from __future__ import annotations

import logging
import sys

from flask import Flask

from ..errors import ConfigurationError
from . import access
from .context import RequestIdFilter
from .masking import MaskPersonalData

ROOT = "flask_citizencare"
HANDLER_NAME = "citizencare"
FORMATS = ("json", "text")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"

_mask = MaskPersonalData()
_request_id = RequestIdFilter()


def _our_loggers() -> list[logging.Logger]:
    names = [ROOT, access.log.name, "flask_citizencare.jobs"]
    names += [n for n in logging.root.manager.loggerDict if n.startswith(ROOT + ".")]
    return [logging.getLogger(n) for n in dict.fromkeys(names)]


def add_filters(logger: logging.Logger | logging.Handler) -> None:
    """Put the request id and the masking on ``logger`` (once)."""
    for item in (_request_id, _mask):
        if item not in logger.filters:
            logger.addFilter(item)


def _formatter(kind: str) -> logging.Formatter:
    if kind == "json":
        from .json_format import JsonFormatter

        return JsonFormatter()
    return logging.Formatter(TEXT_FORMAT)


def configure(log_format: str | None, level: str | int = "INFO") -> logging.Handler | None:
    """Set up our loggers for ``log_format``; the handler added (None when the host's logging is used).

    A logger's filters only see the records logged on it, not on its children, so
    the filters go on every ``flask_citizencare.*`` logger known now and on our handler.
    """
    for logger in _our_loggers():
        add_filters(logger)
    root = logging.getLogger(ROOT)
    for handler in [h for h in root.handlers if h.name == HANDLER_NAME]:
        root.removeHandler(handler)  # an earlier app's; back to the host's logging first
        root.propagate = True
        root.setLevel(logging.NOTSET)
    if log_format is None:
        return None
    if log_format not in FORMATS:
        raise ConfigurationError(f"CITIZENCARE_LOG_FORMAT must be 'json', 'text' or None, not {log_format!r}")
    handler = logging.StreamHandler(sys.stderr)
    handler.name = HANDLER_NAME
    add_filters(handler)
    handler.setFormatter(_formatter(log_format))
    root.addHandler(handler)
    try:
        root.setLevel(level.upper() if isinstance(level, str) else level)
    except (ValueError, TypeError):
        raise ConfigurationError(f"CITIZENCARE_LOG_LEVEL is not a logging level: {level!r}") from None
    root.propagate = False
    return handler


def install(app: Flask) -> None:
    """Called by ``init_app``: loggers per the app's settings, and the request hooks."""
    log_format = app.config.get("CITIZENCARE_LOG_FORMAT")
    if isinstance(log_format, str):
        log_format = log_format.strip().lower() or None
    configure(log_format, app.config.get("CITIZENCARE_LOG_LEVEL") or "INFO")
    access.install(app)
