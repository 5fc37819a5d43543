"""WCAG 2.1 AA (axe-core, Debian's Chromium) on the service sheet and the example site's new pages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .browser import PHONE, LiveServer, migrated_example_app
from .test_browser_accessibility import violations

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    with migrated_example_app(
        database_url, tmp_path, SITE_DEMO_MAILBOX=True, SITE_DEMO_MAILDIR=str(tmp_path / "mail")
    ) as app:
        with LiveServer(app) as live:
            yield live


@pytest.mark.parametrize(
    "device", [PHONE, {"viewport": {"width": 1280, "height": 900}}], ids=["phone", "desktop"]
)
def test_the_sheet_and_the_sites_new_pages_meet_wcag_aa(
    chromium: Any, server: LiveServer, device: dict[str, Any]
) -> None:
    context = chromium.new_context(**device, locale="it-IT")
    page = context.new_page()
    for path in ("/segnalazioni/", "/contatti", "/domande-frequenti", "/note-legali", "/demo/mailbox"):
        page.goto(server.url + path)
        assert violations(page) == [], path
    page.goto(server.url + "/segnalazioni/")
    page.click('[data-element="page-index"] a[href="#deadlines"]')
    assert page.evaluate("location.hash") == "#deadlines"
    page.click('[data-element="service-online-access"]')
    page.wait_for_load_state()
    assert page.url.endswith("/segnalazioni/new")
    context.close()
