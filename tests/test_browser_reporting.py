"""A citizen files a report from a phone in a real browser (Debian's Chromium), with and without JS."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from example_site import db as site_db

from . import images
from .browser import PHONE, LiveServer, migrated_example_app, wait_until
from .factories import create_category, create_office

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.fixture
def site(database_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    with migrated_example_app(database_url, tmp_path) as app:
        with app.app_context():
            office = create_office(site_db.session, code="strade-b", name="Manutenzione strade")
            create_category(
                site_db.session,
                code="buche-b",
                name="Buche stradali",
                group="Strade",
                default_office_id=office.id,
            )
            create_category(site_db.session, code="luce-b", name="Illuminazione pubblica", group="Luce")
            site_db.session.commit()
        with LiveServer(app) as server:
            yield server


def photo_file(tmp_path: Path) -> Path:
    path = tmp_path / "IMG_20261123_0930.jpg"
    path.write_bytes(images.jpeg_with_metadata(orientation=6))
    return path


def fill_common(page: Any, photo: Path | None) -> None:
    page.select_option("#category", label="Buche stradali")
    page.fill("#title", "Buca profonda in via Saragozza")
    page.fill("#description", "Una buca di mezzo metro davanti al civico 12.")
    if photo is not None:
        page.set_input_files("#photos", str(photo))
    page.fill("#email", "giulia.verdi@example.org")


NEXT = ".cc-step-buttons button[type=submit]"


def accept_conditions(page: Any, site: LiveServer) -> None:
    """Step 1 of 3: the privacy notice and its checkbox, then "Avanti"."""
    page.goto(site.url + "/segnalazioni/new")
    assert page.locator("[aria-current=step]").inner_text().startswith("1.")
    page.check("#consent")
    page.click(NEXT)
    page.wait_for_url("**/segnalazioni/new/data")
    assert page.locator("[data-element=page-index]").is_visible()


def send_summary(page: Any) -> None:
    """Step 3 of 3: the summary shows what was typed; "Invia" files it."""
    page.wait_for_url("**/segnalazioni/new/summary")
    assert "Buca profonda in via Saragozza" in page.content()
    assert page.locator(".cc-summary-part").count() == 3
    page.click(NEXT)


def assert_upright_and_clean(page: Any, site: LiveServer) -> None:
    """The photo shown on the tracking page is upright and the served file carries no metadata."""
    image = page.locator(".cc-photos img").first
    image.wait_for()
    assert page.evaluate("(img) => img.complete && img.naturalWidth > 0", image.element_handle())
    width, height = page.evaluate("(img) => [img.naturalWidth, img.naturalHeight]", image.element_handle())
    assert height > width  # the 400×200 original with orientation 6 is a portrait once turned
    link = page.locator(".cc-photos a").first.get_attribute("href")
    served = page.request.get(site.url + link)
    assert served.status == 200
    assert served.headers["x-content-type-options"] == "nosniff"
    data = served.body()
    with Image.open(io.BytesIO(data)) as photo:
        assert not photo.getexif()
        assert photo.size[1] > photo.size[0]
        # Red was the left half's top once rotated: orientation 6 turns the top edge to the right.
        assert "icc_profile" not in photo.info
    assert b"Exif" not in data and b"GPS" not in data and b"SN-12345" not in data


def test_citizen_reports_from_a_phone_with_the_map(chromium: Any, site: LiveServer, tmp_path: Path) -> None:
    context = chromium.new_context(**PHONE, locale="it-IT")
    page = context.new_page()
    accept_conditions(page, site)
    assert page.locator("#cc-map").is_visible()
    fill_common(page, photo_file(tmp_path))
    page.locator("#cc-map").tap(position={"x": 150, "y": 120})
    lat, lon = float(page.input_value("#lat")), float(page.input_value("#lon"))
    assert 44.42 < lat < 44.56 and 11.23 < lon < 11.43
    assert page.locator(".leaflet-marker-icon").count() == 1

    # The pin moves with the arrow keys once it has focus.
    page.locator(".leaflet-marker-icon").focus()
    page.keyboard.press("ArrowRight")
    assert float(page.input_value("#lon")) > lon

    page.click(NEXT)
    send_summary(page)
    page.wait_for_url("**/segnalazioni/sent/**")
    assert "Segnalazione inviata" in page.locator("h1").inner_text()
    number = page.locator(".cc-confirmation__number strong").inner_text()
    page.click("#cc-tracking-link")
    page.wait_for_url("**/segnalazioni/track/**")
    assert number in page.content()
    assert_upright_and_clean(page, site)
    context.close()


def test_citizen_reports_without_javascript(chromium: Any, site: LiveServer, tmp_path: Path) -> None:
    context = chromium.new_context(**PHONE, java_script_enabled=False, locale="it-IT")
    page = context.new_page()
    accept_conditions(page, site)
    assert not page.locator("#cc-map").is_visible()
    fill_common(page, photo_file(tmp_path))
    page.fill("#lat", "44,4936")  # Italian keyboards type a comma
    page.fill("#lon", "11.3301")
    page.click(NEXT)
    # Back from the summary keeps what was typed (the draft is on the server), the photo too.
    page.wait_for_url("**/segnalazioni/new/summary")
    assert page.locator(".cc-draft-photos img").count() == 1
    page.go_back()
    page.reload()
    assert page.input_value("#title") == "Buca profonda in via Saragozza"
    page.click(NEXT)
    send_summary(page)
    page.wait_for_url("**/segnalazioni/sent/**")
    page.click("#cc-tracking-link")
    page.wait_for_url("**/segnalazioni/track/**")
    assert "Buca profonda in via Saragozza" in page.content()
    assert_upright_and_clean(page, site)
    context.close()


def test_errors_are_announced_and_the_form_keeps_what_was_typed(chromium: Any, site: LiveServer) -> None:
    context = chromium.new_context(**PHONE, locale="en-GB")
    page = context.new_page()
    accept_conditions(page, site)
    page.fill("#title", "Lampione spento")
    page.click(NEXT)
    page.wait_for_load_state()  # the answer page, whose script moves the focus to the summary
    summary = page.locator("#cc-error-summary")
    assert summary.is_visible()
    wait_until(page, "() => document.activeElement && document.activeElement.id === 'cc-error-summary'")
    assert page.evaluate("document.activeElement.id") == "cc-error-summary"
    assert page.input_value("#title") == "Lampione spento"
    summary.locator("a", has_text="Choose a category").click()
    assert page.evaluate("document.activeElement.id") == "category"
    context.close()
