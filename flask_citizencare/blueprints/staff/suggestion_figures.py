"""The suggestions on the staff dashboard: how often staff accepted them this month, and the model in use.

Staff only (never the public dashboard). A technician's figures count their
offices' cases only. A line appears only for a field that had decisions this
month; managers and admins are told how to train a model when there is none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from babel.numbers import format_percent

from ...access import Actor
from ...context import db_session, state
from ...i18n import format_locale
from ...i18n import gettext as _
from ...services.suggestion_models import ModelStatus, model_status
from ...services.suggestion_records import acceptance


@dataclass(frozen=True)
class SuggestionFigures:
    lines: tuple[str, ...]
    model: ModelStatus
    #: Managers and admins: they are told how to train a model when none is usable.
    supervises: bool


def month_start(now: datetime | None = None) -> datetime:
    """Midnight of the first day of the current month in the site's time zone (as UTC)."""
    zone = state().settings.zone
    local = (now or datetime.now(UTC)).astimezone(zone)
    start = datetime(local.year, local.month, 1, tzinfo=zone)
    return start.astimezone(UTC)


def _line(field: str, accepted: int, decided: int) -> str:
    share = format_percent(accepted / decided, "#,##0%", locale=format_locale())
    if field == "category":
        return _(
            "Suggested category accepted in %(share)s of cases this month (%(accepted)d of %(decided)d).",
            share=share,
            accepted=accepted,
            decided=decided,
        )
    return _(
        "Suggested office accepted in %(share)s of cases this month (%(accepted)d of %(decided)d).",
        share=share,
        accepted=accepted,
        decided=decided,
    )


def suggestion_figures(actor: Actor, now: datetime | None = None) -> SuggestionFigures:
    session = db_session()
    office_ids = None if actor.sees_everything else actor.office_ids
    counts = acceptance(session, since=month_start(now), office_ids=office_ids)
    lines = tuple(
        _line(field, accepted, decided)
        for field in ("category", "office")
        for accepted, decided in [counts.get(field, (0, 0))]
        if decided
    )
    return SuggestionFigures(lines=lines, model=model_status(session), supervises=actor.supervises)
