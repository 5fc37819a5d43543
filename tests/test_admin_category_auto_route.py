"""A category's automatic-routing threshold: a percentage, checked, audited, in the catalogue file."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_citizencare.domain.catalogue_file import CatalogueFileError, parse_catalogue
from flask_citizencare.models import AuditEntry, Category
from flask_citizencare.services import categories as category_service
from flask_citizencare.services.errors import InvalidInput

from .host import host_db
from .staff import Team
from .test_admin_categories import EN, URL, client_for, csrf, entries, form, snapshot

MESSAGE = "The confidence for routing automatically must be a whole percentage from 50 to 99, or blank."


def _threshold(app: Flask, category_id: int) -> float | None:
    with app.app_context():
        value = host_db.session.scalar(
            sa.select(Category.auto_route_threshold).where(Category.id == category_id)
        )
        host_db.session.remove()
        return value


def _edit(team: Team, **fields: str) -> dict[str, str]:
    return {
        "code": "lamps",
        "name_it": "Lampioni",
        "kinds": "both",
        "default_office": str(team.lights.id),
        **fields,
    }


def test_a_manager_turns_it_on_changes_it_and_off_again_each_change_audited(app: Flask, team: Team) -> None:
    client = client_for(app, team, "marco")
    url = f"{URL}/{team.lamps.id}"
    page = client.get(url, headers=EN).get_data(as_text=True)
    assert "Route automatically to the suggested office when the suggestion is at least this sure" in page
    assert 'name="auto_route_threshold"' in page

    assert _threshold(app, team.lamps.id) is None  # off by default
    response = client.post(url, data=form(csrf(client, url), **_edit(team, auto_route_threshold="85")))
    assert response.status_code == 303
    assert _threshold(app, team.lamps.id) == pytest.approx(0.85)
    assert 'value="85"' in client.get(url, headers=EN).get_data(as_text=True)

    client.post(url, data=form(csrf(client, url), **_edit(team, auto_route_threshold=" 90 ")))
    assert _threshold(app, team.lamps.id) == pytest.approx(0.9)
    client.post(url, data=form(csrf(client, url), **_edit(team, auto_route_threshold="")))
    assert _threshold(app, team.lamps.id) is None

    changes = [
        c["auto_route_threshold"]
        for action, c, _ in entries(app, team.lamps.id)
        if "auto_route_threshold" in c
    ]
    assert changes == [[None, 0.85], [0.85, 0.9], [0.9, None]]


@pytest.mark.parametrize("value", ["49", "100", "abc", "12345678901234567890", "85.5", "-60"])
def test_a_bad_threshold_is_refused_with_a_message_and_nothing_changes(
    app: Flask, team: Team, value: str
) -> None:
    client = client_for(app, team, "marco")
    url = f"{URL}/{team.lamps.id}"
    before = snapshot(app)
    response = client.post(url, data=form(csrf(client, url), **_edit(team, auto_route_threshold=value)))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert MESSAGE in html and 'id="auto_route_threshold-error"' in html
    assert snapshot(app) == before
    assert _threshold(app, team.lamps.id) is None


def test_a_new_category_can_have_it(app: Flask, team: Team) -> None:
    client = client_for(app, team, "marco")
    new = f"{URL}/new"
    response = client.post(new, data=form(csrf(client, new), auto_route_threshold="50"))
    assert response.status_code == 303
    with app.app_context():
        category = host_db.session.scalar(sa.select(Category).where(Category.code == "verde"))
        assert category is not None and category.auto_route_threshold == pytest.approx(0.5)
        created = host_db.session.scalar(
            sa.select(AuditEntry.changes).where(
                AuditEntry.subject_id == category.id, AuditEntry.action == "create"
            )
        )
        assert created["auto_route_threshold"] == [None, 0.5]


@pytest.mark.parametrize("value", [0.49, 1.0, 0.995, True, "0.9"])
def test_the_service_refuses_a_threshold_out_of_range(app: Flask, value: object) -> None:
    data = category_service.CategoryInput("verde", {"it": "Verde"}, auto_route_threshold=value)  # type: ignore[arg-type]
    with app.test_request_context(), pytest.raises(InvalidInput):
        category_service.clean(data)


def _file(threshold: object) -> dict[str, object]:
    return {
        "format": "flask-citizencare-catalogue",
        "version": 2,
        "offices": [{"code": "strade", "name": "Strade"}],
        "categories": [
            {"code": "buche", "names": {"it": "Buche"}, "office": "strade", "auto_route_threshold": threshold}
        ],
    }


def test_the_catalogue_file_carries_it_optional_and_checked() -> None:
    assert parse_catalogue(_file(0.9)).categories[0].auto_route_threshold == 0.9
    assert parse_catalogue(_file(None)).categories[0].auto_route_threshold is None
    assert parse_catalogue(_file(None)).categories[0].fields()["auto_route_threshold"] is None
    for bad in (0.3, 1, 0.999, "0.9", True):
        with pytest.raises(CatalogueFileError) as refused:
            parse_catalogue(_file(bad))
        assert "categories[0].auto_route_threshold" in str(refused.value)
