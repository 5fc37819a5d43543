"""Keep a case's due times right: recomputed from its history on every change.

The calendar and the policy in force are the configuration's
(``CITIZENCARE_SLA_CALENDAR``, ``CITIZENCARE_SLA_POLICY``, parsed once in
``state().settings``) with what managers stored on screen on top: the
``CatalogueSetting`` rows ``"calendar"`` and ``"sla_policy"``, whose keys win
over the configuration's. :func:`calendar` and :func:`policy` parse the
combination once per process and keep it until a row's revision changes. The
revisions are read with one small query **at most once per app context** (a
request, a CLI command, a batch of the recompute job): they are remembered in
:data:`flask.g`, so a web worker, the ``flask citizencare`` commands and the
background recompute all see a manager's change from their next app context on
(:func:`forget_revisions` makes the current one read them again).
"""

from __future__ import annotations

import json
import logging
import threading
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, g, has_app_context

from .. import signals
from ..context import app_object, db_session, state
from ..domain.lifecycle import Action, Status
from ..domain.sla import BusinessCalendar, SlaPolicy, Suspension, due_times
from ..models import CatalogueSetting, Category, Report, StatusEvent
from ..settings import Settings
from .errors import ChangedMeanwhile
from .locking import changing_case
from .mail.notify import queue_staff_reminder

log = logging.getLogger(__name__)

#: The stored settings over the configuration: ``CatalogueSetting.key`` → what it overrides.
CALENDAR_KEY = "calendar"
POLICY_KEY = "sla_policy"
_STORED_KEYS = (CALENDAR_KEY, POLICY_KEY)
_G_STAMP = "_cc_sla_settings_stamp"
#: Category policies kept parsed per process (by code and overrides), at most this many.
_CATEGORY_CACHE_MAX = 512


@dataclass
class _Effective:
    """The calendar and policy in force, with what they were parsed from."""

    settings: Settings
    stamp: tuple[tuple[str, int, str], ...]
    calendar: BusinessCalendar
    policy_config: Mapping[str, Any]
    policy: SlaPolicy
    by_category: dict[tuple[str, str], SlaPolicy] = field(default_factory=dict)


_CACHE: weakref.WeakKeyDictionary[Flask, _Effective] = weakref.WeakKeyDictionary()
_CACHE_LOCK = threading.Lock()


def _stamp() -> tuple[tuple[str, int, str], ...]:
    """The stored rows' ``(key, revision, updated_at)``, read at most once per app context."""
    if has_app_context() and _G_STAMP in g:
        return g.get(_G_STAMP)  # type: ignore[no-any-return]
    session = db_session()
    with session.no_autoflush:  # called in the middle of use cases: their pending changes stay pending
        rows = session.execute(
            sa.select(CatalogueSetting.key, CatalogueSetting.revision, CatalogueSetting.updated_at).where(
                CatalogueSetting.key.in_(_STORED_KEYS)
            )
        ).all()
    stamp = tuple(sorted((key, revision, str(updated)) for key, revision, updated in rows))
    if has_app_context():
        setattr(g, _G_STAMP, stamp)
    return stamp


def forget_revisions() -> None:
    """Make the next :func:`calendar` or :func:`policy` of this app context read the revisions again."""
    if has_app_context():
        g.pop(_G_STAMP, None)


def stored_values() -> dict[str, dict[str, Any]]:
    """The stored ``"calendar"`` and ``"sla_policy"`` mappings (empty when not stored)."""
    session = db_session()
    with session.no_autoflush:
        rows = session.execute(
            sa.select(CatalogueSetting.key, CatalogueSetting.value).where(
                CatalogueSetting.key.in_(_STORED_KEYS)
            )
        ).all()
    found = {key: dict(value or {}) for key, value in rows}
    return {key: found.get(key, {}) for key in _STORED_KEYS}


