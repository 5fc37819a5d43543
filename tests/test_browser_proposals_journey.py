"""A proposal's whole life in a real browser, with mail through the outbox and an SMTP server on loopback.

A citizen finds a proposal in the public list, starts filing her own, sees the
similar one while typing the title and supports that one instead; she confirms
her support by the mailed link; the threshold is reached and the office is
told; an operator drafts the official answer (the public does not see the
draft) and publishes it; the page shows the answer and the supporter gets it
by mail.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from example_site import db as site_db
from flask_citizencare import state
from flask_citizencare.models import Report, StatusEvent, Support
from flask_citizencare.services.mail.outbox import deliver_pending
from flask_citizencare.services.staff import save_staff_member

from .browser import (
    LiveServer,
    accept_conditions,
    console_errors,
    log_in,
    migrated_example_app,
    script_errors,
    wait_until,
)
from .factories import create_category, create_office, create_report
from .smtp import SmtpSink, running_smtp_server, text_of
from .test_browser_accessibility import violations

pytestmark = [pytest.mark.slow, pytest.mark.browser]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
SUPPORTER = "lucia.bianchi@example.org"
OFFICE_MAIL = "mobilita@comune.example"
TITLE = "Pista ciclabile in via Saragozza"
ANSWER = "La pista sarà inserita nel piano della mobilità ciclabile del prossimo anno."
#: The bot trap refuses a form posted sooner than CITIZENCARE_FORM_MIN_SECONDS after it was shown.
FORM_WAIT = 3.5


@dataclass
class Site:
    server: LiveServer
    smtp: SmtpSink
    report_id: int
    public_id: str


@pytest.fixture
def site(database_url: str, tmp_path: Path) -> Iterator[Site]:
    with running_smtp_server() as smtp, migrated_example_app(database_url, tmp_path) as app:
        server = LiveServer(app)
        app.config.update(
            CITIZENCARE_SITE_URL=server.url,  # the mails' links point at the live server
            CITIZENCARE_SMTP_HOST=smtp.host,
            CITIZENCARE_SMTP_PORT=smtp.port,
        )
        with app.app_context():
            office = create_office(site_db.session, code="mobilita-j", name="Mobilità", email=OFFICE_MAIL)
            category = create_category(
                site_db.session,
                code="proposte-j",
                name="Proposte per la mobilità",
                kinds="proposal",
                default_office_id=office.id,
                supports_threshold=2,
            )
            proposal = create_report(
                site_db.session,
                category=category,
                kind="proposal",
                title=TITLE,
                description="Una pista ciclabile protetta da Porta Saragozza al Meloncello.",
                office_id=office.id,
            )
            # One neighbour supports it already; one more support reaches the threshold.
            site_db.session.add(Support(report_id=proposal.id, supporter="u:neighbour", email=None))
            proposal.supports_count = 1
            site_db.session.commit()
            factory = state(app).user_factory
            assert factory is not None
            operator_id = factory("operatrice", "Olga Operatrice", "olga@comune.example", "password-olga")
            site_db.session.commit()
            save_staff_member(operator_id, role="operator", display_name="Olga Operatrice")
            site = Site(server, smtp, proposal.id, proposal.public_id)
        with server:
            yield site


def deliver(site: Site) -> None:
    with site.server.app.app_context():
        deliver_pending(worker="browser-test")


def mail_to(site: Site, address: str, subject_words: str) -> str:
    texts = [
        text_of(m) for m in site.smtp.messages if m["To"] == address and subject_words in str(m["Subject"])
    ]
    assert len(texts) == 1, [(m["To"], str(m["Subject"])) for m in site.smtp.messages]
    return texts[0]


def facts(site: Site) -> tuple[int, bool, list[str]]:
    with site.server.app.app_context():
        report = site_db.session.get(Report, site.report_id)
        assert report is not None
        steps = site_db.session.scalars(
            sa.select(StatusEvent.action)
            .where(StatusEvent.report_id == site.report_id)
            .order_by(StatusEvent.at, StatusEvent.id)
        ).all()
        return report.supports_count, report.threshold_reached_at is not None, list(steps)


def test_a_citizen_supports_a_similar_proposal_and_the_office_answers_it(chromium: Any, site: Site) -> None:
    citizen_context = chromium.new_context(**PHONE, locale="it-IT")
    citizen = citizen_context.new_page()
    errors = console_errors(citizen)

    # The public list shows the proposal with its supports; its card leads to its page.
    citizen.goto(site.server.url + "/segnalazioni/proposals?sort=supported")
    card = citizen.get_by_role("link", name=TITLE)
    assert card.count() == 1
    card.click()
    citizen.wait_for_load_state()
    assert citizen.get_by_role("heading", name=TITLE).is_visible()
    assert "1 su 2 sostegni" in citizen.locator("#support").inner_text()
    assert violations(citizen) == [], "proposal page with the support form"

    # She starts filing her own proposal; typing the title shows the similar one.
    citizen.goto(site.server.url + "/segnalazioni/new")
    accept_conditions(citizen)
    citizen.check("input[name='kind'][value='proposal']")
    citizen.fill("#title", "Pista ciclabile via Saragozza")
    wait_until(citizen, "() => !document.getElementById('cc-similar').hidden")
    suggestion = citizen.locator("#cc-similar a.cc-similar__support")
    assert suggestion.count() == 1
    # ... and she supports that one instead.
    suggestion.click()
    citizen.wait_for_url(f"**/reports/{site.public_id}#support")
    support_box = citizen.locator("#support")
    support_box.locator("input[name='email']").fill(SUPPORTER)
    time.sleep(FORM_WAIT)
    support_box.locator("form.cc-support__email button[type=submit]").click()
    citizen.wait_for_load_state()
    assert urlsplit(citizen.url).path.endswith(f"/reports/{site.public_id}/support/sent")
    assert violations(citizen) == [], "check your mail"
    assert facts(site)[0] == 1  # nothing counted before the address is confirmed

    # The confirmation mail goes through the outbox and the SMTP server; its link confirms.
    deliver(site)
    mail = mail_to(site, SUPPORTER, site.public_id)
    [confirm] = re.findall(r"https?://\S+/support/[\w.-]+", mail)
    citizen.goto(confirm)
    assert violations(citizen) == [], "confirmation page"
    citizen.locator("main form button[type=submit]").first.click()
    citizen.wait_for_load_state()
    assert violations(citizen) == [], "support confirmed"
    count, reached, steps = facts(site)
    assert (count, reached) == (2, True)
    assert "threshold_reached" in steps

    # The threshold obliges an answer: the page says by when, the office is told by mail.
    citizen.goto(site.server.url + f"/segnalazioni/reports/{site.public_id}")
    assert "Soglia di 2 sostegni raggiunta" in citizen.locator("#support").inner_text()
    assert "Il Comune risponderà entro" in citizen.locator("main").inner_text()
    deliver(site)
    office_mail = mail_to(site, OFFICE_MAIL, site.public_id)
    assert f"/staff/cases/{site.public_id}" in office_mail

    # The operator drafts the answer: staff see the draft, the public does not.
    staff_context = chromium.new_context(**DESKTOP, locale="it-IT")
    staff = staff_context.new_page()
    log_in(staff, site.server, "operatrice", "password-olga")
    staff.goto(site.server.url + f"/segnalazioni/staff/cases/{site.public_id}")
    staff.select_option("#answer-state", label="Accolta")
    staff.locator("[data-cc-answer-staff] textarea[name='body']").fill(ANSWER)
    staff.get_by_role("button", name="Salva la bozza").click()
    staff.wait_for_load_state()
    assert ANSWER in staff.locator("[data-cc-answer-staff]").inner_text()
    assert violations(staff) == [], "case page with the draft answer"
    citizen.reload()
    assert ANSWER not in citizen.content()
    deliver(site)
    assert not [m for m in site.smtp.messages if m["To"] == SUPPORTER and ANSWER in text_of(m)]

    # Publishing is its own step; then the page shows the answer and the supporter gets it by mail.
    staff.check("#answer-confirm")
    staff.get_by_role("button", name="Pubblica la risposta").click()
    staff.wait_for_load_state()
    citizen.reload()
    assert violations(citizen) == [], "proposal page with its answer"
    answer = citizen.locator(".cc-answer")
    assert ANSWER in answer.inner_text()
    assert "Accolta" in answer.inner_text()
    deliver(site)
    answered = [text_of(m) for m in site.smtp.messages if m["To"] == SUPPORTER and ANSWER in text_of(m)]
    assert len(answered) == 1
    assert f"/reports/{site.public_id}" in answered[0]
    # The phone page fits its width; no script error, nothing the policy refused.
    assert citizen.evaluate("document.documentElement.scrollWidth") <= 390
    assert script_errors(errors) == []

    # Paper proposals: the import page and its dry run, which names a row's problem and writes nothing.
    staff.goto(site.server.url + "/segnalazioni/staff/proposals/import")
    assert violations(staff) == [], "import page"
    paper = "titolo,descrizione,categoria\nPanchine in piazza,Mancano panchine,sconosciuta\n"
    staff.set_input_files(
        "input[type=file]", {"name": "assemblea.csv", "mimeType": "text/csv", "buffer": paper.encode()}
    )
    staff.locator("main form button[type=submit]").first.click()
    staff.wait_for_load_state()
    assert staff.locator("[data-cc-problems]").count() == 1
    assert violations(staff) == [], "dry run with problems"
    staff_context.close()
    citizen_context.close()
