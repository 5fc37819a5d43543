"""The expected answer of a report as the public reads it, for every page and list of ours.

``cc_expected_answer(report)`` (a template global) takes anything with the
report's ``status``, ``resolve_due_at`` and ``due_at`` (a report, a row of
the public list; a proposal's ``answer_due_at`` and ``answered_at`` when it
has them) and applies the one rule,
:func:`~flask_citizencare.domain.sla.expected_answer`, at this moment; the
partial ``citizencare/_expected_answer.html`` shows the result.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..domain.sla import expected_answer
from ..formatting import cc_date
from ..i18n import current_language
from ..i18n import gettext as _

#: Italian elides the article before the days said with a vowel: "entro l'8", "entro l'11 dicembre".
_ITALIAN_ELISION = re.compile(r"\bil (1|8|11) ")


@dataclass(frozen=True)
class ShownExpectation:
    """What a page says: the sentence with the date, the moment for ``<time>``, and lateness."""

    text: str
    at: datetime
    late: bool


def cc_expected_answer(report: Any, now: datetime | None = None) -> ShownExpectation | None:
    found = expected_answer(
        report.status,
        report.resolve_due_at,
        report.due_at,
        now if now is not None else datetime.now(UTC),
        answer_due_at=getattr(report, "answer_due_at", None),
        answered_at=getattr(report, "answered_at", None),
    )
    if found is None:
        return None
    if found.threshold:
        text = _("The municipality will answer by %(date)s", date=cc_date(found.at, "long"))
    else:
        text = _("Answer expected by %(date)s", date=cc_date(found.at, "long"))
    if current_language() == "it":
        text = _ITALIAN_ELISION.sub(r"l'\1 ", text)
    return ShownExpectation(text=text, at=found.at, late=found.late)
