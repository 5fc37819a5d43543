"""Supports of proposals: one per person, double opt-in for anonymous citizens, the threshold and its term.

Mails go through the real outbox and a real SMTP server (aiosmtpd on loopback).
"""

from __future__ import annotations

import re
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import TimestampSigner

from flask_citizencare import tokens
from flask_citizencare.domain.lifecycle import Action
from flask_citizencare.domain.sla import BusinessCalendar, expected_answer
from flask_citizencare.domain.supports import (
    ProposalFacts,
    crosses_threshold,
    limit_reached,
    why_not_supportable,
)
from flask_citizencare.models import Category, OutboxMail, Report, StatusEvent, Support
from flask_citizencare.services import sla
from flask_citizencare.services.mail.recipients import supporters_of
from flask_citizencare.services.supports import address_key_of
from flask_citizencare.services.triage import ActionInput, apply_action
from flask_citizencare.tokens import Purpose

from .factories import create_category, create_report
from .host import HostUser, host_db
from .smtp import SmtpSink, html_of, text_of
from .staff import Team, actor_for, add_staff, client_for
from .test_following import deliver, link, outbox, to

EN = {"Accept-Language": "en"}
FAN = "fan@example.net"


# -- helpers --------------------------------------------------------------------


def new_proposal(
    app: Flask,
    team: Team,
    *,
    threshold: int | None = None,
    answer_days: int | None = None,
    supports_open: bool = True,
    **fields: Any,
) -> tuple[int, str]:
    """A public proposal in a category of its own, routed to the roads office: (id, number)."""
    with app.app_context():
        category = create_category(
            host_db.session(),
            kinds="proposal",
            supports_threshold=threshold,
            answer_days=answer_days,
            supports_open=supports_open,
            default_office_id=team.roads.id,
        )
        report = create_report(
            host_db.session(), category=category, **{"kind": "proposal", "office_id": team.roads.id, **fields}
        )
        host_db.session.commit()
        return report.id, report.public_id


def citizen(app: Flask, name: str) -> HostUser:
    """A logged-in citizen of the host site (no staff role)."""
    with app.app_context():
        user, _member = add_staff(name, "citizen", [])
        host_db.session.commit()
        host_db.session.refresh(user)
        host_db.session.expunge(user)
        return user


def as_user(app: Flask, user: HostUser) -> FlaskClient:
    client = app.test_client(user=user)  # type: ignore[call-arg]
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def state(app: Flask, report_id: int) -> dict[str, Any]:
    """What a support changes: the counter, the rows, the threshold's columns, the version, events, mails."""
    with app.app_context():
        report = host_db.session.get(Report, report_id)
        assert report is not None
        rows = list(host_db.session.scalars(sa.select(Support).where(Support.report_id == report_id)))
        values = {
            "count": report.supports_count,
            "rows": len(rows),
            "supporters": sorted(r.supporter for r in rows),
            "emails": sorted(r.email or "" for r in rows),
            "reached": report.threshold_reached_at,
            "due": report.answer_due_at,
            "version": report.version,
            "events": host_db.session.scalar(
                sa.select(sa.func.count()).select_from(StatusEvent).where(StatusEvent.report_id == report_id)
            ),
            "mails": host_db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMail)),
        }
        host_db.session.remove()
        return values


def csrf(client: FlaskClient, number: str) -> str:
    page = client.get(f"/citizencare/reports/{number}").get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]*)"', page) or re.search(
        r'value="([^"]*)"[^>]*name="csrf_token"', page
    )
    assert match
    return match.group(1)


def support_form(client: FlaskClient, number: str) -> dict[str, str]:
    """The hidden fields of the page's anonymous support form (its own signed time, not the follow form's)."""
    page = client.get(f"/citizencare/reports/{number}").get_data(as_text=True)
    section = page[page.index('id="support"') :]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]*)"', section)
    shown = re.search(r'id="support-form-time"[^>]*value="([^"]*)"', section)
    assert token and shown, section[:2000]
    return {"csrf_token": token.group(1), "form_time": shown.group(1)}


def click_support(client: FlaskClient, number: str) -> Any:
    return client.post(f"/citizencare/reports/{number}/support", data={"csrf_token": csrf(client, number)})


