"""The AgID model's three-step report form (issue 16 A): conditions, data, summary, without JavaScript."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from flask_citizencare.models import Category, Photo, Report, ReportDraft
from flask_citizencare.models.base import utcnow

from .host import host_db
from .reporting import counts, hidden_value, jpeg

NEW = "/citizencare/new"
DATA = "/citizencare/new/data"
SUMMARY = "/citizencare/new/summary"
EN = {"Accept-Language": "en"}


@pytest.fixture(autouse=True)
def steps_flow(app: Flask) -> Iterator[None]:
    app.config["CITIZENCARE_REPORT_FLOW"] = "steps"
    yield


def page(client: FlaskClient, url: str) -> str:
    response = client.get(url, headers=EN)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def accept_conditions(client: FlaskClient, url: str = NEW) -> None:
    html = page(client, url)
    response = client.post(
        NEW, data={"csrf_token": hidden_value(html, "csrf_token"), "consent": "y"}, headers=EN
    )
    assert response.status_code == 303 and response.headers["Location"].endswith("/new/data")


def data_fields(category_id: int, **overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "kind": "issue",
        "category": str(category_id),
        "title": "Buca profonda in via Saragozza",
        "description": "Una buca di mezzo metro davanti al civico 12.",
        "lat": "44.4936",
        "lon": "11.3301",
        "address": "Via Saragozza 12",
        "name": "Giulia Verdi",
        "email": "giulia.verdi@example.org",
        "phone": "+39 333 123 4567",
        f"q_{category_id}_depth": "40",
    }
    fields.update(overrides)
    return {k: v for k, v in fields.items() if v is not None}


def post_data(client: FlaskClient, fields: dict[str, Any], photos: list[bytes] = ()) -> Any:  # type: ignore[assignment]
    html = page(client, DATA)
    data: dict[str, Any] = {
        "csrf_token": hidden_value(html, "csrf_token"),
        "form_time": hidden_value(html, "form_time"),
        **fields,
    }
    if photos:
        data["photos"] = [(io.BytesIO(content), f"p{n}.jpg") for n, content in enumerate(photos)]
    response = client.post(DATA, data=data, content_type="multipart/form-data", headers=EN)
    response.request.environ["wsgi.input"].close()
    return response


def send(client: FlaskClient) -> Any:
    html = page(client, SUMMARY)
    return client.post(SUMMARY, data={"csrf_token": hidden_value(html, "csrf_token")}, headers=EN)


def value_of(html: str, name: str) -> str:
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html)
    return match.group(1) if match else ""


def test_step_one_shows_privacy_and_requires_the_checkbox(client: FlaskClient, category: Category) -> None:
    html = page(client, NEW)
    assert "Step 1 of 3" in html and "Terms and conditions" in html
    assert "I have read and understood the privacy notice" in html
    assert "only to handle that report" in html  # the privacy notice's own text
    # The label follows its checkbox in one row (B9).
    assert re.search(r'<input[^>]*id="consent"[^>]*>\s*<label class="cc-checkbox-label" for="consent"', html)
    refused = client.post(NEW, data={"csrf_token": hidden_value(html, "csrf_token")}, headers=EN)
    assert refused.status_code == 400
    assert "confirm that you have read the privacy notice" in refused.get_data(as_text=True)
    assert "cc-error-summary" in refused.get_data(as_text=True)
    # Step 2 is not reachable before the conditions are accepted.
    assert client.get(DATA).status_code == 303


def test_the_three_steps_file_one_report(app: Flask, client: FlaskClient, category: Category) -> None:
    accept_conditions(client)
    html = page(client, DATA)
    assert 'data-element="page-index"' in html
    for anchor in ("#cc-location", "#cc-problem", "#cc-author"):
        assert f'href="{anchor}"' in html
    assert "Fields marked with an asterisk are required." in html
    assert "Use your position" in html
    response = post_data(client, data_fields(category.id))
    assert response.status_code == 303 and response.headers["Location"].endswith("/new/summary")
    summary = page(client, SUMMARY)
    assert "Step 3 of 3" in summary
    assert "The information you have given has the value of a declaration." in summary
    for expected in (
        "Buca profonda in via Saragozza",
        "Via Saragozza 12",
        "44.493600",
        "Potholes",
        "giulia.verdi@example.org",
        "40",
    ):
        assert expected in summary
    assert summary.count(">Edit</a>") == 3
    assert f'href="{DATA}#cc-location"' in summary and f'href="{DATA}#cc-author"' in summary
    assert counts(app)["cc_reports"] == 0
    sent = send(client)
    assert sent.status_code == 303 and "/sent/" in sent.headers["Location"]
    with app.app_context():
        report = host_db.session.scalars(sa.select(Report)).one()
        assert report.title == "Buca profonda in via Saragozza"
        assert report.address == "Via Saragozza 12"
        assert report.answers == {"depth": "40"}
        assert report.contact.email == "giulia.verdi@example.org"
        assert host_db.session.scalar(sa.select(sa.func.count()).select_from(ReportDraft)) == 0
    # A second "Send" (double click, Back then Send): the same confirmation, no second report.
    again = client.post(SUMMARY, data={"csrf_token": hidden_value(summary, "csrf_token")}, headers=EN)
    assert again.status_code == 303 and again.headers["Location"] == sent.headers["Location"]
    assert counts(app)["cc_reports"] == 1


def test_back_reload_and_edit_keep_the_values(client: FlaskClient, category: Category) -> None:
    accept_conditions(client)
    # A failed step keeps what was typed; a reload (GET) shows it again.
    post_data(client, data_fields(category.id, title=""))
    html = page(client, DATA)
    assert value_of(html, "address") == "Via Saragozza 12"
    assert value_of(html, "email") == "giulia.verdi@example.org"
    post_data(client, data_fields(category.id))
    # Back to step 1 keeps the consent, "Edit" on the summary leads back with the values.
    assert re.search(r'id="consent"[^>]*checked|checked[^>]*id="consent"', page(client, NEW))
    html = page(client, DATA)
    assert value_of(html, "title") == "Buca profonda in via Saragozza"
    assert re.search(rf'name="q_{category.id}_depth"[^>]*>\s*40</textarea>', html)
    assert "Via Saragozza 12" in page(client, SUMMARY)


def test_every_error_of_step_two_at_once_with_the_place(client: FlaskClient, category: Category) -> None:
    accept_conditions(client)
    response = post_data(
        client, data_fields(category.id, category="", title="", lat="", lon="", address="", email="")
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    summary = html[html.index("cc-error-summary") : html.index("</ul>", html.index("cc-error-summary"))]
    assert "Choose a category" in summary
    assert "Write a short title." in summary
    assert "Place the pin on the map" in summary
    assert "Enter your e-mail address" in summary
    assert "Step 2 of 3" in html
    # The summary is not reachable with a step that failed.
    assert client.get(SUMMARY).status_code == 303


def test_photos_are_processed_once_and_filed(app: Flask, client: FlaskClient, category: Category) -> None:
    accept_conditions(client)
    from flask_citizencare.blueprints.public import uploads

    with mock.patch.object(uploads, "process_photo", wraps=uploads.process_photo) as processing:
        post_data(client, data_fields(category.id), photos=[jpeg(), jpeg(color="blue")])
        assert processing.call_count == 2
        assert counts(app)["files"] == 4  # display and thumbnail of each, stored once
        summary = page(client, SUMMARY)
        thumbs = re.findall(r'src="(/citizencare/new/photos/[^"]+)"', summary)
        assert len(thumbs) == 2
        shown = client.get(thumbs[0])
        assert shown.status_code == 200 and shown.headers["Content-Type"] == "image/jpeg"
        shown.close()
        # Remove the second photo on step 2: its files go, the rest stays.
        key = thumbs[1].rsplit("/", 1)[1]
        html = page(client, DATA)
        removed = client.post(
            DATA,
            data={
                "csrf_token": hidden_value(html, "csrf_token"),
                "form_time": hidden_value(html, "form_time"),
                **data_fields(category.id),
                "remove_photo": key,
            },
            headers=EN,
        )
        assert removed.status_code == 303 and "/new/data" in removed.headers["Location"]
        assert counts(app)["files"] == 2
        post_data(client, data_fields(category.id))
        assert send(client).status_code == 303
        assert processing.call_count == 2  # filing did not process them again
    with app.app_context():
        photos = host_db.session.scalars(sa.select(Photo)).all()
        assert len(photos) == 1
    assert counts(app)["files"] == 2
    # Someone else's browser cannot see a draft's photo.
    assert app.test_client().get(thumbs[0]).status_code == 404


def test_forged_or_expired_draft_starts_afresh(app: Flask, client: FlaskClient, category: Category) -> None:
    with client.session_transaction() as session:
        session["cc_report_draft"] = "forged-token-that-does-not-exist"
    response = client.get(DATA, headers=EN)
    assert response.status_code == 303 and response.headers["Location"].endswith("/new")
    assert client.post(SUMMARY, headers=EN).status_code in (303, 400)
    accept_conditions(client)
    with app.app_context():
        host_db.session.execute(sa.update(ReportDraft).values(expires_at=utcnow()))
        host_db.session.commit()
    response = client.get(SUMMARY, headers=EN)
    assert response.status_code == 303
    assert "expired" in client.get(NEW, headers=EN).get_data(as_text=True)


def test_expired_drafts_and_their_photos_are_swept(
    app: Flask, client: FlaskClient, category: Category
) -> None:
    accept_conditions(client)
    post_data(client, data_fields(category.id), photos=[jpeg()])
    runner = app.test_cli_runner()
    assert (
        "removed 0 file(s) of expired report drafts"
        in runner.invoke(args=["citizencare", "storage", "sweep"]).output
    )
    assert counts(app)["files"] == 2  # a live draft's photos are not orphans
    with app.app_context():
        host_db.session.execute(sa.update(ReportDraft).values(expires_at=utcnow()))
        host_db.session.commit()
    assert (
        "removed 2 file(s) of expired report drafts"
        in runner.invoke(args=["citizencare", "storage", "sweep"]).output
    )
    assert counts(app)["files"] == 0
    with app.app_context():
        assert host_db.session.scalar(sa.select(sa.func.count()).select_from(ReportDraft)) == 0


def test_link_prefill_and_hostile_input(client: FlaskClient, category: Category) -> None:
    accept_conditions(client, f"{NEW}?kind=proposal&lat=44.4936&lon=11.3301&category=buche")
    html = page(client, DATA)
    assert value_of(html, "lat") == "44.493600"
    assert re.search(r'value="proposal"[^>]*checked|checked[^>]*value="proposal"', html)
    assert re.search(rf'<option selected value="{category.id}"|value="{category.id}" selected', html)
    response = post_data(client, data_fields(category.id, title="A\x00B", description="x" * 200_000))
    assert response.status_code == 400


def test_single_flow_setting_still_serves_the_one_page_form(
    app: Flask, client: FlaskClient, category: Category
) -> None:
    app.config["CITIZENCARE_REPORT_FLOW"] = "single"
    html = page(client, NEW)
    assert 'name="submission_token"' in html and "Step 1 of 3" not in html
