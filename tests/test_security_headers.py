"""Security headers on every answer of the extension: CSP with a nonce, framing, sniffing, referrer, features.

The first test walks ``app.url_map`` like tests/test_public_privacy.py, so a route added later is
covered without touching this file (or makes it fail when it has a URL variable with no filler).
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask

from flask_citizencare.errors import ConfigurationError
from flask_citizencare.models import Category
from flask_citizencare.services.mail.recipients import unsubscribe_token
from flask_citizencare.services.surveys import survey_token

from .conftest import dispose, empty_tables
from .factories import create_report
from .host import host_db, make_host_app
from .reporting import hidden_value
from .staff import Team, client_for

PREFIX = "/citizencare"
HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "Permissions-Policy")
#: Values for each URL variable of the extension's routes (a known report's where one matters).
FILLERS: dict[str, Any] = {
    "public_id": lambda r: r["public_id"],
    "token": lambda r: r["token"],
    "report_id": lambda r: r["id"],
    "key": lambda r: "no-such-photo",
    "code": lambda r: "en",
    "action": lambda r: "acknowledge",
    "table": lambda r: "no-such-table",
    "z": lambda r: 13,
    "x": lambda r: 4340,
    "y": lambda r: 2975,
    "rest": lambda r: "reports",
    "filename": lambda r: "js/report-form.js",
    # The admin pages: any id will do (an unknown one answers 404, with the headers too).
    "member_id": lambda r: r["id"],
    "office_id": lambda r: r["id"],
    "category_id": lambda r: r["category_id"],
    "question_key": lambda r: "no_such_question",
    "change": lambda r: "retire",
    "template_id": lambda r: r["id"],
    "rule_id": lambda r: r["id"],
    "state_id": lambda r: r["id"],
    "state_change": lambda r: "up",
    "key_id": lambda r: r["id"],
    # Open311: its answers carry the headers too.
    "fmt": lambda r: "json",
    "service_code": lambda r: "no-such-service",
    "service_request_id": lambda r: r["public_id"],
    # Service notices: an unknown one answers 404, with the headers too.
    "notice_id": lambda r: r["id"],
    # A case's suggestion (apply, dismiss).
    "field": lambda r: "category",
}


def directives(header: str) -> dict[str, list[str]]:
    parsed: dict[str, list[str]] = {}
    for part in header.split(";"):
        name, *sources = part.split()
        parsed[name] = sources
    return parsed


def assert_protected(response: Any, what: str) -> dict[str, list[str]]:
    missing = [h for h in HEADERS if h not in response.headers]
    assert not missing, f"{what} answered {response.status_code} without {missing}"
    csp = directives(response.headers["Content-Security-Policy"])
    assert csp["default-src"] == ["'self'"], what
    assert csp["object-src"] == ["'none'"], what
    assert csp["frame-ancestors"] == ["'self'"], what
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN", what
    scripts = csp["script-src"]
    assert "'self'" in scripts and "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts, what
    assert any(s.startswith("'nonce-") for s in scripts), what
    assert "'unsafe-inline'" not in csp["style-src"], what
    assert response.headers["X-Content-Type-Options"] == "nosniff", what
    assert "geolocation=(self)" in response.headers["Permissions-Policy"], what
    assert "camera=()" in response.headers["Permissions-Policy"], what
    return csp


@pytest.fixture
def known(app: Flask, team: Team) -> dict[str, Any]:
    with app.app_context():
        report = create_report(host_db.session, category=host_db.session.get(Category, team.potholes.id))
        host_db.session.commit()
        return {
            "public_id": report.public_id,
            "token": report.tracking_token,
            "id": report.id,
            "category_id": team.potholes.id,
        }


def test_every_route_of_the_extension_answers_with_the_security_headers(
    app: Flask, team: Team, known: dict[str, Any]
) -> None:
    clients = {"anonymous": app.test_client(), "admin": client_for(app, team, "ada")}
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("citizencare.")]
    assert len(rules) > 40
    asked = 0
    for rule in rules:
        unknown = set(rule.arguments) - FILLERS.keys()
        assert not unknown, f"{rule.endpoint} ({rule.rule}) has URL variables {unknown}: add fillers"
        with app.test_request_context():
            url = rule.build({name: FILLERS[name](known) for name in rule.arguments}, append_unknown=False)[1]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            for who, client in clients.items():
                response = client.open(url, method=method)
                response.get_data()
                response.close()  # streamed exports hold their request context until closed
                # 501: vector tiles on a database that cannot make them (a deliberate answer, not a crash)
                assert response.status_code < 500 or response.status_code == 501, f"{method} {url}: {who}"
                csp = assert_protected(response, f"{method} {url} as {who}")
                if "token" in rule.arguments:
                    assert response.headers["Referrer-Policy"] == "strict-origin", url
                else:
                    assert response.headers["Referrer-Policy"] == "same-origin", url
                assert csp["img-src"] == ["'self'", "data:", "https://tile.openstreetmap.org"], url
                asked += 1
    assert asked > 100


def test_pages_carrying_a_secret_in_their_address_never_pass_it_on(app: Flask, team: Team) -> None:
    with app.test_request_context():
        report = create_report(
            host_db.session,
            status="resolved",
            acknowledged_at=datetime.now(UTC),
            resolved_at=datetime.now(UTC),
            contact={"name": "Ada", "email": "ada@example.net"},
        )
        host_db.session.commit()
        pages = {
            "track": f"{PREFIX}/track/{report.tracking_token}",
            "sent": f"{PREFIX}/sent/{report.tracking_token}",
            "survey": f"{PREFIX}/survey/{survey_token(report)}",
            "unsubscribe": f"{PREFIX}/unsubscribe/{unsubscribe_token(report, 'ada@example.net')}",
        }
        public_page = f"{PREFIX}/reports/{report.public_id}"
    client = app.test_client()
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        assert_protected(response, name)
        assert response.headers["Referrer-Policy"] == "strict-origin", name
    response = client.get(f"{PREFIX}/new")
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert client.get(public_page).headers["Referrer-Policy"] == "same-origin"


def test_the_reply_form_of_the_tracking_page_works_over_https(app: Flask) -> None:
    """Over HTTPS Flask-WTF wants a same-origin Referer on every POST: the origin alone is enough, which
    is what ``strict-origin`` sends (``no-referrer`` would send nothing and every reply would fail)."""
    from flask_wtf import CSRFProtect

    CSRFProtect(app)
    with app.test_request_context():
        report = create_report(host_db.session, contact={"name": "Ada", "email": "ada@example.net"})
        host_db.session.commit()
        url = f"https://localhost{PREFIX}/track/{report.tracking_token}"
    client = app.test_client()
    page = client.get(url)
    assert page.headers["Referrer-Policy"] == "strict-origin"
    csrf = hidden_value(page.get_data(as_text=True), "csrf_token")
    form = {"csrf_token": csrf, "text": "Grazie, ancora rotta."}
    refused = client.post(url, data=form)  # what a browser sends under no-referrer
    assert refused.status_code == 400
    sent = client.post(url, data=form, headers={"Referer": "https://localhost/"})
    assert sent.status_code in (200, 303), sent.get_data(as_text=True)[:300]


def test_the_nonce_is_new_on_every_request_and_offered_to_templates(app: Flask) -> None:
    client = app.test_client()
    nonces = set()
    for _ in range(3):
        csp = directives(client.get(f"{PREFIX}/new").headers["Content-Security-Policy"])
        nonces |= {s for s in csp["script-src"] if s.startswith("'nonce-")}
    assert len(nonces) == 3
    with app.test_request_context():
        source = '<script nonce="{{ cc_csp_nonce() }}"></script>{{ cc_csp_nonce() }}'
        template = app.jinja_env.from_string(source)
        html = template.render()
        nonce = re.search(r'nonce="([^"]+)"', html)
        assert nonce and html.endswith(nonce.group(1)) and len(nonce.group(1)) >= 20


def test_no_page_has_an_inline_script_or_event_handler(app: Flask) -> None:
    """Our templates (and the example site's layout) only load scripts from files."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    problems = []
    templates = [root / "flask_citizencare" / "templates", root / "example_site" / "templates"]
    for path in (path for folder in templates for path in folder.rglob("*.html")):
        text = path.read_text()
        for match in re.finditer(r"<script\b([^>]*)>", text):
            attributes = match.group(1)
            # Data blocks (JSON, the AgID model's JSON-LD) are never executed.
            data = ("application/json", "application/ld+json")
            if not any(key in attributes for key in ("src=", *data, "nonce=")):
                problems.append(f"{path.relative_to(root)}: inline <script{attributes}>")
        problems += [f"{path.relative_to(root)}: {m.group(0)}" for m in re.finditer(r"\son[a-z]+\s*=", text)]
        problems += [f"{path.relative_to(root)}: javascript: URL" for m in re.finditer(r"javascript:", text)]
        if "/mail/" not in str(path):
            problems += [f"{path.relative_to(root)}: style attribute" for m in re.finditer(r"\sstyle=", text)]
    assert not problems, problems


def host_app(database_url: str, tmp_path: Any, **config: Any) -> Flask:
    return make_host_app(database_url, CITIZENCARE_PHOTO_DIR=str(tmp_path / "photos"), **config)


def test_the_host_extends_the_policy(database_url: str, tmp_path: Any) -> None:
    app = host_app(
        database_url,
        tmp_path,
        CITIZENCARE_TILE_URL="https://{s}.tiles.comune.example/{z}/{x}/{y}.png",
        CITIZENCARE_CSP={
            "script-src": ["https://stats.comune.example"],
            "report-uri": "/csp-reports",
            "form-action": None,
        },
        CITIZENCARE_PERMISSIONS_POLICY={"geolocation": ["self", "https://portale.comune.example"]},
    )
    try:
        response = app.test_client().get(f"{PREFIX}/privacy")
        csp = directives(response.headers["Content-Security-Policy"])
        assert csp["img-src"] == ["'self'", "data:", "https://*.tiles.comune.example"]
        assert csp["script-src"][:2] == ["'self'", "https://stats.comune.example"]
        assert csp["script-src"][2].startswith("'nonce-")
        assert csp["report-uri"] == ["/csp-reports"]
        assert "form-action" not in csp
        assert 'geolocation=(self "https://portale.comune.example")' in response.headers["Permissions-Policy"]
    finally:
        dispose(app)


def test_report_only_and_switched_off(database_url: str, tmp_path: Any) -> None:
    app = host_app(database_url, tmp_path, CITIZENCARE_CSP_REPORT_ONLY=True)
    off = host_app(database_url, tmp_path, CITIZENCARE_SECURITY_HEADERS=False)
    try:
        response = app.test_client().get(f"{PREFIX}/privacy")
        assert "Content-Security-Policy" not in response.headers
        assert "'nonce-" in response.headers["Content-Security-Policy-Report-Only"]
        plain = off.test_client().get(f"{PREFIX}/privacy")
        assert plain.status_code == 200
        assert not {*HEADERS, "X-Frame-Options"} & set(plain.headers.keys())
    finally:
        dispose(app)
        dispose(off)


def test_the_host_keeps_its_own_pages_and_its_own_headers(database_url: str, tmp_path: Any) -> None:
    app = host_app(database_url, tmp_path)

    @app.get("/host-page")
    def host_page() -> str:
        return "host"

    @app.after_request
    def host_policy(response: Any) -> Any:  # e.g. Flask-Talisman, app-wide: it runs after ours and wins
        if response.headers.get("X-Host"):
            response.headers["Content-Security-Policy"] = "default-src 'self' https://cdn.example"
        return response

    try:
        client = app.test_client()
        page = client.get("/host-page")
        assert not set(HEADERS) & set(page.headers.keys()), "the host's pages are the host's business"
        ours = client.get(f"{PREFIX}/privacy")
        assert_protected(ours, "our page in a host with its own after_request")
    finally:
        empty_tables(app)
        dispose(app)


@pytest.mark.parametrize(
    "setting",
    [
        {"CITIZENCARE_CSP": {"script-src": ["'unsafe-inline'"]}},
        {"CITIZENCARE_CSP": {"img-src": "https://a.example; script-src *"}},
        {"CITIZENCARE_CSP": ["img-src", "*"]},
        {"CITIZENCARE_CSP": {"img-src": [3]}},
        {"CITIZENCARE_PERMISSIONS_POLICY": {"geolocation": ['"*")']}},
        {"CITIZENCARE_TILE_URL": "https://tiles.{s}.example/{z}/{x}/{y}.png"},
    ],
)
def test_unusable_policies_stop_start_up(database_url: str, tmp_path: Any, setting: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError):
        host_app(database_url, tmp_path, **setting)


def test_https_without_secure_cookies_is_logged_once(
    database_url: str, tmp_path: Any, caplog: pytest.LogCaptureFixture
) -> None:
    app = host_app(database_url, tmp_path)
    secure = host_app(database_url, tmp_path, SESSION_COOKIE_SECURE=True)
    try:
        with caplog.at_level(logging.WARNING):
            app.test_client().get(f"http://localhost{PREFIX}/privacy")
            assert "SESSION_COOKIE_SECURE" not in caplog.text
            for _ in range(2):
                app.test_client().get(f"https://localhost{PREFIX}/privacy")
            secure.test_client().get(f"https://localhost{PREFIX}/privacy")
        assert caplog.text.count("SESSION_COOKIE_SECURE is off") == 1
    finally:
        dispose(app)
        dispose(secure)


def test_the_example_site_gives_its_own_pages_the_same_headers(database_url: str, tmp_path: Any) -> None:
    from .browser import example_app

    app = example_app(database_url, tmp_path)
    try:
        login = app.test_client().get("/accedi")
        assert login.status_code == 200
        csp = assert_protected(login, "the example site's login page")
        assert csp["font-src"] == ["'self'", "data:"]  # its CITIZENCARE_CSP, for Bootstrap Italia
        assert login.headers["Referrer-Policy"] == "same-origin"
    finally:
        with app.app_context():
            from example_site import db as site_db

            site_db.drop_all()
        dispose(app)


def test_the_example_site_sets_secure_cookies_from_its_environment() -> None:
    from example_site.config import from_environment

    assert from_environment({"SECURE_COOKIES": "1"}) == {
        "SESSION_COOKIE_SECURE": True,
        "REMEMBER_COOKIE_SECURE": True,
    }
    assert from_environment({}) == {}
    with pytest.raises(ValueError, match="SECURE_COOKIES"):
        from_environment({"SECURE_COOKIES": "maybe"})
