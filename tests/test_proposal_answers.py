"""Official answers to proposals: drafts staff only see, the explicit publish step, the mails it sends.

Through the real services, the staff and public pages, the outbox and a real
SMTP server (aiosmtpd on loopback), on both databases.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_citizencare.domain.answers import (
    BLACK,
    WHITE,
    AnswerProblem,
    AnswerText,
    answer_problems,
    badge_text_colour,
    contrast_ratio,
    link_problem,
    normal_colour,
)
from flask_citizencare.models import (
    AnswerState,
    Category,
    Follower,
    OutboxMail,
    ProposalAnswer,
    Report,
    StatusEvent,
    Support,
)
from flask_citizencare.queries.proposal_answers import (
    current_answer_subquery,
    current_states,
    published_answer,
    published_answers,
)
from flask_citizencare.services.answer_states import ensure_default_states
from flask_citizencare.services.errors import ChangedMeanwhile, Forbidden, InvalidInput, NotNow
from flask_citizencare.services.mail.outbox import deliver_pending
from flask_citizencare.services.proposal_answers import AnswerInput, publish_answer, save_draft

from .factories import create_report
from .host import host_db
from .racing import at_the_same_instant
from .smtp import SmtpSink, html_of, text_of
from .staff import Team, actor_for, case_path, client_for

EN = {"Accept-Language": "en"}
REPORTER = {"name": "Giulia Verdi", "email": "giulia.verdi@example.org", "phone": "+39 333 123 4567"}
FAN = "fan@example.net"
SUPPORTER = "Sostenitore@Example.net"
SUPPORTER_EN = "backer@example.com"
SECRET_BODY = "Bozza riservata: stiamo valutando i costi"


# -- domain rules ----------------------------------------------------------------


class _State:
    def __init__(self, active: bool = True, needs_reason: bool = False, needs_date: bool = False) -> None:
        self.active, self.needs_reason, self.needs_date = active, needs_reason, needs_date


TODAY = date(2026, 12, 3)


@pytest.mark.parametrize(
    ("text", "state", "complete", "expected"),
    [
        (AnswerText("Accolta."), _State(), True, []),
        (AnswerText(""), _State(), False, []),
        (AnswerText(""), _State(), True, [AnswerProblem.NO_BODY]),
        (AnswerText("x"), None, False, [AnswerProblem.NO_STATE]),
        (AnswerText("x"), _State(active=False), True, [AnswerProblem.STATE_INACTIVE]),
        (AnswerText("x"), _State(needs_reason=True), True, [AnswerProblem.NO_REASON]),
        (AnswerText("x"), _State(needs_reason=True), False, []),
        (AnswerText("x", reason="Costa troppo."), _State(needs_reason=True), True, []),
        (AnswerText("x"), _State(needs_date=True), True, [AnswerProblem.NO_DATE]),
        (AnswerText("x", implemented_on=TODAY), _State(needs_date=True), True, []),
        (
            AnswerText("x", implemented_on=TODAY + timedelta(days=1)),
            _State(needs_date=True),
            False,
            [AnswerProblem.DATE_IN_FUTURE],
        ),
        (AnswerText("x" * 10_001), _State(), False, [AnswerProblem.BODY_TOO_LONG]),
        (AnswerText("x", reason="r" * 4001), _State(), False, [AnswerProblem.REASON_TOO_LONG]),
        (AnswerText("a\x00b"), _State(), True, [AnswerProblem.CONTROL_CHARACTERS]),
        (
            AnswerText("x", link="http://comune.example/delibera"),
            _State(),
            True,
            [AnswerProblem.LINK_NOT_HTTPS],
        ),
        (AnswerText("x", link="javascript:alert(1)"), _State(), True, [AnswerProblem.LINK_NOT_HTTPS]),
        (
            AnswerText("x", link="https://comune.example/" + "a" * 500),
            _State(),
            True,
            [AnswerProblem.LINK_TOO_LONG],
        ),
        (AnswerText("x", link="https://comune.example/delibere/12"), _State(), True, []),
    ],
)
def test_answer_rules(text: AnswerText, state: Any, complete: bool, expected: list[AnswerProblem]) -> None:
    assert answer_problems(text, state, TODAY, complete=complete) == expected


@pytest.mark.parametrize(
    "link", ["https://", "https:///path", "https://a b.example/", "HTTPS://x.example\n", "ftp://x.example"]
)
def test_bad_links(link: str) -> None:
    assert link_problem(link) is AnswerProblem.LINK_NOT_HTTPS


def test_badge_text_is_readable_on_any_colour() -> None:
    assert normal_colour(" #00804D ") == "#00804d"
    for bad in ("00804d", "#00804", "#00804dd", "#gg0000", "red", "#00804d\x00"):
        assert normal_colour(bad) is None
    assert badge_text_colour("#ffffff") == BLACK
    assert badge_text_colour("#000000") == WHITE
    assert badge_text_colour("#0066cc") == WHITE
    assert badge_text_colour("#ffcc00") == BLACK
    for r in range(0, 256, 15):
        for g in range(0, 256, 15):
            for b in range(0, 256, 51):
                colour = f"#{r:02x}{g:02x}{b:02x}"
                assert contrast_ratio(colour, badge_text_colour(colour)) >= 4.5, colour


# -- helpers ---------------------------------------------------------------------


def states(app: Flask) -> dict[str, int]:
    """The default states (installed if the tables were emptied), by code."""
    with app.app_context():
        ensure_default_states(host_db.session())
        host_db.session.commit()
        found = {s.code: s.id for s in host_db.session.scalars(sa.select(AnswerState))}
        host_db.session.remove()
        return found


def new_proposal(app: Flask, team: Team, **fields: Any) -> int:
    with app.app_context():
        category = host_db.session.get(Category, team.potholes.id)
        assert category is not None
        category.kinds = "both"
        report = create_report(
            host_db.session(),
            category=category,
            contact=REPORTER,
            kind="proposal",
            office_id=team.roads.id,
            title="Una pista ciclabile in via Emilia",
            **fields,
        )
        host_db.session.commit()
        return report.id


def version(app: Flask, report_id: int) -> int:
    with app.app_context():
        report = host_db.session.get(Report, report_id)
        assert report is not None
        found = report.version
        host_db.session.remove()
        return found


def draft(app: Flask, team: Team, report_id: int, state_id: int, who: str = "olga", **fields: Any) -> None:
    with app.test_request_context():
        data = AnswerInput(expected_version=version(app, report_id), state_id=state_id, **fields)
        save_draft(report_id, actor_for(team, who), data)
        host_db.session.remove()


def publish(app: Flask, team: Team, report_id: int, who: str = "olga") -> None:
    with app.test_request_context():
        publish_answer(report_id, actor_for(team, who), expected_version=version(app, report_id))
        host_db.session.remove()


def answers_of(app: Flask, report_id: int) -> list[tuple[str, bool]]:
    """(state code, published) of the report's answers, oldest first."""
    with app.app_context():
        rows = host_db.session.execute(
            sa.select(AnswerState.code, ProposalAnswer.published_at)
            .join(AnswerState, AnswerState.id == ProposalAnswer.state_id)
            .where(ProposalAnswer.report_id == report_id)
            .order_by(ProposalAnswer.id)
        )
        found = [(code, published is not None) for code, published in rows]
        host_db.session.remove()
        return found


