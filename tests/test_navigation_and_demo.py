"""Navigation entries per role (B2), the report-inefficiency macro (C.SI.2.4), the example site's
model data-elements, and the demo mailbox (B10)."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, render_template_string
from flask_login import login_user
from lxml import html as lxml_html

from flask_citizencare.blueprints.navigation import navigation
from flask_citizencare.blueprints.public.views import report_page
from flask_citizencare.demo.data import ACCOUNTS
from flask_citizencare.models import OutboxMail
from flask_citizencare.services.mail.outbox import deliver_pending

from .browser import migrated_example_app
from .factories import create_category, create_report
from .host import HostUser, host_db
from .staff import Team

EN = {"Accept-Language": "en"}
ROOT = Path(__file__).resolve().parent.parent


def keys_for(app: Flask, user: HostUser | None, path: str = "/citizencare/") -> list[tuple[str, bool, bool]]:
    with app.test_request_context(path, headers=EN):
        if user is not None:
            login_user(host_db.session.get(HostUser, user.id))
        app.preprocess_request()
        return [(entry.key, entry.current, entry.here) for entry in navigation()]


PUBLIC = ["service", "report", "reports", "proposals", "dashboard"]


def test_anonymous_visitors_get_the_public_entries(app: Flask) -> None:
    entries = keys_for(app, None)
    assert [key for key, _, _ in entries] == PUBLIC
    assert ("service", True, True) in entries  # the index is the service sheet
    with app.test_request_context("/citizencare/", headers=EN):
        assert [e.url for e in navigation()] == [
            "/citizencare/",
            "/citizencare/new",
            "/citizencare/map",
            "/citizencare/proposals",
            "/citizencare/dashboard",
        ]
        assert [str(e.label) for e in navigation()] == [
            "Reporting an inefficiency",
            "Report a problem",
            "See the reports",
            "Proposals",
            "Dashboard",
        ]


def test_operators_get_the_staff_area_and_their_dashboard(app: Flask, team: Team) -> None:
    entries = keys_for(app, team.users["olga"], "/citizencare/staff/reports/1")
    assert [key for key, _, _ in entries] == [*PUBLIC, "mine", "queue", "staff_dashboard"]
    assert ("queue", True, False) in entries  # a case page belongs to the staff area
    with app.test_request_context("/", headers=EN):
        login_user(host_db.session.get(HostUser, team.users["olga"].id))
        assert [e.url for e in navigation("staff")] == ["/citizencare/staff/", "/citizencare/staff/dashboard"]


def test_managers_also_get_the_back_office(app: Flask, team: Team) -> None:
    entries = keys_for(app, team.users["marco"])
    assert [key for key, _, _ in entries] == [*PUBLIC, "mine", "queue", "staff_dashboard", "admin"]
    citizen = keys_for(app, team.users["carla"])
    assert [key for key, _, _ in citizen] == [*PUBLIC, "mine"]


def test_no_entries_outside_a_request(app: Flask) -> None:
    with app.app_context():
        assert navigation() == []


def test_the_report_inefficiency_macro_renders_the_models_link(app: Flask) -> None:
    template = (
        '{% from "citizencare/_report_inefficiency.html" import report_inefficiency_link %}'
        "{{ report_inefficiency_link() }}|{{ report_inefficiency_link('footer-link') }}"
    )
    with app.test_request_context("/", headers=EN):
        plain, styled = render_template_string(template).split("|")
    assert plain == '<a href="/citizencare/new" data-element="report-inefficiency">Report an inefficiency</a>'
    assert styled == (
        '<a href="/citizencare/new" data-element="report-inefficiency" class="footer-link">'
        "Report an inefficiency</a>"
    )


def test_the_service_status_macro_links_the_status_page(app: Flask) -> None:
    template = (
        '{% from "citizencare/_service_status.html" import service_status_link %}'
        "{{ service_status_link() }}|{{ service_status_link('footer-link') }}"
    )
    with app.test_request_context("/", headers=EN):
        plain, styled = render_template_string(template).split("|")
    assert plain == '<a href="/citizencare/status">Service status and planned works</a>'
    assert styled == '<a href="/citizencare/status" class="footer-link">Service status and planned works</a>'


# -- the example site ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def site(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    with migrated_example_app(
        database_url, tmp_path, SITE_DEMO_MAILBOX=True, SITE_DEMO_MAILDIR=str(tmp_path / "mail")
    ) as app:
        yield app


def tree_of(app: Flask, path: str) -> Any:
    response = app.test_client().get(path, headers=EN)
    assert response.status_code == 200, path
    return lxml_html.fromstring(response.get_data(as_text=True))


@pytest.mark.parametrize("path", ["/", "/segnalazioni/", "/segnalazioni/new", "/contatti"])
def test_the_example_layout_carries_the_models_data_elements(site: Flask, path: str) -> None:
    tree = tree_of(site, path)

    def one(name: str) -> Any:
        found = tree.xpath(f'//*[@data-element="{name}"]')
        assert len(found) >= 1, (path, name)
        return found[0]

    assert one("privacy-policy-link").get("href") == "/privacy"
    assert one("accessibility-link").get("href") == "/accessibilita"
    assert one("legal-notes").get("href") == "/note-legali"
    assert one("faq").get("href") == "/domande-frequenti"
    assert one("contacts").get("href") == "/contatti"
    footer_link = tree.xpath('//footer//*[@data-element="report-inefficiency"]')
    assert len(footer_link) == 1 and footer_link[0].get("href") == "/segnalazioni/new"
    assert footer_link[0].text_content() == "Report an inefficiency"
    assert tree.xpath('//footer//a[@href="/segnalazioni/status"]/text()') == [
        "Service status and planned works"
    ]
    assert one("personal-area-login").get("href").startswith("/accedi")
    menu = [a.get("href") for a in one("main-navigation").xpath("./li/a")]
    assert menu[:6] == [
        "/",
        "/segnalazioni/",
        "/segnalazioni/new",
        "/segnalazioni/map",
        "/segnalazioni/proposals",
        "/segnalazioni/dashboard",
    ]
    if path != "/":
        assert one("breadcrumb").tag == "ol"


@pytest.mark.parametrize("path", ["/note-legali", "/domande-frequenti", "/contatti", "/segnalazioni/status"])
def test_the_pages_the_footer_links_exist(site: Flask, path: str) -> None:
    tree = tree_of(site, path)
    assert tree.xpath("//main//h1")


def test_staff_see_the_staff_area_in_the_example_menu_after_logging_in(site: Flask) -> None:
    from example_site import db
    from example_site.accounts import create_or_update_user
    from flask_citizencare.models import StaffMember

    with site.app_context():
        user_id = create_or_update_user("olga", "Olga", "olga@comune.example", "olga-password")
        db.session.add(
            StaffMember(
                user_id=str(user_id), display_name="Olga", email="olga@comune.example", role="operator"
            )
        )
        db.session.commit()
    client = site.test_client()
    login = client.get("/accedi", headers=EN).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login)
    assert token
    client.post(
        "/accedi", data={"csrf_token": token.group(1), "username": "olga", "password": "olga-password"}
    )
    html = client.get("/", headers=EN).get_data(as_text=True)
    menu = lxml_html.fromstring(html).xpath('//*[@data-element="main-navigation"]/li/a')
    links = {a.text_content().strip(): a.get("href") for a in menu}
    assert links["Staff area"] == "/segnalazioni/staff/"
    assert links["Staff dashboard"] == "/segnalazioni/staff/dashboard"
    assert "Back office" not in links


def test_the_demo_mailbox_shows_what_the_outbox_sent(site: Flask, tmp_path: Path) -> None:
    from aiosmtpd.controller import Controller

    from example_site.demo_mail import MaildirHandler

    port = free_port()
    controller = Controller(MaildirHandler(tmp_path / "mail"), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        site.config.update(CITIZENCARE_SMTP_HOST="127.0.0.1", CITIZENCARE_SMTP_PORT=port)
        with site.app_context():
            from example_site import db

            db.session.add(
                OutboxMail(
                    message_id="<demo-1@comune.example>",
                    template="survey",
                    recipient="mario@example.org",
                    locale="en",
                    subject="How did we do?",
                    body_text=(
                        "Tell us: http://127.0.0.1:5000/segnalazioni/survey/abc?x=1&y=2.\n<b>not html</b>"
                    ),
                )
            )
            db.session.commit()
            assert deliver_pending(worker="test").sent == 1
    finally:
        controller.stop()
    client = site.test_client()
    listing = lxml_html.fromstring(client.get("/demo/mailbox", headers=EN).get_data(as_text=True))
    link = listing.xpath('//ul[@class="site-demo-mails"]//a')
    assert [a.text_content() for a in link] == ["How did we do?"]
    mail = client.get(link[0].get("href"), headers=EN)
    assert mail.status_code == 200
    body = mail.get_data(as_text=True)
    assert '<a href="http://127.0.0.1:5000/segnalazioni/survey/abc?x=1&amp;y=2">' in body
    assert "&lt;b&gt;not html&lt;/b&gt;" in body
    assert client.get("/demo/mailbox/..%2Fsecret", headers=EN).status_code == 404
    assert client.get("/demo/mailbox/nope", headers=EN).status_code == 404


def test_the_demo_mailbox_is_404_without_the_flag(database_url: str, tmp_path: Path) -> None:
    with migrated_example_app(database_url, tmp_path) as app:
        assert app.config["SITE_DEMO_MAILBOX"] is False
        assert app.test_client().get("/demo/mailbox").status_code == 404
        assert app.test_client().get("/demo/mailbox/1").status_code == 404


def test_the_readme_lists_every_demo_account() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("### The demo")[1].split("\n## ")[0]
    listed = re.findall(r"^\| `([^`]+)` \| ([^|]+) \| ([a-z]+)", table, flags=re.MULTILINE)
    assert [(u, n.strip(), r) for u, n, r in listed] == [
        (a.username, a.display_name, a.role) for a in ACCOUNTS
    ]
    assert "/segnalazioni/staff/" in table and "demo-<username>" in table and "/demo/mailbox" in table


def test_make_demo_runs_the_mail_catcher_and_refreshes_the_figures() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    demo = makefile.split("\ndemo:")[1].split("\n\n")[0]
    assert "flask citizencare stats refresh" in demo
    assert "flask site demo-mail" in demo and "SITE_DEMO_MAILBOX=1" in makefile


def test_demo_data_brings_response_templates(app: Flask) -> None:
    import sqlalchemy as sa

    from flask_citizencare.demo import load_demo
    from flask_citizencare.demo.data import TEMPLATES
    from flask_citizencare.models import CannedReply

    with app.app_context():
        load_demo(0, 1)
        rows = host_db.session.execute(
            sa.select(CannedReply.code, CannedReply.status, CannedReply.category_id.is_not(None))
        ).all()
        host_db.session.remove()
    by_code = {code: (status, has_category) for code, status, has_category in rows}
    assert set(by_code) == {t[0] for t in TEMPLATES}
    assert by_code["demo-presa-in-carico"] == ("acknowledged", False)
    assert by_code["demo-buca-messa-in-sicurezza"] == (None, True)


def test_a_proposals_page_is_under_proposals_in_the_menu(app: Flask) -> None:
    with app.app_context():
        category = create_category(host_db.session, kinds="both")
        proposal = create_report(host_db.session, category=category, kind="proposal")
        issue = create_report(host_db.session, category=category)
        host_db.session.commit()
        numbers = proposal.public_id, issue.public_id
    for number, section in zip(numbers, ("proposals", "service"), strict=True):
        with app.test_request_context(f"/citizencare/reports/{number}"):
            app.preprocess_request()
            report_page(number)
            current = [entry.key for entry in navigation() if entry.current]
        assert current == [section], number