def click_withdraw(client: FlaskClient, number: str) -> Any:
    return client.post(
        f"/citizencare/reports/{number}/support/withdraw", data={"csrf_token": csrf(client, number)}
    )


def ask_to_support(client: FlaskClient, number: str, address: str, **extra: str) -> Any:
    return client.post(
        f"/citizencare/reports/{number}/support",
        data={"email": address, **support_form(client, number), **extra},
    )


def confirmation_path(smtp: SmtpSink, address: str) -> str:
    [mail] = [m for m in to(smtp.messages, address) if "/citizencare/support/" in text_of(m)][-1:]
    return link(text_of(mail), "/citizencare/support/")


def confirm(client: FlaskClient, path: str) -> Any:
    page = client.get(path)
    assert page.status_code == 200, page.get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]*)"', page.get_data(as_text=True))
    assert token
    return client.post(path, data={"csrf_token": token.group(1)}, headers=EN)


def set_columns(app: Flask, report_id: int, **values: Any) -> None:
    with app.app_context():
        host_db.session.execute(sa.update(Report).where(Report.id == report_id).values(**values))
        host_db.session.commit()


# -- logged-in users -------------------------------------------------------------


def test_one_click_support_and_a_second_click_changes_nothing(app: Flask, team: Team) -> None:
    report_id, number = new_proposal(app, team)
    carla = as_user(app, team.users["carla"])
    page = carla.get(f"/citizencare/reports/{number}").get_data(as_text=True)
    assert 'id="support"' in page and 'class="cc-support"' in page and "Support this proposal" in page
    assert 'name="email"' not in page[page.index('id="support"') : page.index("</section>")]  # one click

    before = state(app, report_id)
    done = click_support(carla, number)
    assert done.status_code == 200 and "your support is counted" in done.get_data(as_text=True)
    after = state(app, report_id)
    assert after["count"] == after["rows"] == 1
    assert after["supporters"] == [f"u:{team.users['carla'].id}"]
    assert after["emails"] == ["carla@comune.example"]
    # The counter is not a staff edit: the optimistic lock's version stays.
    assert after["version"] == before["version"]

    again = click_support(carla, number)
    assert again.status_code == 409 and "You already support this proposal" in again.get_data(as_text=True)
    assert state(app, report_id)["count"] == 1

    page = carla.get(f"/citizencare/reports/{number}").get_data(as_text=True)
    assert "You support this proposal" in page and "Withdraw my support" in page
    box = page[page.index('id="support"') : page.index("</section>")]
    assert "1 support" in box and "carla@" not in box


def test_supporters_addresses_for_the_answer_mail(app: Flask, team: Team, smtp: SmtpSink) -> None:
    report_id, number = new_proposal(app, team)
    assert click_support(as_user(app, team.users["carla"]), number).status_code == 200
    visitor = app.test_client()
    visitor.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ca"
    assert ask_to_support(visitor, number, "Fan@Example.net").status_code == 303
    deliver(app)
    assert confirm(visitor, confirmation_path(smtp, FAN)).status_code == 200
    with app.app_context():
        kept = [(s.email, s.locale) for s in supporters_of(host_db.session(), report_id)]
        assert kept == [("carla@comune.example", "en"), (FAN, "ca")]


def test_staff_edits_after_supports_keep_the_count_and_are_not_refused(app: Flask, team: Team) -> None:
    """A support between a staff member's load and save neither loses the count nor causes a 409."""
    report_id, number = new_proposal(app, team)
    with app.test_request_context():
        seen = host_db.session.get(Report, report_id)
        assert seen is not None
        version = seen.version
    assert click_support(as_user(app, team.users["carla"]), number).status_code == 200
    with app.test_request_context():
        apply_action(actor_for(team, "olga"), report_id, Action.ACKNOWLEDGE, ActionInput(version))
    after = state(app, report_id)
    assert after["count"] == 1 and after["version"] == version + 1


def test_a_users_address_that_supported_anonymously_counts_once(
    app: Flask, team: Team, smtp: SmtpSink
) -> None:
    report_id, number = new_proposal(app, team)
    anonymous = app.test_client()
    assert ask_to_support(anonymous, number, "CARLA@comune.example").status_code == 303
    deliver(app)
    assert confirm(anonymous, confirmation_path(smtp, "carla@comune.example")).status_code == 200
    again = click_support(as_user(app, team.users["carla"]), number)
    assert again.status_code == 409
    assert state(app, report_id)["count"] == 1


