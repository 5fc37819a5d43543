"""Open data of proposals: supports and the published answer's state; no personal data, no drafts."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from flask_citizencare.models import AnswerState, ProposalAnswer, Support

from .factories import create_category, create_report
from .host import host_db

NOW = datetime.now(UTC).replace(microsecond=0)
EN = {"Accept-Language": "en"}


@pytest.fixture
def proposals(app: Flask) -> dict[str, str]:
    with app.app_context():
        session = host_db.session
        session.execute(sa.delete(AnswerState))
        parks = create_category(session, code="parchi", name="Parchi", names={"en": "Parks"})
        yes = AnswerState(
            code="accepted", name="Accolta", names={"en": "Accepted"}, colour="#00703c", meaning="accepted"
        )
        no = AnswerState(
            code="not_accepted",
            name="Non accolta",
            names={"en": "Not accepted"},
            colour="#a61919",
            meaning="not_accepted",
        )
        session.add_all([yes, no])
        session.flush()
        answered = create_report(
            session,
            kind="proposal",
            category=parks,
            title="=HYPERLINK(1)",
            supports_count=12,
            answered_at=NOW - timedelta(days=2),
            outcome="accepted",
            threshold_reached_at=NOW - timedelta(days=9),
            answer_due_at=NOW + timedelta(days=9),
            contact={"name": "Mario Segreto", "email": "mario@privato.example", "phone": "+39 333 0000000"},
        )
        session.add(
            ProposalAnswer(
                report_id=answered.id, state_id=no.id, body="Prima", published_at=NOW - timedelta(days=2)
            )
        )
        session.add(
            ProposalAnswer(
                report_id=answered.id, state_id=yes.id, body="Seconda", published_at=NOW - timedelta(days=1)
            )
        )
        session.add(Support(report_id=answered.id, supporter="sostenitore-1", email="anna@privato.example"))
        drafted = create_report(session, kind="proposal", category=parks, title="Bozza", supports_count=3)
        session.add(ProposalAnswer(report_id=drafted.id, state_id=yes.id, body="Bozza segreta"))
        hidden = create_report(session, kind="proposal", category=parks, title="Nascosta", is_public=False)
        issue = create_report(session, category=parks, title="Buca")
        session.commit()
        return {
            "answered": answered.public_id,
            "drafted": drafted.public_id,
            "hidden": hidden.public_id,
            "issue": issue.public_id,
        }


def rows(client: FlaskClient, url: str) -> list[dict[str, str]]:
    response = client.get(url, headers=EN)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Disposition"].startswith("attachment; filename=proposte-")
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_csv(client: FlaskClient, proposals: dict[str, str]) -> None:
    found = {row["id"]: row for row in rows(client, "/citizencare/opendata/proposals.csv")}
    assert set(found) == {proposals["answered"], proposals["drafted"]}
    answered = found[proposals["answered"]]
    assert answered["supports_count"] == "12"
    assert (answered["answer_state"], answered["answer_state_name"], answered["outcome"]) == (
        "accepted",
        "Accepted",
        "accepted",
    )
    assert answered["answered_at"] and answered["threshold_reached_at"] and answered["answer_due_at"]
    assert answered["title"] == "'=HYPERLINK(1)"  # never a formula in a spreadsheet
    assert answered["category_name"] == "Parks"
    drafted = found[proposals["drafted"]]
    assert (drafted["answer_state"], drafted["answered_at"], drafted["outcome"]) == ("", "", "")


def test_json_and_no_personal_data(client: FlaskClient, proposals: dict[str, str]) -> None:
    response = client.get("/citizencare/opendata/proposals.json", headers=EN)
    assert response.status_code == 200 and response.content_type == "application/json"
    text = response.get_data(as_text=True)
    data = json.loads(text)
    assert data["name"] == "Proposals" and "license" in data
    by_id: dict[str, Any] = {p["id"]: p for p in data["proposals"]}
    assert set(by_id) == {proposals["answered"], proposals["drafted"]}
    assert by_id[proposals["answered"]]["supports_count"] == 12
    assert by_id[proposals["answered"]]["answer_state"] == "accepted"
    for secret in (
        "Segreto",
        "privato.example",
        "333",
        "sostenitore",
        "Bozza segreta",
        "Prima",
        "Seconda",
        "Nascosta",
        "Buca",
    ):
        assert secret not in text
    csv_text = client.get("/citizencare/opendata/proposals.csv", headers=EN).get_data(as_text=True)
    for secret in ("Segreto", "privato.example", "sostenitore", "Bozza segreta", "Nascosta", "Buca"):
        assert secret not in csv_text


def test_hidden_counts_and_filters(app: Flask, client: FlaskClient, proposals: dict[str, str]) -> None:
    app.config["CITIZENCARE_HIDE_SUPPORTS_UNTIL_ANSWERED"] = True
    found = {row["id"]: row for row in rows(client, "/citizencare/opendata/proposals.csv")}
    assert found[proposals["answered"]]["supports_count"] == "12"
    assert found[proposals["drafted"]]["supports_count"] == ""
    assert rows(client, "/citizencare/opendata/proposals.csv?category=parchi&group=open")
    response = client.get("/citizencare/opendata/proposals.csv?category=nope", headers=EN)
    assert response.status_code == 400 and b"category" in response.data
    response = client.get("/citizencare/opendata/proposals.json?since=99999-01-01", headers=EN)
    assert response.status_code == 400 and response.content_type == "application/problem+json"


def test_listed_on_the_index_and_reports_unchanged(client: FlaskClient, proposals: dict[str, str]) -> None:
    page = client.get("/citizencare/opendata/?kind=proposal", headers=EN).get_data(as_text=True)
    assert 'href="/citizencare/opendata/proposals.csv"' in page
    assert 'href="/citizencare/opendata/proposals.json"' in page
    assert "<code>supports_count</code>" in page
    reports = client.get("/citizencare/opendata/reports.csv", headers=EN).get_data(as_text=True)
    header = reports[1:].split("\r\n", 1)[0]
    assert header == (
        "id,kind,category,category_name,title,description,status,created_at,acknowledged_at,"
        "resolved_at,expected_by,overdue,lat,lon,address,url"
    )
