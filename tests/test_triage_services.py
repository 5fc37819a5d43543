"""The lifecycle through its services: a random walk by random roles, the SLA sweep, staff commands."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from flask_citizencare import signals
from flask_citizencare.domain.lifecycle import OPEN_STATUSES, TRANSITIONS, Action, Role, Status
from flask_citizencare.models import OutboxMail, Report, StatusEvent
from flask_citizencare.services.errors import ActionRefused
from flask_citizencare.services.sla import recompute_due_times
from flask_citizencare.services.triage import ActionInput, apply_action

from .factories import create_report
from .host import host_db
from .staff import Team, actor_for

ROLES = {
    "olga": Role.OPERATOR,
    "marco": Role.MANAGER,
    "ada": Role.ADMIN,
    "tina": Role.TECHNICIAN,
    "luca": Role.TECHNICIAN,
}


def snapshot(report_id: int) -> tuple[Any, ...]:
    host_db.session.expire_all()
    report = host_db.session.get(Report, report_id)
    assert report is not None
    return (
        report.status,
        report.version,
        report.level,
        report.office_id,
        report.assignee_id,
        report.due_at,
        report.reject_reason,
        report.duplicate_of_id,
        len(report.events),
        len(report.messages),
    )


def test_random_actions_by_random_roles_keep_the_case_consistent(app: Flask, team: Team) -> None:
    class Lifecycle(RuleBasedStateMachine):
        @initialize()
        def new_case(self) -> None:
            with app.app_context():
                category = host_db.session.get(type(team.potholes), team.potholes.id)
                report = create_report(
                    host_db.session,
                    category=category,
                    received_at=datetime.now(UTC),
                    office_id=team.roads.id,
                )
                self.master = create_report(host_db.session, category=category).public_id
                recompute_due_times(report, now=datetime.now(UTC))
                host_db.session.commit()
                self.report_id = report.id
            self.refused = 0

        @rule(
            who=st.sampled_from(sorted(ROLES)),
            action=st.sampled_from(list(Action)),
            stale=st.booleans(),
            note=st.sampled_from(["", "Motivo"]),
            office=st.sampled_from(["roads", "lights", None]),
        )
        def act(self, who: str, action: Action, stale: bool, note: str, office: str | None) -> None:
            with app.test_request_context():
                before = snapshot(self.report_id)
                version = before[1] - 1 if stale else before[1]
                office_id = {"roads": team.roads.id, "lights": team.lights.id, None: None}[office]
                master_id = host_db.session.scalar(
                    sa.select(Report.id).where(Report.public_id == self.master)
                )
                data = ActionInput(
                    expected_version=version,
                    note=note,
                    public_reply=note,
                    office_id=office_id,
                    master_id=master_id,
                )
                try:
                    apply_action(actor_for(team, who), self.report_id, action, data)
                except ActionRefused:
                    assert snapshot(self.report_id) == before, "a refused action changed the case"
                    self.refused += 1
                    return
                after = snapshot(self.report_id)
                assert not stale
                assert ROLES[who] in TRANSITIONS[action].roles
                assert Status(before[0]) in TRANSITIONS[action].sources
                assert after[1] == before[1] + 1 and after[8] == before[8] + 1
                host_db.session.remove()

        @invariant()
        def consistent(self) -> None:
            if not hasattr(self, "report_id"):
                return
            with app.test_request_context():
                host_db.session.expire_all()
                report = host_db.session.get(Report, self.report_id)
                assert report is not None
                assert report.events[-1].to_status == report.status
                status = Status(report.status)
                if status in OPEN_STATUSES and status is not Status.SUSPENDED:
                    assert report.due_at is not None
                else:
                    assert report.due_at is None
                if status is Status.IN_PROGRESS:
                    assert report.office_id is not None or report.assignee_id is not None
                assert report.level in (1, 2)
                host_db.session.remove()

    run_state_machine_as_test(
        Lifecycle,
        settings=settings(
            max_examples=20,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )


def test_sla_sweep_marks_once_and_queues_a_reminder(app: Flask, team: Team) -> None:
    with app.app_context():
        category = host_db.session.get(type(team.potholes), team.potholes.id)
        late = create_report(
            host_db.session,
            category=category,
            office_id=team.roads.id,
            due_at=datetime(2026, 1, 5, 9, tzinfo=UTC),
        )
        on_time = create_report(
            host_db.session, category=category, due_at=datetime.now(UTC) + timedelta(days=3)
        )
        host_db.session.query(type(team.roads)).filter_by(id=team.roads.id).update(
            {"email": "strade@comune.example"}
        )
        host_db.session.commit()
        late_id, on_time_id = late.id, on_time.id
    seen: list[Any] = []

    def listener(sender: Any, **kwargs: Any) -> None:
        seen.append((kwargs["report"].id, kwargs["which"]))

    signals.sla_breached.connect(listener)
    try:
        first = app.test_cli_runner().invoke(args=["citizencare", "sla", "sweep"])
        second = app.test_cli_runner().invoke(args=["citizencare", "sla", "sweep"])
    finally:
        signals.sla_breached.disconnect(listener)
    assert first.exit_code == 0 and "1 case(s) newly overdue" in first.output
    assert "0 case(s) newly overdue" in second.output
    assert seen == [(late_id, "acknowledgement")]
    with app.app_context():
        mail = host_db.session.scalars(sa.select(OutboxMail)).one()
        assert mail.recipient == "strade@comune.example" and mail.report_id == late_id
        assert "/citizencare/staff/cases/" in mail.body_text and mail.state == "pending"
        assert host_db.session.get(Report, on_time_id).sla_breached_at is None  # type: ignore[union-attr]
        breach = host_db.session.scalars(
            sa.select(StatusEvent).where(StatusEvent.action == "sla_breach")
        ).one()
        assert breach.report_id == late_id and not breach.public


def test_staff_commands(app: Flask, team: Team) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "citizencare",
            "staff",
            "add",
            "77",
            "--role",
            "technician",
            "--name",
            "Pia Neri",
            "--email",
            "pia@comune.example",
            "--office",
            "roads",
            "--office",
            "lights",
        ]
    )
    assert result.exit_code == 0, result.output
    assert (
        "77: Pia Neri, technician, lights, roads" in result.output
        or "77: Pia Neri, technician, roads, lights" in result.output
    )
    assert "Pia Neri" in runner.invoke(args=["citizencare", "staff", "list"]).output
    bad = runner.invoke(
        args=["citizencare", "staff", "add", "78", "--role", "technician", "--name", "X", "--office", "nope"]
    )
    assert bad.exit_code != 0 and "unknown office(s): nope" in bad.output
    assert runner.invoke(args=["citizencare", "staff", "remove", "77"]).exit_code == 0
    assert "Pia Neri" not in runner.invoke(args=["citizencare", "staff", "list"]).output
    assert runner.invoke(args=["citizencare", "staff", "remove", "77"]).exit_code != 0


@pytest.mark.parametrize(("action", "roles"), [(a, TRANSITIONS[a].roles) for a in Action])
def test_transition_table_is_complete(action: Action, roles: frozenset[Role]) -> None:
    transition = TRANSITIONS[action]
    assert transition.sources and roles
    assert Role.CITIZEN not in roles