def test_withdraw_until_the_answer(app: Flask, team: Team) -> None:
    report_id, number = new_proposal(app, team)
    carla = as_user(app, team.users["carla"])
    assert click_support(carla, number).status_code == 200
    gone = click_withdraw(carla, number)
    assert gone.status_code == 200 and "Support withdrawn" in gone.get_data(as_text=True)
    assert state(app, report_id)["count"] == state(app, report_id)["rows"] == 0
    twice = click_withdraw(carla, number)
    assert twice.status_code == 409 and "You do not support this proposal" in twice.get_data(as_text=True)
    assert state(app, report_id)["count"] == 0

    assert click_support(carla, number).status_code == 200
    set_columns(app, report_id, answered_at=datetime.now(UTC))
    refused = click_withdraw(carla, number)
    assert refused.status_code == 409 and "already answered" in refused.get_data(as_text=True)
    assert state(app, report_id)["count"] == state(app, report_id)["rows"] == 1
    page = carla.get(f"/citizencare/reports/{number}").get_data(as_text=True)
    assert "You support this proposal" in page and "Withdraw my support" not in page

    anonymous = app.test_client()
    token = csrf(anonymous, number)
    assert (
        anonymous.post(
            f"/citizencare/reports/{number}/support/withdraw", data={"csrf_token": token}
        ).status_code
        == 401
    )


def test_a_post_without_its_csrf_token_changes_nothing(app: Flask, team: Team) -> None:
    report_id, number = new_proposal(app, team)
    carla = as_user(app, team.users["carla"])
    response = carla.post(f"/citizencare/reports/{number}/support", data={})
    assert response.status_code == 400 and "The form has expired" in response.get_data(as_text=True)
    assert state(app, report_id)["count"] == 0


def _closed(kind: str) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "not_a_proposal": {"kind": "issue"},
        "hidden": {"is_public": False},
        "resolved": {"status": "resolved", "acknowledged_at": now, "resolved_at": now},
        "closed": {"status": "closed", "acknowledged_at": now, "resolved_at": now, "closed_at": now},
        "rejected": {"status": "rejected", "reject_reason": "Fuori tema"},
        "answered": {"answered_at": now},
    }[kind]


REFUSALS = [
    ("not_a_proposal", 400, "Only proposals can be supported"),
    ("hidden", 404, "not public"),
    ("resolved", 409, "no longer takes supports"),
    ("closed", 409, "no longer takes supports"),
    ("rejected", 409, "no longer takes supports"),
    ("answered", 409, "already answered"),
]


