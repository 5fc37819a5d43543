"""Paper and counter proposals: the intake by letter, and the CSV import with its dry run."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_citizencare.domain.geo import Area
from flask_citizencare.domain.proposal_import import MAX_BYTES, CategoryRule, parse_file
from flask_citizencare.models import Category, OutboxMail, Report, ReporterContact, StatusEvent

from .host import host_db
from .reporting import form_tokens, page_tokens
from .staff import Team, client_for

IMPORT = "/citizencare/staff/proposals/import"
INTAKE = "/citizencare/staff/intake"
EN = {"Accept-Language": "en"}
ROME = ZoneInfo("Europe/Rome")
HEADER = "title,description,category,address,lat,lon,received_on,name,email,phone,channel\n"


@pytest.fixture
def ideas(app: Flask, team: Team) -> None:
    """Lamps take proposals too; potholes only reports."""
    with app.app_context():
        lamps = host_db.session.get(Category, team.lamps.id)
        potholes = host_db.session.get(Category, team.potholes.id)
        assert lamps is not None and potholes is not None
        lamps.kinds = "both"
        potholes.kinds = "issue"
        host_db.session.commit()


def count(app: Flask, model: Any = Report) -> int:
    with app.app_context():
        return host_db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def clean_rows(n: int = 3) -> str:
    today = datetime.now(ROME).strftime("%d/%m/%Y")
    rows = [
        f'Panchine in piazza {i},"Più panchine all\'ombra, per gli anziani",lamps,Piazza Maggiore {i},'
        f"44.4939,11.3428,{today},Anna Rossi,anna{i}@example.org,+39 051 000,letter"
        for i in range(n)
    ]
    rows[-1] = f"Fontanella {n},Una fontanella nel parco,lamps,Parco della Montagnola,,,,,,,sportello"
    return HEADER + "\n".join(rows) + "\n"


def upload(app: Flask, team: Team, content: bytes, step: str = "check", who: str = "olga", **extra: Any):  # type: ignore[no-untyped-def]
    client = client_for(app, team, who)
    tokens = form_tokens(client, IMPORT) if who != "tina" else form_tokens(client, "/citizencare/staff/")
    data = {
        **tokens,
        "step": step,
        "encoding": "utf-8",
        "file": (io.BytesIO(content), "assemblea.csv"),
        **extra,
    }
    return client.post(IMPORT, data=data, headers=EN, content_type="multipart/form-data")


def problems(html: str) -> list[str]:
    return re.findall(r'data-cc-problem="([a-z0-9_]+)"', html)


# -- the intake takes a proposal by letter -------------------------------------------------


def test_the_intake_registers_a_proposal_received_by_letter(app: Flask, team: Team, ideas: None) -> None:
    client = client_for(app, team, "olga")
    page = client.get(INTAKE, headers=EN).get_data(as_text=True)
    assert 'value="proposal"' in page and 'value="letter"' in page and 'value="counter"' in page
    received = (datetime.now(UTC) - timedelta(days=1)).astimezone(ROME).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        INTAKE,
        data={
            **page_tokens(page),
            "channel": "letter",
            "received_at": received,
            "kind": "proposal",
            "category": str(team.lamps.id),
            "title": "Una pista ciclabile",
            "description": "Lettera del comitato di quartiere",
            "address": "Via Irnerio 10",
            "consent": "y",
        },
        headers=EN,
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    with app.app_context():
        report = host_db.session.scalars(sa.select(Report)).one()
        assert (report.kind, report.channel) == ("proposal", "letter")
        assert report.events[0].actor_id == team.members["olga"].id


def test_the_intake_refuses_a_proposal_in_an_issue_only_category(app: Flask, team: Team, ideas: None) -> None:
    client = client_for(app, team, "olga")
    page = client.get(INTAKE, headers=EN).get_data(as_text=True)
    received = (datetime.now(UTC) - timedelta(hours=2)).astimezone(ROME).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        INTAKE,
        data={
            **page_tokens(page),
            "channel": "counter",
            "received_at": received,
            "kind": "proposal",
            "category": str(team.potholes.id),
            "title": "Asfalto nuovo",
            "description": "Allo sportello",
            "address": "Via Irnerio 10",
            "consent": "y",
        },
        headers=EN,
    )
    assert response.status_code == 400
    assert "This category does not accept this kind of report." in response.get_data(as_text=True)
    assert count(app) == 0


# -- the dry run ------------------------------------------------------------------------------


def test_the_page_is_for_the_first_line_only(app: Flask, team: Team) -> None:
    assert client_for(app, team, "olga").get(IMPORT).status_code == 200
    assert client_for(app, team, "tina").get(IMPORT).status_code == 403
    response = upload(app, team, clean_rows().encode(), step="import", who="tina")
    assert response.status_code == 403
    assert count(app) == 0


def test_a_clean_file_is_checked_without_writing_anything(app: Flask, team: Team, ideas: None) -> None:
    response = upload(app, team, clean_rows(3).encode())
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html[:3000]
    assert 'data-cc-ready="3"' in html and "Import 3 proposals" in html
    assert count(app) == 0 and count(app, OutboxMail) == 0


def test_the_dry_run_lists_every_rows_problems_and_writes_nothing(
    app: Flask, team: Team, ideas: None
) -> None:
    tomorrow = (datetime.now(ROME) + timedelta(days=2)).strftime("%Y-%m-%d")
    rows = [
        "Buona,Proposta buona,lamps,Via A 1,,,,,,,",  # line 2: fine
        "Senza categoria,Testo,,Via A 2,,,,,,,",  # 3: category required
        "Ignota,Testo,giardini,Via A 3,,,,,,,",  # 4: unknown category
        "Buche,Testo,potholes,Via A 4,,,,,,,",  # 5: issue-only category
        "Fuori,Testo,lamps,,45.9,9.1,,,,,",  # 6: outside the area
        f"Domani,Testo,lamps,Via A 6,,,{tomorrow},,,,",  # 7: future date
        "Posta,Testo,lamps,Via A 7,,,,,non-un-indirizzo,,",  # 8: bad e-mail
        "Canale,Testo,lamps,Via A 8,,,,,,,fax",  # 9: bad channel
        "Buona,Proposta buona,lamps,Via A 1,,,,,,,",  # 10: same as line 2
        "Nul,Te\x00sto,lamps,Via A 10,,,,,,,",  # 11: NUL
        "L" * 151 + ",Testo,lamps,Via A 11,,,,,,,",  # 12: title too long
        "Corta,riga",  # 13: wrong number of fields
    ]
    response = upload(app, team, (HEADER + "\n".join(rows) + "\n").encode())
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    found = problems(html)
    assert found == [
        "required",
        "unknown_category",
        "issue_only_category",
        "bad_position",
        "date_future",
        "bad_email",
        "bad_channel",
        "duplicate_row",
        "nul",
        "too_long",
        "field_count",
    ], found
    assert "The category “potholes” takes only reports, not proposals." in html
    assert "The same proposal as line 2." in html
    assert "Import" not in re.sub(
        r"<h1.*?</h1>|<title>.*?</title>|Import paper proposals", "", html, flags=re.S
    )
    assert count(app) == 0


def test_wrong_columns_are_named(app: Flask, team: Team, ideas: None) -> None:
    response = upload(app, team, b"titolo;testo;colore\nA;B;rosso\n")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert problems(html) == ["unknown_columns", "missing_columns"]
    assert "Unknown columns: colore." in html and "Missing columns: category." in html


def test_a_windows_1252_file_is_recognised_and_can_be_read_as_such(
    app: Flask, team: Team, ideas: None
) -> None:
    content = (HEADER + "Città più verde,Alberi in via Libertà,lamps,Via A,,,,,,,\n").encode("cp1252")
    response = upload(app, team, content)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and problems(html) == ["not_utf8"]
    assert "it looks like Windows-1252" in html
    assert '<option selected value="cp1252">' in html or 'value="cp1252" selected' in html
    response = upload(app, team, content, encoding="cp1252")
    assert response.status_code == 200 and 'data-cc-ready="1"' in response.get_data(as_text=True)
    assert count(app) == 0


def test_utf8_with_a_bom_and_semicolons_is_fine(app: Flask, team: Team, ideas: None) -> None:
    content = "\ufefftitolo;descrizione;categoria;indirizzo\nPiù luce;Un lampione;lamps;Via B\n".encode()
    response = upload(app, team, content)
    assert response.status_code == 200, response.get_data(as_text=True)[:3000]


def test_more_than_5000_rows_is_refused_as_a_whole(app: Flask, team: Team, ideas: None) -> None:
    rows = "".join(f"Proposta {i},Testo {i},lamps,Via C {i}\n" for i in range(5001))
    response = upload(app, team, ("title,description,category,address\n" + rows).encode())
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and problems(html) == ["too_many_rows"]
    assert "The file has 5001 proposals: at most 5000" in html
    response = upload(app, team, ("title,description,category,address\n" + rows).encode(), step="import")
    assert response.status_code == 422
    assert count(app) == 0


def test_a_huge_field_and_a_huge_file_are_refused(app: Flask, team: Team, ideas: None) -> None:
    huge = "title,description,category,address\nGrande," + "x" * 6000 + ",lamps,Via D\n"
    response = upload(app, team, huge.encode())
    assert response.status_code == 422 and problems(response.get_data(as_text=True)) == ["too_long"]
    assert count(app) == 0


#: Werkzeug leaves the spool file of the part the body limit stopped to the garbage collector
#: (as in test_request_limits).
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_file_above_the_upload_limit_is_413(app: Flask, team: Team, ideas: None) -> None:
    response = upload(
        app, team, b"title,description,category\n" + b"a,b,lamps\n" * (MAX_BYTES // 10 + 200_000)
    )
    assert response.status_code == 413
    assert count(app) == 0


# -- importing --------------------------------------------------------------------------------


def test_a_clean_file_imports_every_row_with_number_event_and_clock(
    app: Flask, team: Team, ideas: None, smtp: Any = None
) -> None:
    content = clean_rows(3).encode()
    response = upload(app, team, content, step="import", mail_receipts="y")
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html[:3000]
    assert 'data-cc-imported="3"' in html
    with app.app_context():
        reports = list(host_db.session.scalars(sa.select(Report).order_by(Report.id)))
        assert len(reports) == 3
        for report in reports:
            assert report.public_id in html
            assert report.kind == "proposal" and report.status == "new"
            assert report.office_id == team.lights.id  # routed like the intake routes
            assert report.due_at is not None  # on the service-level clock
            event = report.events[0]
            assert (event.action, event.actor_id) == ("submit", team.members["olga"].id)
            assert event.data == {"channel": report.channel, "import": "paper"}
        assert [r.channel for r in reports] == ["letter", "letter", "counter"]
        contact = host_db.session.scalars(sa.select(ReporterContact).order_by(ReporterContact.id)).first()
        assert contact is not None and (contact.name, contact.email) == ("Anna Rossi", "anna0@example.org")
        # The two authors with an address get the receipt; the one without, nothing.
        mails = list(host_db.session.scalars(sa.select(OutboxMail.recipient).order_by(OutboxMail.id)))
        assert mails == ["anna0@example.org", "anna1@example.org"]
        assert host_db.session.scalar(sa.select(sa.func.count(StatusEvent.id))) == 3


def test_no_receipt_unless_asked(app: Flask, team: Team, ideas: None) -> None:
    response = upload(app, team, clean_rows(2).encode(), step="import")
    assert response.status_code == 200
    assert count(app) == 2 and count(app, OutboxMail) == 0


def test_the_same_file_uploaded_again_is_detected(app: Flask, team: Team, ideas: None) -> None:
    content = clean_rows(3).encode()
    assert upload(app, team, content, step="import").status_code == 200
    with app.app_context():
        numbers = list(host_db.session.scalars(sa.select(Report.public_id).order_by(Report.id)))
    response = upload(app, team, content)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and problems(html) == ["already_imported"] * 3
    assert all(f"Already imported as {number}." in html for number in numbers)
    assert upload(app, team, content, step="import").status_code == 422
    assert count(app) == 3


def test_the_checked_file_comes_back_with_the_import_button(app: Flask, team: Team, ideas: None) -> None:
    client = client_for(app, team, "olga")
    tokens = form_tokens(client, IMPORT)
    checked = client.post(
        IMPORT,
        data={
            **tokens,
            "step": "check",
            "encoding": "utf-8",
            "file": (io.BytesIO(clean_rows(2).encode()), "a.csv"),
        },
        headers=EN,
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    content = re.search(r'name="content" value="([^"]+)"', checked)
    assert content is not None
    response = client.post(
        IMPORT,
        data={**page_tokens(checked), "step": "import", "encoding": "utf-8", "content": content.group(1)},
        headers=EN,
    )
    assert response.status_code == 200 and 'data-cc-imported="2"' in response.get_data(as_text=True)
    assert count(app) == 2
    forged = client.post(
        IMPORT, data={**page_tokens(checked), "step": "import", "content": "%%%not base64"}, headers=EN
    )
    assert forged.status_code == 400 and count(app) == 2


# -- the rules themselves ------------------------------------------------------------------


def test_the_rules_without_a_database() -> None:
    rules = {"ideas": CategoryRule("ideas", "proposal", needs_location=True)}
    now = datetime(2026, 3, 31, 12, tzinfo=UTC)
    text = "title,description,category,received_on\nA,B,IDEAS,30/03/2026\nC,D,ideas,2026-01-01\n"
    parsed = parse_file(text.encode(), categories=rules, area=Area(None), zone=ROME, now=now, backdate_days=7)
    assert [(p.line, p.code) for p in parsed.problems] == [
        (2, "location_missing"),
        (3, "location_missing"),
        (3, "date_too_old"),
    ]
    assert not parsed.ok and parsed.row_count == 2


@pytest.mark.slow
def test_a_file_of_5000_rows_imports_in_one_go(app: Flask, team: Team, ideas: None) -> None:
    rows = "".join(f"Proposta {i},Testo della proposta {i},lamps,Via E {i}\n" for i in range(5000))
    started = datetime.now(UTC)
    response = upload(app, team, ("title,description,category,address\n" + rows).encode(), step="import")
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    assert 'data-cc-imported="5000"' in response.get_data(as_text=True)
    assert count(app) == 5000
    with app.app_context():
        numbers = list(host_db.session.scalars(sa.select(Report.public_id)))
    assert len(set(numbers)) == 5000
    print("5000 rows imported in", datetime.now(UTC) - started)