def case_facts(app: Flask, report_id: int) -> tuple[str | None, datetime | None, int, list[str]]:
    """(outcome, answered_at, version, actions of the events)."""
    with app.app_context():
        report = host_db.session.get(Report, report_id)
        assert report is not None
        facts = (report.outcome, report.answered_at, report.version, [e.action for e in report.events])
        host_db.session.remove()
        return facts


def outbox(app: Flask) -> list[tuple[str, str, str]]:
    with app.app_context():
        rows = [
            (row.template, row.recipient, row.locale)
            for row in host_db.session.scalars(sa.select(OutboxMail).order_by(OutboxMail.id))
        ]
        host_db.session.remove()
        return rows


def add_follower(app: Flask, report_id: int, address: str, locale: str = "it") -> None:
    with app.app_context():
        host_db.session.add(
            Follower(report_id=report_id, email=address, locale=locale, confirmed_at=datetime.now(UTC))
        )
        host_db.session.commit()


def add_support(app: Flask, report_id: int, who: str, address: str | None, locale: str | None) -> None:
    with app.app_context():
        host_db.session.add(Support(report_id=report_id, supporter=who, email=address, locale=locale))
        host_db.session.commit()


def deliver(app: Flask) -> None:
    with app.app_context():
        deliver_pending(worker="test")


