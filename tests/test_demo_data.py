"""The demo-data generator: realistic, consistent, deterministic, idempotent, on both databases."""

from __future__ import annotations

import os
import re
from collections import Counter as Tally
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from shapely.geometry import Point, shape
from sqlalchemy.orm import Session, scoped_session

from flask_citizencare.demo import load_demo
from flask_citizencare.demo.data import ACCOUNTS, BOLOGNA_BBOX, CATEGORIES, OFFICES
from flask_citizencare.domain import lifecycle
from flask_citizencare.domain.lifecycle import STAFF_ROLES, TAKEN_IN_CHARGE
from flask_citizencare.domain.notices.lifecycle import is_current
from flask_citizencare.models import (
    Category,
    Counter,
    Message,
    Office,
    ProposalAnswer,
    Report,
    ReporterContact,
    ServiceNotice,
    StaffMember,
    StatusEvent,
    Support,
)

from .conftest import POSTGRES_ENV, dispose, empty_tables
from .factories import create_report
from .host import HostUser, host_db, make_host_app

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PUBLIC_ID = re.compile(r"^\d{4}-\d{6}$")


def count(session: Session, model: Any, *where: Any) -> int:
    return int(session.scalar(sa.select(sa.func.count()).select_from(model).where(*where)) or 0)


def points(session: Session | scoped_session[Any]) -> list[tuple[float, float]]:
    rows = session.execute(
        sa.select(sa.func.ST_X(Report.point), sa.func.ST_Y(Report.point)).where(Report.point.is_not(None))
    )
    return [(float(x), float(y)) for x, y in rows]


def report_rows(session: Session) -> list[tuple[Any, ...]]:
    """What a seed decides, in id order: everything but ids and tokens."""
    return [
        tuple(r)
        for r in session.execute(
            sa.select(
                Report.public_id,
                Report.title,
                Report.description,
                Report.status,
                Report.channel,
                Report.address,
                Report.created_at,
                Report.resolved_at,
                sa.func.ST_X(Report.point),
            ).order_by(Report.id)
        )
    ]


def test_loads_a_realistic_city(db_session: Session) -> None:
    summary = load_demo(300, seed=1, now=NOW)
    s = db_session

    assert summary.added == 300 and summary.after == 300
    assert count(s, Report) == 300
    assert count(s, Office) == len(OFFICES)
    assert count(s, Category) == len(CATEGORIES) >= 12
    assert {r for (r,) in s.execute(sa.select(StaffMember.role))} == set(STAFF_ROLES)
    assert count(s, StaffMember) == sum(1 for a in ACCOUNTS if a.role != "citizen")

    lights = s.scalar(sa.select(Category).where(Category.code == "illuminazione"))
    assert lights is not None and lights.default_office is not None
    assert lights.names["en"] == "Street lighting" and lights.names["ca"] == "Enllumenat públic"
    assert {q["key"] for q in lights.questions} >= {"pole_number"}
    assert s.scalar(sa.select(Category.needs_location).where(Category.code == "servizi-digitali")) is False
    assert s.scalar(sa.select(Category.kinds).where(Category.code == "proposte")) == "proposal"

    # Every report has a history and almost every one a reporter to answer.
    assert count(s, Report, ~Report.events.any()) == 0
    assert count(s, StatusEvent) == summary.events > 3 * 300
    assert 250 <= count(s, ReporterContact) == summary.contacts
    assert count(s, Support) == summary.supports

    statuses = Tally(s.scalars(sa.select(Report.status)))
    assert {"closed", "resolved", "rejected", "in_progress"} <= set(statuses)
    assert statuses["closed"] + statuses["resolved"] > 150
    channels = Tally(s.scalars(sa.select(Report.channel)))
    assert len(channels) >= 4 and 150 < channels["web"] < 260
    kinds = Tally(s.scalars(sa.select(Report.kind)))
    assert set(kinds) == {"issue", "proposal"} and 5 < kinds["proposal"] < 50
    assert count(s, Report, Report.duplicate_of_id.is_not(None)) > 0
    assert count(s, Report, Report.is_public.is_(False)) > 0
    assert count(s, Report, Report.outcome.is_not(None)) > 0

    # In Bologna, on real streets.
    located = points(s)
    assert len(located) > 280
    x0, y0, x1, y1 = BOLOGNA_BBOX
    assert all(x0 <= x <= x1 and y0 <= y <= y1 for x, y in located)
    assert all(
        re.match(r"^(Via|Viale|Strada|Piazza) .+ \d+(/[A-C])?$", a)
        for a in s.scalars(sa.select(Report.address).where(Report.address.is_not(None)))
        if a is not None
    )
    assert count(s, Report, Report.point.is_(None), Report.address.is_not(None)) == 0

    # Public ids in the product's format, and counters that continue after them.
    public_ids = list(s.scalars(sa.select(Report.public_id)))
    assert len(set(public_ids)) == 300 and all(PUBLIC_ID.match(p) for p in public_ids)
    highest: dict[str, int] = {}
    for public_id in public_ids:
        year, number = public_id.split("-")
        highest[year] = max(highest.get(year, 0), int(number))
    counters = {c.name: c.value for c in s.scalars(sa.select(Counter))}
    assert counters == {f"public_id:{year}": n for year, n in highest.items()}
    assert all(min(int(p[5:]) for p in public_ids if p[:4] == y) == 1 for y in highest)


