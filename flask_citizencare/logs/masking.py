"""Masking of personal data in log records: e-mail addresses, and the values of personal fields.

``log.info("mail to %s", "mario.rossi@example.org")`` is written as
``mail to ***@example.org``; ``extra={"reporter": "Mario Rossi"}`` as
``"reporter": "***"``. The filter rewrites the record itself, so every
handler after it (ours, the host's, a log collector) only sees the masked
text. It is a safety net: log calls should not pass personal data at all.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

#: user@domain: the local part goes, the domain stays (it tells which provider bounced, say).
EMAIL = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@((?:[\w-]+\.)+[\w-]{2,})")
MASK = "***"

#: Extra fields whose values are personal whatever they look like.
PERSONAL_FIELDS = frozenset(
    {
        "name",
        "first_name",
        "last_name",
        "full_name",
        "display_name",
        "email",
        "e_mail",
        "phone",
        "reporter",
        "reporter_name",
        "reporter_email",
        "reporter_phone",
        "sender",
        "recipient",
        "address_from",
    }
)

#: The attributes every LogRecord has; anything else came from ``extra=``.
_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


def mask_text(text: str) -> str:
    """``text`` with the local part of every e-mail address replaced by ``***``."""
    return EMAIL.sub(lambda m: f"{MASK}@{m.group(1)}", text)


def mask_value(value: Any) -> Any:
    """``value`` with the e-mail addresses in its strings masked (and personal keys of mappings)."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, Mapping):
        return {k: (MASK if str(k).lower() in PERSONAL_FIELDS else mask_value(v)) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [mask_value(v) for v in value]
    return value


class MaskPersonalData(logging.Filter):
    """Masks the rendered message, the traceback and the extra fields of each record."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_citizencare_masked", False):
            return True
        message = record.getMessage()
        masked = mask_text(message)
        if masked != message or record.args:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        for key, value in list(record.__dict__.items()):
            if key in _STANDARD or key.startswith("_"):
                continue
            if key.lower() in PERSONAL_FIELDS and value is not None:
                record.__dict__[key] = MASK
            else:
                record.__dict__[key] = mask_value(value)
        record._citizencare_masked = True
        return True
