"""Two people changing the same case: the loser gets a 409 saying who changed it and when, never a 500.

The optimistic lock (``Report.version``) fails at whichever flush writes the
case first, often an autoflush inside a query of the same service. The first
tests force that deterministically: another connection changes the case (as
Marco) just before the service's first flush. The last ones send two real
requests at the same instant from two threads, each with its own client.
"""

from __future__ import annotations

import re
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from flask_citizencare.domain.lifecycle import Action, Status
from flask_citizencare.models import Message, OutboxMail, Report, StatusEvent
from flask_citizencare.services import sla
from flask_citizencare.services.replies import ingest_message

from .factories import create_report
from .host import host_db
from .racing import at_the_same_instant
from .reporting import form_tokens, post_report, submitted
from .staff import Team, act, client_for
from .test_ingest import fixture_for

CHANGED_BY_MARCO = re.compile(r"(changed by|modificata da) Marco (at|alle) \d\d:\d\d")


def case_url(number: str) -> str:
    """A case's staff URL, by its public number."""
    return f"/citizencare/staff/cases/{number}"


def number_of(app: Flask, report_id: int) -> str:
    with app.app_context():
        number = host_db.session.scalar(sa.select(Report.public_id).where(Report.id == report_id))
        host_db.session.remove()
    assert number is not None
    return number


def state_of(app: Flask, report_id: int) -> dict[str, Any]:
    """What a change of the case writes: its columns, events, messages and mails."""
    with app.app_context():
        report = host_db.session.get(Report, report_id)
        assert report is not None
        count = lambda model: host_db.session.scalar(  # noqa: E731
            sa.select(sa.func.count()).select_from(model).where(model.report_id == report_id)
        )
        values = {
            "status": report.status,
            "version": report.version,
            "level": report.level,
            "office_id": report.office_id,
            "assignee_id": report.assignee_id,
            "is_public": report.is_public,
            "priority": report.priority,
            "sla_breached_at": report.sla_breached_at,
            "duplicate_of_id": report.duplicate_of_id,
            "duplicates_count": report.duplicates_count,
            "events": count(StatusEvent),
            "messages": count(Message),
            "mails": count(OutboxMail),
        }
        host_db.session.remove()
        return values


def _inside(function: str) -> bool:
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_name == function:
            return True
        frame = frame.f_back  # type: ignore[assignment]
    return False


@contextmanager
def changed_elsewhere_at_first_flush(app: Flask, report_id: int, member_id: int) -> Iterator[list[str]]:
    """Before the next flush of any session, Marco changes the case from another connection.

    That flush, or a later one in the same service, then finds the case at a
    newer version than the one the service loaded. Yields the kind of that
    first flush: ``autoflush`` (a query inside the service flushed), ``flush``
    (an explicit one) or ``commit``.
    """
    fired: list[str] = []

    def change_elsewhere(session: Session, flush_context: Any, instances: Any) -> None:
        if fired:
            return
        fired.append(next((kind for kind in ("_autoflush", "commit") if _inside(kind)), "flush").lstrip("_"))
        with app.app_context(), Session(host_db.engine) as other:
            report = other.get(Report, report_id)
            assert report is not None
            now = datetime.now(UTC)
            report.updated_at = now
            report.events.append(
                StatusEvent(
                    action="classify",
                    from_status=report.status,
                    to_status=report.status,
                    actor_kind="staff",
                    actor_id=member_id,
                    public=False,
                    data={},
                    at=now,
                )
            )
            other.commit()

    sa.event.listen(Session, "before_flush", change_elsewhere)
    try:
        yield fired
    finally:
        sa.event.remove(Session, "before_flush", change_elsewhere)


@pytest.fixture
def case(app: Flask, team: Team) -> Report:
    """A web report of potholes, new, routed to the roads office."""
    assert post_report(app.test_client(), team.potholes.id).status_code == 303
    return submitted(app)


def _post(client: FlaskClient, url: str, **fields: Any):  # type: ignore[no-untyped-def]
    csrf = form_tokens(client, case_url(url.split("/")[4]))["csrf_token"]
    return client.post(url, data={"csrf_token": csrf, **fields}, headers={"Accept-Language": "en"})


FORMS: dict[str, Callable[[Team, str], tuple[str, dict[str, Any]]]] = {
    "acknowledge": lambda team, rid: (f"{case_url(rid)}/actions/acknowledge", {}),
    "assign": lambda team, rid: (f"{case_url(rid)}/actions/assign", {"office": team.roads.id}),
    "reject": lambda team, rid: (f"{case_url(rid)}/actions/reject", {"note": "Fuori competenza"}),
    "reply": lambda team, rid: (
        f"{case_url(rid)}/messages",
        {"visibility": "public", "body": "Ci pensiamo."},
    ),
    "note": lambda team, rid: (
        f"{case_url(rid)}/messages",
        {"visibility": "internal", "body": "Sopralluogo"},
    ),
    "moderate": lambda team, rid: (f"{case_url(rid)}/moderation", {"public_title": "Buca"}),
    "priority": lambda team, rid: (
        f"{case_url(rid)}/classification",
        {"category": team.potholes.id, "priority": "high"},
    ),
    "category": lambda team, rid: (
        f"{case_url(rid)}/classification",
        {"category": team.lamps.id, "priority": "normal"},
    ),
}