def to(messages: list[EmailMessage], address: str) -> list[EmailMessage]:
    return [m for m in messages if str(m["To"]).lower() == address.lower()]


def number_of(app: Flask, report_id: int) -> str:
    with app.app_context():
        report = host_db.session.get(Report, report_id)
        assert report is not None
        found = report.public_id
        host_db.session.remove()
        return found


def public_page(app: Flask, report_id: int, lang: str = "en") -> str:
    response = app.test_client().get(
        f"/citizencare/reports/{number_of(app, report_id)}", headers={"Accept-Language": lang}
    )
    assert response.status_code == 200
    return response.get_data(as_text=True)


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, "no CSRF token"
    return match.group(1)


# -- drafts and publication ------------------------------------------------------


def test_a_draft_is_staff_only_and_publishing_shows_it(mail_app: Flask, team: Team) -> None:
    codes = states(mail_app)
    report_id = new_proposal(mail_app, team)
    add_follower(mail_app, report_id, FAN)
    draft(mail_app, team, report_id, codes["accepted"], body=SECRET_BODY)

    assert answers_of(mail_app, report_id) == [("accepted", False)]
    assert outbox(mail_app) == []  # a draft mails nobody
    outcome, answered, _v, actions = case_facts(mail_app, report_id)
    assert outcome is None and answered is None and "answer_draft" in actions
    page = public_page(mail_app, report_id)
    assert SECRET_BODY not in page and "data-state=" not in page
    assert "has not answered this proposal yet" in page
    with mail_app.app_context():
        report = host_db.session.get(Report, report_id)
        assert report is not None
        tracking = report.tracking_token
        assert published_answer(report) is None and list(published_answers(report)) == []
        assert current_states([report_id]) == {}
        host_db.session.remove()
    tracked = mail_app.test_client().get(f"/citizencare/track/{tracking}", headers=EN)
    assert tracked.status_code == 200 and SECRET_BODY not in tracked.get_data(as_text=True)

    staff = client_for(mail_app, team, "olga").get(case_path(mail_app, report_id), headers=EN)
    html = staff.get_data(as_text=True)
    assert "Draft — only staff see this" in html and SECRET_BODY in html

    publish(mail_app, team, report_id)
    outcome, answered, _v, actions = case_facts(mail_app, report_id)
    assert outcome == "accepted" and answered is not None and actions[-1] == "answer_published"
    assert answers_of(mail_app, report_id) == [("accepted", True)]
    page = public_page(mail_app, report_id)
    assert SECRET_BODY in page and 'data-state="accepted"' in page and ">Accepted<" in page
    tracked = mail_app.test_client().get(f"/citizencare/track/{tracking}", headers=EN)
    assert SECRET_BODY in tracked.get_data(as_text=True)  # the reporter's page shows it too
    assert "Official answer published" in page  # the history's step
    assert "/citizencare/answer-states.css" in page
    with mail_app.app_context():
        event = host_db.session.scalar(
            sa.select(StatusEvent).where(
                StatusEvent.report_id == report_id, StatusEvent.action == "answer_published"
            )
        )
        assert event is not None and event.public and event.data == {"state": "accepted"}
        [state] = current_states([report_id]).values()
        assert state.code == "accepted"
        host_db.session.remove()
    css = mail_app.test_client().get("/citizencare/answer-states.css")
    assert css.status_code == 200 and css.mimetype == "text/css"
    assert ".cc-answer-state--accepted { background-color: #00804d; color: #ffffff;" in css.get_data(
        as_text=True
    )


