"""The Content-Security-Policy in Debian's Chromium: every script of our pages runs under it, nothing is
refused, a host layout's inline script runs only with the nonce, and the tracking page's reply form
works over HTTPS (where Flask-WTF checks the Referer the page's Referrer-Policy lets through)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import request

from example_site import db as site_db
from flask_citizencare.demo import load_demo
from flask_citizencare.domain.lifecycle import CLOSED_STATUSES
from flask_citizencare.models import Category, Report
from flask_citizencare.services.canned import create_canned

from .browser import PHONE, LiveServer, log_in, migrated_example_app, tls_context, wait_until
from .conftest import dispose, empty_tables
from .host import make_host_app

pytestmark = [pytest.mark.slow, pytest.mark.browser]
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "it-IT"}
#: Runs before any page script (CDP injection, outside the page's CSP): records every violation.
WATCH_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.effectiveDirective + " refused " + (e.blockedURI || "inline") +
    " at " + (e.sourceFile || "") + ":" + e.lineNumber);
});
"""
CANNED = "Gentile cittadino, la squadra interverrà entro la settimana."


@dataclass
class Watched:
    """A page whose CSP violations and policy-related console messages are collected."""

    page: Any
    console: list[str] = field(default_factory=list)

    def goto(self, url: str) -> Any:
        response = self.page.goto(url)
        assert response.status == 200, url
        assert "'nonce-" in response.headers["content-security-policy"], "the policy must be enforced"
        return response

    def problems(self) -> list[str]:
        found = list(self.page.evaluate("window.__cspViolations"))
        return found + self.console


def watched(context: Any) -> Watched:
    context.add_init_script(WATCH_VIOLATIONS)
    watch = Watched(context.new_page())

    def on_console(message: Any) -> None:
        text = message.text
        if "Content Security Policy" in text or "Permissions-Policy" in text or "Refused to" in text:
            watch.console.append(f"{message.type}: {text}")

    watch.page.on("console", on_console)
    return watch


@pytest.fixture
def site(database_url: str, tmp_path: Path) -> Iterator[tuple[LiveServer, dict[str, Any]]]:
    with migrated_example_app(database_url, tmp_path) as app:
        with app.app_context():
            load_demo(40, seed=3, now=datetime(2026, 5, 4, 10, 0, tzinfo=UTC))
            session = site_db.session
            case = session.scalars(
                sa.select(Report)
                .where(Report.status.not_in(CLOSED_STATUSES), Report.point.is_not(None))
                .order_by(Report.id)
            ).first()
            assert case is not None
            create_canned(session, title="Intervento in settimana", body=CANNED)
            facts = {"case": case.id}
        with LiveServer(app) as server:
            yield server, facts


def test_citizen_pages_run_their_scripts_under_the_policy(
    chromium: Any, site: tuple[LiveServer, dict[str, Any]]
) -> None:
    server, _ = site
    context = chromium.new_context(
        **DESKTOP, permissions=["geolocation"], geolocation={"latitude": 44.4912, "longitude": 11.3389}
    )
    watch = watched(context)
    page = watch.page

    # The report form: the map picker comes up (its container is hidden without the script) and the
    # "use my position" button gets the position, which the Permissions-Policy allows on our origin.
    watch.goto(server.url + "/segnalazioni/new")
    page.check("#consent")
    page.click(".cc-step-buttons button[type=submit]")
    page.wait_for_url("**/segnalazioni/new/data")
    page.wait_for_selector("#cc-map.leaflet-container", state="visible")
    page.click("#cc-locate")
    wait_until(page, "() => document.getElementById('lat').value !== ''")
    assert page.input_value("#lat").startswith("44.4912")
    assert page.locator(".leaflet-marker-icon").count() == 1

    # The public map: map-page.js loads the reports from the API and draws them.
    watch.goto(server.url + "/segnalazioni/map?lat=44.49&lon=11.33&zoom=11")
    wait_until(page, "() => Number(document.getElementById('cc-map-area').getAttribute('data-loads')) > 0")
    assert page.locator("#cc-map-area .leaflet-marker-pane .leaflet-marker-icon").count() > 0
    assert page.locator("#cc-map-list li").count() > 0

    # The dashboard's SVG charts are drawn from the page itself: no script, no inline style.
    watch.goto(server.url + "/segnalazioni/dashboard")
    assert page.locator("svg").count() > 0

    # The site's phone menu (Bootstrap Italia's script) still opens under the policy.
    phone = chromium.new_context(**PHONE)
    phone_watch = watched(phone)
    phone_watch.goto(server.url + "/segnalazioni/")
    phone_watch.page.click(".custom-navbar-toggler")
    phone_watch.page.wait_for_selector("#site-menu.expanded .navbar-nav", state="visible")
    phone_watch.page.wait_for_timeout(600)  # the menu's opening animation ignores clicks until it ends
    phone_watch.page.click("#site-menu .close-menu")
    phone_watch.page.wait_for_selector("#site-menu .navbar-nav", state="hidden")

    assert not watch.problems(), watch.problems()
    assert not phone_watch.problems(), phone_watch.problems()
    context.close()
    phone.close()