def test_histories_are_consistent(db_session: Session) -> None:
    load_demo(250, seed=4, now=NOW)  # a fixed "now": which recent cases are still open depends on it
    s = db_session
    now = NOW
    events: dict[int, list[StatusEvent]] = {}
    for event in s.scalars(sa.select(StatusEvent).order_by(StatusEvent.report_id, StatusEvent.id)):
        events.setdefault(event.report_id, []).append(event)
    masters = {r.id: r for r in s.scalars(sa.select(Report))}

    for report in masters.values():
        history = events[report.id]
        assert (
            history[0].action == "submit" and history[0].from_status is None and history[0].to_status == "new"
        )
        assert history[-1].to_status == report.status
        times = [e.at for e in history]
        assert times == sorted(times) and times[-1] <= now
        assert history[0].at == report.created_at >= report.received_at
        assert report.updated_at == history[-1].at
        assert report.version == len(history)
        for before, after in pairwise(history):
            assert after.from_status == before.to_status
        staff_steps = [e for e in history if e.actor_kind == "staff"]
        assert all(e.actor_id is not None for e in staff_steps)

        acks = [e.at for e in history if e.action == "acknowledge"]
        assert report.acknowledged_at == (acks[0] if acks else None)
        if report.status in TAKEN_IN_CHARGE:
            assert report.acknowledged_at is not None
        if report.status in ("resolved", "closed"):
            assert report.resolved_at == [e.at for e in history if e.action == "resolve"][-1]
            assert report.resolver_id is not None
        if report.status == "closed":
            assert report.resolved_at is not None and report.closed_at == history[-1].at >= report.resolved_at
        if report.status == "suspended":
            assert report.suspended_at == history[-1].at
        if report.status == "rejected":
            assert report.reject_reason
        if report.duplicate_of_id is not None:
            master = masters[report.duplicate_of_id]
            assert report.reject_reason == f"Duplicato di {master.public_id}"
            assert master.category_id == report.category_id and master.created_at <= report.created_at
            assert master.duplicates_count >= 1
        if report.status == "in_progress":
            assert report.office_id is not None or report.assignee_id is not None
        if report.kind == "issue":
            assert report.outcome is None
        assert report.ack_due_at is not None and report.ack_due_at > report.received_at
        assert report.resolve_due_at is not None and report.resolve_due_at > report.ack_due_at
        if report.resolved_at is not None and report.resolved_at > report.resolve_due_at:
            assert report.sla_breached_at is not None and report.sla_breached_at <= report.resolve_due_at
    assert sum(r.duplicates_count for r in masters.values()) == sum(
        1 for r in masters.values() if r.duplicate_of_id is not None
    )
    # Recent reports are still being worked on.
    recent = [r.status for r in masters.values() if r.created_at > now - timedelta(days=20)]
    assert recent and any(status in ("new", "acknowledged", "in_progress", "suspended") for status in recent)


