"""The service levels screen: general terms by channel and level, reset, recompute of open cases, history.

Also the stored settings over the configuration as ``services.sla`` reads them
(cached per process, revisions read once per app context) and the recompute
job, run synchronously (function and CLI) and once in its background thread.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from flask_citizencare.context import state
from flask_citizencare.models import AuditEntry, CatalogueSetting, Category, Report
from flask_citizencare.services import sla, sla_settings

from .factories import create_report
from .host import host_db
from .staff import Team, client_for

URL = "/citizencare/staff/admin/service-levels"
EN = {"Accept-Language": "en"}
#: Monday 9 March 2026, 10:00 in Rome: a web request is due for acknowledgement at 10:30.
RECEIVED = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)


def csrf(client: FlaskClient, url: str = URL) -> str:
    html = client.get(url, headers=EN).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def general(token: str, **fields: str) -> dict[str, str]:
    values = {
        "csrf_token": token,
        "what": "policy",
        **{f"ack_{c}": "30m" for c in ("web", "api", "counter")},
        "ack_email": "45m",
        "ack_phone": "1h30m",
        "ack_letter": "8h",
        "ack_fax": "8h",
        "res_1": "6h",
        "res_2": "8h",
        "complex_1": "",
        "complex_2": "",
        "ceiling_simple": "7d",
        "ceiling_complex": "40d",
    }
    values.update(fields)
    return values


def rows(app: Flask) -> tuple[list[tuple[Any, ...]], int]:
    """The stored settings and the number of audit entries: what a refusal must leave alone."""
    with app.app_context():
        settings = [
            tuple(r)
            for r in host_db.session.execute(
                sa.select(CatalogueSetting.key, CatalogueSetting.value, CatalogueSetting.revision).order_by(
                    CatalogueSetting.key
                )
            )
        ]
        entries = host_db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) or 0
        host_db.session.remove()
        return settings, entries


def open_cases(app: Flask, team: Team, n: int = 2) -> list[int]:
    """``n`` open web cases received on Monday at 10:00 with their due times computed, and a closed one."""
    with app.test_request_context():
        category = host_db.session.get(Category, team.potholes.id)
        ids = []
        for _ in range(n):
            report = create_report(host_db.session, category=category, channel="web", received_at=RECEIVED)
            sla.recompute_due_times(report, now=RECEIVED)
            ids.append(report.id)
        closed = create_report(
            host_db.session,
            category=category,
            channel="web",
            received_at=RECEIVED,
            status="closed",
            acknowledged_at=RECEIVED,
            resolved_at=RECEIVED,
            closed_at=RECEIVED,
        )
        ids.append(closed.id)
        host_db.session.commit()
        host_db.session.remove()
    return ids


def ack_due(app: Flask, report_id: int) -> datetime | None:
    with app.app_context():
        report = host_db.session.get(Report, report_id)
        assert report is not None
        due = report.ack_due_at
        host_db.session.remove()
        return due


def run_job(app: Flask, **kwargs: Any) -> sla_settings.RecomputeJob | None:
    with app.app_context():
        job = sla_settings.run_recompute(**kwargs)
        host_db.session.remove()
        return job


def test_everyone_on_staff_reads_the_levels_and_the_old_address_works(app: Flask, team: Team) -> None:
    olga = client_for(app, team, "olga")
    html = olga.get(URL, headers=EN).get_data(as_text=True)
    assert "General service levels" in html and "Fax" in html and "1h30m" in html and "40d" in html
    assert 'name="ack_web"' not in html and "History of changes" in html
    assert 'href="/citizencare/staff/admin/service-levels"' in html  # the menu entry
    assert 'href="/citizencare/staff/admin/calendar"' not in html.split("</nav>")[0]  # managers' entry
    old = olga.get("/citizencare/staff/service-levels", headers=EN)
    assert old.status_code == 200 and "General service levels" in old.get_data(as_text=True)
    marco = client_for(app, team, "marco").get(URL, headers=EN).get_data(as_text=True)
    assert 'name="ack_fax"' in marco and 'href="/citizencare/staff/admin/calendar"' in marco


def test_manager_changes_the_general_levels_and_open_cases_are_recomputed(app: Flask, team: Team) -> None:
    first, second, closed = open_cases(app, team)
    before_closed = ack_due(app, closed)
    assert ack_due(app, first) == datetime(2026, 3, 9, 9, 30, tzinfo=UTC)
    marco = client_for(app, team, "marco")
    response = marco.post(URL, data=general(csrf(marco), ack_web="2h", ack_fax="16h"), headers=EN)
    assert response.status_code == 303
    with app.test_request_context():
        stored = host_db.session.get(CatalogueSetting, "sla_policy")
        assert stored is not None and stored.value["acknowledgement"]["web"] == "2h"
        assert sla.policy().acknowledgement_for("web") == timedelta(hours=2)
        assert state().settings.sla_policy.acknowledgement_for("web") == timedelta(minutes=30)  # config only
        job = sla_settings.recompute_job()
        assert job is not None and not job.done and job.started_at is None
        entry = host_db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.subject_type == "sla_policy")
        ).one()
        assert entry.changes == {"acknowledgement.fax": ["8h", "16h"], "acknowledgement.web": ["30m", "2h"]}
        assert entry.actor_name == "Marco"
        host_db.session.remove()
    page = marco.get(URL, headers=EN).get_data(as_text=True)
    assert "waiting to be recomputed" in page and "acknowledgement.web" in page
    job = run_job(app, batch_size=1)  # one case a batch: each its own transaction
    assert job is not None and job.done and (job.changed, job.total, job.processed) == (2, 2, 2)
    assert ack_due(app, first) == ack_due(app, second) == datetime(2026, 3, 9, 11, 0, tzinfo=UTC)
    assert ack_due(app, closed) == before_closed  # finished cases keep their history
    page = marco.get(URL, headers=EN).get_data(as_text=True)
    assert "Done: 2 of 2 open cases changed due time." in page
    # Nothing pending any more: running again changes nothing.
    assert run_job(app) == job


def test_saving_the_same_values_changes_nothing(app: Flask, team: Team) -> None:
    marco = client_for(app, team, "marco")
    assert marco.post(URL, data=general(csrf(marco)), headers=EN).status_code == 303
    assert "Nothing changed." in marco.get(URL, headers=EN).get_data(as_text=True)
    with app.app_context():
        assert sla_settings.recompute_job() is None
        host_db.session.remove()


def test_no_business_term_and_no_ceiling(app: Flask, team: Team) -> None:
    marco = client_for(app, team, "marco")
    data = general(csrf(marco), res_1="", ceiling_simple="", complex_2="2d 4h")
    assert marco.post(URL, data=data, headers=EN).status_code == 303
    with app.test_request_context():
        policy = sla.policy()
        assert policy.resolution_for(1, False) is None and policy.ceiling_for(False) is None
        assert policy.resolution_for(2, True) == timedelta(hours=52)
        host_db.session.remove()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"ack_web": "5 parsecs"}, "ack_web", "Cannot read the duration 5 parsecs"),
        ({"ack_email": "-5h"}, "ack_email", "Cannot read the duration -5h"),
        ({"res_1": "400d"}, "res_1", "at most 365 days"),
        ({"ceiling_complex": "99999999999999999999d"}, "ceiling_complex", "Cannot read the duration 9999"),
        ({"ack_phone": "0m"}, "ack_phone", "longer than zero"),
        ({"ack_letter": ""}, "ack_letter", "Give a duration"),
        ({"complex_1": "6h\x00"}, "", "nothing was saved"),
        ({"res_2": "x" * 5000}, "", "cannot be used"),
    ],
)
def test_bad_input_changes_nothing(
    app: Flask, team: Team, fields: dict[str, str], field: str, message: str
) -> None:
    before = rows(app)
    marco = client_for(app, team, "marco")
    response = marco.post(URL, data=general(csrf(marco), **fields), headers=EN)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and message in html, html
    if field:
        assert f'href="#{field}"' in html and f'id="{field}"' in html
    assert rows(app) == before


def test_non_managers_cannot_change_the_levels(app: Flask, team: Team) -> None:
    before = rows(app)
    for who in ("olga", "tina"):
        client = client_for(app, team, who)
        token = csrf(client, "/citizencare/staff/")  # their page has no form: any form's token will do
        response = client.post(URL, data=general(token, ack_web="1m"), headers=EN)
        assert response.status_code == 403
        assert "Only managers change service levels." in response.get_data(as_text=True)
        reset = client.post(URL, data={"csrf_token": token, "what": "policy", "reset": "1"})
        assert reset.status_code == 403
    assert rows(app) == before


def test_reset_goes_back_to_the_configuration(app: Flask, team: Team) -> None:
    app.config["CITIZENCARE_SLA_POLICY"] = {"acknowledgement": {"web": "45m"}}
    marco = client_for(app, team, "marco")
    with app.test_request_context():
        assert sla.policy().acknowledgement_for("web") == timedelta(minutes=45)
    assert marco.post(URL, data=general(csrf(marco), ack_web="3h"), headers=EN).status_code == 303
    with app.test_request_context():
        assert sla.policy().acknowledgement_for("web") == timedelta(hours=3)
    page = marco.get(URL, headers=EN).get_data(as_text=True)
    assert "Set on this page" in page and "Back to the configuration’s values" in page
    response = marco.post(URL, data={"csrf_token": csrf(marco), "what": "policy", "reset": "1"}, headers=EN)
    assert response.status_code == 303
    with app.test_request_context():
        assert sla.policy().acknowledgement_for("web") == timedelta(minutes=45)
        actions = list(host_db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))
        assert actions == ["update", "reset"]
        host_db.session.remove()


def test_category_overrides_are_audited_and_recomputed(app: Flask, team: Team) -> None:
    first, _second, _closed = open_cases(app, team)
    marco = client_for(app, team, "marco")
    data = {"csrf_token": csrf(marco), "category": str(team.potholes.id), "ack_web": "1h"}
    assert marco.post(URL, data=data, headers=EN).status_code == 303
    job = run_job(app)
    assert job is not None and job.changed == 2
    assert ack_due(app, first) == datetime(2026, 3, 9, 10, 0, tzinfo=UTC)
    page = marco.get(URL, headers=EN).get_data(as_text=True)
    assert "Service levels: Buche" in page and "categories.potholes.acknowledgement.web" in page


def test_stored_settings_are_parsed_once_and_revisions_read_once_per_app_context(
    app: Flask, team: Team
) -> None:
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "cc_catalogue_settings" in statement:
            statements.append(statement)

    marco = client_for(app, team, "marco")
    assert marco.post(URL, data=general(csrf(marco), ack_web="2h"), headers=EN).status_code == 303
    with app.app_context():
        engine = state(app).db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        with app.app_context():
            first = sla.policy()
            for _ in range(20):
                assert sla.policy() is first and sla.calendar() is sla.calendar()
            assert len(statements) == 2  # the revisions, then the values (parsed once)
        with app.app_context():
            assert sla.policy() is first  # another context: revisions read again, nothing parsed
            assert len(statements) == 3
            host_db.session.remove()
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    # A change in another process (here: another client) is seen from the next app context on.
    assert marco.post(URL, data=general(csrf(marco), ack_web="4h"), headers=EN).status_code == 303
    with app.app_context():
        assert sla.policy() is not first and sla.policy().acknowledgement_for("web") == timedelta(hours=4)
        host_db.session.remove()


def test_cli_picks_up_the_job(app: Flask, team: Team) -> None:
    open_cases(app, team, n=3)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["citizencare", "sla", "recompute"])
    assert result.exit_code == 0 and "Nothing to recompute" in result.output
    marco = client_for(app, team, "marco")
    assert marco.post(URL, data=general(csrf(marco), ack_web="1h"), headers=EN).status_code == 303
    result = runner.invoke(args=["citizencare", "sla", "recompute", "--batch-size", "2"])
    assert result.exit_code == 0, result.output
    assert "Done: 3 of 3 open cases changed due time." in result.output
    again = runner.invoke(args=["citizencare", "sla", "recompute", "--request"])
    assert "Done: 0 of 3 open cases changed due time." in again.output


def test_a_runner_leaves_a_live_job_to_its_owner_and_takes_over_a_stale_one(app: Flask, team: Team) -> None:
    open_cases(app, team, n=1)
    marco = client_for(app, team, "marco")
    assert marco.post(URL, data=general(csrf(marco), ack_web="1h"), headers=EN).status_code == 303
    now = datetime.now(UTC)
    with app.app_context():
        row = host_db.session.get(CatalogueSetting, sla_settings.JOB_KEY)
        assert row is not None
        row.value = {**row.value, "started_at": now.isoformat(), "heartbeat": now.isoformat(), "total": 1}
        row.revision = row.revision + 1
        host_db.session.commit()
        host_db.session.remove()
    job = run_job(app)
    assert job is not None and job.running and job.processed == 0  # someone else is at it
    page = marco.get(URL, headers=EN).get_data(as_text=True)
    assert "Recomputing the open cases’ due times… 0 of 1." in page and "Refresh to see the progress" in page
    later = run_job(app, clock=lambda: now + sla_settings.LEASE + timedelta(seconds=1))
    assert later is not None and later.done and later.changed == 1


def test_a_case_changed_meanwhile_is_not_overwritten(
    app: Flask, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second, _closed = open_cases(app, team)
    marco = client_for(app, team, "marco")
    assert marco.post(URL, data=general(csrf(marco), ack_web="2h"), headers=EN).status_code == 303
    real = sla_settings._recompute
    raced: list[int] = []

    def racing(session: Any, ids: Any, now: datetime) -> int:
        changed = real(session, ids, now)
        if not raced:  # an operator saves the first case between our read and our write
            raced.append(first)
            with state(app).db.engine.begin() as connection:
                connection.execute(
                    sa.update(Report)
                    .where(Report.id == first)
                    .values(version=Report.version + 1, priority="high")
                )
        return changed

    monkeypatch.setattr(sla_settings, "_recompute", racing)
    job = run_job(app)
    assert job is not None and job.done
    with app.app_context():
        kept = host_db.session.get(Report, first)
        assert kept is not None and kept.priority == "high"  # the operator's change stands
        host_db.session.remove()
    assert ack_due(app, second) == datetime(2026, 3, 9, 11, 0, tzinfo=UTC)


def test_the_web_process_recomputes_in_a_background_thread(app: Flask, team: Team) -> None:
    first, *_ = open_cases(app, team)
    app.config["CITIZENCARE_SLA_RECOMPUTE_IN_BACKGROUND"] = True
    marco = client_for(app, team, "marco")
    assert marco.post(URL, data=general(csrf(marco), ack_web="2h"), headers=EN).status_code == 303
    assert sla_settings.wait_for_background(app, timeout=60)
    assert ack_due(app, first) == datetime(2026, 3, 9, 11, 0, tzinfo=UTC)
    page = marco.get(URL, headers=EN).get_data(as_text=True)
    assert "Done: 2 of 2 open cases changed due time." in page