@pytest.mark.parametrize(("case", "status", "message"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_refusals_say_why_and_change_nothing(
    app: Flask, team: Team, case: str, status: int, message: str
) -> None:
    report_id, number = new_proposal(app, team, threshold=1)
    carla = as_user(app, team.users["carla"])
    token = csrf(carla, number)  # the page, while it is still open
    anonymous = app.test_client()
    fields = support_form(anonymous, number)
    set_columns(app, report_id, **_closed(case))
    before = state(app, report_id)

    refused = carla.post(f"/citizencare/reports/{number}/support", data={"csrf_token": token})
    assert refused.status_code == status
    assert message in refused.get_data(as_text=True)
    if case == "hidden":
        assert "Buca in via Prova" not in refused.get_data(as_text=True)  # nothing of a hidden proposal
    refused = anonymous.post(
        f"/citizencare/reports/{number}/support", data={"email": FAN, **fields}, headers=EN
    )
    assert refused.status_code == status
    assert state(app, report_id) == before  # no support, no count, no threshold, no mail


def test_merged_proposals_and_closed_categories_take_no_supports(app: Flask, team: Team) -> None:
    master_id, _master = new_proposal(app, team)
    report_id, number = new_proposal(app, team)
    carla = as_user(app, team.users["carla"])
    token = csrf(carla, number)
    set_columns(app, report_id, status="rejected", reject_reason="Duplicato", duplicate_of_id=master_id)
    refused = carla.post(f"/citizencare/reports/{number}/support", data={"csrf_token": token})
    assert refused.status_code == 409 and "merged into another one" in refused.get_data(as_text=True)
    assert state(app, report_id)["count"] == 0

    closed_id, closed = new_proposal(app, team, supports_open=False)
    page = carla.get(f"/citizencare/reports/{closed}").get_data(as_text=True)
    assert "Supports are closed for the proposals of this category." in page
    assert "Support this proposal</button>" not in page
    refused = carla.post(f"/citizencare/reports/{closed}/support", data={"csrf_token": token})
    assert refused.status_code == 409 and "Supports are closed" in refused.get_data(as_text=True)
    assert state(app, closed_id)["rows"] == 0


def test_the_per_person_limit_counts_open_proposals_waiting_for_an_answer(app: Flask, team: Team) -> None:
    app.config["CITIZENCARE_SUPPORT_LIMIT"] = 2
    proposals = [new_proposal(app, team) for _ in range(3)]
    carla = as_user(app, team.users["carla"])
    assert click_support(carla, proposals[0][1]).status_code == 200
    assert click_support(carla, proposals[1][1]).status_code == 200
    refused = click_support(carla, proposals[2][1])
    assert refused.status_code == 409 and "the most one person may support" in refused.get_data(as_text=True)
    assert state(app, proposals[2][0])["count"] == 0
    # Another person is not limited by Carla's supports.
    assert click_support(as_user(app, citizen(app, "dario")), proposals[2][1]).status_code == 200
    # An answered proposal no longer counts against the limit.
    set_columns(app, proposals[0][0], answered_at=datetime.now(UTC))
    assert click_support(carla, proposals[2][1]).status_code == 200
    assert state(app, proposals[2][0])["count"] == 2


def test_counts_hidden_until_the_answer(app: Flask, team: Team) -> None:
    app.config["CITIZENCARE_HIDE_SUPPORTS_UNTIL_ANSWERED"] = True
    report_id, number = new_proposal(app, team, threshold=200)
    carla = as_user(app, team.users["carla"])
    assert click_support(carla, number).status_code == 200
    page = app.test_client().get(f"/citizencare/reports/{number}", headers=EN).get_data(as_text=True)
    assert "The number of supports is shown once the municipality has answered." in page
    assert "<progress" not in page and "1 support" not in page and "of 200 supports" not in page
    set_columns(app, report_id, answered_at=datetime.now(UTC))
    page = app.test_client().get(f"/citizencare/reports/{number}", headers=EN).get_data(as_text=True)
    assert "1 support" in page and 'aria-label="1 of 200 supports"' in page
    assert "supports are closed" in page


def test_the_threshold_progress_is_told_in_words(app: Flask, team: Team) -> None:
    report_id, number = new_proposal(app, team, threshold=200)
    set_columns(app, report_id, supports_count=152)
    page = app.test_client().get(f"/citizencare/reports/{number}", headers=EN).get_data(as_text=True)
    assert '<progress id="cc-support-progress" class="cc-support__bar" max="200" value="152"' in page
    assert 'aria-label="152 of 200 supports"' in page and "152 supports" in page


# -- anonymous citizens ------------------------------------------------------------


def test_anonymous_support_confirmed_by_the_mailed_link(app: Flask, team: Team, smtp: SmtpSink) -> None:
    report_id, number = new_proposal(app, team)
    visitor = app.test_client()
    visitor.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = visitor.get(f"/citizencare/reports/{number}").get_data(as_text=True)
    assert 'id="support-email"' in page and 'for="support-email"' in page

    sent = ask_to_support(visitor, number, "  Fan@Example.NET ")
    assert sent.status_code == 303 and sent.headers["Location"].endswith(f"/reports/{number}/support/sent")
    text = visitor.get(sent.headers["Location"]).get_data(as_text=True)
    assert "Check your mail" in text and FAN not in text.lower()
    assert state(app, report_id)["rows"] == 0  # nothing counts before the confirmation
    assert outbox(app) == [("support_confirm", FAN)]
    assert deliver(app) == "sent 1, retried 0, dead 0"
    [mail] = to(smtp.messages, FAN)
    assert mail["Subject"] == f"Confirm your support for proposal {number}"
    assert mail["List-Unsubscribe"] is None and "within 7 days" in text_of(mail)
    path = confirmation_path(smtp, FAN)
    assert path == link(html_of(mail), "/citizencare/support/")
    assert FAN not in path and "fan" not in path.lower()

    # A mail scanner opening the link confirms nothing: the page has a button.
    shown = visitor.get(path)
    assert shown.status_code == 200 and "Confirm my support" in shown.get_data(as_text=True)
    assert state(app, report_id)["rows"] == 0
    done = confirm(visitor, path)
    assert done.status_code == 200 and "your support is counted" in done.get_data(as_text=True)
    after = state(app, report_id)
    assert after["count"] == after["rows"] == 1 and after["emails"] == [FAN]
    assert after["supporters"] == [f"e:{_key(app, FAN)}"]

    # The link used again: nothing changes, and the page says they already support it.
    with app.test_request_context():
        token = re.search(r'name="csrf_token"[^>]*value="([^"]*)"', visitor.get(path).get_data(as_text=True))
    reused = visitor.post(path, data={"csrf_token": token.group(1) if token else ""}, headers=EN)
    assert reused.status_code == 409 and "already support" in reused.get_data(as_text=True)
    # Another case of the same address: the same "check your mail", no new mail.
    assert ask_to_support(visitor, number, "FAN@EXAMPLE.NET").status_code == 303
    assert outbox(app) == [("support_confirm", FAN)]
    assert state(app, report_id)["count"] == 1

    # The withdraw link, shown again when the confirmation link is opened.
    again = visitor.get(path).get_data(as_text=True)
    withdraw = re.search(r'href="(/citizencare/support/withdraw/[^"]+)"', again)
    assert withdraw, again
    page = visitor.get(withdraw.group(1))
    assert page.status_code == 200 and state(app, report_id)["count"] == 1
    token = re.search(r'name="csrf_token"[^>]*value="([^"]*)"', page.get_data(as_text=True))
    assert token
    gone = visitor.post(withdraw.group(1), data={"csrf_token": token.group(1)}, headers=EN)
    assert gone.status_code == 200 and "Support withdrawn" in gone.get_data(as_text=True)
    after = state(app, report_id)
    assert after["count"] == after["rows"] == 0
    assert outbox(app) == []  # the address is no longer kept
    assert visitor.post(withdraw.group(1), data={"csrf_token": token.group(1)}).status_code == 409
    # The old confirmation link no longer brings the support back.
    assert visitor.get(path).status_code == 404
    assert visitor.post(path, data={"csrf_token": token.group(1)}).status_code == 404
    assert state(app, report_id)["count"] == 0


def _key(app: Flask, address: str) -> str:
    with app.app_context():
        return address_key_of(address)


def test_forged_expired_and_foreign_links_are_refused(app: Flask, team: Team, smtp: SmtpSink) -> None:
    report_id, number = new_proposal(app, team)
    visitor = app.test_client()
    ask_to_support(visitor, number, FAN)
    deliver(app)
    path = confirmation_path(smtp, FAN)
    token = path.rsplit("/", 1)[1]
    with app.app_context():
        mail_id = host_db.session.scalar(sa.select(OutboxMail.message_id))
        last_week = int(time.time()) - 8 * 86400
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(TimestampSigner, "get_timestamp", lambda self: last_week)
            old = tokens.sign(
                Purpose.SUPPORT_CONFIRM, {"r": report_id, "m": mail_id, "a": address_key_of(FAN)}
            )
        other = tokens.sign(
            Purpose.SUPPORT_CONFIRM, {"r": report_id, "m": mail_id, "a": address_key_of("x@example.net")}
        )
        foreign = tokens.sign(
            Purpose.FOLLOW_CONFIRM, {"r": report_id, "m": mail_id, "a": address_key_of(FAN)}
        )
        wrong_types = tokens.sign(
            Purpose.SUPPORT_CONFIRM, {"r": True, "m": mail_id, "a": address_key_of(FAN)}
        )
        huge = tokens.sign(Purpose.SUPPORT_CONFIRM, {"r": 10**30, "m": mail_id, "a": address_key_of(FAN)})
    tampered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    for bad in (tampered, other, foreign, wrong_types, huge, "x" * 2000, "%00"):
        for method in (visitor.get, visitor.post):
            response = method(f"/citizencare/support/{bad}", headers=EN)
            assert response.status_code == 404, (bad, response.status_code)
            if bad not in ("%00",):
                assert "This link is not valid" in response.get_data(as_text=True), bad[:40]
    expired = visitor.get(f"/citizencare/support/{old}", headers=EN)
    assert expired.status_code == 410 and "expired" in expired.get_data(as_text=True)
    italian = visitor.get(f"/citizencare/support/{old}")  # the catalogs get the new strings later
    assert italian.status_code == 410 and '<html lang="it">' in italian.get_data(as_text=True)
    assert visitor.get(f"/citizencare/support/withdraw/{tampered}").status_code == 404
    assert state(app, report_id)["rows"] == 0

    # The proposal hidden meanwhile: the link no longer confirms, nor shows it.
    set_columns(app, report_id, is_public=False)
    hidden = visitor.get(path)
    assert hidden.status_code == 404 and "Buca in via Prova" not in hidden.get_data(as_text=True)
    assert state(app, report_id)["rows"] == 0


def test_bad_addresses_and_bots_change_nothing(app: Flask, team: Team) -> None:
    report_id, number = new_proposal(app, team)
    visitor = app.test_client()
    for bad in ("", "not-an-address", "a@b.c\nBcc: x@y.z", "x" * 300 + "@example.net", "fan\x00@example.net"):
        response = visitor.post(
            f"/citizencare/reports/{number}/support",
            data={"email": bad, **support_form(visitor, number)},
            headers=EN,
        )
        assert response.status_code == 400, bad
        if "\x00" not in bad:  # NUL is refused before any view (a plain 400 page)
            assert 'id="support-email-error"' in response.get_data(as_text=True), bad
    bot = ask_to_support(visitor, number, FAN, website="http://spam.example")
    assert bot.status_code == 303  # as if it went out
    assert outbox(app) == [] and state(app, report_id)["rows"] == 0


def test_confirmation_mails_are_limited_per_address_and_proposal(app: Flask, team: Team) -> None:
    _report_id, number = new_proposal(app, team)
    visitor = app.test_client()
    for _ in range(4):
        assert ask_to_support(visitor, number, FAN).status_code == 303
    assert outbox(app) == [("support_confirm", FAN)] * 2


def test_support_posts_are_rate_limited(app: Flask, team: Team) -> None:
    app.config["CITIZENCARE_RATELIMIT_SUPPORT_PER_IP"] = "3 per hour"
    _report_id, number = new_proposal(app, team)
    carla = as_user(app, team.users["carla"])
    for _ in range(3):
        assert click_support(carla, number).status_code in (200, 409)
    limited = click_support(carla, number)
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
    assert click_withdraw(carla, number).status_code == 429  # withdrawals count too

    app.config["CITIZENCARE_RATELIMIT_SUPPORT_PER_ADDRESS"] = "2 per hour"
    _other_id, other = new_proposal(app, team)
    for n in range(3):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"192.0.2.{n + 1}"
        response = ask_to_support(client, other, f"Victim@Example.net{' ' * n}")
        assert response.status_code == (303 if n < 2 else 429)


# -- the threshold ---------------------------------------------------------------


def test_reaching_the_threshold_starts_the_answer_term_and_tells_the_office(
    mail_app: Flask, team: Team, smtp: SmtpSink
) -> None:
    app = mail_app
    with app.app_context():
        host_db.session.execute(sa.update(type(team.roads)).values(email="strade@comune.example"))
        host_db.session.commit()
    report_id, number = new_proposal(app, team, threshold=3, answer_days=10)
    people = [team.users["carla"], citizen(app, "dario"), citizen(app, "elena")]
    for person in people[:2]:
        assert click_support(as_user(app, person), number).status_code == 200
    assert state(app, report_id)["reached"] is None
    before = datetime.now(UTC)
    assert click_support(as_user(app, people[2]), number).status_code == 200
    after = state(app, report_id)
    assert (
        after["count"] == 3
        and after["reached"] is not None
        and after["reached"] >= before - timedelta(seconds=1)
    )
    with app.app_context():
        due = sla.calendar().add_working_days(after["reached"], 10)
        event = host_db.session.scalars(
            sa.select(StatusEvent).where(
                StatusEvent.report_id == report_id, StatusEvent.action == "threshold_reached"
            )
        ).one()
        assert event.public and event.actor_kind == "system" and event.data == {"supports": 3, "threshold": 3}
    assert after["due"] == due
    local = due.astimezone(ZoneInfo("Europe/Rome"))
    assert local.hour == 17 and local.weekday() < 5  # the close of a working day

    # The office hears it: its address and its technician, through the outbox and SMTP.
    assert sorted(r for t, r in outbox(app) if t == "proposal_threshold") == [
        "strade@comune.example",
        "tina@comune.example",
    ]
    deliver(app)
    [mail] = to(smtp.messages, "tina@comune.example")
    assert f"La proposta {number} ha raggiunto 3 sostegni" in str(mail["Subject"])  # the staff language
    assert f"/citizencare/staff/cases/{number}" in text_of(mail)

    # Every surface says when the answer is due, and the history shows the step.
    page = app.test_client().get(f"/citizencare/reports/{number}", headers=EN).get_data(as_text=True)
    assert "The municipality will answer by" in page
    assert "Supports reached the threshold: the municipality must answer" in page
    assert "3 supports" in page and "Threshold of 3 supports reached" in page

    # The API's expected_at is the same moment.
    features = (
        app.test_client()
        .get(
            "/citizencare/api/reports.geojson",
            query_string={"bbox": "11.23,44.42,11.43,44.56"},
            headers={"Accept-Encoding": "identity"},
        )
        .get_json()["features"]
    )
    [props] = [f["properties"] for f in features if f["id"] == number]
    assert props["expected_at"] == due.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    # Withdrawing below the threshold undoes nothing; reaching it again records nothing more.
    assert click_withdraw(as_user(app, people[0]), number).status_code == 200
    assert click_support(as_user(app, people[0]), number).status_code == 200
    final = state(app, report_id)
    assert (final["count"], final["reached"], final["due"]) == (3, after["reached"], due)
    with app.app_context():
        assert (
            host_db.session.scalar(
                sa.select(sa.func.count())
                .select_from(StatusEvent)
                .where(StatusEvent.report_id == report_id, StatusEvent.action == "threshold_reached")
            )
            == 1
        )
    assert len([t for t, _r in outbox(app) if t == "proposal_threshold"]) == 2


def test_without_an_office_the_operators_hear_of_the_threshold(app: Flask, team: Team) -> None:
    with app.app_context():
        category = create_category(host_db.session(), kinds="proposal", supports_threshold=1)
        report = create_report(host_db.session(), category=category, kind="proposal")
        host_db.session.commit()
        report_id, number = report.id, report.public_id
    assert click_support(as_user(app, team.users["carla"]), number).status_code == 200
    assert [r for t, r in outbox(app) if t == "proposal_threshold"] == ["olga@comune.example"]
    assert state(app, report_id)["due"] is not None
    with app.app_context():
        days = int(app.config["CITIZENCARE_PROPOSAL_ANSWER_DAYS"])
        reached = state(app, report_id)["reached"]
        assert state(app, report_id)["due"] == sla.calendar().add_working_days(reached, days)


def test_the_queue_flags_proposals_waiting_for_their_answer(app: Flask, team: Team) -> None:
    waiting_id, waiting = new_proposal(app, team, threshold=1)
    _quiet_id, quiet = new_proposal(app, team, threshold=5)
    assert click_support(as_user(app, team.users["carla"]), waiting).status_code == 200
    assert click_support(as_user(app, team.users["carla"]), quiet).status_code == 200
    olga = client_for(app, team, "olga")
    queue = olga.get("/citizencare/staff/", headers=EN).get_data(as_text=True)
    row = queue[queue.index(waiting) :][:3000]
    assert "data-cc-threshold" in row and "Threshold reached: answer by" in row
    assert (
        "data-cc-threshold" not in queue[queue.index(quiet) :][: queue[queue.index(quiet) :].index("</tr>")]
    )
    filtered = olga.get("/citizencare/staff/?proposals=threshold", headers=EN)
    assert filtered.status_code == 200
    html = filtered.get_data(as_text=True)
    assert waiting in html and quiet not in html
    assert 'name="proposals"' in html
    # Once answered, it leaves the filter and loses the flag.
    set_columns(app, waiting_id, answered_at=datetime.now(UTC))
    html = olga.get("/citizencare/staff/?proposals=threshold", headers=EN).get_data(as_text=True)
    assert waiting not in html
    assert olga.get("/citizencare/staff/?proposals=nonsense", headers=EN).status_code == 400


def test_the_staff_timeline_names_the_step(app: Flask, team: Team) -> None:
    _report_id, number = new_proposal(app, team, threshold=1)
    assert click_support(as_user(app, team.users["carla"]), number).status_code == 200
    case = client_for(app, team, "olga").get(f"/citizencare/staff/cases/{number}", headers=EN)
    assert "Supports reached the threshold: the municipality must answer" in case.get_data(as_text=True)


# -- the rules, without an app ------------------------------------------------------


def test_working_days_skip_weekends_and_holidays() -> None:
    calendar = BusinessCalendar()
    rome = ZoneInfo("Europe/Rome")
    friday = datetime(2026, 12, 4, 10, 0, tzinfo=rome)
    # Saturday, Sunday and 8 December (Immacolata) do not count: Mon 7 is the 1st, Wed 9 the 2nd.
    assert calendar.add_working_days(friday, 1) == datetime(2026, 12, 7, 17, 0, tzinfo=rome)
    assert calendar.add_working_days(friday, 2) == datetime(2026, 12, 9, 17, 0, tzinfo=rome)
    saturday = datetime(2026, 12, 5, 22, 0, tzinfo=rome)
    assert calendar.add_working_days(saturday, 0) == datetime(2026, 12, 7, 17, 0, tzinfo=rome)
    assert calendar.add_working_days(friday, 0) == datetime(2026, 12, 4, 17, 0, tzinfo=rome)
    # 23:30 UTC on Sunday is already Monday in Rome: the count starts from Monday.
    late = datetime(2026, 12, 6, 23, 30, tzinfo=UTC)
    assert calendar.add_working_days(late, 1).astimezone(rome).date() == date(2026, 12, 9)
    partial = BusinessCalendar.from_config({"local_holidays": ["2026-12-24 13:00-17:00"]})
    eve = partial.add_working_days(datetime(2026, 12, 23, 9, 0, tzinfo=rome), 1)
    assert eve == datetime(2026, 12, 24, 13, 0, tzinfo=rome)
    with pytest.raises(ValueError):
        calendar.add_working_days(friday, -1)


def test_expected_answer_of_a_proposal_waiting_for_its_answer() -> None:
    now = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    due = now + timedelta(days=20)
    resolve = now + timedelta(days=5)
    found = expected_answer("in_progress", resolve, resolve, now, answer_due_at=due)
    assert found is not None and found.at == due and found.threshold and not found.late
    late = expected_answer("acknowledged", None, None, due + timedelta(seconds=1), answer_due_at=due)
    assert late is not None and late.late
    # Whatever the status but rejected, until the answer.
    assert expected_answer("resolved", None, None, now, answer_due_at=due) is not None
    assert expected_answer("rejected", None, None, now, answer_due_at=due) is None
    answered = expected_answer("in_progress", resolve, None, now, answer_due_at=due, answered_at=now)
    assert answered is not None and answered.at == resolve and not answered.threshold
    assert expected_answer("in_progress", resolve, None, now) == expected_answer(
        "in_progress", resolve, None, now, answer_due_at=None
    )


def test_domain_rules() -> None:
    assert crosses_threshold(200, 200, reached_before=False)
    assert not crosses_threshold(199, 200, reached_before=False)
    assert not crosses_threshold(250, 200, reached_before=True)
    assert not crosses_threshold(5, None, reached_before=False)
    assert not crosses_threshold(5, 0, reached_before=False)
    assert not limit_reached(100, 0) and limit_reached(3, 3) and not limit_reached(2, 3)
    facts = ProposalFacts("proposal", True, None, "new", None, True)
    assert why_not_supportable(facts) is None
    assert why_not_supportable(ProposalFacts("proposal", True, None, "suspended", None, True)) is None


def test_categories_are_untouched_by_supports(app: Flask, team: Team) -> None:
    """A category keeps its threshold and settings whatever supports do (they are the manager's)."""
    report_id, number = new_proposal(app, team, threshold=1, answer_days=3)
    assert click_support(as_user(app, team.users["carla"]), number).status_code == 200
    with app.app_context():
        report = host_db.session.get(Report, report_id)
        assert report is not None
        category = host_db.session.get(Category, report.category_id)
        assert category is not None and (category.supports_threshold, category.answer_days) == (1, 3)