def test_histories_follow_the_triage_rules(db_session: Session) -> None:
    """Every step is one the lifecycle allows, from that state, by someone whose role may take it."""
    transitions = lifecycle.TRANSITIONS
    load_demo(250, seed=9)
    s = db_session
    roles = {m.id: m.role for m in s.scalars(sa.select(StaffMember))}
    escalations: Tally[int] = Tally()
    for event in s.scalars(sa.select(StatusEvent).order_by(StatusEvent.report_id, StatusEvent.id)):
        if event.action == "submit":
            continue
        if event.action in ("moderate", "classify"):  # edits by the front office, off the public timeline
            assert event.from_status == event.to_status and not event.public
            assert roles[event.actor_id or 0] in ("operator", "manager", "admin")
            continue
        if event.action == "answer_published":  # a proposal's official answer: public, keeps the status
            assert event.from_status == event.to_status == "resolved" and event.public
            assert roles[event.actor_id or 0] in ("operator", "manager", "admin")
            continue
        transition = transitions[lifecycle.Action(event.action)]
        assert event.from_status in transition.sources, (event.action, event.from_status)
        assert event.to_status == (transition.target or event.from_status) or event.action == "resume"
        assert event.actor_kind == "staff" and event.actor_id is not None
        assert roles[event.actor_id] in transition.roles, (event.action, event.actor_id)
        if event.action == "escalate":
            escalations[event.report_id] += 1
        if event.action in ("reject", "suspend", "reopen", "merge"):
            assert event.note
        if event.action == "resolve":
            assert event.note is None  # the answer is the thread's public message
    assert all(n == 1 for n in escalations.values())

    # The answer of every resolution is in the report's thread, from whoever resolved it.
    answers = {
        (m.report_id, m.created_at, m.author_id)
        for m in s.scalars(sa.select(Message).where(Message.visibility == "public"))
        if m.body
    }
    resolutions = {
        (e.report_id, e.at, e.actor_id)
        for e in s.scalars(sa.select(StatusEvent).where(StatusEvent.action == "resolve"))
    }
    assert resolutions and answers == resolutions


def test_answered_proposals_have_their_published_answer(db_session: Session) -> None:
    """Each decided proposal: one published answer in the state of its outcome, at its answered_at."""
    load_demo(400, seed=4, now=NOW)
    s = db_session
    answers: dict[int, list[ProposalAnswer]] = {}
    for answer in s.scalars(sa.select(ProposalAnswer).order_by(ProposalAnswer.id)):
        answers.setdefault(answer.report_id, []).append(answer)
    events = {
        e.report_id: e
        for e in s.scalars(sa.select(StatusEvent).where(StatusEvent.action == "answer_published"))
    }
    decided = 0
    for report in s.scalars(sa.select(Report).where(Report.kind == "proposal")):
        if report.outcome in ("accepted", "implemented", "not_accepted"):
            decided += 1
            [answer] = answers.pop(report.id)
            assert answer.published_at == report.answered_at == events[report.id].at
            assert answer.state.meaning == report.outcome
            assert events[report.id].data == {"state": answer.state.code}
            assert answer.body and answer.publisher_id is not None
            assert (answer.reason is not None) == answer.state.needs_reason
            assert (answer.implemented_on is not None) == answer.state.needs_date
            if answer.implemented_on is not None:
                assert answer.implemented_on <= NOW.date()
        else:
            assert report.answered_at is None and report.id not in answers
    assert decided and not answers  # no answer for an undecided proposal or an issue


def test_proposals_past_the_threshold_have_their_answer_term(db_session: Session) -> None:
    """The demo's proposals category obliges an answer at 50 supports, 30 working days later."""
    load_demo(1500, seed=5, now=NOW)
    s = db_session
    threshold = s.scalar(sa.select(Category.supports_threshold).where(Category.code == "proposte"))
    assert threshold == 50
    reached = 0
    for report in s.scalars(sa.select(Report).where(Report.kind == "proposal")):
        supports = count(s, Support, Support.report_id == report.id)
        assert report.supports_count == supports
        if supports >= threshold:
            reached += 1
            assert report.threshold_reached_at is not None and report.answer_due_at is not None
            # 30 working days: six weeks (less a day or two from a weekend), at most eight with holidays.
            term = report.answer_due_at - report.threshold_reached_at
            assert timedelta(days=39) < term < timedelta(days=57)
        else:
            assert report.threshold_reached_at is None and report.answer_due_at is None
    assert reached


def test_idempotent_and_incremental(db_session: Session) -> None:
    s = db_session
    first = load_demo(120, seed=2)
    assert first.added == 120
    tokens = set(s.scalars(sa.select(Report.submission_token)))
    assert tokens == {f"demo:2:{i}" for i in range(120)}

    again = load_demo(120, seed=2)
    assert again.added == 0 and again.after == 120
    assert (
        count(s, Report) == 120 and count(s, Office) == len(OFFICES) and count(s, Category) == len(CATEGORIES)
    )
    assert count(s, StaffMember) == sum(1 for a in ACCOUNTS if a.role != "citizen")

    fewer = load_demo(50, seed=2)
    assert fewer.added == 0 and count(s, Report) == 120

    more = load_demo(200, seed=2)
    assert more.added == 80 and count(s, Report) == 200
    assert set(s.scalars(sa.select(Report.submission_token))) == {f"demo:2:{i}" for i in range(200)}
    public_ids = list(s.scalars(sa.select(Report.public_id)))
    assert len(set(public_ids)) == 200

    other_seed = load_demo(30, seed=3)
    assert other_seed.added == 30 and count(s, Report) == 230
    highest: dict[str, int] = {}
    for public_id in s.scalars(sa.select(Report.public_id)):
        highest[public_id[:4]] = max(highest.get(public_id[:4], 0), int(public_id[5:]))
    assert {c.name: c.value for c in s.scalars(sa.select(Counter))} == {
        f"public_id:{y}": n for y, n in highest.items()
    }


