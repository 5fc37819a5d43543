"""Writing, publishing and stepping service notices through the service layer, with bad input."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from geoalchemy2.shape import to_shape

from flask_citizencare.models import AuditEntry, NoticeUpdate, ServiceNotice
from flask_citizencare.services import notices as service
from flask_citizencare.services.errors import ChangedMeanwhile, Forbidden, InvalidInput, NotNow
from flask_citizencare.services.notices import NoticeInput, StepInput

from .host import host_db
from .staff import Team, actor_for

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
INSIDE = {
    "type": "Polygon",
    "coordinates": [[[11.34, 44.49], [11.35, 44.49], [11.35, 44.50], [11.34, 44.49]]],
}
OUTSIDE = {
    "type": "Polygon",
    "coordinates": [[[12.34, 45.49], [12.35, 45.49], [12.35, 45.50], [12.34, 45.49]]],
}
DISTRICTS = [{"name": "Navile", "bbox": (11.33, 44.50, 11.40, 44.55)}]


def closure(team: Team, **changes: object) -> NoticeInput:
    values: dict[str, object] = {
        "kind": "planned",
        "titles": {"it": "Chiusura di via Indipendenza", "en": "Via Indipendenza closed"},
        "bodies": {"it": "Lavori alla rete idrica.", "en": "Water main works."},
        "starts_at": NOW + timedelta(days=20),
        "ends_at": NOW + timedelta(days=22),
        "category_ids": [team.potholes.id],
        "services": ["Parcheggi  ", "parcheggi", "ZTL"],
        "area_geojson": json.dumps(INSIDE),
    }
    values.update(changes)
    return NoticeInput(**values)  # type: ignore[arg-type]


def audit_actions(notice_id: int) -> list[str]:
    return list(
        host_db.session.scalars(
            sa.select(AuditEntry.action)
            .where(AuditEntry.subject_type == "notice", AuditEntry.subject_id == notice_id)
            .order_by(AuditEntry.id)
        )
    )


def test_a_planned_closure_from_draft_to_completed(app: Flask, team: Team) -> None:
    app.config["CITIZENCARE_DISTRICTS"] = DISTRICTS
    with app.test_request_context():
        notice = service.create_notice(actor_for(team, "olga"), closure(team, districts=["Navile"]))
        assert (notice.status, notice.title, notice.titles) == (
            "draft",
            "Chiusura di via Indipendenza",
            {"en": "Via Indipendenza closed"},
        )
        assert notice.services == ["Parcheggi", "ZTL"] and [c.code for c in notice.categories] == ["potholes"]
        shape = to_shape(notice.area)
        assert shape.covers(to_shape(notice.area).centroid) and shape.bounds[3] == pytest.approx(44.55)
        with pytest.raises(Forbidden):  # operators write, managers publish
            service.publish_notice(actor_for(team, "olga"), notice.id, StepInput("scheduled"))
        published = service.publish_notice(
            actor_for(team, "marco"), notice.id, StepInput("scheduled", {"it": "Pubblicato."}), now=NOW
        )
        assert (published.status, published.published_at) == ("scheduled", NOW)
        step = service.post_step(
            actor_for(team, "olga"),
            notice.id,
            StepInput("in_progress", {"it": "Iniziati."}),
            now=NOW + timedelta(days=20),
        )
        assert step.notify is False
        done = service.post_step(
            actor_for(team, "olga"),
            notice.id,
            StepInput("completed", {"it": "Finiti."}),
            now=NOW + timedelta(days=21),
        )
        assert done.notify is True  # the final step always tells subscribers
        notice_id = notice.id
    with app.app_context():
        notice = host_db.session.get(ServiceNotice, notice_id)
        assert notice is not None
        assert [(u.status, u.body, u.notify) for u in notice.updates] == [
            ("scheduled", "Pubblicato.", True),
            ("in_progress", "Iniziati.", False),
            ("completed", "Finiti.", True),
        ]
        assert notice.ended_at == NOW + timedelta(days=21)
        assert audit_actions(notice_id) == ["create", "publish", "step", "step"]
        with app.test_request_context():
            with pytest.raises(NotNow):
                service.post_step(actor_for(team, "olga"), notice_id, StepInput("in_progress", {"it": "?"}))
            with pytest.raises(NotNow):
                service.update_notice(actor_for(team, "olga"), notice_id, closure(team))


def test_an_incident_moves_back_and_forth_and_news_needs_words(app: Flask, team: Team) -> None:
    with app.test_request_context():
        notice = service.create_notice(
            actor_for(team, "olga"),
            closure(
                team, kind="incident", ends_at=None, impact="interrupted", area_geojson=None, category_ids=[]
            ),
        )
        service.publish_notice(actor_for(team, "marco"), notice.id, StepInput("identified"))
        service.post_step(
            actor_for(team, "olga"), notice.id, StepInput("investigating", {"it": "Di nuovo."}, notify=True)
        )
        with pytest.raises(InvalidInput):  # the same step without news says nothing
            service.post_step(actor_for(team, "olga"), notice.id, StepInput("investigating"))
        with pytest.raises(InvalidInput):
            service.post_step(actor_for(team, "olga"), notice.id, StepInput("completed", {"it": "x"}))
        service.post_step(actor_for(team, "olga"), notice.id, StepInput("resolved"))
        updates = host_db.session.scalars(sa.select(NoticeUpdate).order_by(NoticeUpdate.id)).all()
        assert [(u.status, u.notify) for u in updates] == [
            ("identified", True),
            ("investigating", True),
            ("resolved", True),
        ]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"ends_at": NOW + timedelta(days=19)}, "The end must come after the start."),
        ({"ends_at": None}, "Give the planned end of the works."),
        ({"area_geojson": json.dumps(OUTSIDE)}, "The affected area reaches outside the municipality"),
        ({"area_geojson": '{"type": "Polygon", "coordinates": [[[NaN, 1]]]}'}, "could not be read"),
        ({"districts": ["Atlantide"]}, "Choose the districts from the list."),
        ({"titles": {"it": "", "en": "Only English"}}, "title in Italian"),
        ({"titles": {"it": "Titolo\x00"}}, "control characters"),
        ({"titles": {"it": "x" * 201}}, "at most 200 characters"),
        ({"titles": {"it": "Titolo", "xx": "?"}}, "languages offered"),
        ({"category_ids": [2**31 - 1]}, "Choose the categories from the list."),
        ({"services": ["x" * 121]}, "at most 120 characters"),
        ({"kind": "meteor"}, "incident or planned works"),
        ({"starts_at": datetime(2026, 12, 24, 9, 0)}, "as a date and time"),
    ],
)
def test_bad_notices_are_refused_and_change_nothing(
    app: Flask, team: Team, changes: dict[str, object], message: str
) -> None:
    app.config["CITIZENCARE_DISTRICTS"] = DISTRICTS
    with app.test_request_context(headers={"Accept-Language": "en"}):
        with pytest.raises(InvalidInput) as refused:
            service.create_notice(actor_for(team, "olga"), closure(team, **changes))
        assert message in refused.value.message
        assert host_db.session.scalar(sa.select(sa.func.count()).select_from(ServiceNotice)) == 0
        assert host_db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 0


def test_publishing_needs_the_default_language_body_and_a_fresh_version(app: Flask, team: Team) -> None:
    with app.test_request_context(headers={"Accept-Language": "en"}):
        notice = service.create_notice(actor_for(team, "olga"), closure(team, bodies={"en": "English only"}))
        with pytest.raises(InvalidInput) as refused:
            service.publish_notice(actor_for(team, "marco"), notice.id, StepInput("scheduled"))
        assert "in Italiano, the default language" in refused.value.message
        assert host_db.session.get(ServiceNotice, notice.id).status == "draft"
        with pytest.raises(InvalidInput):  # planned works are not "investigated"
            service.publish_notice(actor_for(team, "marco"), notice.id, StepInput("investigating"))
        edited = service.update_notice(
            actor_for(team, "olga"), notice.id, closure(team), version=notice.version
        )
        with pytest.raises(ChangedMeanwhile):
            service.update_notice(
                actor_for(team, "olga"), notice.id, closure(team), version=edited.version - 1
            )
        with pytest.raises(Forbidden):
            service.create_notice(actor_for(team, "tina"), closure(team))
        service.discard_draft(actor_for(team, "olga"), notice.id)
        assert host_db.session.scalar(sa.select(sa.func.count()).select_from(ServiceNotice)) == 0