def test_the_answer_mails_reach_reporter_followers_and_supporters_once(
    mail_app: Flask, team: Team, smtp: SmtpSink
) -> None:
    codes = states(mail_app)
    report_id = new_proposal(mail_app, team)
    add_follower(mail_app, report_id, FAN)
    add_support(mail_app, report_id, "e:1", SUPPORTER, "it")
    add_support(mail_app, report_id, "e:2", SUPPORTER_EN, "en")
    add_support(mail_app, report_id, "e:3", FAN.upper(), "en")  # also a follower: one mail
    add_support(mail_app, report_id, "e:4", REPORTER["email"], "it")  # the reporter: one mail
    add_support(mail_app, report_id, "u:7", None, None)  # a host user without an address
    draft(mail_app, team, report_id, codes["not_accepted"], body="Non è possibile.", reason="Costa troppo.")
    assert outbox(mail_app) == []
    publish(mail_app, team, report_id)

    mails = outbox(mail_app)
    assert sorted(r for _t, r, _l in mails) == sorted(
        [REPORTER["email"], FAN, SUPPORTER.lower(), SUPPORTER_EN]
    )
    assert {t for t, _r, _l in mails} == {"proposal_answered"}
    deliver(mail_app)
    assert len(smtp.messages) == 4
    [english] = to(smtp.messages, SUPPORTER_EN)
    assert "answered proposal" in str(english["Subject"])
    body = text_of(english)
    assert "Not accepted" in body and "Costa troppo." in body and "because you support" in body
    assert f"/citizencare/reports/{number_of(mail_app, report_id)}" in body
    assert english["List-Unsubscribe"]
    [italian] = to(smtp.messages, SUPPORTER.lower())
    assert "Non accolta" in text_of(italian)
    [reporter] = to(smtp.messages, REPORTER["email"])
    assert "/citizencare/track/" in text_of(reporter) and "/citizencare/track/" in html_of(reporter)
    for message in [*to(smtp.messages, FAN), english, italian]:
        assert "/citizencare/track/" not in message.as_string()  # nobody else gets the reporter's link
        assert REPORTER["email"] not in message.as_string()


def test_a_supporter_who_unsubscribed_hears_nothing_more(mail_app: Flask, team: Team, smtp: SmtpSink) -> None:
    codes = states(mail_app)
    report_id = new_proposal(mail_app, team)
    add_support(mail_app, report_id, "e:1", SUPPORTER_EN, "en")
    draft(mail_app, team, report_id, codes["under_evaluation"], body="La stiamo valutando.")
    publish(mail_app, team, report_id)
    deliver(mail_app)
    [first] = to(smtp.messages, SUPPORTER_EN)
    header = str(first["List-Unsubscribe"]).strip()[1:-1]
    path = header.split("://", 1)[1].split("/", 1)[1]
    assert mail_app.test_client().post("/" + path, data={"List-Unsubscribe": "One-Click"}).status_code < 400
    with mail_app.app_context():
        marked = host_db.session.scalar(
            sa.select(Follower).where(Follower.report_id == report_id, Follower.email == SUPPORTER_EN)
        )
        assert marked is not None and marked.unsubscribed_at is not None
        assert host_db.session.scalar(sa.select(sa.func.count(Support.id))) == 1  # the support stays
        host_db.session.remove()
    before = len(outbox(mail_app))
    draft(mail_app, team, report_id, codes["accepted"], body="Accolta.")
    publish(mail_app, team, report_id)
    later = [r for _t, r, _l in outbox(mail_app)[before:]]
    assert later == [REPORTER["email"]]  # the reporter still hears; the supporter no more


