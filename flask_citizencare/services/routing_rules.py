"""Routing rules as managers keep them on screen: create, edit, reorder, deactivate, delete; the test box.

Each change is one transaction that checks everything before it writes (a
refusal, :class:`~.errors.ActionRefused`, leaves the database as it was),
writes an audit entry (subject type ``routing_rule``) and bumps the rules'
revision (:func:`.routing.rules_changed`) so every process parses them again.

A rule: a category (or any), a place (anywhere, a district of
``CITIZENCARE_DISTRICTS`` by name, or an area drawn on the map: a GeoJSON
Polygon or MultiPolygon), the office it sends cases to (an active one), a note.
Two active rules for the same category may not have the same place, nor areas
that overlap: which office gets a case would depend on their order, which is
too easy to get wrong. Rules for different categories (or "any" and one
category) may overlap: the order decides, as the screen shows.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from ..access import Actor
from ..context import db_session, state
from ..domain.geo import LocationError, check_point
from ..domain.routing import (
    AREA_MAX_BYTES,
    AREA_MAX_VERTICES,
    AreaError,
    RoutingRule,
    overlaps,
    parse_area,
    same_area,
)
from ..i18n import gettext as _
from ..models import Category, Office, RoutingRuleRecord
from ..parsing import InputError, check_text
from . import audit
from .errors import Forbidden, InvalidInput, NotFound
from .routing import explain_route, rules_changed, stored_rule_numbers
from .transactions import one_transaction

NOTE_MAX = 200
DISTRICT_MAX = 64
PLACES = ("any", "district", "area")
SUBJECT = "routing_rule"
_FIELDS = ("position", "category_id", "district", "office_id", "note", "active")


class FieldRefused(InvalidInput):
    """Bad input about one field of the rule (``field``: its form name), so a form can point at it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class RuleInput:
    category_id: int | None
    place: str  # one of PLACES
    district: str | None
    area: str | None  # GeoJSON text
    office_id: int | None
    note: str = ""


@dataclass(frozen=True)
class _Clean:
    category_id: int | None
    district: str | None
    area: dict[str, Any] | None
    geometry: BaseGeometry | None
    office: Office
    note: str


def _require_supervisor(actor: Actor) -> None:
    if not actor.supervises:
        raise Forbidden(_("Only managers and administrators change the routing rules."))


