"""Local alerts: instant mails and digests of new public reports and proposal updates near subscribers.

Subscriptions are written here directly (confirmed, as the subscription pages
leave them); the commands ``flask citizencare alerts send`` and ``... digest``
write the mails into the outbox, and a real SMTP server (aiosmtpd) receives
them. Both databases.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_babel import force_locale
from shapely.geometry import box

from flask_citizencare import state
from flask_citizencare.domain.alerts import DIGEST_LOOKBACK, AlertPlace, digest_period, distance_m
from flask_citizencare.domain.notices.areas import circle
from flask_citizencare.i18n import gettext as cc_gettext
from flask_citizencare.models import (
    AnswerState,
    Category,
    OutboxMail,
    ProposalAnswer,
    Report,
    Subscription,
    SubscriptionMail,
)
from flask_citizencare.queries.alerts import alert_items
from flask_citizencare.services.alert_mails import send_digests, send_instant_alerts
from flask_citizencare.services.mail.outbox import deliver_pending

from .factories import create_category, create_report, create_subscription
from .host import host_db
from .racing import at_the_same_instant
from .smtp import SmtpSink, text_of

DISTRICTS = [
    {"name": "Ovest", "bbox": [11.23, 44.46, 11.31, 44.54]},
    {"name": "Est", "bbox": [11.36, 44.46, 11.43, 44.54]},
]
WEST_BOX = box(11.23, 44.46, 11.31, 44.54)
EAST_BOX = box(11.36, 44.46, 11.43, 44.54)
#: (lon, lat) of the reports: a school in the west, 400 m north of it (still west), the east.
SCHOOL = (11.27, 44.50)
NORTH = (11.27, 44.5036)
EAST = (11.40, 44.50)
ROME = ZoneInfo("Europe/Rome")


# -- the rules alone -------------------------------------------------------------


def test_a_circle_is_matched_on_the_exact_distance_and_a_polygon_on_its_shape() -> None:
    assert 390 < distance_m(SCHOOL[1], SCHOOL[0], NORTH[1], NORTH[0]) < 410
    ring = AlertPlace.build(centre_lat=SCHOOL[1], centre_lon=SCHOOL[0], radius_m=300)
    assert ring.covers(*SCHOOL) and not ring.covers(*NORTH)
    west = AlertPlace.build(geometry=WEST_BOX, categories=[3])
    assert west.covers(*SCHOOL) and west.covers(*NORTH) and not west.covers(*EAST)
    assert west.matches(lon=SCHOOL[0], lat=SCHOOL[1], category_id=3)
    assert not west.matches(lon=SCHOOL[0], lat=SCHOOL[1], category_id=4)
    everywhere = AlertPlace.build()
    assert everywhere.covers(*EAST) and everywhere.covers(None, None)
    assert not west.covers(None, None)


def test_digest_periods_are_the_local_day_and_the_iso_week() -> None:
    late = datetime(2026, 12, 6, 23, 30, tzinfo=UTC)  # Monday 7 December, 00:30 in Rome
    assert digest_period("daily", late, ROME) == "2026-12-07"
    assert digest_period("weekly", late, ROME) == "2026-W50"
    assert digest_period("weekly", late - timedelta(hours=1), ROME) == "2026-W49"
    with pytest.raises(ValueError):
        digest_period("instant", late, ROME)


# -- the sweep -------------------------------------------------------------------


@dataclass
class City:
    roads: int
    lights: int
    numbers: dict[str, str]
    subscribers: dict[str, str]


def subscribe(session: Any, name: str, **fields: Any) -> tuple[str, str]:
    subscription = create_subscription(session, email=f"{name}@example.org", **fields)
    return name, subscription.email


@pytest.fixture
def city(app: Flask) -> City:
    """Reports and subscriptions, written in an app context of their own."""
    app.config["CITIZENCARE_DISTRICTS"] = DISTRICTS
    with app.app_context():
        session = host_db.session
        roads = create_category(session, code="strade", name="Strade", names={"en": "Roads"})
        lights = create_category(session, code="luci", name="Illuminazione", names={"en": "Street lights"})
        contact = {"name": "Ottavio Scarlatti", "email": "ottavio.s@example.net", "phone": "+39 340 555 0101"}
        reports = {
            "school": create_report(
                session, category=roads, lon=SCHOOL[0], lat=SCHOOL[1], contact=contact,
                title="Buca davanti alla scuola", address="Via Saffi 10",
            ),
            "north": create_report(session, category=roads, lon=NORTH[0], lat=NORTH[1]),
            "east": create_report(session, category=lights, lon=EAST[0], lat=EAST[1]),
            "hidden": create_report(
                session, category=roads, lon=SCHOOL[0], lat=SCHOOL[1], is_public=False,
                title="Nascosta Kp31",
            ),
        }  # fmt: skip
        reports["merged"] = create_report(
            session, category=roads, lon=SCHOOL[0], lat=SCHOOL[1], title="Doppione Zt08", status="rejected",
            reject_reason="Doppione", duplicate_of_id=reports["school"].id, acknowledged_at=datetime.now(UTC),
        )  # fmt: skip
        subscribers = dict(
            [
                subscribe(session, "ovest", district="Ovest", area=WEST_BOX),
                subscribe(session, "scuola", centre_lat=SCHOOL[1], centre_lon=SCHOOL[0], radius_m=300,
                          area=circle(SCHOOL[1], SCHOOL[0], 300)),
                subscribe(session, "luci", categories=[lights.id]),
                subscribe(session, "tutto"),
                subscribe(session, "est", district="Est", area=EAST_BOX, locale="en"),
                subscribe(session, "nonconfermato", confirmed=False),
                subscribe(session, "disiscritto", unsubscribed_at=datetime.now(UTC)),
                subscribe(session, "tardi", confirmed_at=datetime.now(UTC) + timedelta(minutes=5)),
                subscribe(session, "notizie", topic="notices"),
            ]
        )  # fmt: skip
        session.commit()
        return City(roads.id, lights.id, {k: r.public_id for k, r in reports.items()}, subscribers)


def cli(app: Flask, command: str) -> str:
    result = app.test_cli_runner().invoke(args=["citizencare", "alerts", command])
    assert result.exit_code == 0, result.output
    return result.output


def outbox(app: Flask) -> list[OutboxMail]:
    with app.app_context():
        mails = list(host_db.session.scalars(sa.select(OutboxMail).order_by(OutboxMail.id)))
        host_db.session.expunge_all()
        return mails


def told(app: Flask, city: City) -> dict[str, set[str]]:
    """Subscriber name -> the names of the reports their mails are about."""
    by_address = {address: name for name, address in city.subscribers.items()}
    found: dict[str, set[str]] = defaultdict(set)
    for mail in outbox(app):
        for key, number in city.numbers.items():
            if number in mail.body_text:
                found[by_address[mail.recipient]].add(key)
    return dict(found)


def test_instant_alerts_follow_district_circle_and_categories_once(app: Flask, city: City) -> None:
    output = cli(app, "send")
    assert "mails written" in output
    assert told(app, city) == {
        "ovest": {"school", "north"},
        "scuola": {"school"},
        "luci": {"east"},
        "tutto": {"school", "north", "east"},
        "est": {"east"},
    }
    first = outbox(app)
    assert {m.template for m in first} == {"alert"}
    assert all(m.report_id is None for m in first)
    # Run again, then at the same time twice: nothing more.
    cli(app, "send")
    assert len(outbox(app)) == len(first)
    with app.app_context():
        records = host_db.session.execute(
            sa.select(SubscriptionMail.subscription_id, SubscriptionMail.key)
        ).all()
    assert len(records) == len(first) == 8
    assert all(key.startswith("report:") for _, key in records)


def test_two_sweeps_at_the_same_instant_send_each_mail_once(app: Flask, city: City) -> None:
    def sweep() -> Any:
        with app.app_context():
            session = host_db.session
            now = datetime.now(UTC)
            items = alert_items(session, since=now - timedelta(days=1))
            return send_instant_alerts(session, items, now=now)

    results = at_the_same_instant(sweep, sweep)
    errors = [r for r in results if isinstance(r, Exception)]
    # SQLite lets one writer in at a time: the other may find the database busy, and sends nothing.
    assert all(isinstance(e, sa.exc.OperationalError) for e in errors), errors
    cli(app, "send")  # whatever a busy run left undone
    mails = outbox(app)
    pairs = [(m.recipient, m.subject) for m in mails]
    assert len(pairs) == len(set(pairs)) == 8


def test_hidden_and_merged_reports_are_never_mailed_and_late_publication_is_news(
    app: Flask, city: City
) -> None:
    cli(app, "send")
    everything = " ".join(m.body_text + (m.body_html or "") + m.subject for m in outbox(app))
    for secret in (city.numbers["hidden"], city.numbers["merged"], "Kp31", "Zt08", "Ottavio", "ottavio.s@"):
        assert secret not in everything
    with app.app_context():
        hidden = host_db.session.scalars(
            sa.select(Report).where(Report.public_id == city.numbers["hidden"])
        ).one()
        hidden.is_public = True  # moderation publishes it
        host_db.session.commit()
    cli(app, "send")
    assert "hidden" in told(app, city)["ovest"]


def test_nobody_unconfirmed_unsubscribed_or_confirmed_later_gets_anything(app: Flask, city: City) -> None:
    cli(app, "send")
    cli(app, "digest")
    recipients = {m.recipient for m in outbox(app)}
    for name in ("nonconfermato", "disiscritto", "tardi", "notizie"):
        assert city.subscribers[name] not in recipients


def test_the_mail_is_in_the_subscribers_language_and_links_the_public_page(app: Flask, city: City) -> None:
    cli(app, "send")
    mails = {m.recipient: m for m in outbox(app) if m.recipient == city.subscribers["est"]}
    [mail] = mails.values()
    number = city.numbers["east"]
    with app.test_request_context(), force_locale("en"):
        expected = cc_gettext(
            "New report %(number)s near you: %(category)s", number=number, category="Street lights"
        )
    assert mail.subject == expected and mail.locale == "en"
    site = app.config["CITIZENCARE_SITE_URL"].rstrip("/")
    assert f"{site}/citizencare/reports/{number}" in mail.body_text
    assert f'href="{site}/citizencare/reports/{number}"' in (mail.body_html or "")


def test_proposals_in_my_district_new_and_answered(app: Flask, city: City) -> None:
    with app.app_context():
        session = host_db.session
        roads = session.get(Category, city.roads)
        proposal = create_report(
            session, kind="proposal", category=roads, lon=SCHOOL[0], lat=SCHOOL[1],
            title="Una pista ciclabile in via Saffi",
        )  # fmt: skip
        elsewhere = create_report(session, kind="proposal", category=roads, lon=EAST[0], lat=EAST[1])
        reader = create_subscription(session, topic="proposals", district="Ovest", area=WEST_BOX)
        session.commit()
        proposal_id, number, far, address = proposal.id, proposal.public_id, elsewhere.public_id, reader.email
    cli(app, "send")
    first = [m for m in outbox(app) if m.recipient == address]
    assert len(first) == 1 and number in first[0].subject and far not in first[0].body_text
    # "Reports" subscribers hear nothing of proposals.
    assert not any(number in m.body_text for m in outbox(app) if m.recipient != address)
    with app.app_context():
        session = host_db.session
        state = session.scalars(sa.select(AnswerState).order_by(AnswerState.position)).first()
        assert state is not None
        session.add(
            ProposalAnswer(report_id=proposal_id, state_id=state.id, body="La valuteremo.",
                           published_at=datetime.now(UTC))
        )  # fmt: skip
        session.add(ProposalAnswer(report_id=proposal_id, state_id=state.id, body="Bozza riservata Lq44"))
        session.commit()
        label = state.name
    cli(app, "send")
    cli(app, "send")
    mails = [m for m in outbox(app) if m.recipient == address]
    assert len(mails) == 2
    assert label in mails[1].body_text and "Lq44" not in mails[1].body_text


def test_digests_group_by_category_once_per_period(app: Flask, city: City) -> None:
    with app.app_context():
        session = host_db.session
        daily = create_subscription(session, frequency="daily")
        weekly = create_subscription(session, frequency="weekly", district="Ovest", area=WEST_BOX)
        session.commit()
        daily_id, weekly_id, daily_address, weekly_address = daily.id, weekly.id, daily.email, weekly.email
    assert "mails written" in cli(app, "digest")
    [day] = [m for m in outbox(app) if m.recipient == daily_address]
    [week] = [m for m in outbox(app) if m.recipient == weekly_address]
    assert day.template == week.template == "alert_digest"
    text = day.body_text
    # Grouped: the lights' heading, its report; the roads' heading, both of theirs.
    assert text.index("== Illuminazione ==") < text.index(city.numbers["east"]) < text.index("== Strade ==")
    assert text.index("== Strade ==") < text.index(city.numbers["school"])
    assert text.index("== Strade ==") < text.index(city.numbers["north"])
    assert city.numbers["hidden"] not in text and city.numbers["merged"] not in text
    assert city.numbers["east"] not in week.body_text and city.numbers["school"] in week.body_text
    assert "<h2>Strade</h2>" in (day.body_html or "")
    count = len(outbox(app))
    # Again the same day: nothing, though there is news now.
    with app.app_context():
        lights = host_db.session.get(Category, city.lights)
        create_report(host_db.session, category=lights, lon=SCHOOL[0], lat=SCHOOL[1])
        host_db.session.commit()
    cli(app, "digest")
    assert len(outbox(app)) == count
    with app.app_context():
        session = host_db.session
        assert session.get(Subscription, daily_id).digested_until is not None  # type: ignore[union-attr]
        # The next day: the daily one gets only the new report, in one mail. The weekly one (the new
        # report is in its area) waits for the next ISO week, which "tomorrow" already is on a Sunday.
        now = datetime.now(UTC)
        tomorrow = now + timedelta(days=1)
        zone = state(app).settings.zone
        new_week = digest_period("weekly", tomorrow, zone) != digest_period("weekly", now, zone)
        items = alert_items(session, since=tomorrow - DIGEST_LOOKBACK)
        run = send_digests(session, items, now=tomorrow)
        assert run.mails == (2 if new_week else 1) and run.already_sent == 0
        again = send_digests(session, items, now=tomorrow)
        assert again.mails == 0
        keys = set(
            session.scalars(
                sa.select(SubscriptionMail.key).where(SubscriptionMail.subscription_id == weekly_id)
            )
        )
    assert sum(key.startswith("digest:") for key in keys) == (2 if new_week else 1)
    [second] = [m for m in outbox(app) if m.recipient == daily_address][1:]
    assert city.numbers["school"] not in second.body_text, second.body_text
    assert "Illuminazione" in second.body_text


def test_alerts_reach_a_real_smtp_server(mail_app: Flask, city: City, smtp: SmtpSink) -> None:
    cli(mail_app, "send")
    with mail_app.app_context():
        run = deliver_pending(worker="test")
    assert run.sent == len(outbox(mail_app)) > 0
    received = [m for m in smtp.messages if m["To"] == city.subscribers["scuola"]]
    assert len(received) == 1
    text = text_of(received[0])
    assert city.numbers["school"] in received[0]["Subject"]
    assert "Via Saffi 10" in text and f"/citizencare/reports/{city.numbers['school']}" in text
    assert "Ottavio" not in text
    # One click (RFC 8058) on the mail's own link stops the alerts: the next report is not mailed.
    assert received[0]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = received[0]["List-Unsubscribe"].strip("<>")
    assert link in text
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    assert mail_app.test_client().post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    with mail_app.app_context():
        session = host_db.session
        row = session.scalar(sa.select(Subscription).where(Subscription.email == city.subscribers["scuola"]))
        assert row is not None and row.unsubscribed_at is not None
        create_report(session, category=session.get(Category, city.roads), lon=SCHOOL[0], lat=SCHOOL[1])
        session.commit()
    before = len(outbox(mail_app))
    cli(mail_app, "send")
    assert city.subscribers["scuola"] not in {m.recipient for m in outbox(mail_app)[before:]}
    assert len(outbox(mail_app)) > before  # the others are still told
