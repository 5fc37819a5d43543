"""The service sheet at our index (AgID model C.SI.1.3).

Sections, data-elements, JSON-LD, service levels and contacts from the settings.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from lxml import html as lxml_html

from flask_citizencare import ConfigurationError
from flask_citizencare.blueprints.public.service_sheet import duration_words

from .conftest import dispose, empty_tables
from .host import make_host_app
from .staff import Team, client_for
from .test_admin_service_levels import URL as LEVELS_URL
from .test_admin_service_levels import csrf, general

EN = {"Accept-Language": "en"}
URP = {
    "CITIZENCARE_URP_NAME": "URP del Comune di Prova",
    "CITIZENCARE_URP_EMAIL": "urp@prova.example",
    "CITIZENCARE_URP_PHONE": "051 000 0001",
    "CITIZENCARE_URP_STREET_ADDRESS": "Piazza Maggiore 6",
    "CITIZENCARE_URP_POSTAL_CODE": "40124",
    "CITIZENCARE_URP_LOCALITY": "Bologna",
    "CITIZENCARE_URP_URL": "https://prova.example/urp",
}
#: The validator's sections of a service sheet, in order, with the data-element of each one's content.
SECTIONS = [
    ("who-needs", "Who it is for", "service-addressed"),
    ("description", "Description", "service-extended-description"),
    ("how-to", "How to do it", "service-how-to"),
    ("needed", "What you need", "service-needed"),
    ("obtain", "What you get", "service-achieved"),
    ("deadlines", "Times and deadlines", "service-calendar-text"),
    ("costs", "Costs", "service-cost"),
    ("submit-request", "Access the service", "service-generic-access"),
    ("conditions", "Terms of service", "service-file"),
    ("contacts", "Contacts", "service-area"),
]


@pytest.fixture
def sheet_app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = make_host_app(database_url, CITIZENCARE_PHOTO_DIR=str(tmp_path / "photos"), **URP)
    yield app
    empty_tables(app)
    dispose(app)


def page(app: Flask, headers: dict[str, str] | None = None) -> Any:
    response = app.test_client().get("/citizencare/", headers=headers or EN)
    assert response.status_code == 200
    return lxml_html.fromstring(response.get_data(as_text=True))


def element(tree: Any, name: str) -> Any:
    found = tree.xpath(f'//*[@data-element="{name}"]')
    assert len(found) == 1, (name, len(found))
    return found[0]


def metatag(tree: Any) -> dict[str, Any]:
    script = element(tree, "metatag")
    assert script.tag == "script" and script.get("type") == "application/ld+json"
    assert script.getparent().tag == "head"
    data: dict[str, Any] = json.loads(script.text)
    return data


def test_the_sheet_has_the_models_sections_in_order_with_their_data_elements(sheet_app: Flask) -> None:
    tree = page(sheet_app)
    assert element(tree, "service-title").text_content().strip() == "Reporting an inefficiency"
    assert element(tree, "service-title").tag == "h1"
    assert len(element(tree, "service-description").text_content().strip()) > 20
    assert element(tree, "service-status").text_content().strip() == "Active service"
    index = element(tree, "page-index")
    entries = [(a.get("href"), a.text_content().strip()) for a in index.xpath("./li/a")]
    assert entries == [(f"#{anchor}", title) for anchor, title, _ in SECTIONS]
    headings = [h.get("id") for h in tree.xpath('//*[contains(@class, "cc-sheet__sections")]//h2')]
    assert headings == [anchor for anchor, _, _ in SECTIONS]
    for anchor, title, name in SECTIONS:
        section = tree.xpath(f'//section[h2[@id="{anchor}"]]')[0]
        assert section.xpath("./h2")[0].text_content().strip() == title
        assert section.xpath(f'.//*[@data-element="{name}"]'), (anchor, name)
    # The validator reads a paragraph of at least 3 characters in each text section.
    for name in (
        "service-addressed",
        "service-how-to",
        "service-needed",
        "service-achieved",
        "service-calendar-text",
        "service-extended-description",
        "service-cost",
    ):
        paragraphs = [p.text_content().strip() for p in element(tree, name).xpath(".//p")]
        assert paragraphs and len(paragraphs[0]) >= 3, name
    assert element(tree, "service-needed").xpath(".//li")
    assert element(tree, "service-cost").text_content().strip() == "The service is free."
    online = element(tree, "service-online-access")
    assert (
        online.get("href") == "/citizencare/new" and online.text_content().strip() == "Report an inefficiency"
    )
    assert element(tree, "service-file").get("href") == "/citizencare/privacy"
    assert tree.xpath('//a[@href="/citizencare/map"][normalize-space()="See the reports"]')


def test_the_json_ld_is_the_models_government_service(sheet_app: Flask) -> None:
    data = metatag(page(sheet_app))
    assert data["@context"] == "https://schema.org" and data["@type"] == "GovernmentService"
    assert data["name"] == data["serviceType"] == "Reporting an inefficiency"
    assert data["serviceOperator"]["name"] == "Comune di Prova"
    assert data["areaServed"]["name"] == "Comune di Prova"
    assert data["audience"]["name"]
    channel = data["availableChannel"]
    assert channel["serviceUrl"] == "http://localhost/citizencare/new"
    assert channel["serviceLocation"]["name"] == "URP del Comune di Prova"
    assert channel["serviceLocation"]["address"] == {
        "@type": "PostalAddress",
        "streetAddress": "Piazza Maggiore 6",
        "postalCode": "40124",
        "addressLocality": "Bologna",
    }
    assert data["url"] == "http://localhost/citizencare/"


def test_texts_in_the_json_ld_cannot_end_its_script(database_url: str, tmp_path: Path) -> None:
    app = make_host_app(
        database_url,
        CITIZENCARE_PHOTO_DIR=str(tmp_path / "photos"),
        CITIZENCARE_URP_NAME="URP </script><script>alert(1)</script> & co",
    )
    try:
        body = app.test_client().get("/citizencare/", headers=EN).get_data(as_text=True)
        head = body.split("</head>")[0]
        assert "<script>alert(1)" not in head
        data = metatag(lxml_html.fromstring(body))
        assert (
            data["availableChannel"]["serviceLocation"]["name"]
            == "URP </script><script>alert(1)</script> & co"
        )
    finally:
        dispose(app)


def test_contacts_come_from_the_urp_settings(sheet_app: Flask) -> None:
    tree = page(sheet_app)
    area = element(tree, "service-area")
    assert (
        area.text_content().strip() == "URP del Comune di Prova"
        and area.get("href") == "https://prova.example/urp"
    )
    contacts = " ".join(tree.xpath('//section[h2[@id="contacts"]]')[0].text_content().split())
    assert "Piazza Maggiore 6" in contacts and "40124 Bologna" in contacts
    assert tree.xpath('//a[@href="tel:0510000001"][normalize-space()="051 000 0001"]')
    assert tree.xpath('//a[@href="mailto:urp@prova.example"]')
    assert "Opening hours: Monday to Friday 08:00–13:00 and 14:00–17:00" in contacts


def test_without_urp_settings_the_office_is_named_and_nothing_is_made_up(
    database_url: str, tmp_path: Path
) -> None:
    app = make_host_app(database_url, CITIZENCARE_PHOTO_DIR=str(tmp_path / "photos"))
    try:
        tree = page(app)
        area = element(tree, "service-area")
        assert area.tag == "strong" and area.text_content().strip() == "Public Relations Office (URP)"
        contacts = tree.xpath('//section[h2[@id="contacts"]]')[0]
        assert not contacts.xpath(".//a[starts-with(@href, 'tel:') or starts-with(@href, 'mailto:')]")
        address = metatag(tree)["availableChannel"]["serviceLocation"]["address"]
        assert address == {"@type": "PostalAddress", "addressLocality": "Comune di Prova"}
    finally:
        dispose(app)


def deadline_items(tree: Any) -> list[str]:
    return [
        " ".join(li.text_content().split()) for li in element(tree, "service-calendar-list").xpath("./li")
    ]


def test_times_and_deadlines_are_the_configured_service_levels_in_words(sheet_app: Flask) -> None:
    tree = page(sheet_app)
    items = deadline_items(tree)
    assert (
        "Taken in charge: within 30 minutes of office hours for reports sent online, 45 minutes for "
        "those sent by e-mail, 1 hour and 30 minutes for those made by phone." in items
    )
    assert (
        "Answer and solution: within 6 hours of office hours when the office can deal with it directly, "
        "8 hours when a technical office has to step in." in items
    )
    assert "In any case: within 7 days for simple requests and 40 days for complex ones." in items
    intro = element(tree, "service-calendar-text").text_content()
    assert "Monday to Friday 08:00–13:00 and 14:00–17:00" in intro


def test_a_changed_setting_changes_the_sheet(database_url: str, tmp_path: Path) -> None:
    app = make_host_app(
        database_url,
        CITIZENCARE_PHOTO_DIR=str(tmp_path / "photos"),
        CITIZENCARE_SLA_POLICY={"acknowledgement": {"web": "2h"}, "resolution": {1: "1d", 2: "16h"}},
        CITIZENCARE_SLA_CALENDAR={"hours": {"mon-thu": ["08:30-12:30"], "fri": ["09:00-12:00"]}},
    )
    try:
        tree = page(app)
        items = deadline_items(tree)
        assert any(item.startswith("Taken in charge: within 2 hours of office hours") for item in items)
        assert any("within 24 hours of office hours" in item and "16 hours" in item for item in items)
        intro = element(tree, "service-calendar-text").text_content()
        assert "Monday to Thursday 08:30–12:30; Friday 09:00–12:00" in intro
    finally:
        dispose(app)


def test_the_levels_a_manager_stores_show_at_once(app: Flask, team: Team) -> None:
    marco = client_for(app, team, "marco")
    response = marco.post(LEVELS_URL, data=general(csrf(marco), ack_web="20m"), headers=EN)
    assert response.status_code == 303
    items = deadline_items(page(app))
    assert any(item.startswith("Taken in charge: within 20 minutes of office hours") for item in items)


def test_the_municipality_rewrites_a_section_by_language(database_url: str, tmp_path: Path) -> None:
    app = make_host_app(
        database_url,
        CITIZENCARE_PHOTO_DIR=str(tmp_path / "photos"),
        CITIZENCARE_SERVICE_SHEET={
            "addressed": {"en": "Everyone in Prova.\n\nAlso visitors."},
            "costs": "Gratis <b>sempre</b>.",
            "needed": "a phone\nthe address",
        },
    )
    try:
        client = app.test_client()
        english = lxml_html.fromstring(client.get("/citizencare/", headers=EN).get_data(as_text=True))
        addressed = [p.text_content() for p in element(english, "service-addressed").xpath("./p")]
        assert addressed == ["Everyone in Prova.", "Also visitors."]
        assert element(english, "service-cost").text_content().strip() == "Gratis <b>sempre</b>."
        assert [li.text_content() for li in element(english, "service-needed").xpath(".//li")] == [
            "a phone",
            "the address",
        ]
        catalan = client.get("/citizencare/", headers={"Accept-Language": "ca"}).get_data(as_text=True)
        assert "Everyone in Prova." not in catalan  # not given in Catalan: our text
    finally:
        dispose(app)


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("CITIZENCARE_SERVICE_SHEET", {"adressed": "typo"}, "unknown section adressed"),
        ("CITIZENCARE_SERVICE_SHEET", {"costs": {"it": 3}}, "must be a text or a mapping"),
        ("CITIZENCARE_SERVICE_SHEET", ["costs"], "must map sections to texts"),
        ("CITIZENCARE_URP_EMAIL", "", "must be a text or None"),
        ("CITIZENCARE_URP_URL", "javascript:alert(1)", "must be an http(s) address or a path"),
    ],
)
def test_bad_sheet_settings_stop_start_up(database_url: str, setting: str, value: Any, message: str) -> None:
    with pytest.raises(ConfigurationError, match=re.escape(message)):
        make_host_app(database_url, **{setting: value})


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (timedelta(minutes=30), "30 minutes"),
        (timedelta(minutes=1), "1 minute"),
        (timedelta(hours=1), "1 hour"),
        (timedelta(hours=2, minutes=54), "2 hours and 54 minutes"),
        (timedelta(days=1), "24 hours"),
    ],
)
def test_durations_in_words(app: Flask, value: timedelta, words: str) -> None:
    with app.test_request_context(headers=EN):
        assert duration_words(value) == words
        assert duration_words(value * 7, days=True) == (
            "7 days" if value == timedelta(days=1) else duration_words(value * 7)
        )