@pytest.mark.parametrize("form", sorted(FORMS))
def test_a_change_made_meanwhile_is_a_409_naming_who_whatever_flush_finds_it(
    app: Flask, team: Team, case: Report, form: str
) -> None:
    olga = client_for(app, team, "olga")
    url, fields = FORMS[form](team, case.public_id)
    seen = state_of(app, case.id)
    with changed_elsewhere_at_first_flush(app, case.id, team.members["marco"].id) as fired:
        response = _post(olga, url, version=seen["version"], **fields)
    html = response.get_data(as_text=True)
    # Inside the service, before its commit: where the old code let StaleDataError through as a 500.
    assert fired in (["autoflush"], ["flush"]), fired
    assert response.status_code == 409, html[:3000]
    assert CHANGED_BY_MARCO.search(html), html[:3000]
    after = state_of(app, case.id)
    # Only Marco's change is there: his event and his version, nothing of Olga's.
    assert after == {**seen, "version": seen["version"] + 1, "events": seen["events"] + 1}


def test_a_merge_lost_to_a_change_of_the_case_is_a_409(app: Flask, team: Team, case: Report) -> None:
    master_client = app.test_client()
    assert post_report(master_client, team.potholes.id, title="La stessa buca").status_code == 303
    with app.app_context():
        master = host_db.session.scalars(sa.select(Report).where(Report.id != case.id)).one()
        master_id, master_number = master.id, master.public_id
    act(app, team, "olga", case.id, Action.ACKNOWLEDGE)
    seen, master_seen = state_of(app, case.id), state_of(app, master_id)
    olga = client_for(app, team, "olga")
    with changed_elsewhere_at_first_flush(app, case.id, team.members["marco"].id) as fired:
        response = _post(
            olga, f"{case_url(case.public_id)}/actions/merge", version=seen["version"], master=master_number
        )
    assert fired
    assert response.status_code == 409 and CHANGED_BY_MARCO.search(response.get_data(as_text=True))
    assert state_of(app, case.id) == {**seen, "version": seen["version"] + 1, "events": seen["events"] + 1}
    assert state_of(app, master_id) == master_seen


