"""The business calendar (``/staff/admin/calendar``): everyone on staff reads it, managers change it.

Weekly opening hours (several intervals a day), recurring local holidays, one-off
closures (whole day or part of it), the 09:00 rule; the national holidays shown
read-only. Without JavaScript: each list has blank rows, and "More rows" sends
the form back with one more of each, saving nothing.
"""

from __future__ import annotations

from typing import Any

from babel.dates import format_date, get_day_names, get_month_names
from flask import flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError

from ...i18n import current_language, format_locale
from ...i18n import gettext as _
from ...models.base import utcnow
from ...queries.audit import history
from ...services import sla, sla_settings
from ...services.errors import ActionRefused, Forbidden
from .forms import CsrfForm

#: Blank rows shown after the filled ones (one more per "More rows").
BLANK_ROWS = 1
MIN_DAY_ROWS = 2


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _rows_from_calendar() -> dict[str, Any]:
    calendar = sla.calendar()
    closures = [(d.isoformat(), "", "") for d in sorted(calendar.closures)]
    closures += [(d.isoformat(), _clock(s), _clock(e)) for d, s, e in sorted(calendar.partial_closures)]
    return {
        "hours": [[(_clock(s), _clock(e)) for s, e in calendar.hours[day]] for day in range(7)],
        "holidays": [(str(d), str(m)) for m, d in sorted(calendar.local_holidays)],
        "closures": sorted(closures),
        "non_working_day_start": (
            "" if calendar.non_working_day_start is None else _clock(calendar.non_working_day_start)
        ),
    }


def _posted_rows(form: Any) -> dict[str, Any]:
    """The form as posted, every row kept (blank ones too, so error links point at the right one)."""

    def rows(prefix: str, parts: tuple[str, ...], limit: int) -> list[tuple[str, ...]]:
        found = []
        for i in range(limit):
            values = tuple(_text(form.get(f"{prefix}-{i}-{p}")) for p in parts)
            if not any(f"{prefix}-{i}-{p}" in form for p in parts):
                break
            found.append(values)
        return found

    return {
        "hours": [rows(f"hours-{day}", ("start", "end"), sla_settings.MAX_INTERVALS + 2) for day in range(7)],
        "holidays": rows("holiday", ("day", "month"), sla_settings.MAX_HOLIDAYS + 2),
        "closures": rows("closure", ("date", "start", "end"), sla_settings.MAX_CLOSURES + 2),
        "non_working_day_start": _text(form.get("non_working_day_start")),
    }


def _with_blanks(data: dict[str, Any], extra: int) -> dict[str, Any]:
    hours = []
    for day in data["hours"]:
        filled = [r for r in day if any(v.strip() for v in r)]
        hours.append(filled + [("", "")] * max(BLANK_ROWS + extra, MIN_DAY_ROWS - len(filled)))
    holidays = [r for r in data["holidays"] if any(v.strip() for v in r)]
    closures = [r for r in data["closures"] if any(v.strip() for v in r)]
    return {
        "hours": hours,
        "holidays": holidays + [("", "")] * (BLANK_ROWS + extra),
        "closures": closures + [("", "", "")] * (BLANK_ROWS + extra),
        "non_working_day_start": data["non_working_day_start"],
    }


def _input(data: dict[str, Any]) -> sla_settings.CalendarInput:
    return sla_settings.CalendarInput(
        hours=tuple(tuple((s, e) for s, e in day) for day in data["hours"]),
        holidays=tuple((d, m) for d, m in data["holidays"]),
        closures=tuple((d, s, e) for d, s, e in data["closures"]),
        non_working_day_start=data["non_working_day_start"],
    )


def calendar_admin() -> ResponseReturnValue:
    csrf = CsrfForm()
    error, error_field, status = None, "", 200
    rows = _with_blanks(_rows_from_calendar(), 0)
    if request.method == "POST":
        if not csrf.validate():
            raise CSRFError(_("The form has expired"))
        posted = _posted_rows(request.form)
        try:
            if request.form.get("reset"):
                saved = sla_settings.reset_calendar(g.cc_actor)
            elif request.form.get("more"):
                if not g.cc_actor.supervises:
                    raise Forbidden(_("Only managers change the business calendar."))
                rows = _with_blanks(posted, 1)
                saved = None
            else:
                saved = sla_settings.save_calendar(g.cc_actor, _input(posted))
        except ActionRefused as refusal:
            error, status = refusal.message, refusal.status_code
            error_field = getattr(refusal, "field", "")
            if status != 403:
                rows = _keep_positions(posted)  # as posted, so the error's link finds its field
        else:
            if saved is not None:
                flash(
                    _("Business calendar saved. The open cases' due times are being recomputed.")
                    if saved.changed
                    else _("Nothing changed."),
                    "success",
                )
                return redirect(url_for(".calendar_admin"), code=303)
    language = current_language()
    this_year = utcnow().astimezone(sla.calendar().tz).year
    calendar = sla.calendar()
    return render_template(
        "citizencare/staff/admin/calendar.html",
        csrf=csrf,
        manager=g.cc_actor.supervises,
        error=error,
        error_field=error_field,
        rows=rows,
        day_names=[get_day_names("wide", locale=language)[d] for d in range(7)],
        month_names=[(m, get_month_names("wide", locale=language)[m]) for m in range(1, 13)],
        national=[
            (
                year,
                [(d, format_date(d, "full", locale=format_locale(language)), name) for d, name in holidays],
            )
            for year in (this_year, this_year + 1)
            for holidays in [calendar.national_holidays(year, language)]
        ],
        country=calendar.country,
        stored=sla_settings.is_stored(sla.CALENDAR_KEY),
        job=sla_settings.recompute_job(),
        entries=history("calendar", None),
    ), status


def _keep_positions(posted: dict[str, Any]) -> dict[str, Any]:
    """After an error, the rows exactly as posted (plus a blank one of each)."""
    return {
        "hours": [[*day, ("", "")] for day in posted["hours"]],
        "holidays": [*posted["holidays"], ("", "")],
        "closures": [*posted["closures"], ("", "", "")],
        "non_working_day_start": posted["non_working_day_start"],
    }
