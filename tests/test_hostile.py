"""Hostile inputs and faults across every surface: public pages, staff pages, the API, mail.

Each case states who sends what and the answer it must get, and checks that nothing changed: the
row count of every table of ours and the host's users, the sum of the reports' versions (any update
bumps it), the outbox and the files in the photo folder.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from flask_citizencare.domain.mail import reply_address
from flask_citizencare.models import Report, metadata
from flask_citizencare.services.replies import ingest_message

from . import images
from .factories import create_photo, create_report
from .host import HostUser, host_db
from .reporting import NEW, form_tokens, hidden_value, report_fields
from .smtp import REPLY_DOMAIN, REPLY_LOCAL, REPLY_SECRET
from .staff import Team, client_for
from .test_request_limits import GeneratedBody

HUGE = "99999999999999999999"  # beyond 64 bits
MAIL = Path(__file__).parent / "mail"


def snapshot(app: Flask) -> dict[str, int]:
    """Every table's row count, the reports' versions added up, and the photo folder's files."""
    with app.app_context():
        rows = {
            table.name: host_db.session.scalar(sa.select(sa.func.count()).select_from(table))
            for table in metadata.sorted_tables
        }
        rows["host users"] = host_db.session.scalar(sa.select(sa.func.count()).select_from(HostUser))
        rows["report versions"] = host_db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(Report.version), 0))
        )
    folder = Path(app.config["CITIZENCARE_PHOTO_DIR"])
    rows["files"] = sum(1 for p in folder.rglob("*") if p.is_file()) if folder.exists() else 0
    return rows  # type: ignore[return-value]


@dataclass
class World:
    """Two cases of the roads office, one with a public photo, and the people who may act on them."""

    app: Flask
    team: Team
    case_id: int
    public_id: str
    tracking_token: str
    photo_key: str
    other_public_id: str
    version: int
    clients: dict[str, FlaskClient] = field(default_factory=dict)

    def client(self, who: str) -> FlaskClient:
        if who not in self.clients:
            self.clients[who] = (
                self.app.test_client() if who == "anonymous" else client_for(self.app, self.team, who)
            )
            self.clients[who].environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        return self.clients[who]

    def csrf(self, who: str, page: str = "/citizencare/staff/") -> str:
        return hidden_value(self.client(who).get(page).get_data(as_text=True), "csrf_token")


@pytest.fixture
def world(app: Flask, team: Team) -> World:
    with app.app_context():
        category = host_db.session.get(type(team.potholes), team.potholes.id)
        report = create_report(
            host_db.session(),
            category=category,
            received_at=datetime.now(UTC) - timedelta(hours=2),
            office_id=team.roads.id,
            contact={"name": "Giulia Verdi", "email": "giulia.verdi@example.org"},
        )
        photo = create_photo(host_db.session(), report)
        other = create_report(host_db.session(), category=category, received_at=datetime.now(UTC))
        host_db.session.commit()
        return World(
            app,
            team,
            report.id,
            report.public_id,
            report.tracking_token,
            photo.storage_key,
            other.public_id,
            report.version,
        )


@dataclass(frozen=True)
class Case:
    who: str
    method: str
    url: Callable[[World], str]
    status: int | tuple[int, ...]
    data: Callable[[World], dict[str, Any]] | None = None
    json_problem: bool = False


def staff_post(
    page: Callable[[World], str], who: str = "olga", **fields: Any
) -> Callable[[World], dict[str, Any]]:
    """Form data with ``who``'s valid CSRF token, read from ``page``."""

    def data(w: World) -> dict[str, Any]:
        return {
            "csrf_token": w.csrf(who, page(w)),
            **{k: v(w) if callable(v) else v for k, v in fields.items()},
        }

    return data


def report_post(**overrides: Any) -> Callable[[World], dict[str, Any]]:
    def data(w: World) -> dict[str, Any]:
        return {**form_tokens(w.client("anonymous")), **report_fields(w.team.potholes.id, **overrides)}

    return data


def track_post(text: str) -> Callable[[World], dict[str, Any]]:
    def data(w: World) -> dict[str, Any]:
        tokens = form_tokens(w.client("anonymous"), f"/citizencare/track/{w.tracking_token}")
        return {**tokens, "text": text}

    return data


CASE_PAGE = lambda w: f"/citizencare/staff/cases/{w.public_id}"  # noqa: E731