def test_a_later_implemented_answer_says_so(mail_app: Flask, team: Team, smtp: SmtpSink) -> None:
    codes = states(mail_app)
    report_id = new_proposal(mail_app, team)
    add_support(mail_app, report_id, "e:2", SUPPORTER_EN, "en")
    draft(mail_app, team, report_id, codes["accepted"], body="Accolta: la faremo.")
    publish(mail_app, team, report_id)
    _o, first_answered, _v, _a = case_facts(mail_app, report_id)
    day = date.today() - timedelta(days=2)
    draft(
        mail_app,
        team,
        report_id,
        codes["implemented"],
        body="Fatto.",
        implemented_on=day,
        link="https://comune.example/lavori/42",
    )
    publish(mail_app, team, report_id)

    outcome, answered, _v, _a = case_facts(mail_app, report_id)
    assert outcome == "implemented" and answered == first_answered  # the first answer's time stays
    templates = [t for t, r, _l in outbox(mail_app) if r == SUPPORTER_EN]
    assert templates == ["proposal_answered", "proposal_implemented"]
    deliver(mail_app)
    implemented = to(smtp.messages, SUPPORTER_EN)[-1]
    assert "has been implemented" in str(implemented["Subject"])
    assert "https://comune.example/lavori/42" in text_of(implemented)
    page = public_page(mail_app, report_id)
    assert page.index('data-state="implemented"') < page.index('data-state="accepted"')  # newest first
    assert "Earlier answers" in page and "https://comune.example/lavori/42" in page
    with mail_app.app_context():
        assert [a.state.code for a in published_answers(report_id)] == ["implemented", "accepted"]
        host_db.session.remove()


# -- refusals --------------------------------------------------------------------


def EN_REQUEST(app: Flask) -> Any:
    """A request in English, so the refusals' words can be matched."""
    return app.test_request_context(headers={"Accept-Language": "en"})


def test_publishing_without_a_complete_draft_is_refused(mail_app: Flask, team: Team) -> None:
    codes = states(mail_app)
    report_id = new_proposal(mail_app, team)
    with mail_app.test_request_context(), pytest.raises(NotNow):
        publish_answer(report_id, actor_for(team, "olga"), expected_version=version(mail_app, report_id))
    draft(mail_app, team, report_id, codes["not_accepted"], body="No.")
    before = case_facts(mail_app, report_id)
    with EN_REQUEST(mail_app), pytest.raises(InvalidInput, match="reason"):
        publish_answer(report_id, actor_for(team, "olga"), expected_version=before[2])
    draft(mail_app, team, report_id, codes["implemented"], body="Fatto.")
    with EN_REQUEST(mail_app), pytest.raises(InvalidInput, match="date"):
        publish_answer(report_id, actor_for(team, "olga"), expected_version=version(mail_app, report_id))
    with mail_app.test_request_context(), pytest.raises(InvalidInput):
        save_draft(
            report_id,
            actor_for(team, "olga"),
            AnswerInput(
                version(mail_app, report_id),
                codes["implemented"],
                "x",
                implemented_on=date.today() + timedelta(days=3),
            ),
        )
    with mail_app.test_request_context(), pytest.raises(InvalidInput):
        save_draft(report_id, actor_for(team, "olga"), AnswerInput(version(mail_app, report_id), None, "x"))
    assert answers_of(mail_app, report_id) == [("implemented", False)]
    assert case_facts(mail_app, report_id)[0] is None and outbox(mail_app) == []


def test_an_issue_gets_no_official_answer(mail_app: Flask, team: Team) -> None:
    codes = states(mail_app)
    with mail_app.app_context():
        category = host_db.session.get(Category, team.potholes.id)
        report = create_report(host_db.session(), category=category, office_id=team.roads.id)
        host_db.session.commit()
        report_id = report.id
    with mail_app.test_request_context(), pytest.raises(NotNow):
        save_draft(
            report_id,
            actor_for(team, "olga"),
            AnswerInput(version(mail_app, report_id), codes["accepted"], "x"),
        )
    html = (
        client_for(mail_app, team, "olga")
        .get(case_path(mail_app, report_id), headers=EN)
        .get_data(as_text=True)
    )
    assert "Official answer" not in html