def calendar_config(stored: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The calendar settings in force: the configuration's, then the stored keys over them."""
    config = current_app.config
    return {
        "timezone": config["CITIZENCARE_TIMEZONE"],
        **config["CITIZENCARE_SLA_CALENDAR"],
        **(stored_values()[CALENDAR_KEY] if stored is None else stored),
    }


def policy_config(stored: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The policy settings in force: the configuration's, then the stored top-level keys over them."""
    return {
        **current_app.config["CITIZENCARE_SLA_POLICY"],
        **(stored_values()[POLICY_KEY] if stored is None else stored),
    }


def _build(settings: Settings, stamp: tuple[tuple[str, int, str], ...]) -> _Effective:
    stored = stored_values() if stamp else {CALENDAR_KEY: {}, POLICY_KEY: {}}
    calendar_obj, policy_obj = settings.calendar, settings.sla_policy
    if stored[CALENDAR_KEY]:
        try:
            calendar_obj = BusinessCalendar.from_config(calendar_config(stored[CALENDAR_KEY]))
        except (TypeError, ValueError) as exc:  # written by hand in the database: keep the clock going
            log.error("the stored business calendar is not usable (%s): using the configuration's", exc)
    policy_mapping = policy_config(stored[POLICY_KEY])
    if stored[POLICY_KEY]:
        try:
            policy_obj = SlaPolicy.from_config(policy_mapping)
        except (TypeError, ValueError) as exc:
            log.error("the stored service levels are not usable (%s): using the configuration's", exc)
            policy_mapping = dict(current_app.config["CITIZENCARE_SLA_POLICY"])
    return _Effective(settings, stamp, calendar_obj, policy_mapping, policy_obj)


def _effective() -> _Effective:
    settings = state().settings
    stamp = _stamp()
    app = app_object()
    cached = _CACHE.get(app)
    if cached is not None and cached.settings is settings and cached.stamp == stamp:
        return cached
    built = _build(settings, stamp)
    with _CACHE_LOCK:
        _CACHE[app] = built
    return built


def calendar() -> BusinessCalendar:
    """The business calendar in force (configuration + stored settings; it caches its years)."""
    return _effective().calendar


def policy(category: Category | None = None) -> SlaPolicy:
    """The policy in force, with the managers' overrides for ``category`` on top."""
    effective = _effective()
    if category is None or not category.sla:
        return effective.policy
    key = (category.code, json.dumps(category.sla, sort_keys=True, default=str))
    cached = effective.by_category.get(key)
    if cached is not None:
        return cached
    settings = dict(effective.policy_config)
    categories = dict(settings.get("categories") or {})
    categories[category.code] = {**categories.get(category.code, {}), **category.sla}
    settings["categories"] = categories
    parsed = SlaPolicy.from_config(settings)
    if len(effective.by_category) < _CATEGORY_CACHE_MAX:
        effective.by_category[key] = parsed
    return parsed


def suspensions(report: Report) -> list[Suspension]:
    """The intervals the case spent suspended, from its events (the last may still be open)."""
    intervals: list[Suspension] = []
    started: datetime | None = None
    for event in report.events:
        if event.action == Action.SUSPEND.value:
            started = event.at
        elif started is not None and event.from_status == Status.SUSPENDED.value:
            intervals.append((started, event.at))
            started = None
    if started is not None:
        intervals.append((started, None))
    return intervals


def recompute_due_times(report: Report, *, now: datetime) -> None:
    """Store the acknowledgement and resolution due times, and ``due_at`` for the queue."""
    terms = due_times(
        policy(report.category),
        calendar(),
        channel=report.channel,
        level=report.level,
        received_at=report.received_at,
        category_code=report.category.code if report.category is not None else None,
        suspensions=suspensions(report),
        acknowledged_at=report.acknowledged_at,
    )
    report.ack_due_at = terms.ack_due
    report.resolve_due_at = terms.resolve_due
    status = Status(report.status)
    if status is Status.NEW:
        report.due_at = terms.ack_due
    elif status in (Status.ACKNOWLEDGED, Status.IN_PROGRESS):
        report.due_at = terms.resolve_due
    else:
        report.due_at = None  # paused (suspended) or finished
    if status.is_open and (report.due_at is None or report.due_at > now):
        report.sla_breached_at = None  # a new term: `sla sweep` marks it again if it passes


def soon(now: datetime) -> datetime:
    """The end of the next business hour: cases due before it are "due soon"."""
    return calendar().add(now, policy().due_soon)


def sweep(now: datetime) -> list[Report]:
    """Mark the open cases whose due time passed, once each; queue a reminder for whoever is in charge.

    Run from cron (``flask citizencare sla sweep``). Each case is handled in its
    own transaction, so a case changed meanwhile by an operator is simply
    picked up again at the next run.
    """
    session = db_session()
    ids = list(
        session.scalars(
            sa.select(Report.id)
            .where(Report.due_at < now, Report.sla_breached_at.is_(None), Report.status.in_(_OPEN))
            .order_by(Report.due_at)
        )
    )
    breached = []
    for report_id in ids:
        try:
            with changing_case():
                report = session.get(Report, report_id)
                if (
                    report is None
                    or report.due_at is None
                    or report.due_at >= now
                    or report.sla_breached_at is not None
                ):
                    continue
                which = "acknowledgement" if report.status == Status.NEW.value else "resolution"
                report.sla_breached_at = now
                event = StatusEvent(
                    action="sla_breach",
                    from_status=report.status,
                    to_status=report.status,
                    actor_kind="system",
                    public=False,
                    data={"which": which},
                    at=now,
                )
                report.events.append(event)
                queue_staff_reminder(session, report, which)
                session.commit()
        except ChangedMeanwhile:
            continue  # changed by someone meanwhile: the next run looks at it again
        signals.sla_breached.send(app_object(), report=report, event=event, actor=None, which=which)
        breached.append(report)
    return breached


_OPEN = [Status.NEW.value, Status.ACKNOWLEDGED.value, Status.IN_PROGRESS.value]
