"""Service levels and the business calendar as managers keep them, and the recompute of open cases.

Each change is one transaction: the stored setting (``CatalogueSetting``
``"calendar"`` or ``"sla_policy"``, whose keys win over the configuration's;
a category's own levels on ``Category.sla``), its audit entry, and the request
to recompute the open cases' due times (the ``"sla_recompute"`` row). The
checks come first and raise :class:`InvalidSetting` naming the field, so a
refusal changes nothing.

The recompute runs in the background: after the commit a thread of the web
process takes the job (unless ``CITIZENCARE_SLA_RECOMPUTE_IN_BACKGROUND`` is
off), and ``flask citizencare sla recompute`` (cron) picks up whatever is
pending. It goes through the open cases in batches by id, each batch its own
transaction inside :func:`.locking.changing_case`, so an operator's change of
the same case at the same moment is never overwritten: the batch is redone a
case at a time and the case that keeps changing is left to its own change,
which recomputed its due times with the new settings anyway. Progress is
written in the same transaction as each batch; a new change of the settings
restarts the job from the first case. Only cases whose due times change are
written (their ``updated_at`` moves, so ``stats refresh`` recounts their days
on the dashboards; the queue's "due soon" reads the new ``due_at`` at once).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import pairwise
from typing import Any, Final

import sqlalchemy as sa
from flask import Flask, current_app, has_request_context
from sqlalchemy.orm import Session, selectinload

from ..access import Actor
from ..context import app_object, db_session, state
from ..domain.lifecycle import OPEN_STATUSES, Channel
from ..domain.sla import BusinessCalendar, SlaPolicy, format_duration, parse_duration
from ..i18n import gettext as _
from ..models import CatalogueSetting, Category, Report
from ..models.base import utcnow
from . import audit, sla
from .errors import ChangedMeanwhile, Forbidden, InvalidInput
from .locking import changing_case
from .transactions import one_transaction

log = logging.getLogger(__name__)

JOB_KEY: Final = "sla_recompute"
BATCH_SIZE: Final = 200
#: A runner that has not written progress for this long is taken over (its process died).
LEASE: Final = timedelta(minutes=2)
#: Closures further than this from today are refused (a typo in the year, most likely).
CLOSURE_YEARS: Final = 5
#: The longest term the policy accepts.
MAX_DURATION: Final = timedelta(days=365)
MAX_INTERVALS: Final = 6
MAX_HOLIDAYS: Final = 50
MAX_CLOSURES: Final = 200
WEEKDAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CHANNELS: Final = tuple(c.value for c in Channel)
LEVELS: Final = (1, 2)
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})")
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_OPEN = [s.value for s in OPEN_STATUSES]


class InvalidSetting(InvalidInput):
    """Bad input, with the form field it is about (``""``: the form as a whole)."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


def _require_supervisor(actor: Actor, message: str) -> None:
    if not actor.supervises:
        raise Forbidden(message)


def _no_nul(values: Sequence[str]) -> None:
    if any("\x00" in v or len(v) > 100 for v in values):
        raise InvalidSetting(_("The form holds characters or text that cannot be used. Nothing was saved."))


# -- reading what is in force ---------------------------------------------------------------------


def _stored_row(session: Session, key: str) -> CatalogueSetting | None:
    return session.get(CatalogueSetting, key)


def is_stored(key: str) -> bool:
    """Whether managers stored this setting (else the configuration's values are in force)."""
    return bool(sla.stored_values()[key])


