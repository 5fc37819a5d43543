"""The schema itself: constraints that keep impossible cases out, optimistic locking."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from flask_citizencare.models import Report

from .factories import create_office, create_report

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "fields",
    [
        {"status": "flying"},
        {"kind": "complaint"},
        {"channel": "pigeon"},
        {"level": 3},
        {"status": "rejected"},  # no reason
        {"reject_reason": "off topic"},  # reason without rejection
        {"status": "acknowledged"},  # no acknowledged_at
        {"status": "resolved", "acknowledged_at": NOW},  # no resolved_at
        {"status": "in_progress", "acknowledged_at": NOW},  # nobody assigned
        {"status": "suspended", "acknowledged_at": NOW},  # no suspended_at
        {"outcome": "accepted"},  # outcomes are for proposals
        {"kind": "proposal", "outcome": "maybe"},
    ],
    ids=lambda f: ",".join(f"{k}={v}" for k, v in f.items() if k != "acknowledged_at"),
)
def test_database_refuses_impossible_reports(db_session: Session, fields: dict) -> None:
    with pytest.raises(sa.exc.IntegrityError):
        create_report(db_session, **fields)
    db_session.rollback()
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Report)) == 0


def test_consistent_states_are_accepted(db_session: Session) -> None:
    office = create_office(db_session)
    create_report(db_session, status="in_progress", acknowledged_at=NOW, office=office)
    create_report(db_session, status="rejected", reject_reason="Fuori competenza")
    create_report(db_session, status="resolved", acknowledged_at=NOW, resolved_at=NOW)
    create_report(db_session, status="suspended", acknowledged_at=NOW, suspended_at=NOW)
    create_report(db_session, kind="proposal", outcome="accepted")
    db_session.commit()
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Report)) == 5


def test_duplicate_must_be_rejected_and_not_itself(db_session: Session) -> None:
    master = create_report(db_session)
    with pytest.raises(sa.exc.IntegrityError):
        create_report(db_session, duplicate_of_id=master.id)
    db_session.rollback()
    master = create_report(db_session)
    create_report(db_session, duplicate_of_id=master.id, status="rejected", reject_reason="Duplicato")
    db_session.commit()


def test_optimistic_lock_refuses_a_stale_update(app, db_session: Session) -> None:  # type: ignore[no-untyped-def]
    report = create_report(db_session)
    db_session.commit()
    assert report.version == 1

    # A second operator loads the same case in another session and saves first.
    with Session(bind=db_session.get_bind()) as other:
        theirs = other.get(Report, report.id)
        assert theirs is not None
        theirs.priority = "high"
        other.commit()
        assert theirs.version == 2

    report.priority = "urgent"
    with pytest.raises(StaleDataError):
        db_session.commit()
    db_session.rollback()
    assert db_session.get(Report, report.id).priority == "high"  # type: ignore[union-attr]


def test_reporter_contact_is_erased_with_its_report_only(db_session: Session) -> None:
    report = create_report(db_session, contact={"name": "Maria Bianchi", "email": "maria@example.org"})
    db_session.commit()
    db_session.delete(report.contact)
    db_session.commit()
    db_session.expire_all()
    kept = db_session.get(Report, report.id)
    assert kept is not None and kept.contact is None


def test_point_round_trips_in_wgs84(db_session: Session) -> None:
    report = create_report(db_session, lon=11.3, lat=44.5)
    db_session.commit()
    lon, lat = db_session.execute(
        sa.select(
            sa.func.ST_X(Report.point),
            sa.func.ST_Y(Report.point),
        ).where(Report.id == report.id)
    ).one()
    srid = db_session.scalar(sa.select(sa.func.ST_SRID(Report.point)).where(Report.id == report.id))
    assert (round(lon, 6), round(lat, 6), srid) == (11.3, 44.5, 4326)
