"""A report form's submission token only replays the confirmation for the browser that sent it first."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from flask_citizencare.models import Category, OutboxMail, Report
from flask_citizencare.services import reports as report_service

from .host import host_db
from .racing import at_the_same_instant
from .reporting import NEW, counts, form_tokens, hidden_value, post_report, report_fields
from .staff import Team, client_for

INTAKE = "/citizencare/staff/intake"
FOREIGN = "This form was opened in another browser session"


def mails(app: Flask) -> int:
    with app.app_context():
        return host_db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMail)) or 0


def test_another_browser_posting_a_used_token_gets_a_fresh_form_not_the_confirmation(
    app: Flask, category: Category
) -> None:
    citizen, stranger = app.test_client(), app.test_client()
    tokens = form_tokens(citizen)
    sent = post_report(citizen, category.id, tokens=tokens)
    assert sent.status_code == 303
    with app.app_context():
        tracking = host_db.session.scalars(sa.select(Report.tracking_token)).one()
    before, mails_before = counts(app), mails(app)

    # The stranger's own form (its CSRF token), with the citizen's submission token from a log.
    stolen = {**form_tokens(stranger), "submission_token": tokens["submission_token"]}
    stranger.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = post_report(stranger, category.id, tokens=stolen, title="Altro")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Location" not in response.headers and tracking not in html
    assert FOREIGN in html
    fresh = hidden_value(html, "submission_token")
    assert fresh != tokens["submission_token"]
    assert counts(app) == before and mails(app) == mails_before

    # The fresh form is the stranger's own: sending it files the stranger's report, once.
    again = post_report(stranger, category.id, tokens={**stolen, "submission_token": fresh}, title="Altro")
    assert again.status_code == 303 and tracking not in again.headers["Location"]
    assert counts(app)["cc_reports"] == before["cc_reports"] + 1
    # The citizen's own double click still gets the citizen's confirmation.
    replay = post_report(citizen, category.id, tokens=tokens)
    assert replay.status_code == 303 and replay.headers["Location"] == sent.headers["Location"]


def test_a_made_up_token_is_refused(app: Flask, client: FlaskClient, category: Category) -> None:
    before = counts(app)
    tokens = {**form_tokens(client), "submission_token": "A" * 46}
    response = post_report(client, category.id, tokens=tokens)
    assert response.status_code == 400 and counts(app) == before


def _intake_fields(team: Team, tokens: dict[str, str]) -> dict[str, Any]:
    return {
        **tokens,
        "channel": "phone",
        "received_at": "",
        "kind": "issue",
        "category": str(team.lamps.id),
        "title": "Lampione spento",
        "description": "Segnalato al telefono",
        "address": "Via Indipendenza 8",
        "name": "Anna",
        "phone": "+39 051 123456",
        "consent": "y",
    }


def test_the_staff_intake_token_works_only_for_who_opened_the_form(app: Flask, team: Team) -> None:
    olga, marco = client_for(app, team, "olga"), client_for(app, team, "marco")
    tokens = form_tokens(olga, INTAKE)
    fields = _intake_fields(team, tokens)
    fields["received_at"] = hidden_value(olga.get(INTAKE).get_data(as_text=True), "received_at")
    first = olga.post(INTAKE, data=fields)
    assert first.status_code == 303
    stolen = {**fields, "csrf_token": form_tokens(marco, INTAKE)["csrf_token"]}
    response = marco.post(INTAKE, data=stolen, headers={"Accept-Language": "en"})
    assert response.status_code == 400 and FOREIGN in response.get_data(as_text=True)
    with app.app_context():
        assert host_db.session.scalar(sa.select(sa.func.count()).select_from(Report)) == 1
    assert olga.post(INTAKE, data=fields).headers["Location"] == first.headers["Location"]


@pytest.mark.slow
@pytest.mark.parametrize("lockstep", [False, True], ids=["same-instant", "lockstep"])
def test_two_clicks_at_the_same_instant_file_one_report_and_one_mail(
    app: Flask, category: Category, monkeypatch: pytest.MonkeyPatch, lockstep: bool
) -> None:
    """The same browser (one session cookie) posts the same form twice at once, 10 times over.

    ``lockstep`` holds both requests after their check for an earlier report
    with the token, so both try to insert and the database decides.
    """
    # Twenty posts from one address: the per-client limit on reports is another test's subject.
    monkeypatch.setattr(app.extensions["citizencare"], "rate_limiter", None)
    if lockstep:
        passed = threading.Barrier(2, timeout=30)
        local = threading.local()
        real = report_service.existing_submission

        def both_miss_it(session: Any, token: str) -> Report | None:
            found = real(session, token)
            if not getattr(local, "waited", False):
                local.waited = True
                passed.wait()
            return found

        monkeypatch.setattr(report_service, "existing_submission", both_miss_it)
    first_click = app.test_client()
    for round_ in range(10):
        tokens = form_tokens(first_click)
        second_click = app.test_client()
        cookie = first_click.get_cookie("session")
        assert cookie is not None
        second_click.set_cookie("session", cookie.value)
        data = {**tokens, **report_fields(category.id, title=f"Buca {round_}")}
        before, mails_before = counts(app)["cc_reports"], mails(app)
        responses = at_the_same_instant(
            *(lambda c=c, d=data: c.post(NEW, data=d) for c in (first_click, second_click))
        )
        answers = [
            (r.status_code, r.headers.get("Location", "")) if not isinstance(r, Exception) else (500, repr(r))
            for r in responses
        ]
        assert [code for code, _ in answers] == [303, 303], answers
        assert answers[0][1] == answers[1][1] and "/citizencare/sent/" in answers[0][1]
        assert counts(app)["cc_reports"] == before + 1
        assert mails(app) == mails_before + 1