def test_staff_pages_run_their_scripts_under_the_policy(
    chromium: Any, site: tuple[LiveServer, dict[str, Any]]
) -> None:
    server, facts = site
    context = chromium.new_context(**DESKTOP)
    watch = watched(context)
    page = watch.page
    log_in(page, server, "admin", "demo-admin")

    # The queue's area picker (queue-area.js) shows its map.
    watch.goto(server.url + "/segnalazioni/staff/")
    page.wait_for_selector("#cc-area-map.leaflet-container", state="attached")  # in a closed <details>

    # The case page: its small map (case-map.js) and the canned replies (canned.js).
    watch.goto(server.url + f"/segnalazioni/staff/reports/{facts['case']}")
    page.wait_for_selector("#cc-case-map.leaflet-container", state="visible")
    assert page.locator("#cc-case-map .leaflet-marker-icon").count() == 1
    details = page.locator("details.cc-canned").first
    details.locator("summary").click()
    button = details.locator("button[data-canned-target]").first
    button.click()
    target = button.get_attribute("data-canned-target")
    assert CANNED in page.input_value(f"#{target}")

    watch.goto(server.url + "/segnalazioni/staff/dashboard")
    assert page.locator("svg").count() > 0

    assert not watch.problems(), watch.problems()
    context.close()


HOST_LAYOUT = """<!doctype html>
<html lang="it"><head><meta charset="utf-8"><title>{% block title %}{% endblock %}</title>
{% block head %}{% endblock %}</head><body><main>{% block content %}{% endblock %}</main>
<script nonce="{{ cc_csp_nonce() }}">document.body.setAttribute("data-nonced", "ran");</script>
<script>document.body.setAttribute("data-plain", "ran");</script>
{% block scripts %}{% endblock %}</body></html>
"""


def test_a_host_layout_inline_script_runs_only_with_the_nonce(
    chromium: Any, database_url: str, tmp_path: Path
) -> None:
    templates = tmp_path / "templates"
    (templates / "host").mkdir(parents=True)
    (templates / "host" / "layout.html").write_text(HOST_LAYOUT)
    app = make_host_app(database_url, template_folder=templates, CITIZENCARE_PHOTO_DIR=str(tmp_path / "p"))
    try:
        with LiveServer(app) as server:
            context = chromium.new_context(**DESKTOP)
            watch = watched(context)
            watch.goto(server.url + "/citizencare/privacy")
            body = watch.page.locator("body")
            assert body.get_attribute("data-nonced") == "ran"
            assert body.get_attribute("data-plain") is None
            refused = watch.page.evaluate("window.__cspViolations")
            assert len(refused) == 1 and refused[0].startswith("script-src-elem refused inline"), refused
            context.close()
    finally:
        empty_tables(app)
        dispose(app)


@pytest.fixture
def https_site(database_url: str, tmp_path: Path) -> Iterator[tuple[LiveServer, str, list[tuple[str, str]]]]:
    with migrated_example_app(
        database_url, tmp_path, SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True
    ) as app:
        referers: list[tuple[str, str]] = []

        @app.before_request
        def record_referer() -> None:
            referers.append((f"{request.method} {request.path}", request.headers.get("Referer", "")))

        with app.app_context():
            load_demo(5, seed=4, now=datetime(2026, 5, 4, 10, 0, tzinfo=UTC))
            token = site_db.session.scalars(sa.select(Report.tracking_token).order_by(Report.id)).first()
            assert token and site_db.session.scalar(sa.select(sa.func.count()).select_from(Category))
        with LiveServer(app, tls_context(tmp_path)) as server:
            yield server, token, referers


def test_the_tracking_page_reply_works_over_https_and_keeps_the_token_to_itself(
    chromium: Any, https_site: tuple[LiveServer, str, list[tuple[str, str]]]
) -> None:
    server, token, referers = https_site
    context = chromium.new_context(**DESKTOP, ignore_https_errors=True)
    watch = watched(context)
    page = watch.page
    response = watch.goto(server.url + f"/segnalazioni/track/{token}")
    assert response.headers["referrer-policy"] == "strict-origin"
    page.fill("#text", "La buca è ancora lì, anzi è più grande.")
    page.click("form.cc-form button[type=submit]")
    page.wait_for_load_state()
    assert page.locator(".cc-thread").count() == 1, page.inner_text("main")[:500]
    assert "La buca è ancora lì" in page.inner_text(".cc-thread")
    # The form's POST carried the bare origin (what Flask-WTF's HTTPS check compares) ...
    assert (f"POST /segnalazioni/track/{token}", server.url + "/") in referers, referers
    # ... and nothing the pages loaded (styles, scripts, the next page) was told their address.
    assert len(referers) > 3
    assert not [r for r in referers if token in r[1]], "the token left in a Referer"
    cookies = {c["name"]: c for c in context.cookies()}
    assert cookies["session"]["secure"], cookies
    assert not watch.problems(), watch.problems()
    context.close()