def test_a_technician_of_another_office_is_refused(mail_app: Flask, team: Team) -> None:
    codes = states(mail_app)
    report_id = new_proposal(mail_app, team)  # roads' case; luca works in lights
    draft(mail_app, team, report_id, codes["accepted"], who="tina", body="Accolta.")  # roads' technician may
    before = case_facts(mail_app, report_id)
    with mail_app.test_request_context(), pytest.raises(Forbidden):
        save_draft(report_id, actor_for(team, "luca"), AnswerInput(before[2], codes["not_accepted"], "No."))
    with mail_app.test_request_context(), pytest.raises(Forbidden):
        publish_answer(report_id, actor_for(team, "luca"), expected_version=before[2])
    client = client_for(mail_app, team, "luca")
    response = client.post(
        f"{case_path(mail_app, report_id)}/answer/publish", data={"version": before[2], "confirm": "y"}
    )
    assert 400 <= response.status_code < 500
    assert case_facts(mail_app, report_id) == before
    assert answers_of(mail_app, report_id) == [("accepted", False)] and outbox(mail_app) == []


def test_a_double_click_publishes_once(mail_app: Flask, team: Team) -> None:
    codes = states(mail_app)
    report_id = new_proposal(mail_app, team)
    add_support(mail_app, report_id, "e:2", SUPPORTER_EN, "en")
    draft(mail_app, team, report_id, codes["accepted"], body="Accolta.")
    seen = version(mail_app, report_id)
    with mail_app.test_request_context():
        publish_answer(report_id, actor_for(team, "olga"), expected_version=seen)
        host_db.session.remove()
    with mail_app.test_request_context(), pytest.raises(ChangedMeanwhile):
        publish_answer(report_id, actor_for(team, "olga"), expected_version=seen)
    with mail_app.test_request_context(), pytest.raises(NotNow):
        publish_answer(report_id, actor_for(team, "olga"))  # nothing left to publish
    assert answers_of(mail_app, report_id) == [("accepted", True)]
    assert len([r for _t, r, _l in outbox(mail_app) if r == SUPPORTER_EN]) == 1


def test_two_publications_at_the_same_instant_publish_once(mail_app: Flask, team: Team, backend: str) -> None:
    if backend != "postgis":
        pytest.skip("SQLite serialises writers: the same-version case is covered above")
    codes = states(mail_app)
    report_id = new_proposal(mail_app, team)
    add_support(mail_app, report_id, "e:2", SUPPORTER_EN, "en")
    draft(mail_app, team, report_id, codes["accepted"], body="Accolta.")
    seen = version(mail_app, report_id)
    path = f"{case_path(mail_app, report_id)}/answer/publish"
    clients = [client_for(mail_app, team, "olga"), client_for(mail_app, team, "marco")]
    tokens = [csrf_of(c.get(case_path(mail_app, report_id)).get_data(as_text=True)) for c in clients]

    def click(i: int) -> Any:
        return lambda: (
            clients[i].post(path, data={"csrf_token": tokens[i], "version": seen, "confirm": "y"}).status_code
        )

    results = at_the_same_instant(click(0), click(1))
    assert sorted(results) == [303, 409], results
    assert answers_of(mail_app, report_id) == [("accepted", True)]
    assert len([r for _t, r, _l in outbox(mail_app) if r == SUPPORTER_EN]) == 1


# -- the staff page --------------------------------------------------------------


