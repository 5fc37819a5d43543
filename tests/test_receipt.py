"""The PDF receipt of a report, read back with pypdf, and the confirmation page that offers it."""

from __future__ import annotations

import io
import logging
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader

from flask_citizencare import receipts
from flask_citizencare.models import Category, Photo, Report

from .factories import create_report
from .host import host_db
from .reporting import jpeg, post_report, submitted

PREFIX = "/citizencare"


def receipt_url(report: Report) -> str:
    return f"{PREFIX}/track/{report.tracking_token}/receipt.pdf"


def read_pdf(data: bytes) -> tuple[str, int]:
    """The text of the receipt (whitespace folded) and how many images its pages hold."""
    reader = PdfReader(io.BytesIO(data))
    text = " ".join(page.extract_text() for page in reader.pages)
    images = sum(len(page.images) for page in reader.pages)
    return re.sub(r"\s+", " ", text), images


def file_report(client: FlaskClient, category_id: int, photos: int = 0, **fields: str) -> None:
    response = post_report(
        client,
        category_id,
        photos=[(jpeg(color=color), f"{color}.jpg") for color in ("red", "green", "blue")[:photos]],
        address="Via Saragozza 12",
        **fields,
    )
    assert response.status_code == 303, response.get_data(as_text=True)


def test_the_receipt_holds_the_report_in_italian(app: Flask, client: FlaskClient, category: Category) -> None:
    file_report(client, category.id, photos=2)
    report = submitted(app)
    response = client.get(receipt_url(report))
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert (
        response.headers["Content-Disposition"] == f'attachment; filename="ricevuta-{report.public_id}.pdf"'
    )
    assert response.headers["Cache-Control"] == "private, no-store"
    text, images = read_pdf(response.data)
    assert report.public_id in text
    assert "Buche stradali" in text  # the category in Italian
    assert "Via Saragozza 12" in text
    assert "44.493600, 11.330100" in text
    assert "Buca profonda in via Saragozza" in text
    assert "Una buca di mezzo metro davanti al civico 12" in text
    assert f"http://localhost{PREFIX}/track/{report.tracking_token}" in text.replace(" ", "")
    with app.test_request_context(headers={"Accept-Language": "it"}):
        from flask_babel import force_locale

        from flask_citizencare.formatting import cc_date

        with force_locale("it"):
            filed = cc_date(report.received_at, "long")
            expected = cc_date(report.resolve_due_at or report.due_at, "long")
    assert filed in text and expected in text
    assert images == 3  # two thumbnails and the QR code
    # The reporter's contact stays out of a document that gets printed and forwarded.
    for personal in ("Giulia Verdi", "giulia.verdi@example.org", "333 123 4567"):
        assert personal not in text


def test_the_receipt_speaks_the_reporters_language(
    app: Flask, client: FlaskClient, category: Category
) -> None:
    file_report(client, category.id, photos=0)
    url = receipt_url(submitted(app))
    english = client.get(url, headers={"Accept-Language": "en"})
    text, images = read_pdf(english.data)
    assert "Buche stradali" in text  # filed in Italian (the default): the receipt is in Italian

    with app.app_context():
        report = host_db.session.scalars(sa.select(Report)).one()
        report.contact.locale = "en"
        host_db.session.commit()
    text, images = read_pdf(client.get(url, headers={"Accept-Language": "it"}).data)
    for label in ("Receipt of report", "Number", "Sent on", "Category", "Address", "Coordinates"):
        assert label in text, label
    assert "Response expected by" in text and "Follow your report" in text
    assert "Potholes" in text
    assert images == 1  # no photos: only the QR code
    assert "Photos" not in text


def test_hidden_photos_and_later_photos_stay_off_the_receipt(
    app: Flask, client: FlaskClient, category: Category
) -> None:
    file_report(client, category.id, photos=3)
    report = submitted(app)
    with app.app_context():
        photos = host_db.session.scalars(sa.select(Photo).order_by(Photo.position)).all()
        photos[0].hidden = True  # moderation hid it: the tracking page does not show it either
        lost = photos[1].thumbnail_key
        host_db.session.commit()
    _, images = read_pdf(client.get(receipt_url(report)).data)
    assert images == 3  # two thumbnails and the QR code
    # A thumbnail the store lost: the receipt goes out without it.
    removed = [path for path in Path(app.config["CITIZENCARE_PHOTO_DIR"]).rglob(lost + "*") if path.is_file()]
    assert removed
    for path in removed:
        path.unlink()
    response = client.get(receipt_url(report))
    assert response.status_code == 200
    assert read_pdf(response.data)[1] == 2


def test_a_proposal_has_a_proposals_receipt_and_confirmation(
    app: Flask, client: FlaskClient, category: Category
) -> None:
    file_report(client, category.id, kind="proposal", title="Una panchina nel parco")
    report = submitted(app)
    with app.app_context():
        host_db.session.execute(sa.update(Report).values(kind="proposal"))
        host_db.session.commit()
    page = client.get(f"{PREFIX}/sent/{report.tracking_token}", headers={"Accept-Language": "en"})
    html = page.get_data(as_text=True)
    assert '<h1 class="title-xxxlarge">Proposal sent</h1>' in html
    assert "we received your proposal" in html and "Report sent" not in html
    with app.app_context():
        host_db.session.execute(sa.update(Report).values(kind="proposal"))
        row = host_db.session.scalars(sa.select(Report)).one()
        row.contact.locale = "en"
        host_db.session.commit()
    text, _ = read_pdf(client.get(receipt_url(report)).data)
    assert "Receipt of proposal" in text


