"""Staff turn a report into a proposal and back: same case, new kind; supports go only when confirmed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_citizencare.domain.lifecycle import Kind
from flask_citizencare.models import (
    AnswerState,
    Category,
    Follower,
    Message,
    ProposalAnswer,
    Report,
    StatusEvent,
    Support,
)
from flask_citizencare.services.conversion import NeedsConfirmation, convert_kind
from flask_citizencare.services.errors import ActionRefused, ChangedMeanwhile, Forbidden, InvalidInput, NotNow

from .factories import create_category, create_photo, create_report
from .host import host_db
from .reporting import page_tokens
from .staff import Team, actor_for, case_path, client_for

EN = {"Accept-Language": "en"}


def make_case(app: Flask, team: Team, kind: str = "issue", supporters: int = 0, kinds: str = "both") -> int:
    with app.app_context():
        category = host_db.session.get(Category, team.lamps.id)
        assert category is not None
        category.kinds = kinds
        report = create_report(
            host_db.session,
            category=category,
            kind=kind,
            contact={"email": "autrice@example.org", "locale": "it"},
        )
        create_photo(host_db.session, report)
        report.messages.append(Message(visibility="private", author_kind="reporter", body="Grazie"))
        host_db.session.add(
            Follower(report_id=report.id, email="fan@example.net", confirmed_at=datetime.now(UTC))
        )
        for n in range(supporters):
            host_db.session.add(Support(report_id=report.id, supporter=f"u:{n}", email=f"s{n}@example.org"))
        report.supports_count = supporters
        if supporters:
            report.threshold_reached_at = datetime.now(UTC)
            report.answer_due_at = datetime.now(UTC)
        host_db.session.commit()
        return report.id


def convert(app: Flask, team: Team, report_id: int, kind: Kind, who: str = "olga", **options: Any) -> Report:
    category_id = options.pop("category_id", None)
    version = options.pop("version", None)
    with app.test_request_context(headers=EN):
        report = host_db.session.get(Report, report_id)
        assert report is not None
        category = host_db.session.get(Category, category_id) if category_id else None
        return convert_kind(
            report,
            actor_for(team, who),
            kind,
            category,
            expected_version=version or report.version,
            **options,
        )


def snapshot(app: Flask, report_id: int) -> dict[str, Any]:
    with app.app_context():
        report = host_db.session.get(Report, report_id)
        assert report is not None
        return {
            "kind": report.kind,
            "number": report.public_id,
            "token": report.tracking_token,
            "category": report.category_id,
            "version": report.version,
            "supports_count": report.supports_count,
            "supports": host_db.session.scalar(
                sa.select(sa.func.count(Support.id)).where(Support.report_id == report_id)
            ),
            "threshold": report.threshold_reached_at,
            "answer_due": report.answer_due_at,
            "photos": len(report.photos),
            "messages": len(report.messages),
            "followers": sorted(
                host_db.session.scalars(sa.select(Follower.email).where(Follower.report_id == report_id))
            ),
        }


def test_a_report_becomes_a_proposal_and_keeps_everything(app: Flask, team: Team) -> None:
    report_id = make_case(app, team)
    before = snapshot(app, report_id)
    convert(app, team, report_id, Kind.PROPOSAL)
    after = snapshot(app, report_id)
    assert after["kind"] == "proposal"
    for key in ("number", "token", "category", "photos", "messages", "followers"):
        assert after[key] == before[key], key
    with app.app_context():
        event = host_db.session.scalars(
            sa.select(StatusEvent).where(StatusEvent.report_id == report_id, StatusEvent.action == "convert")
        ).one()
        assert event.public and event.data == {"from": "issue", "to": "proposal", "supports_removed": 0}
    # The public timeline says what happened.
    html = (
        app.test_client().get(f"/citizencare/reports/{before['number']}", headers=EN).get_data(as_text=True)
    )
    assert "Turned into a proposal" in html


def test_a_proposal_loses_its_supports_only_after_confirming_their_number(app: Flask, team: Team) -> None:
    report_id = make_case(app, team, kind="proposal", supporters=3)
    before = snapshot(app, report_id)
    with pytest.raises(NeedsConfirmation) as asked:
        convert(app, team, report_id, Kind.ISSUE)
    assert asked.value.count == 3 and "removes its 3 supports" in asked.value.message
    # A number confirmed on an older page (supports came meanwhile) is asked again.
    with pytest.raises(NeedsConfirmation):
        convert(app, team, report_id, Kind.ISSUE, confirmed_removal=2)
    assert snapshot(app, report_id) == before

    convert(app, team, report_id, Kind.ISSUE, confirmed_removal=3)
    after = snapshot(app, report_id)
    assert (after["kind"], after["supports"], after["supports_count"]) == ("issue", 0, 0)
    assert after["threshold"] is None and after["answer_due"] is None
    for key in ("number", "token", "photos", "messages", "followers"):
        assert after[key] == before[key], key
    with app.app_context():
        event = host_db.session.scalars(
            sa.select(StatusEvent).where(StatusEvent.report_id == report_id, StatusEvent.action == "convert")
        ).one()
        assert event.data == {"from": "proposal", "to": "issue", "supports_removed": 3}


def test_a_proposal_with_a_published_answer_stays_a_proposal(app: Flask, team: Team) -> None:
    report_id = make_case(app, team, kind="proposal", supporters=1)
    with app.app_context():
        report = host_db.session.get(Report, report_id)
        assert report is not None
        report.answered_at = datetime.now(UTC)
        host_db.session.commit()
    before = snapshot(app, report_id)
    with pytest.raises(NotNow) as refused:
        convert(app, team, report_id, Kind.ISSUE, confirmed_removal=1)
    assert "published answer" in refused.value.message
    assert snapshot(app, report_id) == before


def test_a_draft_answer_goes_with_the_supports(app: Flask, team: Team) -> None:
    report_id = make_case(app, team, kind="proposal")
    with app.app_context():
        state = AnswerState(code="review", name="In valutazione", meaning="under_review")
        host_db.session.add(state)
        host_db.session.flush()
        host_db.session.add(ProposalAnswer(report_id=report_id, state_id=state.id, body="bozza"))
        host_db.session.commit()
    convert(app, team, report_id, Kind.ISSUE)
    with app.app_context():
        assert host_db.session.scalar(sa.select(sa.func.count(ProposalAnswer.id))) == 0


def test_the_category_must_take_the_new_kind(app: Flask, team: Team) -> None:
    report_id = make_case(app, team, kinds="issue")
    with app.app_context():
        ideas = create_category(host_db.session, code="ideas", name="Idee", kinds="proposal")
        issues_only = create_category(host_db.session, code="only-issues", name="Guasti", kinds="issue")
        host_db.session.commit()
        ideas_id, issues_id = ideas.id, issues_only.id
    before = snapshot(app, report_id)
    with pytest.raises(InvalidInput) as refused:
        convert(app, team, report_id, Kind.PROPOSAL)
    assert "does not take proposals" in refused.value.message
    with pytest.raises(InvalidInput):
        convert(app, team, report_id, Kind.PROPOSAL, category_id=issues_id)
    assert snapshot(app, report_id) == before

    convert(app, team, report_id, Kind.PROPOSAL, category_id=ideas_id)
    after = snapshot(app, report_id)
    assert (after["kind"], after["category"]) == ("proposal", ideas_id)
    with app.app_context():
        event = host_db.session.scalars(
            sa.select(StatusEvent).where(StatusEvent.report_id == report_id, StatusEvent.action == "convert")
        ).one()
        assert event.data["category"] == [team.lamps.code, "ideas"]


def test_technicians_and_stale_versions_are_refused(app: Flask, team: Team) -> None:
    report_id = make_case(app, team)
    with app.app_context():
        report = host_db.session.get(Report, report_id)
        assert report is not None
        report.office_id = team.lights.id  # luca's office: he sees it, and still may not convert it
        host_db.session.commit()
    before = snapshot(app, report_id)
    with pytest.raises(Forbidden):
        convert(app, team, report_id, Kind.PROPOSAL, who="luca")
    with pytest.raises(ChangedMeanwhile):
        convert(app, team, report_id, Kind.PROPOSAL, version=before["version"] - 1 or 99)
    with pytest.raises(ActionRefused):
        convert(app, team, report_id, Kind.ISSUE)  # already a report
    assert snapshot(app, report_id) == before


def post_conversion(app: Flask, team: Team, report_id: int, who: str = "olga", **data: Any):  # type: ignore[no-untyped-def]
    client = client_for(app, team, who)
    path = case_path(app, report_id)
    page = client.get(path, headers=EN)
    tokens = page_tokens(page.get_data(as_text=True)) if page.status_code == 200 else {}
    version = snapshot(app, report_id)["version"]
    return page, client.post(f"{path}/conversion", data={**tokens, "version": version, **data}, headers=EN)


def test_the_case_page_asks_to_confirm_the_supports_then_converts(app: Flask, team: Team) -> None:
    report_id = make_case(app, team, kind="proposal", supporters=2)
    page, response = post_conversion(app, team, report_id, kind="issue")
    html = page.get_data(as_text=True)
    assert 'data-cc-conversion="issue"' in html and "I confirm: its 2 supports will be removed." in html
    assert response.status_code == 409
    assert "removes its 2 supports" in response.get_data(as_text=True)
    assert snapshot(app, report_id)["supports"] == 2

    _page, response = post_conversion(app, team, report_id, kind="issue", confirm_supports="2")
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    assert snapshot(app, report_id)["kind"] == "issue"


def test_the_technician_sees_no_conversion_form_and_cannot_post_one(app: Flask, team: Team) -> None:
    report_id = make_case(app, team)
    with app.app_context():
        report = host_db.session.get(Report, report_id)
        assert report is not None
        report.office_id = team.lights.id
        host_db.session.commit()
    page, response = post_conversion(app, team, report_id, who="luca", kind="proposal")
    assert page.status_code == 200 and "data-cc-conversion" not in page.get_data(as_text=True)
    assert response.status_code == 403
    assert snapshot(app, report_id)["kind"] == "issue"


def test_a_forged_kind_or_category_is_a_clear_400(app: Flask, team: Team) -> None:
    report_id = make_case(app, team)
    _page, response = post_conversion(app, team, report_id, kind="petition")
    assert response.status_code == 400
    _page, response = post_conversion(app, team, report_id, kind="proposal", category="99999999")
    assert response.status_code == 400 and "Choose a category from the list." in response.get_data(
        as_text=True
    )
    _page, response = post_conversion(app, team, report_id, kind="proposal", category="9" * 40)
    assert response.status_code == 400
    assert snapshot(app, report_id)["kind"] == "issue"


def test_a_merged_case_is_not_converted(app: Flask, team: Team) -> None:
    master = make_case(app, team)
    report_id = make_case(app, team)
    with app.app_context():
        report = host_db.session.get(Report, report_id)
        assert report is not None
        report.status, report.reject_reason, report.duplicate_of_id = "rejected", "dup", master
        host_db.session.commit()
    before = snapshot(app, report_id)
    with pytest.raises(NotNow) as refused:
        convert(app, team, report_id, Kind.PROPOSAL)
    assert "merged into another" in refused.value.message
    assert snapshot(app, report_id) == before
