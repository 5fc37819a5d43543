"""The staff intake: who may register requests, and which arrival times it takes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_citizencare.domain.lifecycle import Kind
from flask_citizencare.models import OutboxMail, Report
from flask_citizencare.services.errors import Forbidden
from flask_citizencare.services.reports import Submission, SubmissionRefused, register_request

from .host import host_db
from .reporting import form_tokens
from .staff import Team, actor_for, client_for

INTAKE = "/citizencare/staff/intake"
ROME = ZoneInfo("Europe/Rome")


def reports(app: Flask) -> int:
    with app.app_context():
        return host_db.session.scalar(sa.select(sa.func.count()).select_from(Report)) or 0


def local_minute(at: datetime) -> str:
    return at.astimezone(ROME).strftime("%Y-%m-%dT%H:%M")


def post_intake(app: Flask, team: Team, who: str, received_at: str, language: str = "en"):  # type: ignore[no-untyped-def]
    client = client_for(app, team, who)
    tokens = form_tokens(client, INTAKE)
    data: dict[str, Any] = {
        **tokens,
        "channel": "letter",
        "received_at": received_at,
        "kind": "issue",
        "category": str(team.lamps.id),
        "title": "Lampione spento",
        "description": "Lettera protocollata",
        "address": "Via Indipendenza 8",
        "name": "Anna",
        "consent": "y",
    }
    return client.post(INTAKE, data=data, headers={"Accept-Language": language})


@pytest.mark.parametrize("who", ["olga", "marco", "ada"])
def test_operators_managers_and_admins_register_requests(app: Flask, team: Team, who: str) -> None:
    client = client_for(app, team, who)
    assert 'href="/citizencare/staff/intake"' in client.get("/citizencare/staff/").get_data(as_text=True)
    assert client.get(INTAKE).status_code == 200
    response = post_intake(app, team, who, local_minute(datetime.now(UTC) - timedelta(days=2)))
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    assert reports(app) == 1


def test_technicians_may_not_use_the_intake_nor_see_its_link(app: Flask, team: Team) -> None:
    tina = client_for(app, team, "tina")
    assert 'href="/citizencare/staff/intake"' not in tina.get("/citizencare/staff/").get_data(as_text=True)
    page = tina.get(INTAKE, headers={"Accept-Language": "en"})
    assert page.status_code == 403 and "Not allowed" in page.get_data(as_text=True)
    # A form taken from someone else's page does not get through either.
    olga = client_for(app, team, "olga")
    csrf = form_tokens(tina, "/citizencare/staff/")["csrf_token"]
    token = form_tokens(olga, INTAKE)["submission_token"]
    response = tina.post(
        INTAKE,
        data={"csrf_token": csrf, "submission_token": token, "channel": "phone", "title": "x"},
    )
    assert response.status_code == 403
    assert reports(app) == 0


@pytest.mark.parametrize(
    ("offset", "language", "message"),
    [
        (timedelta(days=1), "en", "The time cannot be in the future."),
        (timedelta(minutes=10), "it", "L&#39;orario non può essere nel futuro."),
        (-timedelta(days=8), "en", "Only requests received in the last 7 days can be registered."),
        (-timedelta(days=8), "it", "Si possono registrare solo le richieste ricevute negli ultimi 7 giorni."),
    ],
)
def test_the_arrival_time_is_neither_future_nor_older_than_the_window(
    app: Flask, team: Team, offset: timedelta, language: str, message: str
) -> None:
    response = post_intake(app, team, "olga", local_minute(datetime.now(UTC) + offset), language)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html, html[:3000]
    assert reports(app) == 0
    with app.app_context():
        assert host_db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMail)) == 0


def test_the_window_is_a_setting(app: Flask, team: Team) -> None:
    twenty_days_ago = local_minute(datetime.now(UTC) - timedelta(days=20))
    assert post_intake(app, team, "olga", twenty_days_ago).status_code == 400
    app.config["CITIZENCARE_INTAKE_BACKDATE_DAYS"] = 30
    assert post_intake(app, team, "olga", twenty_days_ago).status_code == 303
    assert reports(app) == 1


def test_an_unreadable_time_is_a_field_error_in_the_users_language(app: Flask, team: Team) -> None:
    response = post_intake(app, team, "olga", "ieri mattina", "it")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="received_at-error"' in html or "received_at" in html
    assert "Not a valid" not in html, html[:3000]
    assert reports(app) == 0


def test_the_service_applies_the_same_rules(app: Flask, team: Team) -> None:
    def submission(received_at: datetime | None) -> Submission:
        return Submission(
            kind=Kind.ISSUE,
            category_id=team.lamps.id,
            title="Lampione",
            description="Spento",
            submission_token="intake-service-0123456789",
            address="Via Indipendenza 8",
            received_at=received_at,
        )

    now = datetime.now(UTC)
    with app.test_request_context():
        with pytest.raises(Forbidden):
            register_request(actor_for(team, "tina"), submission(now))
        for when, code in ((now + timedelta(hours=1), "future"), (now - timedelta(days=8), "too_old")):
            with pytest.raises(SubmissionRefused) as refused:
                register_request(actor_for(team, "olga"), submission(when))
            assert (refused.value.field, refused.value.code) == ("received_at", code)
        report = register_request(actor_for(team, "olga"), submission(now - timedelta(days=6)))
        assert report.channel == "web" and report.events[0].actor_id == team.members["olga"].id
    assert reports(app) == 1


def test_the_form_speaks_to_the_operator_about_the_citizen(app: Flask, team: Team) -> None:
    html = client_for(app, team, "olga").get(INTAKE, headers={"Accept-Language": "en"}).get_data(as_text=True)
    for label in (
        "Type of report",
        "Citizen&#39;s name",
        "Citizen&#39;s e-mail address",
        "Citizen&#39;s phone number",
    ):
        assert label in html
    for citizen_wording in (
        "What do you want to send?",
        "Your name",
        "Your e-mail address",
        "Your phone number",
    ):
        assert citizen_wording not in html
    # Italian: the same msgids go through the catalogue (their translations land with the merge).
    italian = (
        client_for(app, team, "olga").get(INTAKE, headers={"Accept-Language": "it"}).get_data(as_text=True)
    )
    assert "Che cosa vuoi inviare?" not in italian and "Il tuo nome" not in italian
