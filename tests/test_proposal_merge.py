"""Merging a proposal into a master proposal: supports move without counting a person twice."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_citizencare.domain.lifecycle import Action
from flask_citizencare.models import Category, Follower, Report, StatusEvent, Support
from flask_citizencare.services.errors import InvalidInput
from flask_citizencare.services.support_counts import recount_supports
from flask_citizencare.services.triage import ActionInput, apply_action

from .factories import create_report
from .host import host_db
from .reporting import page_tokens
from .staff import Team, act, actor_for, case_path, client_for


def proposals_category(team: Team) -> int:
    category = host_db.session.get(Category, team.lamps.id)
    assert category is not None
    category.kinds = "both"
    return category.id


def proposal(app: Flask, team: Team, supporters: list[str], **fields: object) -> int:
    with app.app_context():
        category = host_db.session.get(Category, proposals_category(team))
        report = create_report(host_db.session, category=category, kind="proposal", **fields)
        for key in supporters:
            host_db.session.add(
                Support(report_id=report.id, supporter=key, email=f"{key[2:]}@example.org", locale="it")
            )
        host_db.session.flush()
        report.supports_count = len(supporters)
        host_db.session.commit()
        return report.id


def merge_in_english(app: Flask, team: Team, duplicate: int, master: int) -> None:
    with app.test_request_context(headers={"Accept-Language": "en"}):
        report = host_db.session.get(Report, duplicate)
        assert report is not None
        apply_action(
            actor_for(team, "olga"), duplicate, Action.MERGE, ActionInput(report.version, master_id=master)
        )


def supporters_of(app: Flask, report_id: int) -> set[str]:
    with app.app_context():
        return set(
            host_db.session.scalars(sa.select(Support.supporter).where(Support.report_id == report_id))
        )


def counter(app: Flask, report_id: int) -> tuple[int, str, int | None, int]:
    with app.app_context():
        report = host_db.session.get(Report, report_id)
        assert report is not None
        return report.supports_count, report.status, report.duplicate_of_id, report.version


def test_supports_move_to_the_master_counting_each_person_once(app: Flask, team: Team) -> None:
    master = proposal(app, team, ["u:a", "e:b"])
    duplicate = proposal(app, team, ["e:b", "u:c"])
    act(app, team, "olga", duplicate, Action.MERGE, master_id=master)

    assert supporters_of(app, master) == {"u:a", "e:b", "u:c"}
    assert counter(app, master)[0] == 3
    # The duplicate keeps no supports of its own: nobody is counted twice, nor held twice
    # against the per-person limit.
    assert supporters_of(app, duplicate) == set()
    count, status, master_of, _version = counter(app, duplicate)
    assert (count, status, master_of) == (0, "rejected", master)
    with app.app_context():
        event = host_db.session.scalars(
            sa.select(StatusEvent).where(StatusEvent.report_id == duplicate, StatusEvent.action == "merge")
        ).one()
        assert event.data["supports_moved"] == 1 and event.data["supports_already"] == 1
        moved = host_db.session.scalars(
            sa.select(Support).where(Support.report_id == master, Support.supporter == "u:c")
        ).one()
        assert (moved.email, moved.locale) == ("c@example.org", "it")  # the answer still reaches them
        assert recount_supports(host_db.session, master) == 3  # the stored counter was exact


def test_a_stale_counter_is_corrected_by_the_recount(app: Flask, team: Team) -> None:
    master = proposal(app, team, ["u:a"])
    duplicate = proposal(app, team, ["u:b", "u:c"])
    with app.app_context():
        host_db.session.execute(sa.update(Report).where(Report.id == master).values(supports_count=40))
        host_db.session.commit()
    act(app, team, "marco", duplicate, Action.MERGE, master_id=master)
    assert counter(app, master)[0] == 3


def test_the_merge_also_brings_the_confirmed_followers(app: Flask, team: Team) -> None:
    master = proposal(app, team, [])
    duplicate = proposal(app, team, ["u:x"], contact={"email": "autrice@example.org", "locale": "it"})
    with app.app_context():
        now = datetime.now(UTC)
        host_db.session.add(Follower(report_id=duplicate, email="fan@example.net", confirmed_at=now))
        host_db.session.add(Follower(report_id=duplicate, email="unconfirmed@example.net"))
        host_db.session.commit()
    act(app, team, "olga", duplicate, Action.MERGE, master_id=master)
    with app.app_context():
        emails = set(host_db.session.scalars(sa.select(Follower.email).where(Follower.report_id == master)))
    assert emails == {"autrice@example.org", "fan@example.net"}


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("issue", "A proposal can only be merged into another proposal"),
        ("answered", "has a published answer"),
        ("closed", "can only be merged into an open report"),
        ("merged", "can only be merged into an open report"),
        ("itself", "Choose the report this one duplicates."),
    ],
)
def test_refusals_change_nothing(app: Flask, team: Team, case: str, message: str) -> None:
    duplicate = proposal(app, team, ["u:a", "u:b"])
    with app.app_context():
        category = host_db.session.get(Category, team.lamps.id)
        if case == "issue":
            target = create_report(host_db.session, category=category).id
        elif case == "answered":
            target = create_report(
                host_db.session, category=category, kind="proposal", answered_at=datetime.now(UTC)
            ).id
        elif case == "closed":
            now = datetime.now(UTC)
            target = create_report(
                host_db.session,
                category=category,
                kind="proposal",
                status="closed",
                acknowledged_at=now,
                resolved_at=now,
                closed_at=now,
            ).id
        elif case == "merged":
            other = create_report(host_db.session, category=category, kind="proposal")
            target = create_report(
                host_db.session,
                category=category,
                kind="proposal",
                status="rejected",
                reject_reason="dup",
                duplicate_of_id=other.id,
            ).id
        else:
            target = duplicate
        host_db.session.commit()
    before = counter(app, duplicate)
    with pytest.raises(InvalidInput) as refused:
        merge_in_english(app, team, duplicate, target)
    assert message in refused.value.message
    assert counter(app, duplicate) == before
    assert supporters_of(app, duplicate) == {"u:a", "u:b"}


def test_a_report_is_not_merged_into_a_proposal(app: Flask, team: Team) -> None:
    master = proposal(app, team, ["u:a"])
    with app.app_context():
        issue = create_report(host_db.session, category=host_db.session.get(Category, team.lamps.id)).id
        host_db.session.commit()
    with pytest.raises(InvalidInput) as refused:
        merge_in_english(app, team, issue, master)
    assert "A report can only be merged into another report" in refused.value.message
    assert counter(app, issue)[1] == "new"


def test_merging_through_the_case_page_shows_the_moved_supports(app: Flask, team: Team) -> None:
    master = proposal(app, team, ["u:a", "e:b"])
    duplicate = proposal(app, team, ["e:b", "u:c", "u:d"])
    client = client_for(app, team, "olga")
    path = case_path(app, duplicate)
    page = client.get(path, headers={"Accept-Language": "en"}).get_data(as_text=True)
    with app.app_context():
        master_number = host_db.session.get(Report, master).public_id  # type: ignore[union-attr]
        version = host_db.session.get(Report, duplicate).version  # type: ignore[union-attr]
    response = client.post(
        f"{path}/actions/merge",
        data={**page_tokens(page), "version": version, "master": master_number},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    assert counter(app, master)[0] == 4
    html = client.get(path, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Supports moved" in html


def test_supports_moved_by_a_merge_can_reach_the_masters_threshold(app: Flask, team: Team) -> None:
    with app.app_context():
        category = host_db.session.get(Category, proposals_category(team))
        assert category is not None
        category.supports_threshold = 3
        host_db.session.commit()
    master = proposal(app, team, ["u:a", "e:b"])
    duplicate = proposal(app, team, ["e:b", "u:c"])
    act(app, team, "olga", duplicate, Action.MERGE, master_id=master)

    with app.app_context():
        report = host_db.session.get(Report, master)
        assert report is not None
        assert report.supports_count == 3
        assert report.threshold_reached_at is not None and report.answer_due_at is not None
        steps = host_db.session.scalars(
            sa.select(StatusEvent.data).where(
                StatusEvent.report_id == master, StatusEvent.action == "threshold_reached"
            )
        ).all()
        assert steps == [{"supports": 3, "threshold": 3}]
