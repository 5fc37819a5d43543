"""The notices' feeds: RSS 2.0 and Atom of the published notices, iCalendar of the planned works."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import icalendar
from flask import Flask
from flask.testing import FlaskClient

from flask_citizencare.models import ReporterContact
from flask_citizencare.services import notices as service
from flask_citizencare.services.notices import NoticeInput, StepInput

from .factories import create_report
from .host import host_db
from .staff import Team, actor_for

ATOM = "{http://www.w3.org/2005/Atom}"


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def notices(app: Flask, team: Team) -> dict[str, int]:
    t = now()
    ids: dict[str, int] = {}
    with app.test_request_context():
        operator, manager = actor_for(team, "olga"), actor_for(team, "marco")
        incident = service.create_notice(
            operator,
            NoticeInput(
                kind="incident",
                titles={"it": "Portale SUAP non raggiungibile", "en": "SUAP portal down"},
                bodies={"it": "Il portale **non risponde**.", "en": "The portal does not answer."},
                starts_at=t - timedelta(hours=1),
                services=["Portale SUAP"],
            ),
        )
        service.publish_notice(
            manager, incident.id, StepInput("investigating", {"it": "Verifichiamo."}), now=t
        )
        works = service.create_notice(
            operator,
            NoticeInput(
                kind="planned",
                titles={"it": "Rifacimento di via Irnerio", "en": "Via Irnerio resurfaced"},
                bodies={"it": "Strada chiusa.", "en": "Road closed."},
                starts_at=t + timedelta(days=2),
                ends_at=t + timedelta(days=4),
                category_ids=[team.potholes.id],
            ),
        )
        service.publish_notice(manager, works.id, StepInput("scheduled", {"it": "In calendario."}), now=t)
        cancelled = service.create_notice(
            operator,
            NoticeInput(
                kind="planned",
                titles={"it": "Potatura annullata"},
                bodies={"it": "Potatura dei tigli."},
                starts_at=t + timedelta(days=1),
                ends_at=t + timedelta(days=1, hours=4),
            ),
        )
        service.publish_notice(manager, cancelled.id, StepInput("scheduled", {"it": "Prevista."}), now=t)
        service.post_step(operator, cancelled.id, StepInput("cancelled", {"it": "Annullata."}), now=t)
        draft = service.create_notice(
            operator,
            NoticeInput(
                kind="planned",
                titles={"it": "Bozza di lavori"},
                bodies={"it": "Non pubblicata."},
                starts_at=t + timedelta(days=1),
                ends_at=t + timedelta(days=2),
            ),
        )
        ids = {"incident": incident.id, "works": works.id, "cancelled": cancelled.id, "draft": draft.id}
    with app.app_context():
        report = create_report(host_db.session, contact={"name": "Mario Rossi", "email": "mario@example.org"})
        assert isinstance(report.contact, ReporterContact)
        host_db.session.commit()
    return ids


def test_rss_lists_the_published_notices(app: Flask, client: FlaskClient, team: Team) -> None:
    ids = notices(app, team)
    response = client.get("/citizencare/status/feed.rss", headers={"Accept-Language": "en"})
    assert response.status_code == 200 and response.mimetype == "application/rss+xml"
    assert response.headers["Cache-Control"] == "public, max-age=0, must-revalidate"
    channel = ET.fromstring(response.data).find("channel")  # noqa: S314 (our own feed)
    assert channel is not None and channel.findtext("language") == "en"
    items = {item.findtext("link"): item for item in channel.findall("item")}
    assert set(items) == {
        f"http://localhost/citizencare/status/{ids[k]}" for k in ("incident", "works", "cancelled")
    }
    incident = items[f"http://localhost/citizencare/status/{ids['incident']}"]
    assert (incident.findtext("title") or "").startswith("SUAP portal down")
    assert "<strong>" in (incident.findtext("description") or "")
    body = response.get_data(as_text=True)
    assert "Bozza di lavori" not in body and "Mario" not in body and "mario@example.org" not in body
    again = client.get(
        "/citizencare/status/feed.rss",
        headers={"Accept-Language": "en", "If-None-Match": response.headers["ETag"]},
    )
    assert again.status_code == 304


def test_atom_lists_the_published_notices(app: Flask, client: FlaskClient, team: Team) -> None:
    ids = notices(app, team)
    response = client.get("/citizencare/status/feed.atom", headers={"Accept-Language": "it"})
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    feed = ET.fromstring(response.data)  # noqa: S314 (our own feed)
    assert feed.tag == f"{ATOM}feed" and feed.findtext(f"{ATOM}id")
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 3
    titles = [e.findtext(f"{ATOM}title") or "" for e in entries]
    assert any(t.startswith("Portale SUAP non raggiungibile") for t in titles)
    for entry in entries:
        assert entry.findtext(f"{ATOM}id") and entry.findtext(f"{ATOM}updated")
    links = {e.find(f"{ATOM}link").get("href") for e in entries}  # type: ignore[union-attr]
    assert f"http://localhost/citizencare/status/{ids['works']}" in links
    assert "Bozza di lavori" not in response.get_data(as_text=True)


def test_the_calendar_of_planned_works(app: Flask, client: FlaskClient, team: Team) -> None:
    ids = notices(app, team)
    response = client.get("/citizencare/status/planned.ics", headers={"Accept-Language": "en"})
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    calendar = icalendar.Calendar.from_ical(response.data)
    events = {str(e["url"]): e for e in calendar.walk("VEVENT")}
    works = events[f"http://localhost/citizencare/status/{ids['works']}"]
    assert str(works["summary"]) == "Via Irnerio resurfaced"
    assert works.decoded("dtend") - works.decoded("dtstart") == timedelta(days=2)
    assert str(works["status"]) == "CONFIRMED"
    cancelled = events[f"http://localhost/citizencare/status/{ids['cancelled']}"]
    assert str(cancelled["status"]) == "CANCELLED"
    assert len(events) == 2  # no incident, no draft
    assert len({str(e["uid"]) for e in events.values()}) == 2
    assert "Bozza di lavori" not in response.get_data(as_text=True)
