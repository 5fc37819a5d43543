"""A planned closure's whole life in a real browser, with its mails through the outbox and an SMTP
server on loopback.

A manager writes planned road works 40 days ahead (affected category and a drawn area, given as
GeoJSON as a keyboard user or a page without scripts does) and publishes them: nobody is mailed yet,
since the first mail goes 30 to 15 days before the start. A citizen on a phone starts a report in the
affected category: the form says the problem is known and offers to follow the notice instead; she
follows it and confirms by the mailed link. The sweep, run when the 30-day mark has passed, mails her
and the city-wide subscriber once (twice run, still once); the day before, the reminder; when the
manager posts the completion, the last mail. The status page lists the works all along and passes axe.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from example_site import db as site_db
from flask_citizencare import state
from flask_citizencare.models import ServiceNotice, Subscription
from flask_citizencare.services.mail.outbox import deliver_pending
from flask_citizencare.services.notice_mails import sweep
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
from .factories import create_category, create_subscription
from .smtp import SmtpSink, running_smtp_server, text_of
from .test_browser_accessibility import violations

pytestmark = [pytest.mark.slow, pytest.mark.browser]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
ROME = ZoneInfo("Europe/Rome")
CITIZEN = "giulia.neri@example.org"
EVERYONE = "tutte.le.notizie@example.org"
TITLE = "Chiusura di via Irnerio per lavori alla rete idrica"
AREA = {
    "type": "Polygon",
    "coordinates": [
        [[11.345, 44.498], [11.352, 44.498], [11.352, 44.503], [11.345, 44.503], [11.345, 44.498]]
    ],
}
#: The bot trap refuses a form posted sooner than CITIZENCARE_FORM_MIN_SECONDS after it was shown.
FORM_WAIT = 3.5


@dataclass
class Site:
    server: LiveServer
    smtp: SmtpSink
    category_id: int


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
            category = create_category(site_db.session, code="strade-n", name="Strade e marciapiedi")
            create_subscription(site_db.session, email=EVERYONE, topic="notices")
            site_db.session.commit()
            factory = state(app).user_factory
            assert factory is not None
            manager_id = factory(
                "responsabile", "Marta Responsabile", "marta@comune.example", "password-marta"
            )
            site_db.session.commit()
            save_staff_member(manager_id, role="manager", display_name="Marta Responsabile")
            site = Site(server, smtp, category.id)
        with server:
            yield site


def deliver(site: Site) -> None:
    with site.server.app.app_context():
        deliver_pending(worker="browser-test")


def run_sweep(site: Site, at: datetime) -> None:
    app = site.server.app
    with app.test_request_context(base_url=site.server.url):
        sweep(at)


def mails_to(site: Site, address: str) -> list[str]:
    """The notice's mails to ``address`` (their subjects shorten a long title: the body has it whole)."""
    texts = [text_of(m) for m in site.smtp.messages if m["To"] == address]
    return [t for t in texts if TITLE in " ".join(t.split()) and "/subscriptions/confirm/" not in t]


def days_pass(site: Site, days: int) -> None:
    """Move the notice's times back by ``days``: the staff's steps, posted now by the browser, come
    that much later in the notice's life (the sweeps above were run at those moments already)."""
    with site.server.app.app_context():
        notice = site_db.session.scalar(sa.select(ServiceNotice))
        assert notice is not None and notice.ends_at is not None and notice.published_at is not None
        shift = timedelta(days=days)
        notice.starts_at, notice.ends_at = notice.starts_at - shift, notice.ends_at - shift
        notice.published_at -= shift
        for update in notice.updates:
            update.at -= shift
        site_db.session.commit()


def the_notice(site: Site) -> ServiceNotice:
    with site.server.app.app_context():
        notice = site_db.session.scalar(sa.select(ServiceNotice))
        assert notice is not None
        site_db.session.expunge(notice)
        return notice


