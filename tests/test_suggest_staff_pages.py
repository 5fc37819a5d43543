"""Suggestions in the staff pages: the case workspace with its apply and dismiss buttons, queue, intake."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from flask_citizencare.models import Category, Report, SuggestionRecord

from .factories import create_report
from .host import host_db
from .staff import Team, case_path, client_for
from .suggest_history import train_small_model

EN = {"Accept-Language": "en"}
LAMP = {
    "title": "Lampione spento",
    "description": "Il lampione della piazza è spento da giorni, è tutto buio.",
}


def _case(app: Flask, code: str = "graffiti", **fields: Any) -> int:
    with app.app_context():
        category = host_db.session.scalar(sa.select(Category).where(Category.code == code))
        report = create_report(
            host_db.session,
            category=category,
            public_id="2099-000001",
            received_at=datetime.now(UTC) - timedelta(hours=2),
            **{**LAMP, **fields},
        )
        host_db.session.commit()
        return report.id


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def _records(app: Flask, report_id: int) -> dict[str, tuple[str | None, int | None]]:
    with app.app_context():
        rows = host_db.session.scalars(
            sa.select(SuggestionRecord).where(SuggestionRecord.report_id == report_id)
        )
        return {r.field: (r.decision, r.decided_id) for r in rows}


def _report(app: Flask, report_id: int) -> Report:
    with app.app_context():
        report = host_db.session.get(Report, report_id)
        assert report is not None
        report.category  # loaded before the session goes  # noqa: B018
        host_db.session.expunge_all()
        return report


@pytest.fixture
def trained(app: Flask, team: Team) -> Flask:
    train_small_model(app)
    return app


def test_the_workspace_shows_the_suggestions_with_their_reason(trained: Flask, team: Team) -> None:
    report_id = _case(trained)
    olga = client_for(trained, team, "olga")
    html = olga.get(case_path(trained, report_id), headers=EN).get_data(as_text=True)
    panel = html[
        html.index("data-cc-suggestions") : html.index("</section>", html.index("data-cc-suggestions"))
    ]
    assert "Suggestions" in panel and "Street lighting" in panel
    # The office follows the category the model is sure of, not the one the case was filed under.
    assert "Illuminazione pubblica" in panel and "Igiene urbana" not in panel
    assert re.search(r"\d{4}-\d{6}", panel)  # "like 2026-000123": the similar past cases
    assert "Apply" in panel and "Not this" in panel
    assert _records(trained, report_id)["category"] == (None, None)  # shown, not decided yet


def test_apply_changes_the_category_and_records_it_accepted(trained: Flask, team: Team) -> None:
    report_id = _case(trained)
    olga = client_for(trained, team, "olga")
    path = case_path(trained, report_id)
    html = olga.get(path, headers=EN).get_data(as_text=True)
    with trained.app_context():
        lights = host_db.session.scalar(sa.select(Category.id).where(Category.code == "illuminazione"))
    version = _report(trained, report_id).version
    url = f"{path}/suggestion/category/apply"
    token = _csrf(html)

    forged = olga.post(url, data={"csrf_token": token, "version": version, "value": lights + 1}, headers=EN)
    assert forged.status_code == 400 and _report(trained, report_id).category.code == "graffiti"
    huge = olga.post(url, data={"csrf_token": token, "version": version, "value": "9" * 20}, headers=EN)
    assert huge.status_code == 400
    stale = olga.post(url, data={"csrf_token": token, "version": version + 5, "value": lights}, headers=EN)
    assert stale.status_code in (400, 409) and _records(trained, report_id)["category"] == (None, None)
    unknown = olga.post(f"{path}/suggestion/priority/apply", data={"csrf_token": token, "version": version})
    assert unknown.status_code == 404

    done = olga.post(url, data={"csrf_token": token, "version": version, "value": lights}, headers=EN)
    assert done.status_code == 303
    assert _report(trained, report_id).category_id == lights
    assert _records(trained, report_id)["category"] == ("accepted", lights)
    page = olga.get(done.headers["Location"], headers=EN).get_data(as_text=True)
    assert "as suggested" in page


def test_dismiss_records_the_suggestion_rejected(trained: Flask, team: Team) -> None:
    report_id = _case(trained)
    olga = client_for(trained, team, "olga")
    path = case_path(trained, report_id)
    token = _csrf(olga.get(path, headers=EN).get_data(as_text=True))
    version = _report(trained, report_id).version
    response = olga.post(
        f"{path}/suggestion/category/dismiss", data={"csrf_token": token, "version": version}
    )
    assert response.status_code == 303
    assert _records(trained, report_id)["category"] == ("rejected", None)
    assert _report(trained, report_id).category.code == "graffiti"


def test_the_queue_offers_the_suggested_category(trained: Flask, team: Team) -> None:
    _case(trained)
    html = client_for(trained, team, "olga").get("/citizencare/staff/", headers=EN).get_data(as_text=True)
    assert re.search(r"Suggested category: Street lighting \(\d+ %\)", html)


def test_the_intake_endpoint_suggests_for_staff_only_and_survives_hostile_input(
    trained: Flask, team: Team
) -> None:
    assert trained.test_client().get("/citizencare/staff/suggest?title=lampione").status_code == 401
    assert client_for(trained, team, "carla").get("/citizencare/staff/suggest?title=x").status_code == 403
    olga: FlaskClient = client_for(trained, team, "olga")
    response = olga.get("/citizencare/staff/suggest", query_string={**LAMP, "kind": "issue"})
    assert response.status_code == 200 and "no-store" in response.headers["Cache-Control"]
    answer = json.loads(response.get_data())
    assert answer["available"] is True and answer["categories"][0]["code"] == "illuminazione"
    for hostile in (
        {"title": "x" * 100_000},
        {"title": "🙂" * 50, "kind": "nonsense"},
        {"description": "' OR 1=1 --"},
    ):
        assert olga.get("/citizencare/staff/suggest", query_string=hostile).status_code in (200, 400)


def test_without_a_model_the_pages_are_as_before(app: Flask, team: Team) -> None:
    report_id = _case(app, "potholes")
    olga = client_for(app, team, "olga")
    html = olga.get(case_path(app, report_id), headers=EN).get_data(as_text=True)
    assert "data-cc-suggestions" not in html and "Suggested category" not in html
    queue = olga.get("/citizencare/staff/", headers=EN).get_data(as_text=True)
    assert "Suggested category" not in queue
    answer = json.loads(olga.get("/citizencare/staff/suggest", query_string=LAMP).get_data())
    assert answer["available"] is False and answer["categories"] == []
    assert _records(app, report_id) == {}
