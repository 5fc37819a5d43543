"""Apply the routing rules to a case.

The effective rules, tried in this order: the active rules managers keep on
screen (``cc_routing_rules``, by position), then those of
``CITIZENCARE_ROUTING``, then the category's default office; when none gives
an active office, nobody is in charge and the URP triages the case.

Keeping it fast: the stored rules are parsed (district geometries looked up,
drawn areas prepared) once per process and app, and kept with the *stamp* of
the ``CatalogueSetting`` row ``"routing"`` (its ``revision`` and
``updated_at``) and the parsed settings they were built with. Every request
(or app context) reads the stamp once, one primary-key lookup, and keeps the
rules it resolved in ``flask.g`` for the rest of the context; a different
stamp, or settings parsed again, makes the rules be read and parsed again.
Whatever writes ``cc_routing_rules`` calls :func:`rules_changed` in its
transaction (the screen's services do; so must an import). Without the row
(rules written by something that never called it) nothing is cached: the
rules are read afresh in each context, which is correct, only slower.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import Flask, g, has_app_context
from sqlalchemy.orm import Session

from ..context import app_object, state
from ..domain.routing import Match, RoutingRule, StoredRule, explain, stored_rules
from ..models import CatalogueSetting, Category, Office, RoutingRuleRecord
from ..models.base import utcnow

#: The ``CatalogueSetting`` key whose revision grows with every change of the stored rules.
REVISION_KEY = "routing"
_G_KEY = "cc_stored_routing_rules"


@dataclass(frozen=True)
class _Cached:
    stamp: tuple[int, datetime]
    settings: Any
    rules: tuple[RoutingRule, ...]


_CACHE: weakref.WeakKeyDictionary[Flask, _Cached] = weakref.WeakKeyDictionary()


def rules_changed(session: Session) -> None:
    """Mark the stored rules changed (in the caller's transaction): every process parses them again."""
    now = utcnow()
    updated = session.execute(
        sa.update(CatalogueSetting)
        .where(CatalogueSetting.key == REVISION_KEY)
        .values(revision=CatalogueSetting.revision + 1, updated_at=now)
    )
    if not getattr(updated, "rowcount", 0):
        session.add(CatalogueSetting(key=REVISION_KEY, value={}, revision=1, updated_at=now))
    if has_app_context():
        g.pop(_G_KEY, None)


def _read(session: Session, settings: Any) -> tuple[RoutingRule, ...]:
    rows = session.execute(
        sa.select(
            RoutingRuleRecord.id,
            RoutingRuleRecord.active,
            RoutingRuleRecord.category_id,
            RoutingRuleRecord.district,
            RoutingRuleRecord.area,
            Office.code,
        )
        .join(Office, Office.id == RoutingRuleRecord.office_id)
        .order_by(RoutingRuleRecord.position, RoutingRuleRecord.id)
    ).all()
    return stored_rules(
        (
            StoredRule(rule_id, number, code, category_id, district, area)
            for number, (rule_id, active, category_id, district, area, code) in enumerate(rows, start=1)
            if active
        ),
        settings.districts,
    )


def stored_routing_rules(session: Session) -> tuple[RoutingRule, ...]:
    """The active stored rules, parsed (see the module docstring for the cache)."""
    if has_app_context() and _G_KEY in g:
        return g.get(_G_KEY)  # type: ignore[no-any-return]
    settings = state().settings
    stamp_row = session.execute(
        sa.select(CatalogueSetting.revision, CatalogueSetting.updated_at).where(
            CatalogueSetting.key == REVISION_KEY
        )
    ).first()
    app = app_object()
    if stamp_row is None:
        rules = _read(session, settings)
    else:
        stamp = (stamp_row[0], stamp_row[1])
        cached = _CACHE.get(app)
        if cached is not None and cached.stamp == stamp and cached.settings is settings:
            rules = cached.rules
        else:
            rules = _read(session, settings)
            _CACHE[app] = _Cached(stamp, settings, rules)
    g.setdefault(_G_KEY, rules)
    return rules


def effective_rules(session: Session) -> tuple[RoutingRule, ...]:
    """The stored rules, then the configured ones, in the order they are tried."""
    return stored_routing_rules(session) + state().settings.routing


def explain_route(session: Session, category: Category, lon: float | None, lat: float | None) -> Match:
    """Which office the rules give a case of ``category`` at (lon, lat), and which rule chose it."""
    default = category.default_office.code if category.default_office is not None else None
    return explain(effective_rules(session), category.code, default, lon, lat, category.id)


def office_for(session: Session, category: Category, lon: float | None, lat: float | None) -> Office | None:
    code = explain_route(session, category, lon, lat).office
    if code is None:
        return None
    return session.scalar(sa.select(Office).where(Office.code == code, Office.active.is_(True)))


def stored_rule_numbers(session: Session) -> list[tuple[int, RoutingRuleRecord]]:
    """Every stored rule with its number (from 1, in the order they are tried)."""
    rules = session.scalars(
        sa.select(RoutingRuleRecord).order_by(RoutingRuleRecord.position, RoutingRuleRecord.id)
    ).all()
    return list(enumerate(rules, start=1))