CASES: dict[str, Case] = {
    # -- public pages ---------------------------------------------------------------------------
    "report page with a NUL in the id": Case(
        "anonymous", "GET", lambda w: f"/citizencare/reports/{w.public_id}%00", 404
    ),
    "report page of an unknown number": Case(
        "anonymous", "GET", lambda w: "/citizencare/reports/2026-999999", 404
    ),
    "tracking page with a forged token": Case(
        "anonymous", "GET", lambda w: "/citizencare/track/" + "A" * 32, 404
    ),
    "tracking page with a NUL in the token": Case(
        "anonymous", "GET", lambda w: f"/citizencare/track/{w.tracking_token}%00", 404
    ),
    "addition without a CSRF token": Case(
        "anonymous",
        "POST",
        lambda w: f"/citizencare/track/{w.tracking_token}",
        400,
        lambda w: {"text": "Ciao"},
    ),
    "addition with a NUL byte": Case(
        "anonymous",
        "POST",
        lambda w: f"/citizencare/track/{w.tracking_token}",
        400,
        track_post("Ecco\x00la foto"),
    ),
    "photo by a path outside the store": Case(
        "anonymous", "GET", lambda w: "/citizencare/photos/..%2F..%2Fetc%2Fpasswd", 404
    ),
    "photo by a made-up key": Case("anonymous", "GET", lambda w: "/citizencare/photos/" + "f" * 32, 404),
    "photo of a report through another report's token": Case(
        "anonymous", "GET", lambda w: "/citizencare/track/" + "B" * 32 + f"/photos/{w.photo_key}", 404
    ),
    "nearby with a 20-digit category": Case(
        "anonymous", "GET", lambda w: f"/citizencare/nearby?category={HUGE}&lat=44.49&lon=11.34", 400
    ),
    "nearby at NaN": Case("anonymous", "GET", lambda w: "/citizencare/nearby?lat=nan&lon=inf", 400),
    "map list with a 20-digit cursor": Case(
        "anonymous", "GET", lambda w: "/citizencare/map?cursor=1.99999999999999999999", 400
    ),
    "report without a CSRF token": Case(
        "anonymous", "POST", lambda w: NEW, 400, lambda w: report_fields(w.team.potholes.id)
    ),
    "report in a 20-digit category": Case(
        "anonymous", "POST", lambda w: NEW, 400, report_post(category=HUGE)
    ),
    "report with a NUL in the title": Case(
        "anonymous", "POST", lambda w: NEW, 400, report_post(title="Buca\x00")
    ),
    "report at an infinite latitude": Case("anonymous", "POST", lambda w: NEW, 400, report_post(lat="1e400")),
    "report outside the municipality": Case(
        "anonymous", "POST", lambda w: NEW, 400, report_post(lat="45.4642", lon="9.19")
    ),
    "report with a forged submission token": Case(
        "anonymous", "POST", lambda w: NEW, 400, report_post(submission_token="x" * 40)
    ),
    "follow with a NUL in the address": Case(
        "anonymous",
        "POST",
        lambda w: f"/citizencare/reports/{w.other_public_id}/follow",
        400,
        lambda w: {
            "csrf_token": hidden_value(
                w.client("anonymous").get(f"/citizencare/reports/{w.other_public_id}").get_data(as_text=True),
                "csrf_token",
            ),
            "email": "a\x00b@example.org",
        },
    ),
    "follow confirmation with a forged link": Case(
        "anonymous", "GET", lambda w: "/citizencare/follow/eyJmb3JnZWQiOjF9.x.y", (400, 404)
    ),
    "unsubscribe with a forged link": Case(
        "anonymous", "POST", lambda w: "/citizencare/unsubscribe/eyJmb3JnZWQiOjF9.x", (400, 404)
    ),
    "survey with a forged link": Case(
        "anonymous", "GET", lambda w: "/citizencare/survey/eyJmb3JnZWQiOjF9.x.y", (400, 404)
    ),
    "confirmation page of a made-up submission": Case(
        "anonymous", "GET", lambda w: "/citizencare/sent/" + "C" * 40, 404
    ),
    "language with a NUL": Case("anonymous", "GET", lambda w: "/citizencare/language/it%00", 404),
    "dashboard from year 1": Case(
        "anonymous", "GET", lambda w: "/citizencare/dashboard?since=0001-01-01", 400
    ),
    "open data up to year 9999": Case(
        "anonymous", "GET", lambda w: "/citizencare/opendata/reports.csv?until=9999-12-31", 400
    ),
    # -- the API --------------------------------------------------------------------------------
    "bbox of three numbers": Case(
        "anonymous", "GET", lambda w: "/citizencare/api/reports.geojson?bbox=1,2,3", 400, json_problem=True
    ),
    "bbox of NaN": Case(
        "anonymous",
        "GET",
        lambda w: "/citizencare/api/reports.geojson?bbox=nan,44.4,11.4,44.5",
        400,
        json_problem=True,
    ),
    "a billion features": Case(
        "anonymous",
        "GET",
        lambda w: "/citizencare/api/reports.geojson?limit=1000000000",
        400,
        json_problem=True,
    ),
    "a forged cursor": Case(
        "anonymous",
        "GET",
        lambda w: "/citizencare/api/reports.geojson?cursor=abc.def",
        400,
        json_problem=True,
    ),
    "a NUL in a filter": Case(
        "anonymous", "GET", lambda w: "/citizencare/api/reports.geojson?category=%00", 400, json_problem=True
    ),
    "POST to the map API": Case(
        "anonymous", "POST", lambda w: "/citizencare/api/reports.geojson", 405, json_problem=True
    ),
    # No rule matches a 20-digit zoom, so the answer is the host's own 404.
    "a tile at a 20-digit zoom": Case(
        "anonymous", "GET", lambda w: f"/citizencare/api/tiles/{HUGE}/1/1.mvt", 404
    ),
    "an unknown API path": Case(
        "anonymous", "DELETE", lambda w: "/citizencare/api/reports/1", 404, json_problem=True
    ),
    # -- staff pages ----------------------------------------------------------------------------
    "a citizen opens the queue": Case("carla", "GET", lambda w: "/citizencare/staff/", 403),
    "the lights technician opens a roads case": Case("luca", "GET", CASE_PAGE, (403, 404)),
    "a case beyond 64 bits": Case(
        "olga", "GET", lambda w: "/citizencare/staff/reports/9223372036854775808", 404
    ),
    "a case id with a NUL": Case("olga", "GET", lambda w: f"/citizencare/staff/reports/{w.case_id}%00", 404),
    "a case number with a NUL": Case("olga", "GET", lambda w: f"{CASE_PAGE(w)}%00", 404),
    "a case number of 20 digits": Case("olga", "GET", lambda w: "/citizencare/staff/cases/" + "9" * 20, 404),
    "a case number of 21 characters": Case(
        "olga", "GET", lambda w: "/citizencare/staff/cases/" + "9" * 21, 404
    ),
    "an unknown case number": Case("olga", "GET", lambda w: "/citizencare/staff/cases/1999-000001", 404),
    "a case number that is a path": Case(
        "olga", "POST", lambda w: "/citizencare/staff/cases/..%2F..%2Fadmin/actions/acknowledge", (400, 404)
    ),
    "an action without a CSRF token": Case(
        "olga",
        "POST",
        lambda w: f"{CASE_PAGE(w)}/actions/acknowledge",
        400,
        lambda w: {"version": str(w.version)},
    ),
    "an action on a version the case does not have": Case(
        "olga",
        "POST",
        lambda w: f"{CASE_PAGE(w)}/actions/acknowledge",
        409,
        staff_post(CASE_PAGE, version=lambda w: str(w.version + 5)),
    ),
    "an action on a 20-digit version": Case(
        "olga",
        "POST",
        lambda w: f"{CASE_PAGE(w)}/actions/acknowledge",
        (400, 409),
        staff_post(CASE_PAGE, version=HUGE),
    ),
    "an unknown action": Case(
        "olga",
        "POST",
        lambda w: f"{CASE_PAGE(w)}/actions/explode",
        (400, 404),
        staff_post(CASE_PAGE, version=lambda w: str(w.version)),
    ),
    "an assignment to a 20-digit office": Case(
        "olga",
        "POST",
        lambda w: f"{CASE_PAGE(w)}/actions/assign",
        400,
        staff_post(CASE_PAGE, version=lambda w: str(w.version), office=HUGE),
    ),
    "a classification with a NUL": Case(
        "olga",
        "POST",
        lambda w: f"{CASE_PAGE(w)}/classification",
        400,
        staff_post(CASE_PAGE, version=lambda w: str(w.version), category="1\x00"),
    ),
    "a bulk action on words": Case(
        "olga",
        "POST",
        lambda w: "/citizencare/staff/bulk",
        400,
        staff_post(lambda w: "/citizencare/staff/", action="acknowledge", report=["abc", HUGE]),
    ),
    "a technician opens the intake": Case("tina", "GET", lambda w: "/citizencare/staff/intake", 403),
    "an operator opens the outbox administration": Case(
        "olga", "GET", lambda w: "/citizencare/staff/outbox", 403
    ),
    "a technician changes the service levels": Case(
        "tina",
        "POST",
        lambda w: "/citizencare/staff/service-levels",
        403,
        staff_post(CASE_PAGE, who="tina", category=lambda w: str(w.team.potholes.id), ack_web="1m"),
    ),
    "a reply with a NUL": Case(
        "olga",
        "POST",
        lambda w: f"{CASE_PAGE(w)}/messages",
        400,
        staff_post(CASE_PAGE, version=lambda w: str(w.version), visibility="public", body="ok\x00"),
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_a_hostile_request_gets_its_4xx_and_changes_nothing(world: World, name: str) -> None:
    case = CASES[name]
    client = world.client(case.who)
    data = case.data(world) if case.data else None
    before = snapshot(world.app)
    response = client.open(case.url(world), method=case.method, data=data)
    expected = case.status if isinstance(case.status, tuple) else (case.status,)
    assert response.status_code in expected, (response.status_code, response.get_data(as_text=True)[:400])
    if data and data.get("csrf_token"):  # a valid token: refused for what it carries, not as a stale form
        assert "The form has expired" not in response.get_data(as_text=True)
    if case.json_problem:
        assert response.mimetype == "application/problem+json"
    else:
        assert "Traceback" not in response.get_data(as_text=True)
    assert snapshot(world.app) == before


def test_the_staff_queue_survives_dates_at_the_edges_and_huge_numbers(world: World) -> None:
    client = world.client("olga")
    before = snapshot(world.app)
    for query in (
        "since=0001-01-01&until=9999-12-31",
        f"office={HUGE}&category={HUGE}&level={HUGE}",
        "cursor=" + HUGE + "." + HUGE,
        "q=%00",
    ):
        response = client.get(f"/citizencare/staff/?{query}")
        assert response.status_code in (200, 400), query
    assert snapshot(world.app) == before


def test_a_400_megabyte_addition_is_413_without_reading_it(world: World) -> None:
    client = world.client("anonymous")
    url = f"/citizencare/track/{world.tracking_token}"
    body = GeneratedBody({**form_tokens(client, url), "text": "Ecco"}, 400 * 1024 * 1024)
    before = snapshot(world.app)
    response = client.post(url, input_stream=body, content_type=body.content_type)
    assert response.status_code == 413
    assert body.sent < 100 * 1024 * 1024
    assert snapshot(world.app) == before


# -- mail -------------------------------------------------------------------------------------------


def _mail(world: World, body: bytes, *, to: str | None = None, headers: str = "") -> bytes:
    to = to or reply_address(REPLY_LOCAL, world.case_id, REPLY_SECRET, REPLY_DOMAIN)
    return (
        f"From: Giulia Verdi <giulia.verdi@example.org>\r\nTo: {to}\r\nSubject: Re: segnalazione\r\n"
        f"Message-ID: <{id(body)}@example.org>\r\n{headers}\r\n"
    ).encode() + body


MAIL_CASES: dict[str, Callable[[World], bytes]] = {
    "a forged reply token": lambda w: _mail(
        w, b"Ciao", to=f"{REPLY_LOCAL}+{w.case_id}.AAAAAAAAAAAAAAAAAAAAAA@{REPLY_DOMAIN}"
    ),
    "another report's token": lambda w: _mail(
        w,
        b"Ciao",
        to=reply_address(REPLY_LOCAL, w.case_id, REPLY_SECRET, REPLY_DOMAIN).replace(
            f"+{w.case_id}.", f"+{w.case_id + 1}."
        ),
    ),
    "a 20-digit report number": lambda w: _mail(w, b"Ciao", to=f"{REPLY_LOCAL}+{HUGE}.AAAA@{REPLY_DOMAIN}"),
    "an auto-reply": lambda w: _mail(w, b"Sono in ferie", headers="Auto-Submitted: auto-replied\r\n"),
    "a bounce": lambda w: (MAIL / "bounce.eml").read_bytes(),
    "a vacation notice": lambda w: (MAIL / "vacation.eml").read_bytes(),
    "garbage": lambda w: images.random_bytes(),
    "no recipient at all": lambda w: b"Subject: ciao\r\n\r\nniente",
}


@pytest.mark.parametrize("name", list(MAIL_CASES))
def test_a_hostile_mail_is_ignored_and_changes_nothing(mail_app: Flask, world: World, name: str) -> None:
    before = snapshot(mail_app)
    with mail_app.app_context():
        result = ingest_message(MAIL_CASES[name](world))
    assert result.status.startswith("ignored"), result
    assert snapshot(mail_app) == before


# -- faults ---------------------------------------------------------------------------------------


def test_a_photo_store_that_fails_leaves_no_half_written_report(app: Flask, world: World) -> None:
    """The disk is full (or the object store is down) while a report with a photo is filed."""
    store = app.extensions["citizencare"].photo_store

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise OSError(28, "No space left on device")

    client = world.client("anonymous")
    data = {**form_tokens(client), **report_fields(world.team.potholes.id)}
    data["photos"] = [(io.BytesIO(images.jpeg((640, 480))), "buca.jpg")]
    before = snapshot(app)
    original = store.stage
    store.stage = broken
    try:
        response = client.post(NEW, data=data, content_type="multipart/form-data")
    finally:
        store.stage = original
    assert response.status_code == 503
    assert "Nothing was saved" in response.get_data(as_text=True)
    assert snapshot(app) == before