def test_planned_works_from_the_back_office_to_the_citizens_mailbox(chromium: Any, site: Site) -> None:
    url = site.server.url
    start = (datetime.now(ROME) + timedelta(days=40)).replace(hour=9, minute=0, second=0, microsecond=0)
    end = start + timedelta(days=2, hours=9)

    # The manager writes the works and publishes them.
    staff = chromium.new_context(**DESKTOP, locale="it-IT").new_page()
    log_in(staff, site.server, "responsabile", "password-marta")
    staff.goto(url + "/segnalazioni/staff/notices/new")
    staff.check("input[name='kind'][value='planned']")
    staff.fill("input[name='title_it']", TITLE)
    staff.fill("textarea[name='body_it']", "Scavi per la **nuova condotta**: strada chiusa al traffico.")
    staff.check("input[name='impact'][value='interrupted']")
    staff.fill("input[name='starts_at']", start.strftime("%Y-%m-%dT%H:%M"))
    staff.fill("input[name='ends_at']", end.strftime("%Y-%m-%dT%H:%M"))
    staff.check(f"input[name='categories'][value='{site.category_id}']")
    staff.fill("textarea[name='area']", json.dumps(AREA))
    staff.locator("form.cc-form button[type=submit]", has_text="Salva").click()
    staff.wait_for_load_state()
    assert violations(staff) == [], "staff page of the draft"
    notice = the_notice(site)
    assert notice.status == "draft" and notice.starts_at == start.astimezone(UTC)
    staff.locator("form[action$='/publish'] textarea[name='publish-body_it']").fill(
        "Lavori confermati: via Irnerio chiusa dal giorno indicato."
    )
    staff.locator("form[action$='/publish'] button[type=submit]").click()
    staff.wait_for_load_state()
    assert the_notice(site).status == "scheduled"
    deliver(site)
    assert mails_to(site, EVERYONE) == []  # 40 days ahead: too early for the first mail

    # The status page lists the upcoming works, without personal data, and passes axe.
    citizen = chromium.new_context(**PHONE, locale="it-IT").new_page()
    errors = console_errors(citizen)
    citizen.goto(url + "/segnalazioni/status")
    assert TITLE in citizen.locator("main").inner_text()
    assert "Marta" not in citizen.content()
    assert violations(citizen) == [], "status page"

    # A citizen starts a report in the affected category: the form says it is known and handled.
    citizen.goto(url + "/segnalazioni/new")
    accept_conditions(citizen)
    citizen.select_option("#category", label="Strade e marciapiedi")
    wait_until(citizen, "() => !document.getElementById('cc-known-problems').hidden")
    banner = citizen.locator("#cc-known-problems")
    assert TITLE in banner.inner_text()
    assert violations(citizen) == [], "report form with the known-problem banner"
    banner.locator("a[href$='#cc-follow']").first.click()
    citizen.wait_for_load_state()
    assert citizen.get_by_role("heading", name=TITLE).is_visible()
    follow = citizen.locator("#cc-follow")
    follow.locator("input[name='email']").fill(CITIZEN)
    time.sleep(FORM_WAIT)
    follow.locator("button[type=submit]").click()
    citizen.wait_for_load_state()
    assert violations(citizen) == [], "check your mail"

    # Double opt-in: the confirmation mail's link confirms the subscription.
    deliver(site)
    [confirmation] = [text_of(m) for m in site.smtp.messages if m["To"] == CITIZEN]
    [link] = re.findall(r"https?://\S+/subscriptions/confirm/[\w.-]+", confirmation)
    citizen.goto(link)
    assert violations(citizen) == [], "subscription confirmed"
    with site.server.app.app_context():
        row = site_db.session.scalar(sa.select(Subscription).where(Subscription.email == CITIZEN))
        assert row is not None and row.confirmed_at is not None and row.notice_id == notice.id

    # 29 days before the start the sweep sends the first mail; a second sweep sends nothing more.
    first_at = start - timedelta(days=29)
    run_sweep(site, first_at)
    run_sweep(site, first_at + timedelta(minutes=5))
    deliver(site)
    assert len(mails_to(site, CITIZEN)) == 1 and len(mails_to(site, EVERYONE)) == 1
    assert "nuova condotta" in mails_to(site, CITIZEN)[0]
    assert f"/status/{notice.id}" in mails_to(site, CITIZEN)[0]

    # The day before, the reminder.
    run_sweep(site, (start - timedelta(days=1)).replace(hour=12))
    deliver(site)
    assert len(mails_to(site, CITIZEN)) == 2 and len(mails_to(site, EVERYONE)) == 2

    # 41 days later the works begin, then end: the completion reaches both, once.
    days_pass(site, 41)
    staff.goto(url + f"/segnalazioni/staff/notices/{notice.id}")
    staff.select_option("select[name='step-status']", value="in_progress")
    staff.fill("textarea[name='step-body_it']", "Cantiere aperto.")
    staff.locator("form[action$='/steps'] button[type=submit]").click()
    staff.wait_for_load_state()
    staff.select_option("select[name='step-status']", value="completed")
    staff.fill("textarea[name='step-body_it']", "Lavori finiti, strada riaperta.")
    staff.locator("form[action$='/steps'] button[type=submit]").click()
    staff.wait_for_load_state()
    assert the_notice(site).status == "completed"
    deliver(site)
    last = mails_to(site, CITIZEN)[-1]
    assert len(mails_to(site, CITIZEN)) == 3 and "strada riaperta" in last
    assert len(mails_to(site, EVERYONE)) == 3
    citizen.goto(url + f"/segnalazioni/status/{notice.id}")
    assert "strada riaperta" in citizen.locator("main").inner_text()
    assert violations(citizen) == [], "notice page with its timeline"
    assert script_errors(errors) == []  # the map tiles never load