def _clock_text(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def calendar_snapshot(calendar: BusinessCalendar) -> dict[str, Any]:
    """The calendar's settings as flat readable values (for the audit trail and the form)."""
    out: dict[str, Any] = {
        f"hours.{WEEKDAYS[day]}": ", ".join(
            f"{_clock_text(s)}-{_clock_text(e)}" for s, e in calendar.hours[day]
        )
        for day in range(7)
    }
    out["local_holidays"] = ", ".join(f"{d:02d}-{m:02d}" for m, d in sorted(calendar.local_holidays))
    closures = [c.isoformat() for c in sorted(calendar.closures)] + [
        f"{d.isoformat()} {_clock_text(s)}-{_clock_text(e)}" for d, s, e in sorted(calendar.partial_closures)
    ]
    out["closures"] = ", ".join(sorted(closures))
    start = calendar.non_working_day_start
    out["non_working_day_start"] = None if start is None else _clock_text(start)
    return out


def _term(value: timedelta | None) -> str | None:
    return None if value is None else format_duration(value)


def policy_snapshot(policy: SlaPolicy) -> dict[str, Any]:
    """The policy's general terms as flat readable values (categories left out)."""
    out: dict[str, Any] = {
        f"acknowledgement.{c}": _term(policy.acknowledgement.get(Channel(c))) for c in CHANNELS
    }
    for level in LEVELS:
        out[f"resolution.{level}"] = _term(policy.resolution.get(level))
        out[f"complex_resolution.{level}"] = _term(policy.complex_resolution.get(level))
    out["ceiling_simple"] = _term(policy.ceiling_simple)
    out["ceiling_complex"] = _term(policy.ceiling_complex)
    return out


def config_calendar() -> BusinessCalendar:
    """The configuration's calendar, without what managers stored."""
    return state().settings.calendar


def config_policy() -> SlaPolicy:
    return state().settings.sla_policy


# -- the calendar -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CalendarInput:
    """The calendar form as typed: ``hours[weekday]`` rows of ``(start, end)``, blank rows skipped;
    ``holidays`` rows of ``(day, month)``; ``closures`` rows of ``(date, start, end)`` (no times: the
    whole day); ``non_working_day_start`` ``""`` switches the 09:00 rule off."""

    hours: tuple[tuple[tuple[str, str], ...], ...]
    holidays: tuple[tuple[str, str], ...] = ()
    closures: tuple[tuple[str, str, str], ...] = ()
    non_working_day_start: str = ""


def _clock(value: str, field: str, *, allow_24: bool) -> int:
    match = _CLOCK.fullmatch(value.strip())
    hour, minute = (int(match.group(1)), int(match.group(2))) if match else (-1, -1)
    if match is None or minute >= 60 or hour > 24 or (hour == 24 and (minute or not allow_24)):
        raise InvalidSetting(
            _("%(value)s is not a time of day: write it as 08:30, from 00:00 to 24:00.", value=value.strip()),
            field,
        )
    return hour * 60 + minute


def _day(value: str, field: str) -> date:
    match = _DATE.fullmatch(value.strip())
    try:
        if match is None:
            raise ValueError
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        raise InvalidSetting(
            _("%(value)s is not a date: write it as 2026-12-24.", value=value.strip()), field
        ) from None


def _week(rows: Sequence[Sequence[tuple[str, str]]]) -> dict[str, list[str]]:
    if len(rows) != 7:
        raise InvalidSetting(_("The opening hours must list the seven days of the week."))
    week: dict[str, list[str]] = {}
    for day, day_rows in enumerate(rows):
        intervals: list[tuple[int, int, str]] = []
        filled = [(i, s.strip(), e.strip()) for i, (s, e) in enumerate(day_rows) if s.strip() or e.strip()]
        if len(filled) > MAX_INTERVALS:
            raise InvalidSetting(
                _("At most %(max)d opening intervals a day.", max=MAX_INTERVALS), f"hours-{day}-0-start"
            )
        for i, start_text, end_text in filled:
            field = f"hours-{day}-{i}"
            if not start_text or not end_text:
                raise InvalidSetting(
                    _("Give both the opening and the closing time of each interval."),
                    f"{field}-{'start' if not start_text else 'end'}",
                )
            start = _clock(start_text, f"{field}-start", allow_24=False)
            end = _clock(end_text, f"{field}-end", allow_24=True)
            if start >= end:
                raise InvalidSetting(
                    _(
                        "The interval %(start)s-%(end)s ends before it starts.",
                        start=start_text,
                        end=end_text,
                    ),
                    f"{field}-end",
                )
            intervals.append((start, end, field))
        intervals.sort()
        for (_s1, e1, _f1), (s2, e2, f2) in pairwise(intervals):
            if s2 < e1:
                raise InvalidSetting(
                    _(
                        "The intervals of the same day overlap (%(start)s-%(end)s): the lunch break "
                        "must fit between the morning and the afternoon.",
                        start=_clock_text(s2),
                        end=_clock_text(e2),
                    ),
                    f"{f2}-start",
                )
        week[WEEKDAYS[day]] = [f"{_clock_text(s)}-{_clock_text(e)}" for s, e, _f in intervals]
    if not any(week.values()):
        raise InvalidSetting(_("The office must be open at least one hour a week."), "hours-0-0-start")
    return week


def _holidays(rows: Sequence[tuple[str, str]]) -> list[str]:
    filled = [(i, d.strip(), m.strip()) for i, (d, m) in enumerate(rows) if d.strip() or m.strip()]
    if len(filled) > MAX_HOLIDAYS:
        raise InvalidSetting(_("At most %(max)d local holidays.", max=MAX_HOLIDAYS))
    found: set[str] = set()
    for i, day_text, month_text in filled:
        field = f"holiday-{i}-day"
        try:
            day, month = int(day_text), int(month_text)
            date(2000, month, day)  # a leap year: 29 February is a day of the year
        except ValueError:
            raise InvalidSetting(
                _(
                    "Day %(day)s of month %(month)s does not exist: choose a day of the year.",
                    day=day_text or "?",
                    month=month_text or "?",
                ),
                field,
            ) from None
        found.add(f"{month:02d}-{day:02d}")
    return sorted(found)


def _closures(rows: Sequence[tuple[str, str, str]], calendar: BusinessCalendar, today: date) -> list[str]:
    filled = [
        (i, d.strip(), s.strip(), e.strip())
        for i, (d, s, e) in enumerate(rows)
        if d.strip() or s.strip() or e.strip()
    ]
    if len(filled) > MAX_CLOSURES:
        raise InvalidSetting(_("At most %(max)d closures.", max=MAX_CLOSURES))
    earliest = date(today.year - CLOSURE_YEARS, today.month, 1)
    latest = date(today.year + CLOSURE_YEARS, today.month, 28)
    found: set[str] = set()
    for i, day_text, start_text, end_text in filled:
        field = f"closure-{i}"
        if not day_text:
            raise InvalidSetting(_("Give the date of each closure."), f"{field}-date")
        day = _day(day_text, f"{field}-date")
        if not earliest <= day <= latest:
            raise InvalidSetting(
                _(
                    "A closure must fall within %(years)d years of today: %(day)s is too far.",
                    years=CLOSURE_YEARS,
                    day=day.isoformat(),
                ),
                f"{field}-date",
            )
        if not start_text and not end_text:
            found.add(day.isoformat())
            continue
        if not start_text or not end_text:
            raise InvalidSetting(
                _("A closure for part of the day needs both times; leave both empty for the whole day."),
                f"{field}-{'start' if not start_text else 'end'}",
            )
        start = _clock(start_text, f"{field}-start", allow_24=False)
        end = _clock(end_text, f"{field}-end", allow_24=True)
        if start >= end:
            raise InvalidSetting(
                _("The interval %(start)s-%(end)s ends before it starts.", start=start_text, end=end_text),
                f"{field}-end",
            )
        found.add(f"{day.isoformat()} {_clock_text(start)}-{_clock_text(end)}")
    return sorted(found)


def check_calendar(data: CalendarInput, today: date | None = None) -> dict[str, Any]:
    """The stored form of ``data`` (``CITIZENCARE_SLA_CALENDAR`` keys), or :class:`InvalidSetting`."""
    texts = [t for day in data.hours for row in day for t in row]
    texts += [t for row in data.holidays for t in row] + [t for row in data.closures for t in row]
    _no_nul([*texts, data.non_working_day_start])
    current = sla.calendar()
    today = today or utcnow().astimezone(current.tz).date()
    stored: dict[str, Any] = {
        "hours": _week(data.hours),
        "local_holidays": _holidays(data.holidays) + _closures(data.closures, current, today),
        "non_working_day_start": (
            None
            if not data.non_working_day_start.strip()
            else _clock_text(_clock(data.non_working_day_start, "non_working_day_start", allow_24=False))
        ),
    }
    try:
        BusinessCalendar.from_config(sla.calendar_config(stored))
    except (TypeError, ValueError) as exc:
        raise InvalidSetting(_("This calendar cannot be used: %(reason)s", reason=str(exc))) from None
    return stored


@dataclass(frozen=True)
class Saved:
    """What a save did: whether anything changed (then a recompute was requested)."""

    changed: bool


def save_calendar(actor: Actor, data: CalendarInput) -> Saved:
    _require_supervisor(actor, _("Only managers change the business calendar."))
    stored = check_calendar(data)
    return _store(actor, sla.CALENDAR_KEY, stored)


def reset_calendar(actor: Actor) -> Saved:
    """Back to the configuration's calendar."""
    _require_supervisor(actor, _("Only managers change the business calendar."))
    return _store(actor, sla.CALENDAR_KEY, {}, action="reset")


# -- the policy -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PolicyInput:
    """The policy form as typed; an empty resolution or ceiling means "none"."""

    acknowledgement: Mapping[str, str]
    resolution: Mapping[int, str]
    complex_resolution: Mapping[int, str]
    ceiling_simple: str = ""
    ceiling_complex: str = ""


def _duration(value: str, field: str, *, required: bool) -> str | None:
    text = value.strip()
    if not text:
        if required:
            raise InvalidSetting(_("Give a duration, such as 30m, 1h30m, 6h or 7d."), field)
        return None
    try:
        parsed = parse_duration(text)
    except ValueError:
        raise InvalidSetting(
            _("Cannot read the duration %(value)s: write it as 30m, 1h30m, 6h or 7d.", value=text), field
        ) from None
    if parsed <= timedelta(0):
        raise InvalidSetting(_("A duration must be longer than zero."), field)
    if parsed > MAX_DURATION:
        raise InvalidSetting(_("A duration can be at most %(days)d days.", days=MAX_DURATION.days), field)
    return format_duration(parsed)


def check_policy(data: PolicyInput) -> dict[str, Any]:
    """The stored form of ``data`` (``CITIZENCARE_SLA_POLICY`` keys), or :class:`InvalidSetting`."""
    _no_nul(
        [
            *data.acknowledgement.values(),
            *data.resolution.values(),
            *data.complex_resolution.values(),
            data.ceiling_simple,
            data.ceiling_complex,
        ]
    )
    stored: dict[str, Any] = {
        "acknowledgement": {
            c: _duration(data.acknowledgement.get(c, ""), f"ack_{c}", required=True) for c in CHANNELS
        },
        "resolution": {
            str(lvl): _duration(data.resolution.get(lvl, ""), f"res_{lvl}", required=False) for lvl in LEVELS
        },
        "complex_resolution": {
            str(lvl): term
            for lvl in LEVELS
            if (term := _duration(data.complex_resolution.get(lvl, ""), f"complex_{lvl}", required=False))
        },
        "ceiling_simple": _duration(data.ceiling_simple, "ceiling_simple", required=False),
        "ceiling_complex": _duration(data.ceiling_complex, "ceiling_complex", required=False),
    }
    try:
        SlaPolicy.from_config(sla.policy_config(stored))
    except (TypeError, ValueError) as exc:
        raise InvalidSetting(_("These service levels are not valid: %(reason)s", reason=str(exc))) from None
    return stored


def save_policy(actor: Actor, data: PolicyInput) -> Saved:
    _require_supervisor(actor, _("Only managers change service levels."))
    return _store(actor, sla.POLICY_KEY, check_policy(data))


def reset_policy(actor: Actor) -> Saved:
    """Back to the configuration's service levels (the categories' own levels stay)."""
    _require_supervisor(actor, _("Only managers change service levels."))
    return _store(actor, sla.POLICY_KEY, {}, action="reset")


def _snapshot_of(key: str, stored: Mapping[str, Any]) -> dict[str, Any]:
    if key == sla.CALENDAR_KEY:
        return calendar_snapshot(BusinessCalendar.from_config(sla.calendar_config(stored)))
    return policy_snapshot(SlaPolicy.from_config(sla.policy_config(stored)))


_LABELS: Final = {sla.CALENDAR_KEY: "Business calendar", sla.POLICY_KEY: "Service levels"}


def _store(actor: Actor, key: str, stored: dict[str, Any], *, action: str = "update") -> Saved:
    session = db_session()
    now = utcnow()
    try:
        row = _stored_row(session, key)
        current = dict(row.value or {}) if row is not None else {}
        try:
            before = _snapshot_of(key, current)
        except (TypeError, ValueError):  # written by hand and not usable: replaced as a whole
            before = {}
        after = _snapshot_of(key, stored)
        if current == stored:
            session.rollback()
            return Saved(changed=False)
        if row is None:
            session.add(CatalogueSetting(key=key, value=stored, revision=1, updated_at=now))
        else:
            row.value = stored
            row.revision = CatalogueSetting.revision + 1
            row.updated_at = now
        subject = "calendar" if key == sla.CALENDAR_KEY else "sla_policy"
        audit.record(session, actor, subject, None, _LABELS[key], action, before, after)
        if before != after:
            request_recompute(session, now)
        session.commit()
    except Exception:
        session.rollback()
        raise
    sla.forget_revisions()
    if before != after:
        start_in_background()
    return Saved(changed=before != after)


# -- a category's own levels --------------------------------------------------------------------------


def _flat(prefix: str, value: Any) -> dict[str, Any]:
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(_flat(f"{prefix}.{k}", v))
        return out
    return {prefix: value}


def set_category_sla(actor: Actor, category_id: int, overrides: dict[str, Any] | None) -> Category:
    """Managers (and admins) set a category's service levels; ``None`` goes back to the general ones.

    The open cases of the category get their due times recomputed in the background.
    """
    _require_supervisor(actor, _("Only managers change service levels."))
    session = db_session()
    with one_transaction(session):
        category = session.get(Category, category_id)
        if category is None:
            raise InvalidInput(_("Choose a category from the list."))
        cleaned = {k: v for k, v in (overrides or {}).items() if v not in (None, "", {})} or None
        if cleaned is not None:
            _no_nul([str(v) for v in _flat("", cleaned).values()])
            try:
                parsed = SlaPolicy.from_config({"categories": {category.code: cleaned}}).for_category(
                    category.code
                )
            except (TypeError, ValueError) as exc:
                raise InvalidInput(
                    _("These service levels are not valid: %(reason)s", reason=str(exc))
                ) from None
            terms = [*parsed.acknowledgement.values(), *parsed.resolution.values()]
            if any(t is not None and (t <= timedelta(0) or t > MAX_DURATION) for t in terms):
                raise InvalidInput(
                    _(
                        "These service levels are not valid: %(reason)s",
                        reason=_("a duration must be longer than zero and at most 365 days"),
                    )
                )
        before = _flat(f"categories.{category.code}", category.sla or {})
        after = _flat(f"categories.{category.code}", cleaned or {})
        changed = before != after
        category.sla = cleaned
        audit.record(
            session,
            actor,
            "sla_policy",
            None,
            f"Service levels: {category.name}",
            "update" if cleaned else "reset",
            before,
            after,
        )
        if changed:
            request_recompute(session, utcnow())
    if changed:
        start_in_background()
    return category


# -- the recompute job ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecomputeJob:
    """The last recompute of open cases' due times: requested, running (``processed`` of ``total``), done."""

    requested_at: datetime | None
    started_at: datetime | None
    heartbeat: datetime | None
    done_at: datetime | None
    processed: int
    changed: int
    total: int | None

    @property
    def done(self) -> bool:
        return self.done_at is not None

    @property
    def running(self) -> bool:
        return self.started_at is not None and self.done_at is None


def _when(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def _job(value: Mapping[str, Any]) -> RecomputeJob:
    return RecomputeJob(
        requested_at=_when(value.get("requested_at")),
        started_at=_when(value.get("started_at")),
        heartbeat=_when(value.get("heartbeat")),
        done_at=_when(value.get("done_at")),
        processed=int(value.get("processed") or 0),
        changed=int(value.get("changed") or 0),
        total=value.get("total"),
    )


def _read_job(session: Session) -> tuple[int, dict[str, Any]] | None:
    row = session.execute(
        sa.select(CatalogueSetting.revision, CatalogueSetting.value).where(CatalogueSetting.key == JOB_KEY)
    ).first()
    return None if row is None else (row[0], dict(row[1] or {}))


def recompute_job() -> RecomputeJob | None:
    """The last recompute job as committed (None: never requested)."""
    found = _read_job(db_session())
    return None if found is None else _job(found[1])


def request_recompute(session: Session, now: datetime) -> None:
    """Ask for the open cases' due times to be recomputed (in the caller's transaction)."""
    value = {
        "requested_at": now.isoformat(),
        "started_at": None,
        "heartbeat": None,
        "done_at": None,
        "processed": 0,
        "changed": 0,
        "total": None,
    }
    updated = session.execute(
        sa.update(CatalogueSetting)
        .where(CatalogueSetting.key == JOB_KEY)
        .values(value=value, revision=CatalogueSetting.revision + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if not updated.rowcount:  # type: ignore[attr-defined]
        session.add(CatalogueSetting(key=JOB_KEY, value=value, revision=1, updated_at=now))


def _compare_and_set(session: Session, revision: int, value: Mapping[str, Any], now: datetime) -> int | None:
    """Write the job if nobody else did since ``revision``; the new revision, or None."""
    result = session.execute(
        sa.update(CatalogueSetting)
        .where(CatalogueSetting.key == JOB_KEY, CatalogueSetting.revision == revision)
        .values(value=dict(value), revision=revision + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return revision + 1 if result.rowcount == 1 else None  # type: ignore[attr-defined]


def _recompute(session: Session, ids: Sequence[int], now: datetime) -> int:
    """Recompute these cases' due times in the session; how many changed."""
    reports = session.scalars(
        sa.select(Report)
        .where(Report.id.in_(ids), Report.status.in_(_OPEN))
        .options(selectinload(Report.events), selectinload(Report.category))
    ).all()
    changed = 0
    for report in reports:
        before = (report.ack_due_at, report.resolve_due_at, report.due_at)
        sla.recompute_due_times(report, now=now)
        changed += before != (report.ack_due_at, report.resolve_due_at, report.due_at)
    return changed


def _batch(session: Session, ids: Sequence[int], now: datetime) -> int:
    """One batch, its own transaction; if an operator changed one of them meanwhile, a case at a time."""
    try:
        with changing_case():
            changed = _recompute(session, ids, now)
            session.flush()
        return changed
    except ChangedMeanwhile:
        changed = 0
        for report_id in ids:
            try:
                with changing_case():
                    changed += _recompute(session, [report_id], now)
                    session.commit()
            except ChangedMeanwhile:
                continue  # its own change, just committed, recomputed it with the settings in force
        return changed


def run_recompute(
    *, batch_size: int = BATCH_SIZE, force: bool = False, clock: Callable[[], datetime] = utcnow
) -> RecomputeJob | None:
    """Run the pending recompute to its end and return it (None: never requested).

    A job another runner is working on (progress written less than
    :data:`LEASE` ago) is left to it unless ``force``. A change of the
    settings meanwhile restarts the job from the first case.
    """
    session = db_session()
    while True:
        found = _read_job(session)
        session.commit()
        if found is None:
            return None
        revision, value = found
        job = _job(value)
        now = clock()
        if job.done:
            return job
        if job.running and job.heartbeat is not None and now - job.heartbeat < LEASE and not force:
            return job
        force = False
        sla.forget_revisions()
        total = session.scalar(sa.select(sa.func.count()).select_from(Report).where(Report.status.in_(_OPEN)))
        value = {
            **value,
            "started_at": now.isoformat(),
            "heartbeat": now.isoformat(),
            "processed": 0,
            "changed": 0,
            "total": int(total or 0),
        }
        held = _compare_and_set(session, revision, value, now)
        session.commit()
        if held is None:
            continue  # someone else wrote the job meanwhile: look again
        result = _work(session, held, value, batch_size, clock)
        if result is not None:
            return result


def _work(
    session: Session, revision: int, value: dict[str, Any], batch_size: int, clock: Callable[[], datetime]
) -> RecomputeJob | None:
    """The batches of one claimed job; None when it was lost (requested again, or taken over)."""
    last_id = 0
    while True:
        sla.forget_revisions()  # each batch with the settings as committed now
        ids = list(
            session.scalars(
                sa.select(Report.id)
                .where(Report.status.in_(_OPEN), Report.id > last_id)
                .order_by(Report.id)
                .limit(batch_size)
            )
        )
        now = clock()
        if not ids:
            value = {**value, "done_at": now.isoformat(), "heartbeat": now.isoformat()}
            held = _compare_and_set(session, revision, value, now)
            session.commit()
            return _job(value) if held is not None else None
        changed = _batch(session, ids, now)
        value = {
            **value,
            "processed": value["processed"] + len(ids),
            "changed": value["changed"] + changed,
            "heartbeat": now.isoformat(),
            "total": max(value["total"] or 0, value["processed"] + len(ids)),
        }
        held = _compare_and_set(session, revision, value, now)
        if held is None:
            session.rollback()  # requested again: these due times are redone with the newer settings
            return None
        session.commit()
        revision = held
        last_id = ids[-1]


# -- the background thread of the web process -------------------------------------------------------------

_THREADS: dict[Flask, threading.Thread] = {}
_WANTED: set[Flask] = set()
_THREAD_LOCK = threading.Lock()


def start_in_background() -> threading.Thread | None:
    """In a web request (and unless switched off): run the pending recompute in a thread of this process."""
    if not has_request_context() or not current_app.config["CITIZENCARE_SLA_RECOMPUTE_IN_BACKGROUND"]:
        return None
    app = app_object()
    with _THREAD_LOCK:
        _WANTED.add(app)
        thread = _THREADS.get(app)
        if thread is not None and thread.is_alive():
            return thread  # it looks at the job again before it stops
        thread = threading.Thread(
            target=_thread_main, args=(app,), name="citizencare-sla-recompute", daemon=True
        )
        _THREADS[app] = thread
        thread.start()
        return thread


def _thread_main(app: Flask) -> None:
    while True:
        with _THREAD_LOCK:
            if app not in _WANTED:
                _THREADS.pop(app, None)
                return
            _WANTED.discard(app)
        with app.app_context():
            try:
                run_recompute()
            except Exception:  # the job stays pending: `flask citizencare sla recompute` finishes it
                log.exception("recomputing the open cases' due times failed")
            finally:
                state(app).db.session.remove()


def wait_for_background(app: Flask, timeout: float = 30.0) -> bool:
    """Wait for this app's recompute thread, if any (tests; a graceful shutdown); False on timeout."""
    with _THREAD_LOCK:
        thread = _THREADS.get(app)
    if thread is None:
        return True
    thread.join(timeout)
    return not thread.is_alive()
