"""The public status page: current problems, then planned works, then the last 90 days; a row per
service with its state; drafts never shown; plain HTML without scripts."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient
from lxml import html as lxml_html

from flask_citizencare.services import notices as service
from flask_citizencare.services.notices import NoticeInput, StepInput

from .factories import create_category, create_notice
from .host import host_db
from .staff import Team, actor_for

URL = "/citizencare/status"
SQUARE = {
    "type": "Polygon",
    "coordinates": [[[11.34, 44.49], [11.35, 44.49], [11.35, 44.50], [11.34, 44.50], [11.34, 44.49]]],
}


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def published(team: Team, at: datetime, step: str = "investigating", **fields: object) -> int:
    """A notice written by an operator and published by a manager (through the services)."""
    values: dict[str, object] = {
        "kind": "incident",
        "titles": {"it": "Avviso", "en": "Notice"},
        "bodies": {"it": "Testo.", "en": "Text."},
        "starts_at": at,
        **fields,
    }
    notice = service.create_notice(actor_for(team, "olga"), NoticeInput(**values))  # type: ignore[arg-type]
    service.publish_notice(
        actor_for(team, "marco"), notice.id, StepInput(step, {"it": "Pubblicato."}), now=at
    )
    return notice.id


def page(client: FlaskClient, language: str = "it") -> str:
    response = client.get(URL, headers={"Accept-Language": language})
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def rows(html: str) -> dict[str, str]:
    tree = lxml_html.fromstring(html)
    return {
        " ".join(row.xpath("string(./th)").split()): row.get("data-state")
        for row in tree.xpath("//table[contains(@class, 'cc-service-status__table')]/tbody/tr")
    }


def section_text(html: str, section: str) -> str:
    tree = lxml_html.fromstring(html)
    return " ".join(tree.xpath(f"string(//section[@id='cc-status-{section}'])").split())


def test_sections_in_order_with_each_kind_of_notice(app: Flask, client: FlaskClient, team: Team) -> None:
    t = now()
    with app.test_request_context():
        outage = published(
            team,
            t - timedelta(hours=2),
            titles={"it": "Portale SUAP non raggiungibile", "en": "SUAP portal down"},
            services=["Portale SUAP"],
            impact="interrupted",
        )
        published(
            team,
            t + timedelta(days=3),
            "scheduled",
            kind="planned",
            titles={"it": "Rifacimento di via Irnerio", "en": "Via Irnerio resurfaced"},
            ends_at=t + timedelta(days=5),
            category_ids=[team.potholes.id],
            area_geojson=json.dumps(SQUARE),
        )
        works = published(
            team,
            t - timedelta(hours=1),
            "in_progress",
            kind="planned",
            titles={"it": "Sostituzione lampioni in via Zamboni"},
            ends_at=t + timedelta(days=1),
            category_ids=[team.lamps.id],
        )
        old = published(
            team, t - timedelta(days=10), titles={"it": "Pagamenti PagoPA lenti"}, services=["PagoPA"]
        )
        service.post_step(
            actor_for(team, "olga"), old, StepInput("resolved", {"it": "Risolto."}), now=t - timedelta(days=9)
        )
    html = page(client)
    order = [html.index(f'id="cc-status-{s}"') for s in ("current", "upcoming", "services", "history")]
    assert order == sorted(order)
    assert (
        html.index("Problemi in corso") < html.index("Interventi programmati") < html.index("Storico recente")
    )
    current, upcoming, history = (section_text(html, s) for s in ("current", "upcoming", "history"))
    assert "Portale SUAP non raggiungibile" in current and "Sostituzione lampioni" in current
    assert "Rifacimento di via Irnerio" in upcoming and "Portale SUAP non raggiungibile" not in upcoming
    assert "Pagamenti PagoPA lenti" in history and "Pagamenti PagoPA lenti" not in current
    # A row per active category and per service named in the window, each with its state now.
    states = rows(html)
    assert states["Portale SUAP"] == "interrupted"
    assert states["PagoPA"] == "operational"  # resolved
    assert states["Lampioni (Strade)"] == "maintenance"  # works in progress
    assert states["Buche (Strade)"] == "operational"  # works not started yet
    tree = lxml_html.fromstring(html)
    assert tree.xpath("//tr[@data-state='interrupted']//a/@href") == [f"{URL}/{outage}"]
    assert f"{URL}/{works}" in tree.xpath("//tr[@data-state='maintenance']//a/@href")
    assert "Interrotto" in html  # the state is written, not only coloured
    english = page(client, "en")
    assert "SUAP portal down" in english and "Current problems" in english


def test_a_draft_is_never_shown(app: Flask, client: FlaskClient, team: Team) -> None:
    with app.test_request_context():
        service.create_notice(
            actor_for(team, "olga"),
            NoticeInput(
                kind="incident",
                titles={"it": "Bozza segreta"},
                bodies={"it": "Non ancora."},
                starts_at=now(),
                services=["Anagrafe online"],
                category_ids=[team.lamps.id],
            ),
        )
    html = page(client)
    assert "Bozza segreta" not in html and "Anagrafe online" not in html
    assert rows(html)["Lampioni (Strade)"] == "operational"
    assert "Tutti i servizi funzionano regolarmente." in html


def test_history_keeps_ninety_days(app: Flask, client: FlaskClient, team: Team) -> None:
    t = now()
    with app.app_context():
        create_notice(
            host_db.session,
            title="Finito 80 giorni fa",
            status="resolved",
            starts_at=t - timedelta(days=81),
            ended_at=t - timedelta(days=80),
            services=["Servizio recente"],
        )
        create_notice(
            host_db.session,
            title="Finito 100 giorni fa",
            status="resolved",
            starts_at=t - timedelta(days=101),
            ended_at=t - timedelta(days=100),
            services=["Servizio vecchio"],
        )
        host_db.session.commit()
    html = page(client)
    history = section_text(html, "history")
    assert "Finito 80 giorni fa" in history and "Finito 100 giorni fa" not in html
    assert "Servizio recente" in rows(html) and "Servizio vecchio" not in rows(html)


def test_the_page_needs_no_script_and_is_cached_privately(
    app: Flask, client: FlaskClient, team: Team
) -> None:
    with app.app_context():
        retired = create_category(host_db.session, name="Fontane", active=False)
        create_notice(host_db.session, title="Fontana guasta", impact="degraded", categories=[retired])
        host_db.session.commit()
    response = client.get(URL)
    html = response.get_data(as_text=True)
    tree = lxml_html.fromstring(html)
    assert not tree.xpath("//main//script | //div[contains(@class, 'cc-service-status')]//script")
    assert response.headers["Cache-Control"] == "private, no-cache" and response.headers["ETag"]
    assert client.get(URL, headers={"If-None-Match": response.headers["ETag"]}).status_code == 304
    assert rows(html)["Fontane (Strade)"] == "degraded"  # a retired category a current notice names
    assert tree.xpath("//ul[@data-element='page-index']/li/a/@href")[0] == "#cc-status-current"
    assert set(tree.xpath("//link[@rel='alternate']/@type")) == {
        "application/rss+xml",
        "application/atom+xml",
    }
