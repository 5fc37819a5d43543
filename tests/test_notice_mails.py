"""Who gets the mails of a service notice, each exactly once (sweeps twice, at once), delivered over
real SMTP through the outbox worker, and the `notices sweep` command."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from geoalchemy2.shape import from_shape

from flask_citizencare.context import state
from flask_citizencare.domain.notices.areas import circle, districts_area
from flask_citizencare.models import OutboxMail, Subscription, SubscriptionMail
from flask_citizencare.services import notices as service
from flask_citizencare.services.mail.outbox import deliver_pending
from flask_citizencare.services.notice_mails import sweep
from flask_citizencare.services.notices import NoticeInput, StepInput

from .host import host_db
from .racing import at_the_same_instant
from .smtp import SmtpSink, html_of, text_of
from .staff import Team, actor_for

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
EARLIER = NOW - timedelta(days=60)
SQUARE = {
    "type": "Polygon",
    "coordinates": [
        [[11.340, 44.490], [11.345, 44.490], [11.345, 44.494], [11.340, 44.494], [11.340, 44.490]]
    ],
}
DISTRICTS = [
    {"name": "Navile", "bbox": (11.33, 44.50, 11.40, 44.55)},
    {"name": "Centro", "bbox": (11.33, 44.485, 11.36, 44.499)},
]


def subscribe(app: Flask, email: str, **fields: Any) -> int:
    """A confirmed subscription written directly (the double opt-in has its own tests)."""
    values: dict[str, Any] = {
        "email": email,
        "locale": "it",
        "topic": "notices",
        "frequency": "instant",
        "confirmed_at": EARLIER,
        "created_at": EARLIER,
        "categories": [],
        "services": [],
    }
    values.update(fields)
    if values.get("radius_m") is not None:
        shape = circle(values["centre_lat"], values["centre_lon"], values["radius_m"])
        values["area"] = from_shape(shape, srid=4326)
    with app.app_context():
        row = Subscription(**values)
        host_db.session.add(row)
        host_db.session.commit()
        return row.id


def notice(app: Flask, team: Team, publish: bool = True, when: datetime = NOW, **fields: Any) -> int:
    values: dict[str, Any] = {
        "kind": "incident",
        "titles": {"it": "Acqua interrotta", "en": "Water cut off", "ca": "Aigua tallada"},
        "bodies": {"it": "Guasto alla rete **idrica**.", "en": "A broken water main."},
        "starts_at": NOW - timedelta(hours=1),
        "category_ids": [team.potholes.id],
        "services": ["Portale SUAP"],
        "area_geojson": json.dumps(SQUARE),
    }
    values.update(fields)
    status = "investigating" if values["kind"] == "incident" else "scheduled"
    with app.test_request_context():
        created = service.create_notice(actor_for(team, "olga"), NoticeInput(**values))
        if publish:
            service.publish_notice(
                actor_for(team, "marco"),
                created.id,
                StepInput(status, {"it": "Stiamo verificando."}),
                now=when,
            )
        return created.id


def step(app: Flask, team: Team, notice_id: int, status: str, when: datetime, notify: bool = False) -> None:
    with app.test_request_context():
        service.post_step(
            actor_for(team, "olga"),
            notice_id,
            StepInput(status, {"it": f"Passo {status}."}, notify),
            now=when,
        )


def sent(app: Flask) -> list[tuple[str, str]]:
    """(recipient, template) of the notice mails in the outbox, sorted."""
    with app.app_context():
        query = sa.select(OutboxMail.recipient, OutboxMail.template).where(
            OutboxMail.template.like("notice_%")
        )
        return sorted((r, t) for r, t in host_db.session.execute(query))


def run_sweep(app: Flask, when: datetime) -> int:
    with app.test_request_context():
        return sweep(when).mails


def test_who_matches_a_notice(app: Flask, team: Team) -> None:
    app.config["CITIZENCARE_DISTRICTS"] = DISTRICTS
    subscribe(app, "tutti@example.org")
    subscribe(app, "buche@example.org", categories=[team.potholes.id, team.lamps.id])
    subscribe(app, "lampioni@example.org", categories=[team.lamps.id])
    subscribe(app, "suap@example.org", services=["portale suap"])
    subscribe(app, "pagopa@example.org", services=["PagoPA"])
    with app.app_context():
        centro = from_shape(districts_area(["Centro"], state().settings.districts), srid=4326)
        navile = from_shape(districts_area(["Navile"], state().settings.districts), srid=4326)
    subscribe(app, "centro@example.org", district="Centro", area=centro)
    subscribe(app, "navile@example.org", district="Navile", area=navile)
    subscribe(app, "vicino@example.org", centre_lat=44.4925, centre_lon=11.3470, radius_m=300)
    subscribe(app, "lontano@example.org", centre_lat=44.52, centre_lon=11.38, radius_m=300)
    subscribe(app, "buche-centro@example.org", categories=[team.potholes.id], district="Centro", area=centro)
    subscribe(app, "lampioni-centro@example.org", categories=[team.lamps.id], district="Centro", area=centro)
    subscribe(app, "uscito@example.org", unsubscribed_at=EARLIER)
    subscribe(app, "in-attesa@example.org", confirmed_at=None)
    subscribe(app, "dopo@example.org", confirmed_at=NOW + timedelta(minutes=5))  # confirmed after it opened
    subscribe(app, "avvisi-locali@example.org", topic="reports", categories=[team.potholes.id])
    other = notice(app, team, publish=False, titles={"it": "Altro"})
    subscribe(app, "altro@example.org", notice_id=other)
    notice_id = notice(app, team)
    subscribe(app, "segue@example.org", notice_id=notice_id, confirmed_at=NOW + timedelta(minutes=1))
    first = [r for r, _t in sent(app)]
    assert first == sorted(
        [
            "tutti@example.org",
            "buche@example.org",
            "suap@example.org",
            "centro@example.org",
            "vicino@example.org",
            "buche-centro@example.org",
        ]
    )
    # A notice of a district, without a drawn area, reaches that district's subscribers.
    notice(
        app,
        team,
        titles={"it": "Navile"},
        area_geojson=None,
        districts=["Navile"],
        category_ids=[],
        services=[],
    )
    assert "navile@example.org" in [r for r, _t in sent(app)]
    # The follower of a notice gets its next notified steps and its end, and only those.
    step(app, team, notice_id, "identified", NOW + timedelta(hours=1), notify=False)
    step(app, team, notice_id, "monitoring", NOW + timedelta(hours=2), notify=True)
    step(app, team, notice_id, "resolved", NOW + timedelta(hours=3))
    mails = [t for r, t in sent(app) if r == "segue@example.org"]
    assert mails == ["notice_end", "notice_update"]
    assert [t for r, t in sent(app) if r == "dopo@example.org"] == ["notice_end", "notice_update"]
    assert sorted(t for r, t in sent(app) if r == "tutti@example.org") == [
        "notice_end",
        "notice_first",
        "notice_first",
        "notice_update",
    ]


def test_planned_works_mail_on_time_and_once_however_often_the_sweep_runs(app: Flask, team: Team) -> None:
    starts = datetime(2026, 3, 29, 7, 0, tzinfo=UTC)  # 09:00 in Rome, the day summer time begins
    published = starts - timedelta(days=40)
    for n in range(3):
        subscribe(app, f"p{n}@example.org", confirmed_at=published - timedelta(days=1))
    notice_id = notice(
        app, team, kind="planned", starts_at=starts, ends_at=starts + timedelta(days=2), when=published
    )
    assert sent(app) == []  # 40 days ahead: not yet
    assert run_sweep(app, starts - timedelta(days=31)) == 0
    assert run_sweep(app, starts - timedelta(days=30)) == 3
    assert run_sweep(app, starts - timedelta(days=30)) == 0  # again: nothing more
    assert run_sweep(app, datetime(2026, 3, 28, 6, 59, tzinfo=UTC)) == 0  # 07:59 CET the day before
    assert run_sweep(app, datetime(2026, 3, 28, 7, 0, tzinfo=UTC)) == 3  # 08:00 CET: the reminder
    assert run_sweep(app, datetime(2026, 3, 28, 12, 0, tzinfo=UTC)) == 0
    step(app, team, notice_id, "in_progress", starts)
    step(app, team, notice_id, "completed", starts + timedelta(days=2))
    assert run_sweep(app, starts + timedelta(days=2, hours=1)) == 0
    templates = [t for r, t in sent(app) if r == "p0@example.org"]
    assert sorted(templates) == ["notice_end", "notice_first", "notice_reminder"]
    with app.app_context():
        keys = sorted(host_db.session.scalars(sa.select(SubscriptionMail.key).distinct()))
        assert keys == [f"notice:{notice_id}:{k}" for k in ("end", "first", "reminder:2026-03-29")]
        assert (
            host_db.session.scalar(
                sa.select(sa.func.count())
                .select_from(SubscriptionMail)
                .where(SubscriptionMail.outbox_id.is_(None))
            )
            == 0
        )


def test_two_sweeps_at_once_never_send_a_mail_twice(app: Flask, team: Team) -> None:
    starts = NOW + timedelta(days=20)
    for n in range(12):
        subscribe(app, f"c{n}@example.org")
    notice(
        app,
        team,
        kind="planned",
        starts_at=starts,
        ends_at=starts + timedelta(days=1),
        when=NOW - timedelta(days=40),
    )
    assert sent(app) == []
    results = at_the_same_instant(*(lambda: run_sweep(app, NOW) for _ in range(3)))
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert sum(results) == 12
    recipients = [r for r, _t in sent(app)]
    assert sorted(recipients) == sorted(f"c{n}@example.org" for n in range(12))


def test_notice_mails_go_over_smtp_with_one_click_unsubscribe(app: Flask, team: Team, smtp: SmtpSink) -> None:
    subscribe(app, "cittadina@example.org", locale="en")
    notice_id = notice(app, team)
    with app.app_context():
        assert str(deliver_pending(worker="test")).startswith("sent 1")
    [message] = smtp.messages
    assert message["Subject"] == "Service notice: Water cut off"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = message["List-Unsubscribe"].strip("<>")
    text, html = text_of(message), html_of(message)
    assert "A broken water main." in text and link in text and "/citizencare/status/" in text
    assert f"/citizencare/status/{notice_id}" in html and link in html and "<img" not in html.lower()
    path = link.split("://", 1)[1].split("/", 1)[1]
    client = app.test_client()
    assert client.post("/" + path, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    with app.app_context():
        assert host_db.session.scalar(sa.select(Subscription.unsubscribed_at)) is not None
    step(app, team, notice_id, "resolved", NOW + timedelta(hours=1))
    assert [t for _r, t in sent(app)] == ["notice_first"]  # no more mails once unsubscribed


@pytest.mark.parametrize("language", ["it", "ca"])
def test_mails_speak_the_subscribers_language(app: Flask, team: Team, language: str) -> None:
    subscribe(app, "persona@example.org", locale=language)
    notice(app, team)
    with app.app_context():
        mail = host_db.session.scalar(sa.select(OutboxMail).where(OutboxMail.template == "notice_first"))
        assert mail is not None
        expected = {"it": "Avviso di servizio: Acqua interrotta", "ca": "Avís de servei: Aigua tallada"}
        assert mail.subject == expected[language] and mail.locale == language


def test_the_sweep_command(app: Flask, team: Team) -> None:
    subscribe(app, "cli@example.org", confirmed_at=datetime(2020, 1, 1, tzinfo=UTC))
    starts = datetime.now(UTC) + timedelta(days=10)
    notice(
        app,
        team,
        kind="planned",
        starts_at=starts,
        ends_at=starts + timedelta(days=1),
        when=starts - timedelta(days=45),
    )
    assert sent(app) == []
    with app.app_context():  # the first mail was due 30 days before the start, i.e. 20 days ago
        result = app.test_cli_runner().invoke(args=["citizencare", "notices", "sweep"])
    assert result.exit_code == 0, result.output
    assert "1 mail(s) queued for 1 notice(s)" in result.output
    assert sent(app) == [("cli@example.org", "notice_first")]