def area_message(error: AreaError) -> str:
    """What to tell the manager about an area that cannot be used."""
    code = error.code
    if code == "empty":
        return _("Draw the area on the map, or paste it as GeoJSON: it is empty.")
    if code == "too_big":
        return _("The area is too large a text: at most %(kb)d KB.", kb=AREA_MAX_BYTES // 1000)
    if code == "too_many_vertices":
        return _("The area has too many points: at most %(max)d.", max=AREA_MAX_VERTICES)
    if code == "not_polygon":
        return _("The area must be a GeoJSON Polygon or MultiPolygon.")
    if code == "out_of_range":
        return _("The area has points outside the valid range of latitude and longitude.")
    if code == "invalid":
        return _(
            "The area is not a valid polygon (%(reason)s): its border must not cross itself.",
            reason=error.detail,
        )
    if code == "outside":
        return _("The area lies entirely outside the municipality.")
    if code == "malformed":
        return _("The area's coordinates are not well formed: each point is [longitude, latitude].")
    return _("The area is not valid GeoJSON. Draw it on the map, or paste a GeoJSON Polygon.")


def _text(value: str, field: str, message: str) -> str:
    try:
        return check_text(value, multiline=False)
    except InputError:
        raise FieldRefused(field, message) from None


def _clean(data: RuleInput) -> _Clean:
    session = db_session()
    settings = state().settings
    category_id = data.category_id
    if category_id is not None and session.get(Category, category_id) is None:
        raise FieldRefused("category", _("Choose the category from the list."))
    if data.office_id is None:
        raise FieldRefused("office", _("Choose the office the rule sends cases to."))
    office = session.get(Office, data.office_id)
    if office is None:
        raise FieldRefused("office", _("Choose the office from the list of active offices."))
    if not office.active:
        raise FieldRefused(
            "office",
            _("The office %(name)s is deactivated: a rule cannot send cases to it.", name=office.name),
        )
    note = _text((data.note or "").strip(), "note", _("Remove the control characters from the note."))
    if len(note) > NOTE_MAX:
        raise FieldRefused("note", _("The note can be at most %(max)d characters long.", max=NOTE_MAX))
    district = area = geometry = None
    if data.place == "district":
        name = _text((data.district or "").strip(), "district", _("There is no such district."))
        if not name:
            raise FieldRefused("district", _("Choose the district."))
        known = {d.name: d for d in settings.districts}
        if len(name) > DISTRICT_MAX or name not in known:
            raise FieldRefused(
                "district", _("There is no district called %(name)s.", name=name[:DISTRICT_MAX])
            )
        district, geometry = name, known[name].area.geometry
    elif data.place == "area":
        text = data.area or ""
        if "\x00" in text:
            raise FieldRefused("area", _("Remove the control characters from the area."))
        try:
            area, geometry = parse_area(text, settings.area)
        except AreaError as error:
            raise FieldRefused("area", area_message(error)) from None
    elif data.place != "any":
        raise FieldRefused("place-0", _("Choose where the rule applies: anywhere, a district or an area."))
    return _Clean(category_id, district, area, geometry, office, note)


def _geometry_of(rule: RoutingRuleRecord) -> BaseGeometry | None:
    if rule.district is not None:
        for district in state().settings.districts:
            if district.name == rule.district:
                return district.area.geometry
        return None
    if rule.area is not None:
        try:
            return shape(rule.area)
        except Exception:  # a stored area that cannot be read conflicts with nothing
            return None
    return None


def _check_conflicts(clean: _Clean, rule_id: int | None) -> None:
    """Refuse a duplicate of another active rule, or an area overlapping one's, for the same category."""
    for number, other in stored_rule_numbers(db_session()):
        if other.id == rule_id or not other.active or other.category_id != clean.category_id:
            continue
        if clean.district is None and clean.area is None:
            duplicate = other.district is None and other.area is None
        elif clean.district is not None:
            duplicate = other.district == clean.district
        else:
            duplicate = False
            if other.area is not None and other.district is None:
                geometry = _geometry_of(other)
                if geometry is not None and clean.geometry is not None:
                    if same_area(geometry, clean.geometry):
                        duplicate = True
                    elif overlaps(geometry, clean.geometry):
                        raise FieldRefused(
                            "area",
                            _(
                                "This area overlaps the area of rule #%(number)d for the same category: "
                                "which office gets a case would depend on their order. "
                                "Change one of the two areas.",
                                number=number,
                            ),
                        )
        if duplicate:
            raise FieldRefused(
                "area" if clean.area is not None else "district" if clean.district else "category",
                _(
                    "Rule #%(number)d already covers the same category and place: "
                    "change or deactivate it instead.",
                    number=number,
                ),
            )


def _area_summary(area: Mapping[str, Any] | None) -> str | None:
    """What the audit keeps of an area: its kind, size and a fingerprint (not the whole GeoJSON)."""
    if area is None:
        return None
    text = json.dumps(area, sort_keys=True, separators=(",", ":"))
    points = text.count("[") - text.count("[[")
    return f"{area.get('type')}, {points} points, {hashlib.sha256(text.encode()).hexdigest()[:12]}"


def _snapshot(rule: RoutingRuleRecord) -> dict[str, Any]:
    return {**audit.snapshot(rule, _FIELDS), "area": _area_summary(rule.area)}


def _label(rule: RoutingRuleRecord) -> str:
    session = db_session()
    category = session.get(Category, rule.category_id) if rule.category_id is not None else None
    office = session.get(Office, rule.office_id)
    return f"#{rule.id} {category.code if category else '*'} → {office.code if office else rule.office_id}"


def _rule(rule_id: int) -> RoutingRuleRecord:
    rule = db_session().get(RoutingRuleRecord, rule_id)
    if rule is None:
        raise NotFound(_("There is no such routing rule."))
    return rule


def create_rule(actor: Actor, data: RuleInput) -> RoutingRuleRecord:
    """A new active rule, tried after the existing ones."""
    _require_supervisor(actor)
    session = db_session()
    with one_transaction(session):
        clean = _clean(data)
        _check_conflicts(clean, None)
        last = session.scalar(sa.select(sa.func.max(RoutingRuleRecord.position))) or 0
        rule = RoutingRuleRecord(
            position=last + 1,
            category_id=clean.category_id,
            district=clean.district,
            area=clean.area,
            office_id=clean.office.id,
            note=clean.note,
            active=True,
        )
        session.add(rule)
        session.flush()
        audit.record(session, actor, SUBJECT, rule.id, _label(rule), "create", None, _snapshot(rule))
        rules_changed(session)
    return rule


def update_rule(actor: Actor, rule_id: int, data: RuleInput) -> RoutingRuleRecord:
    _require_supervisor(actor)
    session = db_session()
    with one_transaction(session):
        rule = _rule(rule_id)
        clean = _clean(data)
        if rule.active:
            _check_conflicts(clean, rule.id)
        before = _snapshot(rule)
        rule.category_id, rule.district, rule.area = clean.category_id, clean.district, clean.area
        rule.office_id, rule.note = clean.office.id, clean.note
        session.flush()
        audit.record(session, actor, SUBJECT, rule.id, _label(rule), "update", before, _snapshot(rule))
        rules_changed(session)
    return rule


def _as_input(rule: RoutingRuleRecord) -> RuleInput:
    place = "district" if rule.district is not None else "area" if rule.area is not None else "any"
    return RuleInput(
        category_id=rule.category_id,
        place=place,
        district=rule.district,
        area=json.dumps(rule.area) if rule.area is not None else None,
        office_id=rule.office_id,
        note=rule.note,
    )


def set_rule_active(actor: Actor, rule_id: int, active: bool) -> RoutingRuleRecord:
    """Deactivate (kept, not tried) or reactivate (checked again like a new rule)."""
    _require_supervisor(actor)
    session = db_session()
    with one_transaction(session):
        rule = _rule(rule_id)
        if active and not rule.active:
            clean = _clean(_as_input(rule))
            _check_conflicts(clean, rule.id)
        before = _snapshot(rule)
        rule.active = active
        session.flush()
        audit.record(
            session,
            actor,
            SUBJECT,
            rule.id,
            _label(rule),
            "activate" if active else "deactivate",
            before,
            _snapshot(rule),
        )
        rules_changed(session)
    return rule


def move_rule(actor: Actor, rule_id: int, direction: str) -> RoutingRuleRecord:
    """Swap the rule with the one before (``"up"``) or after (``"down"``); at either end nothing moves."""
    _require_supervisor(actor)
    session = db_session()
    with one_transaction(session):
        rule = _rule(rule_id)
        if direction not in ("up", "down"):
            raise InvalidInput(_("Move a rule up or down."))
        ordered = [r for _n, r in stored_rule_numbers(session)]
        index = ordered.index(rule)
        other_index = index - 1 if direction == "up" else index + 1
        if 0 <= other_index < len(ordered):
            before = {r.id: _snapshot(r) for r in ordered}
            ordered[index], ordered[other_index] = ordered[other_index], ordered[index]
            for position, each in enumerate(ordered, start=1):
                each.position = position
            session.flush()
            for moved in (ordered[index], ordered[other_index]):
                audit.record(
                    session,
                    actor,
                    SUBJECT,
                    moved.id,
                    _label(moved),
                    "reorder",
                    before[moved.id],
                    _snapshot(moved),
                )
            rules_changed(session)
    return rule


def delete_rule(actor: Actor, rule_id: int) -> None:
    _require_supervisor(actor)
    session = db_session()
    with one_transaction(session):
        rule = _rule(rule_id)
        audit.record(session, actor, SUBJECT, rule.id, _label(rule), "delete", _snapshot(rule), None)
        session.delete(rule)
        rules_changed(session)


@dataclass(frozen=True)
class TestAnswer:
    """The test box's answer: the office (None: the URP) and why."""

    category: Category
    lon: float | None
    lat: float | None
    office: Office | None
    office_code: str | None
    how: str  # "stored", "configured", "default", "none"
    rule: RoutingRule | None
    #: The rules named an office that is missing or deactivated: the URP gets the case.
    office_unavailable: bool


def where_would_it_go(
    category_id: int, *, lat: float | None = None, lon: float | None = None, district: str | None = None
) -> TestAnswer:
    """Where a report of the category at the point (or in the middle of the district) would go."""
    session = db_session()
    settings = state().settings
    category = session.get(Category, category_id)
    if category is None:
        raise FieldRefused("category", _("Choose the category from the list."))
    if district:
        found = next((d for d in settings.districts if d.name == district), None)
        if found is None or found.area.geometry is None:
            raise FieldRefused(
                "district", _("There is no district called %(name)s.", name=district[:DISTRICT_MAX])
            )
        point = found.area.geometry.representative_point()
        lon, lat = point.x, point.y
    elif lat is not None and lon is not None:
        try:
            check_point(lat, lon, settings.area)
        except LocationError as error:
            if error.code == "outside_area":
                raise FieldRefused("lat", _("This point is outside the municipality.")) from None
            raise FieldRefused(
                "lat", _("Give a latitude from -90 to 90 and a longitude from -180 to 180.")
            ) from None
    elif lat is not None or lon is not None:
        raise FieldRefused("lat", _("Give both the latitude and the longitude, or neither."))
    match = explain_route(session, category, lon, lat)
    office = None
    if match.office is not None:
        office = session.scalar(sa.select(Office).where(Office.code == match.office))
    usable = office is not None and office.active
    how = match.how if match.rule is None else match.rule.origin
    return TestAnswer(
        category=category,
        lon=lon,
        lat=lat,
        office=office if usable else None,
        office_code=match.office,
        how=how,
        rule=match.rule,
        office_unavailable=match.office is not None and not usable,
    )
