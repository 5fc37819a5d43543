"""The public map page without JavaScript: the server-rendered list, its filters and pages."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict

from flask_citizencare.domain.geo import Area
from flask_citizencare.models import Category, Photo
from flask_citizencare.queries.filters import FilterError, parse_public_filter
from flask_citizencare.queries.listing import PAGE_SIZE

from .factories import create_category, create_office, create_report
from .host import host_db

MAP = "/citizencare/map"
NOW = datetime.now(UTC).replace(microsecond=0)


def listed(page: str) -> list[str]:
    """Public ids in the list, in order."""
    return re.findall(r'<span class="cc-report-list__id">([^<]+)</span>', page)


def get(client: FlaskClient, url: str, status: int = 200) -> str:
    response = client.get(url, headers={"Accept-Language": "it"})
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


def map_config(page: str) -> dict[str, Any]:
    match = re.search(r'<script type="application/json" id="cc-map-config">(.*?)</script>', page, re.S)
    assert match
    return dict(json.loads(match.group(1)))


@pytest.fixture
def town(app: Flask) -> dict[str, Any]:
    """Reports of two categories, kinds and states; one hidden, one merged, one with a private contact."""
    with app.app_context():
        session = host_db.session
        roads = create_category(session, code="strade-buche", name="Buche", group="Strade")
        lights = create_category(session, code="luce-lampioni", name="Lampioni", group="Illuminazione")
        facts: dict[str, Any] = {}

        def report(key: str, days: int, **fields: Any) -> None:
            made = create_report(
                session, created_at=NOW - timedelta(days=days), **{"title": f"Titolo {key}", **fields}
            )
            facts[key] = made.public_id

        report(
            "hole",
            1,
            category=roads,
            contact={"name": "Mario Segreto", "email": "mario@privato.example", "phone": "+39 333 0000000"},
        )
        report(
            "lamp",
            2,
            category=lights,
            office_id=create_office(session).id,
            status="in_progress",
            acknowledged_at=NOW - timedelta(days=2),
            due_at=NOW - timedelta(hours=1),
        )
        report(
            "fixed",
            3,
            category=roads,
            status="resolved",
            acknowledged_at=NOW - timedelta(days=2),
            resolved_at=NOW - timedelta(days=1),
        )
        report("idea", 4, category=lights, kind="proposal")
        report("hidden", 5, category=roads, is_public=False, title="Titolo nascosto")
        report("plain", 6, category=roads)
        with_photo = create_report(
            session, category=lights, created_at=NOW - timedelta(days=7), title="Con foto"
        )
        facts["photo"] = with_photo.public_id
        session.add(
            Photo(
                report_id=with_photo.id,
                storage_key="foto-grande",
                thumbnail_key="foto-piccola",
                content_type="image/jpeg",
                width=10,
                height=10,
                size=100,
            )
        )
        hidden_photo = create_report(session, category=lights, created_at=NOW - timedelta(days=8))
        facts["hidden_photo"] = hidden_photo.public_id
        session.add(
            Photo(
                report_id=hidden_photo.id,
                storage_key="nascosta-g",
                thumbnail_key="nascosta-p",
                content_type="image/jpeg",
                width=10,
                height=10,
                size=100,
                hidden=True,
            )
        )
        session.flush()
        original = create_report(session, category=roads, created_at=NOW - timedelta(days=9))
        facts["original"] = original.public_id
        duplicate = create_report(
            session,
            category=roads,
            created_at=NOW - timedelta(days=1),
            title="Doppione",
            duplicate_of_id=original.id,
            status="rejected",
            reject_reason="Doppione",
        )
        facts["duplicate"] = duplicate.public_id
        session.commit()
        return facts


def test_list_shows_public_reports_newest_first_and_nothing_private(
    client: FlaskClient, town: dict[str, Any]
) -> None:
    page = get(client, MAP)
    assert listed(page) == [
        town["hole"],
        town["lamp"],
        town["fixed"],
        town["idea"],
        town["plain"],
        town["photo"],
        town["hidden_photo"],
        town["original"],
    ]
    for private in (
        town["hidden"],
        town["duplicate"],
        "Titolo nascosto",
        "Doppione",
        "Mario Segreto",
        "mario@privato.example",
        "333 0000000",
    ):
        assert private not in page
    # Each item links to the public report page; the overdue one says so with text, not only colour.
    assert f'href="/citizencare/reports/{town["lamp"]}"' in page
    assert page.count('class="cc-overdue"') == 1
    # The public thumbnail is shown, lazily; the hidden photo is not.
    assert 'src="/citizencare/photos/foto-piccola" alt="" loading="lazy"' in page
    assert "nascosta-p" not in page
    assert "La mappa richiede JavaScript" in page or "The map needs JavaScript" in page
    assert 'href="/citizencare/new"' in page  # "report a problem here"
    config = map_config(page)
    assert config["api"].startswith("/citizencare/api/reports")
    assert config["newReport"] == "/citizencare/new"


def test_index_links_to_the_map(client: FlaskClient, town: dict[str, Any]) -> None:
    assert f'href="{MAP}"' in get(client, "/citizencare/")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=proposal", ["idea"]),
        ("kind=issue&category=luce-lampioni", ["lamp", "photo", "hidden_photo"]),
        ("category=strade-buche&group=open", ["hole", "plain", "original"]),
        ("group=closed", ["fixed"]),
        ("status=in_progress&status=resolved", ["lamp", "fixed"]),
        ("status=in_progress,resolved&group=closed", ["fixed"]),
        ("has_photo=true", ["photo"]),
        ("has_photo=false&category=luce-lampioni", ["lamp", "idea", "hidden_photo"]),
        ("bbox=11.30,44.45,11.40,44.55&kind=proposal", ["idea"]),
        ("bbox=11.40,44.42,11.43,44.44", []),
    ],
)
def test_filters(client: FlaskClient, town: dict[str, Any], query: str, expected: list[str]) -> None:
    page = get(client, f"{MAP}?{query}")
    assert listed(page) == [town[key] for key in expected]


def test_date_filters_use_whole_days(client: FlaskClient, town: dict[str, Any]) -> None:
    timezone = ZoneInfo(client.application.config["CITIZENCARE_TIMEZONE"])

    def day(days: int) -> str:
        return (NOW - timedelta(days=days)).astimezone(timezone).date().isoformat()

    page = get(client, f"{MAP}?since={day(4)}&until={day(2)}")
    assert listed(page) == [town["lamp"], town["fixed"], town["idea"]]


def test_form_keeps_the_chosen_filters(client: FlaskClient, town: dict[str, Any]) -> None:
    page = get(
        client,
        f"{MAP}?kind=issue&group=open&category=luce-lampioni&status=new&has_photo=false&since=2020-01-02",
    )
    assert re.search(r'name="kind" value="issue" id="cc-f-kind-issue" checked', page)
    assert re.search(r'name="group" value="open" id="cc-f-group-open" checked', page)
    assert '<option value="luce-lampioni" selected>' in page
    assert '<optgroup label="Illuminazione">' in page
    assert re.search(r'value="new" id="cc-f-status-new" checked', page)
    assert '<option value="false" selected>' in page
    assert 'value="2020-01-02"' in page


def test_pages_follow_each_other_without_gaps(client: FlaskClient, app: Flask) -> None:
    with app.app_context():
        category = create_category(host_db.session, code="pagine")
        same_time = NOW - timedelta(days=3)
        ids = []
        for n in range(PAGE_SIZE + 7):
            # Several share one timestamp: the id breaks the tie, so none is skipped or repeated.
            created = same_time if 20 <= n < 30 else NOW - timedelta(minutes=n)
            ids.append(
                create_report(host_db.session, category=category, kind="issue", created_at=created).public_id
            )
        create_report(host_db.session, category=category, kind="proposal", created_at=NOW)
        host_db.session.commit()
    seen: list[str] = []
    url: str | None = f"{MAP}?kind=issue&lat=44.5&lon=11.3&zoom=15"
    pages = 0
    while url:
        page = get(client, url)
        seen.extend(listed(page))
        pages += 1
        match = re.search(r'<a href="([^"]+)" rel="next">', page)
        url = html.unescape(match.group(1)) if match else None
        if url:
            args = parse_qs(urlsplit(url).query)
            assert args["kind"] == ["issue"] and args["zoom"] == ["15"], url  # the filters and view are kept
    assert pages == 2
    assert len(seen) == len(ids) == len(set(seen))
    assert set(seen) == set(ids)
    assert seen[:20] == ids[:20]


@pytest.mark.parametrize(
    "query",
    [
        "kind=problema",
        "category=nessuna",
        "group=forse",
        "status=finito",
        "since=2026-13-01",
        "since=2026-02-01&until=2026-01-01",
        "has_photo=forse",
        "bbox=1,2,3",
        "bbox=nan,44,11,45",
        "bbox=1,1,2,2",
        "since=" + "9" * 3000,
    ],
)
def test_bad_filters_get_a_400_naming_the_problem(
    client: FlaskClient, town: dict[str, Any], query: str
) -> None:
    page = get(client, f"{MAP}?{query}", status=400)
    with client.application.test_request_context(headers={"Accept-Language": "it"}):
        args = MultiDict(parse_qs(query))
        with pytest.raises(FilterError) as refused:
            parse_public_filter(
                args,
                area=Area.from_setting(client.application.config["CITIZENCARE_AREA"]),
                category_codes=["strade-buche", "luce-lampioni"],
            )
    assert refused.value.message in html.unescape(page)
    assert 'id="cc-error-summary"' in page
    assert listed(page) == []


def test_damaged_page_link_gets_a_400(client: FlaskClient, town: dict[str, Any]) -> None:
    for cursor in ("abc", "12.", ".5", "9" * 30 + ".1", "1.2.3"):
        page = get(client, f"{MAP}?cursor={cursor}", status=400)
        assert 'id="cc-error-summary"' in page


def test_shared_view_is_restored_and_bad_view_ignored(client: FlaskClient, town: dict[str, Any]) -> None:
    config = map_config(get(client, f"{MAP}?lat=44.5&lon=11.35&zoom=16"))
    assert (config["center"], config["zoom"]) == ([44.5, 11.35], 16)
    defaults = map_config(get(client, MAP))
    for query in ("lat=nan&lon=11&zoom=99", "lat=91&lon=11&zoom=-1", "lat=x&lon=&zoom=3.5"):
        config = map_config(get(client, f"{MAP}?{query}"))
        assert (config["center"], config["zoom"]) == (defaults["center"], defaults["zoom"])


def test_report_form_takes_the_place_from_the_map(client: FlaskClient, category: Category) -> None:
    page = get(client, "/citizencare/new?lat=44.5&lon=11.35")
    assert re.search(r'id="lat"[^>]*value="44.500000"', page) or re.search(
        r'value="44.500000"[^>]*id="lat"', page
    )
    for query in ("lat=45.9&lon=11.35", "lat=nan&lon=11.35", "lat=44.5"):
        page = get(client, f"/citizencare/new?{query}")
        assert not re.search(r'<input[^>]*id="lat"[^>]*value="[0-9]', page), query
