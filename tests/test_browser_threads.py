"""A report's thread in a real browser: the reporter writes from the tracking page of the acknowledgement
mail, the operator answers in public, privately and with an internal note; each page shows its share."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from example_site import db as site_db
from flask_citizencare import state
from flask_citizencare.domain.lifecycle import Kind
from flask_citizencare.models import Message, OutboxMail
from flask_citizencare.services.reports import Submission, submit_report
from flask_citizencare.services.staff import save_staff_member

from .browser import LiveServer, log_in, migrated_example_app
from .factories import create_category, create_office

pytestmark = [pytest.mark.slow, pytest.mark.browser]
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
REPORTER = "giulia.verdi@example.org"
TITLE = "Lampione spento in via Zamboni"

CITIZEN_TEXT = "Il lampione è ancora spento stasera, e la strada è buia."
PUBLIC_TEXT = "Abbiamo programmato la sostituzione della lampada per giovedì."
PRIVATE_TEXT = "Gentile signora Verdi, grazie: il tecnico passerà giovedì mattina."
INTERNAL_TEXT = "Nota per la squadra: portare la scala lunga."


@dataclass
class Site:
    server: LiveServer
    report_id: int
    public_id: str


@pytest.fixture
def thread_site(database_url: str, tmp_path: Path) -> Iterator[Site]:
    with migrated_example_app(database_url, tmp_path) as app:
        server = LiveServer(app)
        app.config["CITIZENCARE_SITE_URL"] = server.url  # the mails' links point at the live server
        with app.app_context():  # no request: the mail's links are built on CITIZENCARE_SITE_URL
            lights = create_office(site_db.session, code="luce-t", name="Illuminazione pubblica")
            category = create_category(
                site_db.session, code="lampioni-t", name="Lampioni", default_office_id=lights.id
            )
            site_db.session.commit()
            report = submit_report(
                Submission(
                    kind=Kind.ISSUE,
                    category_id=category.id,
                    title=TITLE,
                    description="Il lampione davanti al civico 33 non si accende da tre sere.",
                    submission_token="browser-thread-test",
                    lat=44.4969,
                    lon=11.3521,
                    contact_name="Giulia Verdi",
                    contact_email=REPORTER,
                    locale="it",
                )
            )
            factory = state(app).user_factory
            assert factory is not None
            operator_id = factory("operatrice", "Olga Operatrice", "olga@comune.example", "password-olga")
            site_db.session.commit()
            save_staff_member(operator_id, role="operator", display_name="Olga Operatrice")
            site = Site(server, report.id, report.public_id)
        with server:
            yield site


def tracking_link(site: Site) -> str:
    """The link of the acknowledgement mail waiting in the outbox for the reporter."""
    with site.server.app.app_context():
        bodies = site_db.session.scalars(
            sa.select(OutboxMail.body_text).where(OutboxMail.recipient == REPORTER)
        ).all()
    links = {link for body in bodies for link in re.findall(r"https?://\S+/track/[\w-]+", body or "")}
    assert len(links) == 1, bodies
    [link] = links
    assert link.startswith(site.server.url)
    return str(link)


def thread_text(page: Any) -> str:
    return str(page.locator(".cc-thread").inner_text())


def post_staff_message(page: Any, audience: str, text: str) -> None:
    page.get_by_label("Chi può leggerlo").select_option(label=audience)
    page.get_by_label("Messaggio", exact=True).fill(text)
    page.get_by_role("button", name="Invia il messaggio").click()
    page.wait_for_load_state()
    page.get_by_text(text).wait_for()


def test_reporter_and_operator_write_in_the_thread_and_each_page_shows_its_part(
    chromium: Any, thread_site: Site
) -> None:
    site = thread_site
    link = tracking_link(site)

    # The reporter opens the link of the acknowledgement mail and adds information.
    context = chromium.new_context(**DESKTOP, locale="it-IT")
    reporter = context.new_page()
    reporter.goto(link)
    assert reporter.get_by_role("heading", name=TITLE).is_visible()
    assert reporter.get_by_text("Ancora nessun messaggio.").is_visible()
    reporter.get_by_label("Aggiungi informazioni").fill(CITIZEN_TEXT)
    thread_form = reporter.locator("form", has=reporter.locator("textarea[name=text]"))
    thread_form.get_by_role("button", name="Invia", exact=True).click()
    reporter.wait_for_url("**/track/**#thread")
    assert CITIZEN_TEXT in thread_text(reporter)
    assert thread_text(reporter).startswith("Tu ·")

    # The operator finds the case in the queue, reads the message and answers three ways.
    staff_context = chromium.new_context(**DESKTOP, locale="it-IT")
    operator = staff_context.new_page()
    log_in(operator, site.server, "operatrice", "password-olga")
    operator.get_by_role("row", name=TITLE).get_by_role("link", name=site.public_id).click()
    operator.wait_for_url(f"**/segnalazioni/staff/cases/{site.public_id}")
    assert CITIZEN_TEXT in thread_text(operator)
    post_staff_message(operator, "Tutti (risposta pubblica)", PUBLIC_TEXT)
    post_staff_message(operator, "Solo il segnalante", PRIVATE_TEXT)
    post_staff_message(operator, "Solo il personale (nota interna)", INTERNAL_TEXT)
    staff_thread = thread_text(operator)
    for text in (CITIZEN_TEXT, PUBLIC_TEXT, PRIVATE_TEXT, INTERNAL_TEXT):
        assert text in staff_thread
    internal = operator.locator(".cc-thread__message", has_text=INTERNAL_TEXT)
    assert "nota interna" in internal.inner_text()  # said in words, not only by colour
    staff_context.close()

    # The reporter's private page: both answers meant for them, not the staff's note.
    reporter.reload()
    mine = thread_text(reporter)
    assert CITIZEN_TEXT in mine and PUBLIC_TEXT in mine and PRIVATE_TEXT in mine
    assert INTERNAL_TEXT not in reporter.content()
    assert reporter.locator(".cc-thread__message", has_text=PRIVATE_TEXT).inner_text().startswith("Il Comune")
    context.close()

    # Anyone's public page: the public answer only, no words or details of the reporter.
    context = chromium.new_context(**DESKTOP, locale="it-IT")
    public = context.new_page()
    public.goto(site.server.url + f"/segnalazioni/reports/{site.public_id}")
    assert public.get_by_role("heading", name="Risposte del Comune").is_visible()
    assert PUBLIC_TEXT in thread_text(public)
    html = public.content()
    for hidden in (CITIZEN_TEXT, PRIVATE_TEXT, INTERNAL_TEXT, REPORTER, "Giulia Verdi"):
        assert hidden not in html
    context.close()

    with site.server.app.app_context():
        stored = site_db.session.execute(
            sa.select(Message.visibility, Message.author_kind)
            .where(Message.report_id == site.report_id)
            .order_by(Message.id)
        ).all()
    assert [tuple(row) for row in stored] == [
        ("private", "reporter"),
        ("public", "staff"),
        ("private", "staff"),
        ("internal", "staff"),
    ]