def test_the_confirmation_follows_the_model(app: Flask, client: FlaskClient, category: Category) -> None:
    file_report(client, category.id)
    report = submitted(app)
    html = client.get(f"{PREFIX}/sent/{report.tracking_token}", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    assert '<h1 class="title-xxxlarge">Report sent</h1>' in html
    assert f"Thank you, we received your report <strong>{report.public_id}</strong>." in html
    assert "We sent the summary to the e-mail address:<br><strong>giulia.verdi@example.org</strong>" in html
    assert f'href="{receipt_url(report)}" download>Download the receipt (PDF)</a>' in html
    assert f'id="cc-tracking-link">http://localhost{PREFIX}/track/{report.tracking_token}</a>' in html
    assert 'name="robots" content="noindex, nofollow"' in html

    tracking = client.get(f"{PREFIX}/track/{report.tracking_token}", headers={"Accept-Language": "en"})
    assert f'href="{receipt_url(report)}" download>Download the receipt (PDF)</a>' in tracking.get_data(
        as_text=True
    )


def test_without_an_email_the_confirmation_mentions_no_mail(
    app: Flask, client: FlaskClient, category: Category
) -> None:
    app.config["CITIZENCARE_ANONYMOUS_REQUIRES_EMAIL"] = False
    file_report(client, category.id, email="")
    report = submitted(app)
    html = client.get(f"{PREFIX}/sent/{report.tracking_token}", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    assert "Report sent" in html and "We sent the summary" not in html
    assert "Download the receipt (PDF)" in html


@pytest.mark.parametrize(
    "token", ["A" * 32, "x", "%00" + "A" * 31, "A" * 5000, "..%2F..%2Fetc%2Fpasswd", "%C3%A8" * 10]
)
def test_a_forged_or_hostile_token_gets_404(app: Flask, client: FlaskClient, token: str) -> None:
    with app.app_context():
        create_report(host_db.session)
        host_db.session.commit()
    response = client.get(f"{PREFIX}/track/{token}/receipt.pdf", headers={"Accept-Language": "en"})
    assert response.status_code == 404
    assert response.mimetype == "text/html"


def test_downloads_are_rate_limited_like_the_links(app: Flask, client: FlaskClient) -> None:
    app.config["CITIZENCARE_RATELIMIT_LINKS_PER_IP"] = "3 per hour"
    with app.app_context():
        report = create_report(host_db.session, contact={"locale": "it"})
        host_db.session.commit()
        url = receipt_url(report)
    assert [client.get(url).status_code for _ in range(4)] == [200, 200, 200, 429]


def test_without_dejavu_the_receipt_falls_back_to_latin1(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(receipts, "FONT_FOLDERS", (Path("/nonexistent"),))
    monkeypatch.setattr(receipts, "_warned", set())
    with app.app_context():
        report = create_report(
            host_db.session,
            title="Città: “lampione” rotto — Ζ",
            description="Perché è spento? 🙂",
            address="Piazza Maggiore",
            contact={"locale": "it"},
            resolve_due_at=datetime(2026, 12, 3, 15, 0, tzinfo=UTC),
        )
        host_db.session.commit()
        url = receipt_url(report)
    with caplog.at_level(logging.WARNING, logger="flask_citizencare.receipts"):
        response = client.get(url)
    assert response.status_code == 200
    text, _ = read_pdf(response.data)
    assert 'Città: "lampione" rotto - ?' in text
    assert "Perché è spento? ?" in text
    assert "3 dicembre 2026" in text
    assert "DejaVu Sans not found" in caplog.text
    assert receipts.font_status()[0] is False
    assert receipts.to_latin1("Ångström ŝ ☃") == "Ångström s ?"


def test_doctor_names_the_receipt_font(app: Flask) -> None:
    from flask_citizencare.cli.doctor import run_checks

    checks = {check.name: check for check in run_checks(app)}
    assert checks["receipt font"].ok
    assert "DejaVuSans.ttf" in checks["receipt font"].detail


def test_a_report_without_or_with_an_erased_contact_gets_a_receipt_in_the_default_language(
    app: Flask, client: FlaskClient
) -> None:
    with app.app_context():
        registered = create_report(host_db.session, address=None)  # staff registered it, no contact
        erased = create_report(
            host_db.session, contact={"locale": None, "erased_at": datetime(2026, 1, 1, tzinfo=UTC)}
        )
        unknown = create_report(host_db.session, contact={"locale": "xx"})
        host_db.session.commit()
        urls = [receipt_url(r) for r in (registered, erased, unknown)]
        numbers = [r.public_id for r in (registered, erased, unknown)]
    for url, number in zip(urls, numbers, strict=True):
        response = client.get(url, headers={"Accept-Language": "en"})
        assert response.status_code == 200
        text, _ = read_pdf(response.data)
        assert number in text
        assert "Numero" in text and "Number " not in text  # the default language, whatever the visitor's
    text = read_pdf(client.get(urls[0]).data)[0]
    assert "Address" not in text and "Indirizzo" not in text  # no address: no address row
