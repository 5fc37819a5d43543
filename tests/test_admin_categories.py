"""The categories administration screen: list, create, edit, reorder, groups, deactivate, delete.

Also the settings' effect where they are used: duplicates, retention and the
urgent notice and successor on the public form; roles, bad input and the audit.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from flask_citizencare.models import AuditEntry, CannedReply, Category, Office, Report
from flask_citizencare.services.duplicates import nearby_open_reports, similar_reports
from flask_citizencare.services.retention import due_for_retention

from .factories import create_category, create_office, create_report
from .host import host_db
from .reporting import NEW, page_tokens, report_fields
from .staff import Team
from .staff import client_for as staff_client

URL = "/citizencare/staff/admin/categories"
EN = {"Accept-Language": "en"}


def client_for(app: Flask, team: Team, name: str) -> FlaskClient:
    """A logged-in client that asks for English on every request, so flashed messages are English too."""
    client = staff_client(app, team, name)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


COLUMNS = (
    Category.id,
    Category.code,
    Category.group,
    Category.name,
    Category.names,
    Category.help_text,
    Category.help_texts,
    Category.kinds,
    Category.needs_location,
    Category.default_office_id,
    Category.duplicate_radius_m,
    Category.duplicate_age_days,
    Category.urgent_notice,
    Category.urgent_notices,
    Category.retention_months,
    Category.supports_threshold,
    Category.position,
    Category.active,
    Category.successor_id,
)


def csrf(client: FlaskClient, url: str = URL) -> str:
    html = client.get(url, headers=EN).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def snapshot(app: Flask) -> tuple[list[tuple[Any, ...]], int]:
    """Every category's columns and the number of audit entries."""
    with app.app_context():
        rows = [
            tuple(str(v) for v in r)
            for r in host_db.session.execute(sa.select(*COLUMNS).order_by(Category.id))
        ]
        entries = host_db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) or 0
        host_db.session.remove()
        return rows, entries


def category(app: Flask, code: str) -> Category | None:
    with app.app_context():
        found = host_db.session.scalar(sa.select(Category).where(Category.code == code))
        if found is not None:
            host_db.session.expunge(found)
        host_db.session.remove()
        return found


def entries(app: Flask, category_id: int) -> list[tuple[str, dict[str, Any], str]]:
    """(action, changes, actor) of the category's audit entries, oldest first."""
    with app.app_context():
        rows = host_db.session.execute(
            sa.select(AuditEntry.action, AuditEntry.changes, AuditEntry.actor_name)
            .where(AuditEntry.subject_type == "category", AuditEntry.subject_id == category_id)
            .order_by(AuditEntry.id)
        ).all()
        host_db.session.remove()
        return [(r[0], r[1], r[2]) for r in rows]


def form(token: str, **fields: Any) -> dict[str, Any]:
    return {
        "csrf_token": token,
        "code": "verde",
        "name_it": "Verde pubblico",
        "name_en": "",
        "name_ca": "",
        "help_it": "",
        "urgent_it": "",
        "group": "Ambiente",
        "kinds": "both",
        "needs_location": "y",
        "default_office": "",
        "duplicate_radius_m": "",
        "duplicate_age_days": "",
        "retention_months": "",
        "supports_threshold": "",
        "active": "y",
        **fields,
    }


def add_report(app: Flask, category_id: int, **fields: Any) -> int:
    with app.app_context():
        report = create_report(host_db.session, category=host_db.session.get(Category, category_id), **fields)
        host_db.session.commit()
        report_id = report.id
        host_db.session.remove()
        return report_id


def positions(app: Flask) -> list[str]:
    """Codes in the form's order (group, position)."""
    with app.app_context():
        codes = list(
            host_db.session.scalars(
                sa.select(Category.code).order_by(
                    Category.group, Category.position, Category.name, Category.id
                )
            )
        )
        host_db.session.remove()
        return codes


# -- list -------------------------------------------------------------------------------------


