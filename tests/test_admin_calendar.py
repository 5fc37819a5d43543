"""The business calendar screen: weekly hours, local holidays, closures (part-day too), the 09:00 rule.

Everyone on staff reads it, managers change it; each bad input is refused with
a message and changes nothing; a change recomputes the open cases' due times.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from flask_citizencare.context import state
from flask_citizencare.domain.sla import BusinessCalendar
from flask_citizencare.models import AuditEntry, CatalogueSetting, Category, Report
from flask_citizencare.services import sla

from .factories import create_report
from .host import host_db
from .staff import Team, client_for

URL = "/citizencare/staff/admin/calendar"
EN = {"Accept-Language": "en"}
TODAY = datetime.now(UTC).date()
NEXT_YEAR = TODAY.year + 1


def csrf(client: FlaskClient, url: str = URL) -> str:
    html = client.get(url, headers=EN).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def week(**days: list[tuple[str, str]]) -> dict[str, str]:
    """Form fields of the weekly hours: Monday to Friday 08-13 and 14-17 unless given (by index d0…d6)."""
    fields: dict[str, str] = {}
    for day in range(7):
        rows = days.get(f"d{day}", [("08:00", "13:00"), ("14:00", "17:00")] if day < 5 else [])
        for i, (start, end) in enumerate([*rows, ("", "")]):
            fields[f"hours-{day}-{i}-start"], fields[f"hours-{day}-{i}-end"] = start, end
    return fields


def form(
    token: str,
    *,
    holidays: list[tuple[str, str]] | None = None,
    closures: list[tuple[str, str, str]] | None = None,
    start: str = "09:00",
    **days: list[tuple[str, str]],
) -> dict[str, str]:
    fields = {"csrf_token": token, **week(**days), "non_working_day_start": start}
    for i, (d, m) in enumerate([*(holidays or []), ("", "")]):
        fields[f"holiday-{i}-day"], fields[f"holiday-{i}-month"] = d, m
    for i, (d, s, e) in enumerate([*(closures or []), ("", "", "")]):
        fields[f"closure-{i}-date"], fields[f"closure-{i}-start"], fields[f"closure-{i}-end"] = d, s, e
    return fields


def rows(app: Flask) -> tuple[list[tuple[Any, ...]], int]:
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


def test_everyone_on_staff_reads_the_calendar_with_the_national_holidays(app: Flask, team: Team) -> None:
    olga = client_for(app, team, "olga")
    response = olga.get(URL, headers=EN)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="08:00"' in html and 'value="17:00"' in html and "Monday" in html and "Sunday" in html
    assert f"<caption>{TODAY.year}</caption>" in html and f"<caption>{NEXT_YEAR}</caption>" in html
    assert "Christmas Day" in html and "Saint Stephen" in html  # the package's English names
    assert "More rows" not in html and "History of changes" in html
    italian = olga.get(URL, headers={"Accept-Language": "it"}).get_data(as_text=True)
    assert "Natale" in italian and "lunedì" in italian
    catalan = olga.get(URL, headers={"Accept-Language": "ca"}).get_data(as_text=True)
    assert "Natale" in catalan  # the package has no Catalan names: Italian ones
    marco = client_for(app, team, "marco").get(URL, headers=EN).get_data(as_text=True)
    assert "More rows" in marco and 'href="/citizencare/staff/admin/calendar" aria-current="page"' in marco


def test_manager_sets_hours_holidays_and_closures(app: Flask, team: Team) -> None:
    marco = client_for(app, team, "marco")
    data = form(
        csrf(marco),
        d4=[("08:00", "13:00")],
        d5=[("09:00", "12:00")],
        holidays=[("4", "10")],
        closures=[(f"{NEXT_YEAR}-08-14", "", ""), (f"{NEXT_YEAR}-12-24", "13:00", "17:00")],
        start="09:30",
    )
    assert marco.post(URL, data=data, headers=EN).status_code == 303
    with app.test_request_context():
        stored = host_db.session.get(CatalogueSetting, "calendar")
        assert stored is not None
        assert stored.value["hours"]["fri"] == ["08:00-13:00"] and stored.value["hours"]["sat"] == [
            "09:00-12:00"
        ]
        assert stored.value["local_holidays"] == [
            "10-04",
            f"{NEXT_YEAR}-08-14",
            f"{NEXT_YEAR}-12-24 13:00-17:00",
        ]
        calendar = sla.calendar()
        assert calendar.local_holidays == {(10, 4)} and calendar.closures == {date(NEXT_YEAR, 8, 14)}
        assert calendar.partial_closures == {(date(NEXT_YEAR, 12, 24), 780, 1020)}
        assert calendar.non_working_day_start == 570
        assert state().settings.calendar.hours[5] == ()  # the configuration's, unchanged
        entry = host_db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.subject_type == "calendar")
        ).one()
        assert entry.changes["hours.sat"] == ["", "09:00-12:00"]
        assert entry.changes["non_working_day_start"] == ["09:00", "09:30"]
        host_db.session.remove()
    page = marco.get(URL, headers=EN).get_data(as_text=True)
    assert "Business calendar saved." in page and "Set on this page" in page
    assert f'value="{NEXT_YEAR}-12-24"' in page and 'value="13:00"' in page and "hours.sat" in page


def test_more_rows_adds_blank_rows_and_saves_nothing(app: Flask, team: Team) -> None:
    marco = client_for(app, team, "marco")
    before = rows(app)
    data = {**form(csrf(marco), holidays=[("4", "10")]), "more": "1"}
    response = marco.post(URL, data=data, headers=EN)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and rows(app) == before
    assert 'id="holiday-2-day"' in html and 'id="hours-0-3-start"' in html and 'id="closure-1-date"' in html
    assert 'name="holiday-0-day" value="4"' in html  # what was typed stays


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"d0": [("08:00", "25:00")]}, "hours-0-0-end", "25:00 is not a time of day"),
        ({"d1": [("12:60", "13:00")]}, "hours-1-0-start", "12:60 is not a time of day"),
        ({"d2": [("13:00", "08:00")]}, "hours-2-0-end", "ends before it starts"),
        ({"d3": [("08:00", "13:00"), ("12:00", "17:00")]}, "hours-3-1-start", "overlap"),
        # A lunch break from 13:00 to 23:00 with the afternoon running past midnight.
        ({"d4": [("08:00", "13:00"), ("23:00", "27:00")]}, "hours-4-1-end", "27:00 is not a time of day"),
        ({"d0": [("08:00", "")]}, "hours-0-0-end", "both the opening and the closing time"),
        ({**{f"d{d}": [] for d in range(7)}}, "hours-0-0-start", "open at least one hour a week"),
        ({"holidays": [("30", "2")]}, "holiday-0-day", "Day 30 of month 2 does not exist"),
        ({"holidays": [("x", "13")]}, "holiday-0-day", "does not exist"),
        ({"closures": [(f"{NEXT_YEAR}-02-30", "", "")]}, "closure-0-date", "is not a date"),
        ({"closures": [("1999-08-14", "", "")]}, "closure-0-date", "within 5 years of today"),
        ({"closures": [(f"{TODAY.year + 6}-08-14", "", "")]}, "closure-0-date", "within 5 years"),
        ({"closures": [("99999-08-14", "", "")]}, "closure-0-date", "is not a date"),
        ({"closures": [(f"{NEXT_YEAR}-12-24", "13:00", "")]}, "closure-0-end", "needs both times"),
        ({"closures": [(f"{NEXT_YEAR}-12-24", "17:00", "13:00")]}, "closure-0-end", "ends before it starts"),
        ({"start": "24:00"}, "non_working_day_start", "24:00 is not a time of day"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(
    app: Flask, team: Team, change: dict[str, Any], field: str, message: str
) -> None:
    marco = client_for(app, team, "marco")
    before = rows(app)
    response = marco.post(URL, data=form(csrf(marco), **change), headers=EN)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and message in html, html
    assert f'href="#{field}"' in html and f'id="{field}"' in html
    assert rows(app) == before


@pytest.mark.parametrize("value", ["08:00\x00", "x" * 5000])
def test_hostile_text_is_refused(app: Flask, team: Team, value: str) -> None:
    marco = client_for(app, team, "marco")
    before = rows(app)
    response = marco.post(URL, data=form(csrf(marco), d0=[(value, "13:00")]), headers=EN)
    assert response.status_code == 400
    assert rows(app) == before


def test_non_managers_cannot_change_the_calendar(app: Flask, team: Team) -> None:
    before = rows(app)
    for who in ("olga", "tina"):
        client = client_for(app, team, who)
        token = csrf(client, "/citizencare/staff/")
        for extra in ({}, {"reset": "1"}, {"more": "1"}):
            response = client.post(URL, data={**form(token, d5=[("09:00", "12:00")]), **extra}, headers=EN)
            assert response.status_code == 403, (who, extra)
            assert "Only managers change the business calendar." in response.get_data(as_text=True)
    assert rows(app) == before


def test_reset_goes_back_to_the_configuration(app: Flask, team: Team) -> None:
    marco = client_for(app, team, "marco")
    assert marco.post(URL, data=form(csrf(marco), d5=[("09:00", "12:00")]), headers=EN).status_code == 303
    with app.test_request_context():
        assert sla.calendar().hours[5] == ((540, 720),)
    assert marco.post(URL, data={"csrf_token": csrf(marco), "reset": "1"}, headers=EN).status_code == 303
    with app.test_request_context():
        assert sla.calendar().hours[5] == () and sla.calendar() is state().settings.calendar
        assert list(host_db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id))) == [
            "update",
            "reset",
        ]
        host_db.session.remove()


def test_stored_keys_win_over_the_configuration(app: Flask, team: Team) -> None:
    app.config["CITIZENCARE_SLA_CALENDAR"] = {"local_holidays": ["10-04"], "subdiv": "BO"}
    marco = client_for(app, team, "marco")
    page = marco.get(URL, headers=EN).get_data(as_text=True)
    assert 'name="holiday-0-day" value="4"' in page
    assert marco.post(URL, data=form(csrf(marco), holidays=[("7", "12")]), headers=EN).status_code == 303
    with app.test_request_context():
        calendar = sla.calendar()
        assert calendar.local_holidays == {(12, 7)}  # the stored list replaced the configuration's
        assert calendar.subdiv == "BO"  # a key not stored keeps the configuration's value
        host_db.session.remove()


def test_a_closure_moves_the_due_time_of_open_cases(app: Flask, team: Team) -> None:
    # Thursday 24 December next year at 12:00 in Rome: a web request due at 12:30.
    received = datetime(NEXT_YEAR, 12, 24, 12, 0, tzinfo=BusinessCalendar().tz).astimezone(UTC)
    with app.test_request_context():
        category = host_db.session.get(Category, team.potholes.id)
        report = create_report(host_db.session, category=category, channel="web", received_at=received)
        sla.recompute_due_times(report, now=received)
        report_id, due = report.id, report.ack_due_at
        host_db.session.commit()
        host_db.session.remove()
    assert due == received + timedelta(minutes=30)
    marco = client_for(app, team, "marco")
    data = form(csrf(marco), closures=[(f"{NEXT_YEAR}-12-24", "12:15", "17:00")])
    assert marco.post(URL, data=data, headers=EN).status_code == 303
    result = app.test_cli_runner().invoke(args=["citizencare", "sla", "recompute"])
    assert "Done: 1 of 1 open case changed due time." in result.output, result.output
    with app.app_context():
        report = host_db.session.get(Report, report_id)
        assert report is not None and report.ack_due_at is not None
        local = BusinessCalendar().to_local(report.ack_due_at)
        # 15 minutes that morning, the other 15 after the holidays and the weekend.
        assert local.date() > date(NEXT_YEAR, 12, 26) and (local.hour, local.minute) == (8, 15)
        host_db.session.remove()
    assert "Done: 1 of 1 open case changed due time." in marco.get(URL, headers=EN).get_data(as_text=True)


def test_an_unusable_stored_calendar_falls_back_to_the_configuration(app: Flask, team: Team) -> None:
    with app.app_context():
        host_db.session.add(CatalogueSetting(key="calendar", value={"hours": {"mon": ["25:00-26:00"]}}))
        host_db.session.commit()
        host_db.session.remove()
    marco = client_for(app, team, "marco")
    page = marco.get(URL, headers=EN)
    assert page.status_code == 200 and 'value="08:00"' in page.get_data(as_text=True)
    with app.test_request_context():
        assert sla.calendar() is state().settings.calendar
        host_db.session.remove()
    assert marco.post(URL, data=form(csrf(marco), d5=[("09:00", "12:00")]), headers=EN).status_code == 303
    with app.test_request_context():
        assert sla.calendar().hours[5] == ((540, 720),)
        host_db.session.remove()
