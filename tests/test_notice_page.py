"""A published notice's public page: its texts in the visitor's language and its steps; drafts are 404."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient

from flask_citizencare.services import notices as service
from flask_citizencare.services.notices import NoticeInput, StepInput

from .staff import Team, actor_for

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


def test_the_public_sees_published_notices_only(app: Flask, client: FlaskClient, team: Team) -> None:
    with app.test_request_context():
        notice = service.create_notice(
            actor_for(team, "olga"),
            NoticeInput(
                kind="incident",
                titles={"it": "Portale SUAP non raggiungibile", "en": "SUAP portal down"},
                bodies={"it": "Il portale **non risponde**.", "en": "The portal does not answer."},
                starts_at=NOW,
                services=["Portale SUAP"],
                category_ids=[team.lamps.id],
            ),
        )
        notice_id = notice.id
    url = f"/citizencare/status/{notice_id}"
    assert client.get(url).status_code == 404  # a draft is the back office's
    with app.test_request_context():
        service.publish_notice(
            actor_for(team, "marco"),
            notice_id,
            StepInput("investigating", {"it": "Stiamo verificando."}),
            now=NOW,
        )
        service.post_step(
            actor_for(team, "olga"),
            notice_id,
            StepInput("identified", {"it": "Guasto al server."}),
            now=NOW + timedelta(hours=1),
        )
    page = client.get(url, headers={"Accept-Language": "it"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "private, no-cache"
    assert "Portale SUAP non raggiungibile" in html and "<strong>non risponde</strong>" in html
    assert html.index("Guasto al server.") < html.index("Stiamo verificando.")  # newest step first
    assert "Lampioni" in html and "Portale SUAP" in html
    english = client.get(url, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "SUAP portal down" in english and "The portal does not answer." in english
    assert client.get("/citizencare/status/99999999").status_code == 404
    assert client.get("/citizencare/status/99999999999999999999").status_code == 404
