"""The citizens' forms drop what bots send: a filled honeypot, a post too fast, a missing or forged time.

The answer looks like success, but no report, message, follower or mail comes of it.
"""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import URLSafeSerializer

from flask_citizencare.blueprints.public.bot_trap import form_time_token
from flask_citizencare.models import Category, Follower, OutboxMail

from .host import host_db
from .reporting import NEW, counts, form_tokens, post_report, submitted
from .staff import Team, client_for


def written(app: Flask) -> dict[str, int]:
    """Everything a submission can leave behind: rows, files, followers, mails."""
    with app.app_context():
        extra = {
            "followers": host_db.session.scalar(sa.select(sa.func.count()).select_from(Follower)),
            "outbox": host_db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMail)),
        }
    return {**counts(app), **extra}


def signed_time(app: Flask, purpose: str, seconds_ago: float) -> str:
    with app.test_request_context():
        return form_time_token(purpose, at=time.time() - seconds_ago)


def test_the_trap_is_invisible_and_unreachable_for_people(client: FlaskClient, category: Category) -> None:
    html = client.get(NEW).get_data(as_text=True)
    trap = re.search(r'<div class="cc-trap" aria-hidden="true">(.*?)</div>', html, re.S)
    assert trap, "the honeypot is inside an aria-hidden wrapper"
    field = re.search(r"<input[^>]*name=\"website\"[^>]*>", trap.group(1))
    assert field and 'tabindex="-1"' in field.group(0) and 'autocomplete="off"' in field.group(0)
    assert 'value=""' in field.group(0)
    assert "Lascia vuoto questo campo" in trap.group(1)
    hidden = r'<input[^>]*type="hidden"[^>]*name="form_time"|name="form_time"[^>]*type="hidden"'
    assert re.search(hidden, html)


def test_staff_forms_have_no_trap(app: Flask, team: Team) -> None:
    html = client_for(app, team, "olga").get("/citizencare/staff/intake").get_data(as_text=True)
    assert 'name="website"' not in html and 'name="form_time"' not in html


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"website": "http://spam.example"}, "honeypot"),
        ({"form_time": None}, "no time"),
        ({"form_time": "MTc2MDAwMDAwMC4w.forged"}, "forged time"),
        ({"form_time": URLSafeSerializer("other", salt="citizencare.form-time.report").dumps(1.0)}, "key"),
    ],
)
def test_a_bots_report_is_dropped_and_looks_accepted(
    app: Flask, client: FlaskClient, category: Category, change: dict[str, Any], why: str
) -> None:
    before = written(app)
    tokens = {**form_tokens(client), **change}
    response = post_report(client, category.id, tokens={k: v for k, v in tokens.items() if v is not None})
    assert response.status_code == 303, why
    assert response.headers["Location"].endswith("/citizencare/")
    assert written(app) == before, why
    # The same form, as a person sends it, goes through.
    assert post_report(client, category.id).status_code == 303
    assert written(app)["cc_reports"] == before["cc_reports"] + 1


def test_a_report_sent_sooner_than_the_minimum_is_dropped(
    app: Flask, client: FlaskClient, category: Category
) -> None:
    app.config["CITIZENCARE_FORM_MIN_SECONDS"] = 3
    before = written(app)
    assert post_report(client, category.id).status_code == 303  # the page was shown just now
    assert written(app) == before
    # A time signed for another form is worthless here.
    other = {**form_tokens(client), "form_time": signed_time(app, "follow", 60)}
    assert post_report(client, category.id, tokens=other).status_code == 303
    assert written(app) == before
    # Shown four seconds ago (the person took their time): accepted.
    slow = {**form_tokens(client), "form_time": signed_time(app, "report", 4)}
    assert post_report(client, category.id, tokens=slow).status_code == 303
    assert written(app)["cc_reports"] == before["cc_reports"] + 1
    assert written(app)["outbox"] > before["outbox"]


def test_a_bots_information_on_the_tracking_page_is_dropped(
    app: Flask, client: FlaskClient, category: Category
) -> None:
    assert post_report(client, category.id).status_code == 303
    url = f"/citizencare/track/{submitted(app).tracking_token}"
    app.config["CITIZENCARE_FORM_MIN_SECONDS"] = 3
    before = written(app)
    for tokens in (
        form_tokens(client, url),  # too fast
        {**form_tokens(client, url), "website": "x", "form_time": signed_time(app, "add-information", 9)},
    ):
        response = client.post(url, data={**tokens, "text": "Compra ora!"})
        assert response.status_code == 303
        assert response.headers["Location"].endswith(f"{url}#thread")
    assert written(app) == before
    tokens = {**form_tokens(client, url), "form_time": signed_time(app, "add-information", 9)}
    assert client.post(url, data={**tokens, "text": "La buca è più grande"}).status_code == 303
    assert written(app)["cc_messages"] == before["cc_messages"] + 1


def test_a_bots_follow_request_is_dropped_and_looks_sent(
    app: Flask, client: FlaskClient, category: Category
) -> None:
    assert post_report(client, category.id).status_code == 303
    number = submitted(app).public_id
    page = f"/citizencare/reports/{number}"
    before = written(app)
    response = client.post(
        f"{page}/follow", data={**form_tokens(client, page), "email": "a@example.org", "website": "y"}
    )
    assert response.status_code == 303 and response.headers["Location"].endswith(f"{page}/follow/sent")
    assert client.get(response.headers["Location"]).status_code == 200
    assert written(app) == before
    tokens = form_tokens(client, page)
    assert client.post(f"{page}/follow", data={**tokens, "email": "a@example.org"}).status_code == 303
    assert written(app)["outbox"] == before["outbox"] + 1