def test_the_staff_page_drafts_and_publishes_with_a_confirmation(mail_app: Flask, team: Team) -> None:
    codes = states(mail_app)
    report_id = new_proposal(mail_app, team)
    client = client_for(mail_app, team, "olga")
    path = case_path(mail_app, report_id)
    html = client.get(path, headers={"Accept-Language": "ca"}).get_data(as_text=True)
    assert ">Acceptada</option>" in html and ">No acceptada" in html  # labels in the staff's language
    assert "answer/publish" not in html  # nothing to publish before a draft

    form = {
        "csrf_token": csrf_of(html),
        "version": version(mail_app, report_id),
        "state": codes["accepted"],
        "body": "Accolta\x00",
    }
    refused = client.post(f"{path}/answer", data=form, headers=EN)
    assert refused.status_code == 400 and answers_of(mail_app, report_id) == []
    form["body"] = "Accolta: **grazie**."
    form["link"] = "http://insicuro.example/"
    refused = client.post(f"{path}/answer", data=form, headers=EN)
    assert refused.status_code == 400 and "https://" in refused.get_data(as_text=True)
    assert "Accolta: **grazie**." in refused.get_data(as_text=True)  # what was typed is kept
    form["link"] = "https://comune.example/delibere/7"
    saved = client.post(f"{path}/answer", data=form, headers=EN)
    assert saved.status_code == 303
    html = client.get(path, headers=EN).get_data(as_text=True)
    assert "Draft — only staff see this" in html and "<strong>grazie</strong>" in html

    publish_form = {"csrf_token": csrf_of(html), "version": version(mail_app, report_id)}
    unconfirmed = client.post(f"{path}/answer/publish", data=publish_form, headers=EN)
    assert unconfirmed.status_code == 400 and "confirmation" in unconfirmed.get_data(as_text=True)
    assert answers_of(mail_app, report_id) == [("accepted", False)]
    published = client.post(f"{path}/answer/publish", data={**publish_form, "confirm": "y"}, headers=EN)
    assert published.status_code == 303
    assert answers_of(mail_app, report_id) == [("accepted", True)]
    page = public_page(mail_app, report_id)
    assert "<strong>grazie</strong>" in page and "https://comune.example/delibere/7" in page
    html = client.get(path, headers=EN).get_data(as_text=True)
    assert "Published answer" in html and "Draft — only staff see this" not in html


def test_the_current_answer_subquery_joins_in_sql(mail_app: Flask, team: Team) -> None:
    codes = states(mail_app)
    answered, unanswered = new_proposal(mail_app, team), new_proposal(mail_app, team)
    draft(mail_app, team, answered, codes["accepted"], body="Sì.")
    publish(mail_app, team, answered)
    draft(
        mail_app, team, answered, codes["not_accepted"], body="Ci abbiamo ripensato."
    )  # a draft: not current
    with mail_app.app_context():
        current = current_answer_subquery()
        rows = dict(
            host_db.session.execute(
                sa.select(Report.id, AnswerState.code)
                .outerjoin(current, current.c.report_id == Report.id)
                .outerjoin(AnswerState, AnswerState.id == current.c.state_id)
                .where(Report.id.in_([answered, unanswered]))
            ).all()
        )
        assert rows == {answered: "accepted", unanswered: None}
        host_db.session.remove()


def test_a_hidden_proposal_answer_reaches_only_its_reporter(mail_app: Flask, team: Team) -> None:
    codes = states(mail_app)
    report_id = new_proposal(mail_app, team, is_public=False)
    add_follower(mail_app, report_id, FAN)
    add_support(mail_app, report_id, "e:2", SUPPORTER_EN, "en")
    draft(mail_app, team, report_id, codes["accepted"], body="Accolta.")
    publish(mail_app, team, report_id)
    assert [r for _t, r, _l in outbox(mail_app)] == [REPORTER["email"]]
    number = number_of(mail_app, report_id)
    assert mail_app.test_client().get(f"/citizencare/reports/{number}").status_code == 404


def test_a_draft_can_be_discarded(mail_app: Flask, team: Team) -> None:
    codes = states(mail_app)
    report_id = new_proposal(mail_app, team)
    client = client_for(mail_app, team, "olga")
    path = case_path(mail_app, report_id)
    draft(mail_app, team, report_id, codes["accepted"], body=SECRET_BODY)
    html = client.get(path, headers=EN).get_data(as_text=True)
    form = {"csrf_token": csrf_of(html), "version": version(mail_app, report_id)}
    stale = {**form, "version": form["version"] - 1}
    assert client.post(f"{path}/answer/discard", data=stale, headers=EN).status_code == 409
    assert answers_of(mail_app, report_id) == [("accepted", False)]
    assert client.post(f"{path}/answer/discard", data=form, headers=EN).status_code == 303
    assert answers_of(mail_app, report_id) == [] and outbox(mail_app) == []
    assert case_facts(mail_app, report_id)[3][-1] == "answer_discard"
    again = {**form, "version": version(mail_app, report_id)}
    assert client.post(f"{path}/answer/discard", data=again, headers=EN).status_code == 409
    html = client.get(path, headers=EN).get_data(as_text=True)
    assert "Draft answer discarded" in html and SECRET_BODY not in html