def test_managers_see_the_list_by_group_with_counts(app: Flask, team: Team) -> None:
    add_report(app, team.potholes.id)
    add_report(app, team.potholes.id)
    with app.app_context():
        create_category(host_db.session, code="parks", name="Parchi", group="Verde", active=False)
        host_db.session.commit()
    html = client_for(app, team, "marco").get(URL, headers=EN).get_data(as_text=True)
    assert "<h2" in html and ">Strade</h2>" in html and ">Verde</h2>" in html
    row = html[html.index("<code>potholes</code>") : html.index("</tr>", html.index("<code>potholes</code>"))]
    cells = re.findall(r"<td>([^<]*)</td>", row)
    assert cells[:4] == ["problems and proposals", "Manutenzione strade", "2", "active"]
    assert "active" in row
    parks = html[html.index("<code>parks</code>") : html.index("</tr>", html.index("<code>parks</code>"))]
    assert "inactive" in parks and "Reactivate Parchi" in parks and "Delete Parchi" in parks
    assert "Delete Buche" not in html  # it has reports
    assert "Delete Lampioni" not in html  # active: deactivate it first
    assert 'href="/citizencare/staff/admin/categories"' in html  # the menu entry
    assert 'class="cc-table-wrap"' in html


# -- create and edit --------------------------------------------------------------------------


