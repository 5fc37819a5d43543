"""The notices' lifecycle and areas as plain rules (no app, no database)."""

from __future__ import annotations

import json

import pytest
from shapely.geometry import box

from flask_citizencare.domain.geo import Area, District
from flask_citizencare.domain.notices import lifecycle as lc
from flask_citizencare.domain.notices.areas import (
    MAX_VERTICES,
    AreaError,
    check_inside,
    circle,
    covers_point,
    districts_area,
    parse_geojson,
)
from flask_citizencare.domain.notices.lifecycle import NoticeStatus as S
from flask_citizencare.domain.notices.lifecycle import ServiceState

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[11.34, 44.49], [11.35, 44.49], [11.35, 44.50], [11.34, 44.50], [11.34, 44.49]]],
}


def test_drafts_are_published_as_a_first_step_of_their_kind() -> None:
    assert lc.next_statuses("incident", S.DRAFT) == (S.INVESTIGATING, S.IDENTIFIED, S.MONITORING)
    assert lc.next_statuses("planned", S.DRAFT) == (S.SCHEDULED, S.IN_PROGRESS)
    assert not lc.may_move("planned", S.DRAFT, S.INVESTIGATING)
    assert not lc.may_move("incident", S.DRAFT, S.DRAFT)


@pytest.mark.parametrize(
    ("kind", "current", "target", "allowed"),
    [
        ("incident", S.INVESTIGATING, S.IDENTIFIED, True),
        ("incident", S.MONITORING, S.INVESTIGATING, True),
        ("incident", S.IDENTIFIED, S.RESOLVED, True),
        ("incident", S.INVESTIGATING, S.INVESTIGATING, True),  # news without a change
        ("incident", S.RESOLVED, S.INVESTIGATING, False),
        ("incident", S.RESOLVED, S.RESOLVED, False),
        ("incident", S.INVESTIGATING, S.COMPLETED, False),
        ("planned", S.SCHEDULED, S.IN_PROGRESS, True),
        ("planned", S.SCHEDULED, S.CANCELLED, True),
        ("planned", S.IN_PROGRESS, S.COMPLETED, True),
        ("planned", S.IN_PROGRESS, S.SCHEDULED, False),
        ("planned", S.COMPLETED, S.CANCELLED, False),
        ("planned", S.CANCELLED, S.SCHEDULED, False),
        ("planned", S.SCHEDULED, S.RESOLVED, False),
    ],
)
def test_moves(kind: str, current: S, target: S, allowed: bool) -> None:
    assert lc.may_move(kind, current, target) is allowed


def test_what_is_current_and_what_the_status_page_shows() -> None:
    assert [s for s in S if lc.is_current(s)] == [
        S.INVESTIGATING,
        S.IDENTIFIED,
        S.MONITORING,
        S.SCHEDULED,
        S.IN_PROGRESS,
    ]
    assert lc.service_state("incident", S.IDENTIFIED, "interrupted") is ServiceState.INTERRUPTED
    assert lc.service_state("incident", S.MONITORING, "degraded") is ServiceState.DEGRADED
    assert lc.service_state("incident", S.RESOLVED, "interrupted") is ServiceState.OPERATIONAL
    assert lc.service_state("planned", S.SCHEDULED, "degraded") is ServiceState.OPERATIONAL
    assert lc.service_state("planned", S.IN_PROGRESS, "degraded") is ServiceState.MAINTENANCE
    assert lc.worst([ServiceState.MAINTENANCE, ServiceState.DEGRADED]) is ServiceState.DEGRADED
    assert lc.worst([]) is ServiceState.OPERATIONAL


def test_areas_from_geojson_districts_and_circles() -> None:
    area = parse_geojson(json.dumps({"type": "Feature", "geometry": SQUARE, "properties": {}}))
    assert covers_point(area, 11.345, 44.495) and not covers_point(area, 11.36, 44.495)
    municipality = Area.from_setting((11.2, 44.4, 11.5, 44.6))
    check_inside(area, municipality)
    with pytest.raises(AreaError) as outside:
        check_inside(
            parse_geojson(
                json.dumps({**SQUARE, "coordinates": [[[12, 45], [12.1, 45], [12.1, 45.1], [12, 45]]]})
            ),
            municipality,
        )
    assert outside.value.code == "outside"
    districts = [District("Navile", Area.from_setting((11.30, 44.50, 11.40, 44.55)))]
    navile = districts_area(["Navile"], districts)
    assert navile is not None and navile.equals(box(11.30, 44.50, 11.40, 44.55))
    with pytest.raises(AreaError) as unknown:
        districts_area(["Atlantide"], districts)
    assert unknown.value.code == "unknown_district"
    ring = circle(44.5, 11.34, 500)
    assert covers_point(ring, 11.34, 44.5042) and not covers_point(ring, 11.34, 44.5050)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("not json", "invalid"),
        ('{"type": "Point", "coordinates": [11, 44]}', "invalid"),
        ('{"type": "Polygon", "coordinates": [[[NaN, 44], [11, 44], [11, 45], [NaN, 44]]]}', "invalid"),
        ('{"type": "Polygon", "coordinates": [[[200, 44], [201, 44], [201, 45], [200, 44]]]}', "invalid"),
        # a bow tie is not a valid polygon
        ('{"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}', "invalid"),
        ("[" * 100_001 + "]" * 100_001, "too_complex"),
        ("[" * 50_000, "invalid"),
    ],
)
def test_hostile_areas_are_refused(text: str, code: str) -> None:
    with pytest.raises(AreaError) as refused:
        parse_geojson(text)
    assert refused.value.code == code


def test_too_many_vertices() -> None:
    import math

    ring = [
        [11.3 + 0.01 * math.cos(i / 400), 44.5 + 0.01 * math.sin(i / 400)] for i in range(MAX_VERTICES + 5)
    ]
    ring.append(ring[0])
    with pytest.raises(AreaError) as refused:
        parse_geojson(json.dumps({"type": "Polygon", "coordinates": [ring]}))
    assert refused.value.code == "too_complex"


def test_circles_refuse_silly_radii() -> None:
    for radius in (0, 10, 50_000, float("nan")):
        with pytest.raises(AreaError):
            circle(44.5, 11.34, radius)
