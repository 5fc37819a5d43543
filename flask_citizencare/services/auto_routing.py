"""Automatic routing: a new case goes to the office the suggestions name, when a manager allows it.

Off unless the category has ``auto_route_threshold`` (0.5-0.99, set on the
category's page): then, when a usable model names an office other than the
routing rules' one with at least that score, the case goes there instead.
Nothing else ever routes by itself.

The rule must never stop a submission: a model that fails, is missing or is
refused leaves the rules' office and logs a warning. Each decision is
audited: an audit entry (subject ``report``, action ``auto_route``: the office
before and after, the score, the threshold and the model version) and a
:class:`~..models.SuggestionRecord` accepted automatically, both in the
submission's transaction; ``signals.suggestion_accepted`` (``automatic=True``)
after its commit.

The steps follow the submission's own: :func:`decide` while the report is
built (:func:`~.reports.new_report`), :func:`record` once it can have its id
(just before the commit), :func:`announce` after the commit, :func:`forget`
after a rollback. What is decided but not yet announced waits in the
session's ``info``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from .. import signals
from ..context import app_object
from ..models import Category, Office, Report, SuggestionRecord
from ..models.base import utcnow
from . import audit
from .suggestions import Query, suggest

log = logging.getLogger(__name__)

SUBJECT = "report"
ACTION = "auto_route"
#: Who the audit trail says made the change.
ACTOR_NAME = "automatic routing"
_PENDING = "cc_auto_routes"


@dataclass
class AutoRoute:
    """One case routed by the suggestions: where the rules sent it, where it went, how sure."""

    office: Office
    routed: Office | None
    score: float
    threshold: float
    model_version: int
    report: Report | None = None
    recorded: bool = False


def decide(
    session: Session,
    category: Category,
    routed: Office | None,
    *,
    title: str,
    description: str,
    kind: str,
    lon: float | None,
    lat: float | None,
) -> AutoRoute | None:
    """The office to route to instead of ``routed`` (the rules' one), or None to keep it.

    Never raises: any failure of the suggestions is logged and keeps the rules' office.
    """
    threshold = category.auto_route_threshold
    if threshold is None:
        return None
    try:
        with session.no_autoflush:  # the report being filed is not to be flushed half-built
            suggestions = suggest(
                session,
                Query(
                    title=title,
                    description=description,
                    kind=kind,
                    category_id=category.id,
                    lon=lon,
                    lat=lat,
                ),
                duplicates=False,
            )
            best = suggestions.best_office
            if suggestions.version is None or best is None or best.score < threshold:
                return None
            if routed is not None and best.id == routed.id:
                return None
            office = session.scalar(sa.select(Office).where(Office.id == best.id, Office.active.is_(True)))
    except Exception:
        log.warning(
            "automatic routing skipped for category %s: the suggestions failed", category.code, exc_info=True
        )
        return None
    if office is None:
        return None
    return AutoRoute(
        office=office,
        routed=routed,
        score=float(best.score),
        threshold=float(threshold),
        model_version=int(suggestions.version),
    )


def hold(session: Session, report: Report, decision: AutoRoute) -> None:
    """Keep ``decision`` about ``report`` (not yet flushed) until :func:`record`."""
    decision.report = report
    session.info.setdefault(_PENDING, []).append(decision)


def _pending(session: Session) -> list[AutoRoute]:
    pending: list[AutoRoute] = session.info.get(_PENDING, [])
    return pending


def record(session: Session) -> None:
    """The audit entry and the accepted suggestion of each case routed automatically (flushes if any)."""
    pending = [d for d in _pending(session) if not d.recorded]
    if not pending:
        return
    session.flush()
    now = utcnow()
    for decision in pending:
        report = decision.report
        assert report is not None
        audit.record(
            session,
            None,
            SUBJECT,
            report.id,
            report.public_id,
            ACTION,
            {"office": decision.routed.code if decision.routed is not None else None},
            {
                "office": decision.office.code,
                "score": round(decision.score, 4),
                "threshold": decision.threshold,
                "model_version": decision.model_version,
            },
            actor_name=ACTOR_NAME,
        )
        session.add(
            SuggestionRecord(
                report_id=report.id,
                field="office",
                suggested_id=decision.office.id,
                score=decision.score,
                model_version=decision.model_version,
                created_at=now,
                decision="accepted",
                decided_id=decision.office.id,
                decided_at=now,
                actor_id=None,
                automatic=True,
            )
        )
        decision.recorded = True


def announce(session: Session) -> None:
    """After the commit: ``suggestion_accepted`` for each case routed automatically."""
    pending = session.info.pop(_PENDING, [])
    for decision in pending:
        report = decision.report
        if not decision.recorded or report is None or report.office_id != decision.office.id:
            continue
        signals.suggestion_accepted.send(
            app_object(),
            report=report,
            field="office",
            value_id=decision.office.id,
            actor=None,
            automatic=True,
        )


def forget(session: Session) -> None:
    """After a rollback: nothing decided is announced."""
    session.info.pop(_PENDING, None)