def test_public_ids_continue_after_existing_reports(db_session: Session) -> None:
    year = NOW.year
    create_report(db_session, public_id=f"{year}-000500")
    db_session.commit()
    load_demo(200, seed=1, now=NOW)
    numbers = sorted(
        int(p[5:])
        for p in db_session.scalars(sa.select(Report.public_id).where(Report.public_id.like(f"{year}-%")))
    )
    assert numbers[0] == 500 and numbers[1] == 501
    assert db_session.get(Counter, f"public_id:{year}").value == numbers[-1]  # type: ignore[union-attr]


def test_same_seed_gives_the_same_reports(app: Flask, db_session: Session) -> None:
    load_demo(150, seed=7, now=NOW, chunk_size=37)
    first = report_rows(db_session)
    tokens = set(db_session.scalars(sa.select(Report.tracking_token)))
    db_session.remove()  # type: ignore[attr-defined]
    empty_tables(app)

    load_demo(150, seed=7, now=NOW)
    assert report_rows(db_session) == first
    assert not tokens & set(db_session.scalars(sa.select(Report.tracking_token)))

    load_demo(150, seed=8, now=NOW)
    titles = [r[1] for r in report_rows(db_session)]
    assert titles[150:] != titles[:150]


@pytest.mark.skipif(not os.environ.get(POSTGRES_ENV), reason=f"{POSTGRES_ENV} not set")
@pytest.mark.parametrize("backend", ["postgis"], indirect=True)
def test_postgres_falls_back_to_text_copy(db_session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    """A column type the binary COPY does not know (say jsonb after a migration) means text COPY."""
    from flask_citizencare.database import copy

    binary = dict(copy._BINARY)
    del binary["json"]
    monkeypatch.setattr(copy, "_BINARY", binary)
    summary = load_demo(120, seed=11, now=NOW, chunk_size=50)
    assert count(db_session, Report) == 120 and count(db_session, StatusEvent) == summary.events
    x0, y0, x1, y1 = BOLOGNA_BBOX
    assert all(x0 <= x <= x1 and y0 <= y <= y1 for x, y in points(db_session))
    answers = [a for a in db_session.scalars(sa.select(Report.answers)) if a]
    assert answers and all(isinstance(a, dict) for a in answers)


def test_a_failed_load_leaves_nothing(db_session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    from flask_citizencare.demo import generate

    original = generate.ReportFactory._report
    made = []

    def failing(self: Any, chunk: Any, index: int, *args: Any) -> None:
        if index == 70:
            raise RuntimeError("disk full")
        made.append(index)
        original(self, chunk, index, *args)

    monkeypatch.setattr(generate.ReportFactory, "_report", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        load_demo(100, seed=1, chunk_size=25)
    assert len(made) == 70
    assert count(db_session, Report) == count(db_session, Category) == count(db_session, StaffMember) == 0

    monkeypatch.setattr(generate.ReportFactory, "_report", original)
    assert load_demo(100, seed=1).added == 100


@pytest.fixture
def area_app(database_url: str) -> Iterator[Any]:
    apps: list[Flask] = []

    def make(area: Any) -> Flask:
        app = make_host_app(database_url, CITIZENCARE_AREA=area)
        apps.append(app)
        return app

    yield make
    for app in apps:
        empty_tables(app)
        dispose(app)


def test_reports_stay_inside_the_configured_area(area_app: Any) -> None:
    rome = (12.40, 41.80, 12.60, 41.99)  # not Bologna: its pattern is stretched over the bbox
    with area_app(rome).app_context():
        load_demo(150, seed=5, now=NOW)
        located = points(host_db.session)
        assert len(located) > 130
        assert all(rome[0] <= x <= rome[2] and rome[1] <= y <= rome[3] for x, y in located)
        host_db.session.remove()


def test_reports_stay_inside_a_polygon_area(area_app: Any) -> None:
    # Bologna's centre and the north-east, as a GeoJSON triangle.
    triangle = {
        "type": "Polygon",
        "coordinates": [[[11.30, 44.47], [11.42, 44.47], [11.36, 44.54], [11.30, 44.47]]],
    }
    with area_app(triangle).app_context():
        load_demo(150, seed=6, now=NOW)
        polygon = shape(triangle)
        located = points(host_db.session)
        assert len(located) > 130
        assert all(polygon.covers(Point(x, y)) for x, y in located)
        host_db.session.remove()


def test_command_without_user_factory(app: Flask, db_session: Session) -> None:
    args = ["citizencare", "demo-data", "--reports", "50", "--seed", "3", "--now", "2026-11-23 09:00"]
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 0, result.output
    assert "Added 50 reports" in result.output
    assert f"Photos are stored in {Path(app.config['CITIZENCARE_PHOTO_DIR']).resolve()} " in result.output
    for account in ACCOUNTS:
        if account.role != "citizen":
            assert re.search(
                rf"^{re.escape(account.username)}\s+{account.role}\s+demo-{re.escape(account.username)}$",
                result.output,
                re.MULTILINE,
            )
    assert "No user_factory hook" in result.output
    assert set(db_session.scalars(sa.select(StaffMember.user_id))) == {
        f"demo:{a.username}" for a in ACCOUNTS if a.role != "citizen"
    }
    assert count(db_session, Report) == 50
    assert max(db_session.scalars(sa.select(Report.updated_at))) <= NOW

    again = app.test_cli_runner().invoke(args=["citizencare", "demo-data", "--reports", "50", "--seed", "3"])
    assert again.exit_code == 0 and "Nothing to add" in again.output
    assert count(db_session, Report) == 50


def test_command_with_user_factory(app: Flask, db_session: Session) -> None:
    calls: list[tuple[str, str, str, str]] = []

    def make_user(username: str, display_name: str, email: str, password: str) -> str:
        calls.append((username, display_name, email, password))
        user = host_db.session.scalar(sa.select(HostUser).where(HostUser.email == email))
        if user is None:
            user = HostUser(email=email)
            host_db.session.add(user)
            host_db.session.flush()
        return str(user.id)

    app.extensions["citizencare"].hooks.user_factory(make_user)
    result = app.test_cli_runner().invoke(args=["citizencare", "demo-data", "--reports", "50", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert re.search(r"^cittadino\s+citizen\s+demo-cittadino$", result.output, re.MULTILINE)
    assert "No user_factory hook" not in result.output  # (the photo folder's path names this test)
    assert {c[0] for c in calls} == {a.username for a in ACCOUNTS}
    assert all(password == f"demo-{username}" for username, _, _, password in calls)

    users = {u.email: str(u.id) for u in db_session.scalars(sa.select(HostUser))}
    staff = {m.email or "": m for m in db_session.scalars(sa.select(StaffMember))}
    assert set(staff) == {a.email for a in ACCOUNTS if a.role != "citizen"}
    assert all(member.user_id == users[email] for email, member in staff.items())
    assert {o.code for o in staff["tecnico.strade@comune.example.org"].offices} == {"manutenzione-strade"}
    citizen_id = users["cittadino@example.org"]
    assert citizen_id not in {m.user_id for m in staff.values()}
    assert count(db_session, ReporterContact, ReporterContact.user_id == citizen_id) > 0

    again = app.test_cli_runner().invoke(args=["citizencare", "demo-data", "--reports", "60", "--seed", "3"])
    assert again.exit_code == 0, again.output
    assert count(db_session, HostUser) == len(ACCOUNTS)
    assert count(db_session, StaffMember) == len(staff)
    assert count(db_session, Report) == 60


def test_demo_service_notices(db_session: Session) -> None:
    first = load_demo(5, seed=4, now=NOW)
    assert first.notices == 3
    notices = {n.kind + ":" + n.status: n for n in db_session.scalars(sa.select(ServiceNotice))}
    assert set(notices) == {"incident:identified", "planned:scheduled", "incident:resolved"}
    incident, works, resolved = (
        notices[k] for k in ("incident:identified", "planned:scheduled", "incident:resolved")
    )
    assert is_current(incident.status) and incident.services and incident.impact == "interrupted"
    assert [c.code for c in incident.categories] == ["servizi-digitali"]
    assert (
        works.area is not None
        and works.starts_at > NOW
        and [c.code for c in works.categories] == ["buche-strade"]
    )
    assert resolved.ended_at is not None and resolved.ended_at < NOW and not is_current(resolved.status)
    assert all(n.titles.get("en") and n.updates for n in notices.values())
    assert load_demo(5, seed=4, now=NOW).notices == 0
    assert count(db_session, ServiceNotice) == 3