def test_a_manager_creates_a_category_in_three_languages(app: Flask, team: Team) -> None:
    marco = client_for(app, team, "marco")
    response = marco.post(
        URL + "/new",
        data=form(
            csrf(marco, URL + "/new"),
            code=" Verde-Pubblico ",
            name_en="Public green",
            name_ca="Verd públic",
            help_it="Alberi, aiuole e prati.",
            help_en="Trees, flower beds, lawns.",
            urgent_it="Albero caduto sulla strada? Chiama il 112.",
            urgent_en="A tree fell on the road? Call 112.",
            kinds="issue",
            needs_location="",
            default_office=str(team.roads.id),
            duplicate_radius_m="120",
            duplicate_age_days="14",
            retention_months="36",
        ),
        headers=EN,
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    made = category(app, "verde-pubblico")
    assert made is not None and made.active and not made.needs_location
    assert (made.name, made.names) == ("Verde pubblico", {"en": "Public green", "ca": "Verd públic"})
    assert (made.help_text, made.help_texts) == (
        "Alberi, aiuole e prati.",
        {"en": "Trees, flower beds, lawns."},
    )
    assert made.urgent_notice == "Albero caduto sulla strada? Chiama il 112."
    assert made.urgent_notices == {"en": "A tree fell on the road? Call 112."}
    assert (made.kinds, made.default_office_id) == ("issue", team.roads.id)
    assert (made.duplicate_radius_m, made.duplicate_age_days, made.retention_months) == (120, 14, 36)
    assert made.supports_threshold is None and made.position > max(
        team.potholes.position, team.lamps.position
    )
    assert "Category Verde pubblico saved." in marco.get(URL, headers=EN).get_data(as_text=True)
    [(action, changes, actor)] = entries(app, made.id)
    assert action == "create" and actor == "Marco" and changes["code"] == [None, "verde-pubblico"]


def test_editing_keeps_the_code_and_records_the_changes(app: Flask, team: Team) -> None:
    ada = client_for(app, team, "ada")
    url = f"{URL}/{team.potholes.id}"
    page = ada.get(url, headers=EN).get_data(as_text=True)
    assert "<code>potholes</code>" in page and 'value="Buche"' in page and "History of changes" in page
    response = ada.post(
        url,
        data=form(
            csrf(ada, url),
            code="something-else",
            name_it="Buche stradali",
            kinds="proposal",
            supports_threshold="500",
            default_office=str(team.lights.id),
        ),
        headers=EN,
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    edited = category(app, "potholes")
    assert edited is not None and edited.name == "Buche stradali" and edited.supports_threshold == 500
    assert edited.default_office_id == team.lights.id and edited.group == "Ambiente"
    [(action, changes, actor)] = entries(app, team.potholes.id)
    assert action == "update" and actor == "Ada"
    assert changes["name"] == ["Buche", "Buche stradali"] and changes["supports_threshold"] == [None, 500]
    assert "code" not in changes
    page = ada.get(url, headers=EN).get_data(as_text=True)
    assert "Buche stradali" in page[page.index("History of changes") :]
    # Saving the same again records nothing new
    ada.post(
        url,
        data=form(
            csrf(ada, url),
            code="potholes",
            name_it="Buche stradali",
            kinds="proposal",
            supports_threshold="500",
            default_office=str(team.lights.id),
        ),
    )
    assert len(entries(app, team.potholes.id)) == 1


def test_the_edit_page_keeps_an_inactive_default_office(app: Flask, team: Team) -> None:
    with app.app_context():
        office = host_db.session.get(Office, team.roads.id)
        assert office is not None
        office.active = False
        host_db.session.commit()
    marco = client_for(app, team, "marco")
    url = f"{URL}/{team.potholes.id}"
    page = marco.get(url, headers=EN).get_data(as_text=True)
    assert "Manutenzione strade (inactive)" in page
    response = marco.post(
        url, data=form(csrf(marco, url), code="potholes", name_it="Buche", default_office=str(team.roads.id))
    )
    assert response.status_code == 303
    # ... but a category cannot be given an inactive office
    before = snapshot(app)
    url = f"{URL}/{team.lamps.id}"
    response = marco.post(
        url,
        data=form(csrf(marco, url), code="lamps", name_it="Lampioni", default_office=str(team.roads.id)),
        headers=EN,
    )
    assert response.status_code == 400 and "active offices" in response.get_data(as_text=True)
    assert snapshot(app) == before


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"code": "POTHOLES"}, "Another category already has the code potholes."),
        ({"code": "verde pubblico"}, "The code must be at most 64 lowercase letters"),
        ({"code": "a" * 65}, "The code must be at most 64 lowercase letters"),
        ({"code": "-verde"}, "The code must be at most 64 lowercase letters"),
        ({"code": ""}, "The code must be at most 64 lowercase letters"),
        (
            {"name_it": "  ", "name_en": "Green"},
            "Give the category a name in Italiano, the default language.",
        ),
        ({"name_it": "n" * 201}, "A name can be at most 200 characters long."),
        ({"name_ca": "n" * 201}, "A name can be at most 200 characters long."),
        ({"help_en": "h" * 2001}, "A help text can be at most 2000 characters long."),
        ({"urgent_it": "u" * 501}, "An urgent notice can be at most 500 characters long."),
        ({"group": "g" * 121}, "The group can be at most 120 characters long."),
        ({"kinds": "everything"}, "Not a valid choice"),
        (
            {"duplicate_radius_m": "-5"},
            "The duplicate radius must be a whole number of metres from 1 to 5000",
        ),
        ({"duplicate_radius_m": "0"}, "The duplicate radius must be a whole number of metres from 1 to 5000"),
        (
            {"duplicate_radius_m": "5001"},
            "The duplicate radius must be a whole number of metres from 1 to 5000",
        ),
        (
            {"duplicate_radius_m": "12.5"},
            "The duplicate radius must be a whole number of metres from 1 to 5000",
        ),
        ({"duplicate_radius_m": "9" * 20}, "The duplicate radius must be a whole number of metres"),
        ({"duplicate_age_days": "0"}, "The duplicate age must be a whole number of days from 1 to 3650"),
        ({"duplicate_age_days": "3651"}, "The duplicate age must be a whole number of days from 1 to 3650"),
        ({"retention_months": "0"}, "The retention must be a whole number of months from 1 to 240"),
        ({"retention_months": "241"}, "The retention must be a whole number of months from 1 to 240"),
        ({"retention_months": "-1"}, "The retention must be a whole number of months from 1 to 240"),
        ({"supports_threshold": "0"}, "The supports threshold must be a whole number from 1 to 1000000"),
        (
            {"supports_threshold": "1000001"},
            "The supports threshold must be a whole number from 1 to 1000000",
        ),
        ({"supports_threshold": "9" * 20}, "The supports threshold must be a whole number from 1 to 1000000"),
        ({"kinds": "issue", "supports_threshold": "10"}, "A supports threshold only applies to a category"),
        ({"default_office": "999999"}, "Choose the default office from the list of active offices."),
        ({"default_office": "9" * 20}, "Choose the default office from the list of active offices."),
        ({"default_office": "abc"}, "Choose the default office from the list of active offices."),
        # NUL bytes: the whole request is refused before the form is read
        ({"name_it": "Verde\x00"}, "The request could not be understood"),
        ({"urgent_it": "Chiama\x00"}, "The request could not be understood"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(
    app: Flask, team: Team, fields: dict[str, Any], message: str
) -> None:
    ada = client_for(app, team, "ada")
    token = csrf(ada, URL + "/new")
    before = snapshot(app)
    response = ada.post(URL + "/new", data=form(token, **fields), headers=EN)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert message in response.get_data(as_text=True)
    assert snapshot(app) == before


def test_an_inactive_office_is_refused_for_a_new_category(app: Flask, team: Team) -> None:
    with app.app_context():
        spare = create_office(host_db.session, code="spare", name="Ufficio chiuso", active=False)
        host_db.session.commit()
        spare_id = spare.id
    ada = client_for(app, team, "ada")
    assert "Ufficio chiuso" not in ada.get(URL + "/new", headers=EN).get_data(as_text=True)
    before = snapshot(app)
    response = ada.post(
        URL + "/new", data=form(csrf(ada, URL + "/new"), default_office=str(spare_id)), headers=EN
    )
    assert response.status_code == 400 and snapshot(app) == before


def test_the_service_checks_everything_itself(app: Flask, team: Team) -> None:
    from flask_citizencare.services import categories
    from flask_citizencare.services.errors import InvalidInput

    from .staff import actor_for

    with app.test_request_context(headers=EN):
        marco = actor_for(team, "marco")
        bad = [
            categories.CategoryInput("verde", {"it": ""}),
            categories.CategoryInput("verde", {"it": "Verde", "de": "Grün"}),
            categories.CategoryInput("verde", {"it": "Verde"}, duplicate_radius_m=0),
            categories.CategoryInput("verde", {"it": "Verde"}, duplicate_age_days=10**20),
            categories.CategoryInput("verde", {"it": "Verde"}, retention_months=True),  # type: ignore[arg-type]
            categories.CategoryInput("verde", {"it": "Verde"}, kinds="all"),
            categories.CategoryInput("verde", {"it": "Verde\x00"}),
            categories.CategoryInput("verde", {"it": "Verde"}, default_office_id=999999),
            categories.CategoryInput("potholes", {"it": "Verde"}),
        ]
        for data in bad:
            with pytest.raises(InvalidInput):
                categories.create_category(marco, data)
        with pytest.raises(InvalidInput, match="cannot change"):
            categories.update_category(
                marco, team.potholes.id, categories.CategoryInput("other", {"it": "X"})
            )
        host_db.session.remove()
    assert category(app, "verde") is None and category(app, "other") is None


# -- reorder and groups -----------------------------------------------------------------------


def test_move_up_and_down_within_the_group_renumbers_in_one_go(app: Flask, team: Team) -> None:
    with app.app_context():
        for code in ("signs", "bumps"):
            create_category(host_db.session, code=code, name=code.title(), position=0)
        create_category(host_db.session, code="trees", name="Alberi", group="Verde")
        host_db.session.commit()
    start = positions(app)
    marco = client_for(app, team, "marco")
    token = csrf(marco)
    last = category(app, start[-2])  # the last one of "Strade"
    assert last is not None
    response = marco.post(f"{URL}/{last.id}/move", data={"csrf_token": token, "direction": "up"}, headers=EN)
    assert response.status_code == 303
    moved = positions(app)
    assert moved[:-1] == [*start[:-3], start[-2], start[-3]] and moved[-1] == "trees"
    with app.app_context():
        numbers = list(
            host_db.session.scalars(sa.select(Category.position).order_by(Category.group, Category.position))
        )
    assert numbers == [10, 20, 30, 40, 50]
    assert any(action == "reorder" for action, _c, _a in entries(app, last.id))
    # The first of a group cannot go up, the last cannot go down; nor cross into another group.
    before = snapshot(app)
    first = category(app, moved[0])
    trees = category(app, "trees")
    assert first is not None and trees is not None
    response = marco.post(f"{URL}/{first.id}/move", data={"csrf_token": token, "direction": "up"}, headers=EN)
    assert response.status_code == 409 and "already first in its group" in response.get_data(as_text=True)
    response = marco.post(f"{URL}/{trees.id}/move", data={"csrf_token": token, "direction": "up"}, headers=EN)
    assert response.status_code == 409
    response = marco.post(f"{URL}/{trees.id}/move", data={"csrf_token": token, "direction": "sideways"})
    assert response.status_code == 400
    assert snapshot(app) == before


def test_renaming_a_group_moves_its_categories(app: Flask, team: Team) -> None:
    with app.app_context():
        create_category(host_db.session, code="trees", name="Alberi", group="Verde")
        host_db.session.commit()
    marco = client_for(app, team, "marco")
    token = csrf(marco)
    response = marco.post(
        URL + "/groups", data={"csrf_token": token, "group": "Strade", "new_group": " Strade e mobilità "}
    )
    assert response.status_code == 303
    potholes, lamps = category(app, "potholes"), category(app, "lamps")
    assert potholes is not None and lamps is not None
    assert potholes.group == lamps.group == "Strade e mobilità"
    assert ["update", ["Strade", "Strade e mobilità"]] in [
        [a, c.get("group")] for a, c, _ in entries(app, team.potholes.id)
    ]
    before = snapshot(app)
    for data, status in (
        ({"group": "Nessuno", "new_group": "X"}, 404),
        ({"group": "Verde", "new_group": "g" * 121}, 400),
        ({"group": "Verde", "new_group": "V\x00"}, 400),
    ):
        assert marco.post(URL + "/groups", data={"csrf_token": token, **data}).status_code == status
    assert snapshot(app) == before


# -- deactivate, successor, reactivate, delete ------------------------------------------------


def test_deactivate_with_a_successor_and_reactivate(app: Flask, team: Team) -> None:
    add_report(app, team.potholes.id)
    marco = client_for(app, team, "marco")
    url = f"{URL}/{team.potholes.id}/deactivate"
    page = marco.get(url, headers=EN).get_data(as_text=True)
    assert "Successor on the form" in page and "Lampioni" in page
    assert f'value="{team.potholes.id}"' not in page  # not its own successor
    response = marco.post(url, data={"csrf_token": csrf(marco, url), "successor": str(team.lamps.id)})
    assert response.status_code == 303
    done = category(app, "potholes")
    assert done is not None and not done.active and done.successor_id == team.lamps.id
    html = marco.get(URL, headers=EN).get_data(as_text=True)
    assert "Category Buche deactivated." in html and "replaced by Lampioni" in html
    assert [a for a, _c, _ in entries(app, team.potholes.id)] == ["deactivate"]
    # the successor can change while it is inactive
    response = marco.post(url, data={"csrf_token": csrf(marco, url), "successor": ""})
    assert response.status_code == 303
    done = category(app, "potholes")
    assert done is not None and done.successor_id is None
    response = marco.post(f"{URL}/{team.potholes.id}/activate", data={"csrf_token": csrf(marco)})
    assert response.status_code == 303
    done = category(app, "potholes")
    assert done is not None and done.active
    assert [a for a, _c, _ in entries(app, team.potholes.id)] == ["deactivate", "update", "activate"]
    response = marco.post(f"{URL}/{team.potholes.id}/activate", data={"csrf_token": csrf(marco)}, headers=EN)
    assert response.status_code == 409 and "already active" in response.get_data(as_text=True)


def test_a_bad_successor_is_refused(app: Flask, team: Team) -> None:
    with app.app_context():
        old = create_category(host_db.session, code="old", name="Vecchia", active=False)
        host_db.session.commit()
        old_id = old.id
    marco = client_for(app, team, "marco")
    url = f"{URL}/{team.potholes.id}/deactivate"
    token = csrf(marco, url)
    before = snapshot(app)
    for successor in (str(team.potholes.id), str(old_id), "999999", "9" * 20, "abc", "1\x00"):
        response = marco.post(url, data={"csrf_token": token, "successor": successor}, headers=EN)
        assert response.status_code == 400, successor
        body = response.get_data(as_text=True)
        assert "Choose the successor from the list of active categories" in body or (
            "could not be understood" in body and "\x00" in successor
        ), successor
    assert snapshot(app) == before


def test_the_service_refuses_itself_or_an_inactive_successor(app: Flask, team: Team) -> None:
    from flask_citizencare.services import categories
    from flask_citizencare.services.errors import InvalidInput

    from .staff import actor_for

    with app.app_context():
        old = create_category(host_db.session, code="old", name="Vecchia", active=False)
        host_db.session.commit()
        old_id = old.id
    with app.test_request_context(headers=EN):
        marco = actor_for(team, "marco")
        with pytest.raises(InvalidInput, match="its own successor"):
            categories.deactivate_category(marco, team.potholes.id, team.potholes.id)
        with pytest.raises(InvalidInput, match="is not active"):
            categories.deactivate_category(marco, team.potholes.id, old_id)
        host_db.session.remove()
    done = category(app, "potholes")
    assert done is not None and done.active


def test_delete_only_a_category_never_used(app: Flask, team: Team) -> None:
    add_report(app, team.potholes.id)
    with app.app_context():
        spare = create_category(host_db.session, code="spare", name="Spare")
        templated = create_category(host_db.session, code="templated", name="Con modelli")
        host_db.session.flush()
        host_db.session.add(CannedReply(category_id=templated.id, title="Grazie", body="Grazie."))
        old = create_category(
            host_db.session, code="old", name="Vecchia", active=False, successor_id=spare.id
        )
        host_db.session.commit()
        spare_id, templated_id, old_id = spare.id, templated.id, old.id
    ada = client_for(app, team, "ada")
    token = csrf(ada)
    before = snapshot(app)
    response = ada.post(f"{URL}/{team.potholes.id}/delete", data={"csrf_token": token}, headers=EN)
    assert response.status_code == 409 and "deactivate it instead" in response.get_data(as_text=True)
    response = ada.post(f"{URL}/{templated_id}/delete", data={"csrf_token": token}, headers=EN)
    assert response.status_code == 409 and "response templates" in response.get_data(as_text=True)
    assert snapshot(app) == before
    response = ada.post(f"{URL}/{spare_id}/delete", data={"csrf_token": token}, headers=EN)
    assert response.status_code == 303
    assert category(app, "spare") is None
    old_now = category(app, "old")
    assert old_now is not None and old_now.successor_id is None
    assert [a for a, _c, _ in entries(app, spare_id)] == ["delete"]
    assert [a for a, _c, _ in entries(app, old_id)] == ["update"]
    assert "Category Spare deleted." in ada.get(URL, headers=EN).get_data(as_text=True)


def test_a_category_named_by_a_configured_routing_rule_is_not_deleted(app: Flask, team: Team) -> None:
    with app.app_context():
        create_category(host_db.session, code="spare", name="Spare")
        host_db.session.commit()
    app.config["CITIZENCARE_ROUTING"] = [{"office": "roads", "categories": ["spare"]}]
    spare = category(app, "spare")
    assert spare is not None
    ada = client_for(app, team, "ada")
    response = ada.post(f"{URL}/{spare.id}/delete", data={"csrf_token": csrf(ada)}, headers=EN)
    assert response.status_code == 409 and "routing rule 1" in response.get_data(as_text=True)
    assert category(app, "spare") is not None


def test_unknown_ids_are_404_and_a_missing_token_changes_nothing(app: Flask, team: Team) -> None:
    ada = client_for(app, team, "ada")
    token = csrf(ada)
    assert ada.get(f"{URL}/999999", headers=EN).status_code == 404
    assert ada.get(f"{URL}/{'9' * 20}", headers=EN).status_code == 404
    assert ada.get(f"{URL}/999999/deactivate", headers=EN).status_code == 404
    for action in ("move", "activate", "delete"):
        assert (
            ada.post(f"{URL}/999999/{action}", data={"csrf_token": token, "direction": "up"}).status_code
            == 404
        )
    before = snapshot(app)
    assert ada.post(URL + "/new", data=form("")).status_code == 400
    for action in ("move", "activate", "delete", "deactivate"):
        assert ada.post(f"{URL}/{team.potholes.id}/{action}", data={"direction": "up"}).status_code == 400
    assert ada.post(URL + "/groups", data={"group": "Strade", "new_group": "X"}).status_code == 400
    assert snapshot(app) == before


@pytest.mark.parametrize(
    ("who", "language", "text"),
    [("olga", "it", "Non consentito"), ("tina", "ca", "No permès"), ("luca", "en", "Not allowed")],
)
def test_operators_and_technicians_get_403_in_their_language(
    app: Flask, team: Team, who: str, language: str, text: str
) -> None:
    client = client_for(app, team, who)
    headers = {"Accept-Language": language}
    before = snapshot(app)
    for url in (URL, URL + "/new", f"{URL}/{team.potholes.id}", f"{URL}/{team.potholes.id}/deactivate"):
        response = client.get(url, headers=headers)
        assert response.status_code == 403 and text in response.get_data(as_text=True)
    token = csrf(client, "/citizencare/staff/preferences")
    assert client.post(URL + "/new", data=form(token), headers=headers).status_code == 403
    assert client.post(URL + "/groups", data={"csrf_token": token, "group": "Strade"}).status_code == 403
    for action in ("move", "deactivate", "activate", "delete"):
        response = client.post(
            f"{URL}/{team.potholes.id}/{action}",
            data={"csrf_token": token, "direction": "down"},
            headers=headers,
        )
        assert response.status_code == 403
    assert snapshot(app) == before
    assert 'href="/citizencare/staff/admin/categories"' not in client.get(
        "/citizencare/staff/", headers=headers
    ).get_data(as_text=True)


def test_the_service_refuses_non_supervisors(app: Flask, team: Team) -> None:
    from flask_citizencare.services import categories
    from flask_citizencare.services.errors import Forbidden

    from .staff import actor_for

    with app.test_request_context(headers=EN):
        for who in ("olga", "tina"):
            actor = actor_for(team, who)
            with pytest.raises(Forbidden):
                categories.create_category(actor, categories.CategoryInput("verde", {"it": "Verde"}))
            with pytest.raises(Forbidden):
                categories.move_category(actor, team.potholes.id, "down")
            with pytest.raises(Forbidden):
                categories.delete_category(actor, team.lamps.id)
        host_db.session.remove()


# -- the settings at work ---------------------------------------------------------------------


def set_category(app: Flask, category_id: int, **fields: Any) -> None:
    with app.app_context():
        found = host_db.session.get(Category, category_id)
        assert found is not None
        for name, value in fields.items():
            setattr(found, name, value)
        host_db.session.commit()
        host_db.session.remove()


def test_duplicates_use_the_categorys_radius_and_age(app: Flask, team: Team) -> None:
    lon, lat = 11.3426, 44.4949
    now = datetime.now(UTC)
    far = add_report(app, team.potholes.id, lon=lon, lat=lat + 200 / 111_320, received_at=now)
    old = add_report(app, team.potholes.id, lon=lon, lat=lat, received_at=now - timedelta(days=40))
    app.config["CITIZENCARE_DUPLICATE_RADIUS_M"] = 50
    app.config["CITIZENCARE_DUPLICATE_MAX_AGE_DAYS"] = 30

    def found() -> set[int]:
        with app.test_request_context():
            rows = nearby_open_reports(
                host_db.session, category_id=team.potholes.id, lon=lon, lat=lat, now=now
            )
            ids = {report.id for report, _d in rows}
            host_db.session.remove()
            return ids

    assert found() == set()
    set_category(app, team.potholes.id, duplicate_radius_m=300)
    assert found() == {far}
    set_category(app, team.potholes.id, duplicate_age_days=60)
    assert found() == {far, old}
    set_category(app, team.potholes.id, duplicate_radius_m=None, duplicate_age_days=None)
    assert found() == set()
    # The staff workspace's "similar cases" uses them too
    set_category(app, team.potholes.id, duplicate_radius_m=300)
    probe = add_report(app, team.potholes.id, lon=lon, lat=lat, received_at=now)
    with app.test_request_context():
        report = host_db.session.get(Report, probe)
        assert report is not None
        assert {r.id for r, _d in similar_reports(host_db.session, report)} == {far}
        host_db.session.remove()


def test_retention_uses_the_categorys_months(app: Flask, team: Team) -> None:
    now = datetime.now(UTC)
    closed = now - timedelta(days=400)  # past 12 months, within the default 24

    def finished(category_id: int) -> int:
        with app.app_context():
            report = create_report(
                host_db.session,
                category=host_db.session.get(Category, category_id),
                status="resolved",
                acknowledged_at=closed,
                resolved_at=closed,
            )
            report.events[0].at = closed
            host_db.session.commit()
            report_id = report.id
            host_db.session.remove()
            return report_id

    potholes, lamps = finished(team.potholes.id), finished(team.lamps.id)
    app.config["CITIZENCARE_RETENTION_MONTHS"] = 24
    app.config["CITIZENCARE_RETENTION_MONTHS_BY_CATEGORY"] = {"lamps": 6}

    def due() -> set[int]:
        with app.app_context():
            ids = set(due_for_retention(host_db.session, now))
            host_db.session.remove()
            return ids

    assert due() == {lamps}
    set_category(app, team.potholes.id, retention_months=12)
    assert due() == {potholes, lamps}
    set_category(app, team.lamps.id, retention_months=36)  # the category's own months win over the config's
    assert due() == {potholes}


def test_the_form_shows_the_urgent_notice_in_the_visitors_language(app: Flask, team: Team) -> None:
    set_category(
        app,
        team.potholes.id,
        urgent_notice="Pericolo immediato? Chiama il 112.",
        urgent_notices={"en": "Immediate danger? Call 112."},
    )
    set_category(app, team.lamps.id, urgent_notice="Palo pericolante? Chiama la Polizia locale.")
    client = app.test_client()
    html = client.get(NEW, headers=EN).get_data(as_text=True)
    # Without JavaScript: the list of every notice, open, under the category choice
    notes = html[
        html.index('id="cc-urgent-list"') : html.index("</details>", html.index('id="cc-urgent-list"'))
    ]
    assert "open" in notes.split(">")[0]
    assert f'id="cc-urgent-{team.potholes.id}">Immediate danger? Call 112.' in notes
    assert f'id="cc-urgent-{team.lamps.id}">Palo pericolante? Chiama la Polizia locale.' in notes  # fallback
    # The region the script fills is there, hidden while nothing is chosen
    assert re.search(r'<p class="cc-urgent" id="cc-urgent-notice" role="status" hidden></p>', html)
    italian = client.get(NEW + f"?category={team.potholes.code}", headers={"Accept-Language": "it"})
    page = italian.get_data(as_text=True)
    assert (
        '<p class="cc-urgent" id="cc-urgent-notice" role="status">Pericolo immediato? Chiama il 112.</p>'
        in page
    )
    assert f'<option selected value="{team.potholes.id}">' in page or re.search(
        rf'<option[^>]*value="{team.potholes.id}"[^>]*selected', page
    )


def test_no_notice_list_without_notices(app: Flask, team: Team) -> None:
    html = app.test_client().get(NEW, headers=EN).get_data(as_text=True)
    assert 'id="cc-urgent-list"' not in html


def selected(html: str, category_id: int) -> bool:
    return bool(
        re.search(rf'<option selected value="{category_id}">', html)
        or re.search(rf'<option[^>]*value="{category_id}"[^>]*selected', html)
    )


def test_an_old_link_offers_the_successor_and_the_old_one_is_not_on_the_form(app: Flask, team: Team) -> None:
    set_category(app, team.potholes.id, active=False, successor_id=team.lamps.id)
    client = app.test_client()
    for reference in (team.potholes.code, str(team.potholes.id)):
        html = client.get(f"{NEW}?category={reference}", headers=EN).get_data(as_text=True)
        assert "“Buche” is no longer in use: “Lampioni” replaces it" in html
        assert selected(html, team.lamps.id)
        assert not re.search(rf'<option[^>]*value="{team.potholes.id}"', html)  # never on the form
    # a chain of successors is followed; a loop or a dead end says to choose another
    with app.app_context():
        middle = create_category(host_db.session, code="middle", name="Intermedia", active=False)
        host_db.session.commit()
        middle_id = middle.id
    set_category(app, team.potholes.id, successor_id=middle_id)
    set_category(app, middle_id, successor_id=team.lamps.id)
    assert selected(client.get(f"{NEW}?category=potholes").get_data(as_text=True), team.lamps.id)
    set_category(app, middle_id, successor_id=team.potholes.id)
    html = client.get(f"{NEW}?category=potholes", headers=EN).get_data(as_text=True)
    assert "“Buche” is no longer in use: choose another category." in html
    # an active category is simply chosen; nonsense is ignored
    assert selected(client.get(f"{NEW}?category=lamps").get_data(as_text=True), team.lamps.id)
    for nonsense in ("9" * 20, "x" * 300, "-1", "%E2%80%AE"):
        assert client.get(f"{NEW}?category={nonsense}").status_code == 200
    assert client.get(f"{NEW}?category=a%00b").status_code == 400  # as everywhere


def test_a_form_sent_with_a_category_deactivated_meanwhile_offers_the_successor(
    app: Flask, team: Team
) -> None:
    client = app.test_client()
    tokens = page_tokens(client.get(NEW, headers=EN).get_data(as_text=True))
    set_category(app, team.potholes.id, active=False, successor_id=team.lamps.id)
    response = client.post(NEW, data={**tokens, **report_fields(team.potholes.id)}, headers=EN)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "“Buche” is no longer in use: “Lampioni” replaces it" in html and selected(html, team.lamps.id)
    with app.app_context():
        assert host_db.session.scalar(sa.select(sa.func.count()).select_from(Report)) == 0


def test_none_is_a_blank_choice_a_browser_sends_back(app: Flask, team: Team) -> None:
    marco = client_for(app, team, "marco")
    for url in (URL + "/new", f"{URL}/{team.potholes.id}/deactivate"):
        page = marco.get(url, headers=EN).get_data(as_text=True)
        assert 'value="None"' not in page and '<option selected value="">None</option>' in page, url
    url = f"{URL}/{team.potholes.id}"
    response = marco.post(url, data=form(csrf(marco, url), code="potholes", name_it="Buche"), headers=EN)
    assert response.status_code == 303
    saved = category(app, "potholes")
    assert saved is not None and saved.default_office_id is None
