"""One JSON object per line (python-json-logger), for journald, Loki, Elasticsearch and ``jq``.

Every line has ``time`` (UTC, ISO 8601), ``level``, ``logger``, ``message``
and ``request_id``; the extra fields of the call (``method``, ``status``,
``job`` ...) follow. Tracebacks are masked like the message.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from types import TracebackType

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

from .masking import mask_text

_ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None] | tuple[None, None, None]


class JsonFormatter(_JsonFormatter):
    def __init__(self) -> None:
        super().__init__(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            reserved_attrs=[*RESERVED_ATTRS, "_citizencare_masked", "taskName"],
        )

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")

    def formatException(self, ei: _ExcInfo) -> str | list[str]:  # type: ignore[override]
        text = super().formatException(ei)
        return mask_text(text) if isinstance(text, str) else [mask_text(line) for line in text]