def test_a_bulk_action_reports_the_case_changed_meanwhile_and_does_the_others(
    app: Flask, team: Team, case: Report
) -> None:
    other_client = app.test_client()
    assert post_report(other_client, team.potholes.id, title="Altra buca").status_code == 303
    with app.app_context():
        other_id = host_db.session.scalars(sa.select(Report.id).where(Report.id != case.id)).one()
    seen, other_seen = state_of(app, case.id), state_of(app, other_id)
    olga = client_for(app, team, "olga")
    csrf = form_tokens(olga, "/citizencare/staff/")["csrf_token"]
    with changed_elsewhere_at_first_flush(app, case.id, team.members["marco"].id) as fired:
        response = olga.post(
            "/citizencare/staff/bulk",
            data={
                "csrf_token": csrf,
                "action": "acknowledge",
                "report": [f"{case.id}:{seen['version']}", f"{other_id}:{other_seen['version']}"],
                "back": "/citizencare/staff/",
            },
            headers={"Accept-Language": "en"},
        )
    assert fired
    assert response.status_code == 303
    page = olga.get("/citizencare/staff/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert CHANGED_BY_MARCO.search(page), page[:3000]
    assert state_of(app, case.id) == {**seen, "version": seen["version"] + 1, "events": seen["events"] + 1}
    assert state_of(app, other_id)["status"] == Status.ACKNOWLEDGED.value


def test_the_sla_sweep_leaves_a_case_changed_meanwhile_for_its_next_run(app: Flask, team: Team) -> None:
    with app.app_context():
        category = host_db.session.get(type(team.potholes), team.potholes.id)
        late = create_report(
            host_db.session, category=category, due_at=datetime.now(UTC) - timedelta(hours=2)
        )
        host_db.session.commit()
        late_id = late.id
    seen = state_of(app, late_id)
    with changed_elsewhere_at_first_flush(app, late_id, team.members["marco"].id) as fired:
        with app.app_context():
            assert sla.sweep(datetime.now(UTC)) == []
    assert fired
    assert state_of(app, late_id) == {**seen, "version": seen["version"] + 1, "events": seen["events"] + 1}
    with app.app_context():
        assert [r.id for r in sla.sweep(datetime.now(UTC))] == [late_id]
    assert state_of(app, late_id)["sla_breached_at"] is not None


def test_a_reply_by_mail_that_races_a_staff_change_is_retried(mail_app: Flask, team: Team) -> None:
    with mail_app.app_context():
        category = host_db.session.get(type(team.potholes), team.potholes.id)
        report = create_report(host_db.session, category=category, received_at=datetime.now(UTC))
        host_db.session.commit()
        report_id = report.id
    act(mail_app, team, "olga", report_id, Action.ASSIGN, assignee_id=team.members["tina"].id)
    act(mail_app, team, "tina", report_id, Action.RESOLVE, public_reply="Buca chiusa.")
    seen = state_of(mail_app, report_id)
    with changed_elsewhere_at_first_flush(mail_app, report_id, team.members["marco"].id) as fired:
        with mail_app.app_context():
            result = ingest_message(fixture_for("gmail_reply.eml", report_id))
    assert fired
    assert result.status == "reopened", result
    after = state_of(mail_app, report_id)
    assert after["status"] == Status.IN_PROGRESS.value
    assert after["version"] == seen["version"] + 2 and after["messages"] == seen["messages"] + 1


# -- Two real requests at the same instant -------------------------------------------------------

#: (who, form) pairs that race on one case; every pair changes it, so exactly one may win.
RACES = [
    (("olga", "acknowledge"), ("marco", "reject")),
    (("olga", "reply"), ("marco", "acknowledge")),
    (("olga", "moderate"), ("marco", "category")),
    (("olga", "note"), ("marco", "reply")),
    (("olga", "assign"), ("ada", "priority")),
]


def _race(app: Flask, team: Team, report_id: int, racers: tuple[tuple[str, str], ...], **hold: Any):  # type: ignore[no-untyped-def]
    """Both racers load the case, then post their form at the same instant; (status, html) each."""
    seen = state_of(app, report_id)["version"]
    prepared = []
    for who, form in racers:
        client = client_for(app, team, who)
        url, fields = FORMS[form](team, number_of(app, report_id))
        csrf = form_tokens(client, case_url(number_of(app, report_id)))["csrf_token"]
        prepared.append((client, url, {"csrf_token": csrf, "version": seen, **fields}))
    responses = at_the_same_instant(
        *(
            lambda client=client, url=url, data=data: client.post(
                url, data=data, headers={"Accept-Language": "en"}
            )
            for client, url, data in prepared
        )
    )
    return [
        (r.status_code, r.get_data(as_text=True)) if not isinstance(r, Exception) else (500, repr(r))
        for r in responses
    ]


@contextmanager
def in_lockstep(parties: int) -> Iterator[None]:
    """Every request waits at its first flush for the others: all passed the version check, none wrote."""
    flushed = threading.Barrier(parties, timeout=30)
    local = threading.local()

    def wait_for_the_others(session: Session, flush_context: Any, instances: Any) -> None:
        if not getattr(local, "waited", False):
            local.waited = True
            flushed.wait()

    sa.event.listen(Session, "before_flush", wait_for_the_others)
    try:
        yield
    finally:
        sa.event.remove(Session, "before_flush", wait_for_the_others)


def _check_race(app: Flask, team: Team, report_id: int, racers: Any, answers: Any, seen: Any) -> None:
    codes = [code for code, _html in answers]
    assert sorted(codes) == [303, 409], [(c, h[:2000]) for c, h in answers]
    winner = racers[codes.index(303)][0]
    loser_html = answers[codes.index(409)][1]
    assert re.search(rf"changed by {team.members[winner].display_name} at \d\d:\d\d", loser_html), loser_html
    after = state_of(app, report_id)
    # One change only: one event (the winner's), the loser's message nowhere.
    assert after["version"] > seen["version"]
    assert after["events"] == seen["events"] + 1
    winning_form = racers[codes.index(303)][1]
    assert after["messages"] == seen["messages"] + (winning_form in ("reply", "note"))
    with app.app_context():
        last = host_db.session.scalars(
            sa.select(StatusEvent).where(StatusEvent.report_id == report_id).order_by(StatusEvent.id.desc())
        ).first()
        assert last is not None and last.actor_id == team.members[winner].id
        host_db.session.remove()


@pytest.mark.slow
@pytest.mark.parametrize("lockstep", [False, True], ids=["same-instant", "lockstep"])
def test_two_staff_racing_on_a_case_one_wins_the_other_gets_409(
    app: Flask, team: Team, lockstep: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """20 rounds, each on a new case. ``lockstep`` holds both at their first flush, so that every
    round is decided by the lock at the database (else some are decided by the version check)."""
    # One citizen files the 20 cases: the per-address report limit is another test's subject.
    monkeypatch.setattr(app.extensions["citizencare"], "rate_limiter", None)
    citizen = app.test_client()
    for round_ in range(20):
        racers = RACES[round_ % len(RACES)]
        assert post_report(citizen, team.potholes.id, title=f"Buca {round_}").status_code == 303
        with app.app_context():
            report_id = host_db.session.scalar(sa.select(sa.func.max(Report.id)))
            host_db.session.remove()
        assert report_id is not None
        seen = state_of(app, report_id)
        if lockstep:
            with in_lockstep(len(racers)):
                answers = _race(app, team, report_id, racers)
        else:
            answers = _race(app, team, report_id, racers)
        _check_race(app, team, report_id, racers, answers, seen)
