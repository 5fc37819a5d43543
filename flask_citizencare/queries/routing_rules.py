"""The routing rules as the administration screen lists them: stored ones numbered, configured ones."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..context import db_session, state
from ..i18n import gettext as _
from ..models import Category, Office, RoutingRuleRecord


@dataclass(frozen=True)
class RuleRow:
    number: int
    rule: RoutingRuleRecord
    #: The rule's district is no longer among ``CITIZENCARE_DISTRICTS``: it matches nothing.
    unknown_district: bool


@dataclass(frozen=True)
class ConfiguredRow:
    number: int
    office: str
    categories: tuple[str, ...] | None
    has_area: bool


def rule_rows() -> list[RuleRow]:
    """Every stored rule in the order they are tried, with its category and office loaded."""
    districts = {d.name for d in state().settings.districts}
    rules = db_session().scalars(
        sa.select(RoutingRuleRecord)
        .options(joinedload(RoutingRuleRecord.category), joinedload(RoutingRuleRecord.office))
        .order_by(RoutingRuleRecord.position, RoutingRuleRecord.id)
    )
    return [
        RuleRow(number, rule, rule.district is not None and rule.district not in districts)
        for number, rule in enumerate(rules, start=1)
    ]


#: Above this much GeoJSON text the maps do not show the rules' areas (the page would be too heavy).
AREAS_SHOWN_MAX = 1_000_000


def rule_areas(rows: list[RuleRow]) -> dict[str, Any] | None:
    """The places of the active stored rules (drawn areas, districts' boxes) for the maps, numbered.

    ``None`` when there are none, or too much of them to put on a page.
    """
    boxes = {d.name: d.bounds for d in state().settings.districts}
    features = []
    for row in rows:
        rule = row.rule
        if not rule.active:
            continue
        geometry: Any = None
        if rule.area is not None:
            geometry = rule.area
        elif rule.district in boxes:
            west, south, east, north = boxes[rule.district]
            geometry = {
                "type": "Polygon",
                "coordinates": [[[west, south], [east, south], [east, north], [west, north], [west, south]]],
            }
        if geometry is not None:
            label = _("Rule #%(number)d", number=row.number)
            features.append({"type": "Feature", "properties": {"label": label}, "geometry": geometry})
    if not features:
        return None
    collection = {"type": "FeatureCollection", "features": features}
    if len(json.dumps(collection)) > AREAS_SHOWN_MAX:
        return None
    return collection


def configured_rows() -> list[ConfiguredRow]:
    """The rules of ``CITIZENCARE_ROUTING`` (read-only here), tried after the stored ones."""
    return [
        ConfiguredRow(
            rule.number,
            rule.office,
            tuple(sorted(rule.categories)) if rule.categories is not None else None,
            rule.area is not None,
        )
        for rule in state().settings.routing
    ]


def rule_choices() -> tuple[list[Category], list[Office]]:
    """The categories (every one, by name) and the active offices a rule can name."""
    session = db_session()
    categories = list(session.scalars(sa.select(Category).order_by(Category.name, Category.id)))
    offices = list(
        session.scalars(sa.select(Office).where(Office.active.is_(True)).order_by(Office.name, Office.id))
    )
    return categories, offices


def rule_number(rule_id: int) -> int | None:
    """The rule's number on the screen (from 1), None if there is no such rule."""
    ids = db_session().scalars(
        sa.select(RoutingRuleRecord.id).order_by(RoutingRuleRecord.position, RoutingRuleRecord.id)
    )
    for number, each in enumerate(ids, start=1):
        if each == rule_id:
            return number
    return None
