"""The staff dashboard's suggestion figures: share accepted this month, in scope, and the model."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import Flask

from flask_citizencare.blueprints.staff.suggestion_figures import month_start
from flask_citizencare.context import db_session
from flask_citizencare.models import Report, SuggestionRecord

from .factories import create_report
from .staff import Team, client_for
from .suggest_history import train_small_model

EN = {"Accept-Language": "en"}
DASHBOARD = "/citizencare/staff/dashboard"


def _decided(app: Flask, team: Team, field: str, office: str, accepted: int, rejected: int, **extra) -> None:
    """Decided suggestions about new cases of ``office`` (roads or lights)."""
    with app.app_context():
        session = db_session()
        chosen = team.roads if office == "roads" else team.lights
        category = team.potholes if office == "roads" else team.lamps
        when = extra.get("at", datetime.now(UTC))
        for n in range(accepted + rejected):
            report = create_report(session, category=session.merge(category), office_id=chosen.id)
            session.add(
                SuggestionRecord(
                    report_id=report.id,
                    field=field,
                    suggested_id=chosen.id if field == "office" else category.id,
                    score=0.8,
                    model_version=1,
                    decision="accepted" if n < accepted else "rejected",
                    decided_id=chosen.id,
                    decided_at=when,
                    automatic=False,
                )
            )
        # An undecided one counts for nothing.
        report = create_report(session, category=session.merge(category), office_id=chosen.id)
        session.add(
            SuggestionRecord(report_id=report.id, field=field, suggested_id=1, score=0.9, model_version=1)
        )
        session.commit()


def _page(app: Flask, team: Team, who: str) -> str:
    page = client_for(app, team, who).get(DASHBOARD, headers=EN)
    assert page.status_code == 200
    return page.get_data(as_text=True)


def test_the_share_accepted_this_month_for_managers_and_technicians_in_their_scope(
    app: Flask, team: Team
) -> None:
    _decided(app, team, "category", "roads", accepted=30, rejected=6)
    _decided(app, team, "category", "lights", accepted=11, rejected=3)
    _decided(app, team, "office", "lights", accepted=3, rejected=1)
    with app.app_context():
        last_month = month_start() - timedelta(minutes=1)
    _decided(app, team, "category", "roads", accepted=0, rejected=9, at=last_month)  # not this month

    marco = _page(app, team, "marco")
    assert "Suggested category accepted in 82% of cases this month (41 of 50)." in marco
    assert "Suggested office accepted in 75% of cases this month (3 of 4)." in marco
    assert "No suggestion model trained yet: run flask citizencare suggest train" in marco

    tina = _page(app, team, "tina")  # the roads technician
    assert "Suggested category accepted in 83% of cases this month (30 of 36)." in tina
    assert "Suggested office accepted" not in tina
    assert "flask citizencare suggest train" not in tina
    luca = _page(app, team, "luca")  # lights
    assert "Suggested category accepted in 79% of cases this month (11 of 14)." in luca
    assert "Suggested office accepted in 75% of cases this month (3 of 4)." in luca

    public = app.test_client().get("/citizencare/dashboard", headers=EN).get_data(as_text=True)
    assert "Suggested category" not in public and "cc-suggestion-figures" not in public


def test_nothing_decided_this_month_shows_no_line(app: Flask, team: Team) -> None:
    with app.app_context():
        last_month = month_start() - timedelta(days=3)
    _decided(app, team, "category", "roads", accepted=5, rejected=0, at=last_month)
    marco = _page(app, team, "marco")
    assert "accepted in" not in marco
    assert "cc-suggestion-figures" in marco  # the model's state still is
    assert "cc-suggestion-figures" not in _page(app, team, "tina")  # nothing at all for a technician


def test_the_month_starts_at_local_midnight(app: Flask) -> None:
    with app.app_context():
        # Rome: on the 1st of March at 00:30 local it is still February in UTC.
        assert month_start(datetime(2026, 2, 28, 23, 30, tzinfo=UTC)) == datetime(
            2026, 2, 28, 23, 0, tzinfo=UTC
        )
        assert month_start(datetime(2026, 7, 15, 12, 0, tzinfo=UTC)) == datetime(
            2026, 6, 30, 22, 0, tzinfo=UTC
        )


def test_the_model_in_use_is_described(app: Flask, team: Team) -> None:
    record = train_small_model(app)
    marco = _page(app, team, "marco")
    assert f"Model in use: version {record.version}, trained on" in marco
    assert f"from {record.cases:,} finished cases ({record.method})." in marco
    assert "suggest train" not in marco
    assert f"Model in use: version {record.version}" in _page(app, team, "tina")
    with app.app_context():
        assert db_session().scalar(sa.select(sa.func.count()).select_from(Report)) > 0
