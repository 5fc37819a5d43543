"""The satisfaction survey: signed one-use links, the form, the answers and the NPS figures."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st
from itsdangerous.timed import TimestampSigner

from flask_citizencare import signals, tokens
from flask_citizencare.context import db_session
from flask_citizencare.domain.satisfaction import average, nps, summary
from flask_citizencare.models import Category, Report, SurveyResponse
from flask_citizencare.services import surveys
from flask_citizencare.tokens import Purpose

from .factories import create_report
from .host import host_db
from .reporting import form_tokens
from .staff import Team

EN = {"Accept-Language": "en"}
DAY = 86400


@dataclass
class Case:
    id: int
    tracking_token: str
    office_id: int
    category_id: int
    token: str

    @property
    def url(self) -> str:
        return f"/citizencare/survey/{self.token}"


def _case(app: Flask, team: Team, *, status: str = "resolved", age_days: float = 0) -> Case:
    """A report of the roads office in ``status``, and its survey token made ``age_days`` ago."""
    now = datetime.now(UTC)
    finished: dict[str, Any] = {} if status == "new" else {"acknowledged_at": now}
    if status in ("resolved", "closed"):
        finished["resolved_at"] = now
    if status == "suspended":
        finished["suspended_at"] = now
    if status == "rejected":
        finished["reject_reason"] = "Non di competenza comunale."
    with app.test_request_context():
        report = create_report(
            db_session(),
            category=host_db.session.get(Category, team.potholes.id),
            office_id=team.roads.id,
            status=status,
            contact={"email": "giulia.verdi@example.org"},
            **finished,
        )
        host_db.session.commit()
        stamp = int(time.time() - age_days * DAY)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(TimestampSigner, "get_timestamp", lambda self: stamp)
            token = surveys.survey_token(report)
        return Case(report.id, report.tracking_token, team.roads.id, team.potholes.id, token)


@pytest.fixture
def case(app: Flask, team: Team) -> Case:
    return _case(app, team)


def _answers(
    client: FlaskClient, case: Case, tokens: dict[str, str] | None = None, **fields: Any
) -> dict[str, Any]:
    data = {"recommend": "9", "knowledge": "8", "resolved": "10", "comment": "Veloci e gentili."}
    data.update(fields)
    return {**(tokens or form_tokens(client, case.url)), **{k: v for k, v in data.items() if v is not None}}


def _report(report_id: int) -> Report:
    report = db_session().get(Report, report_id)
    assert report is not None
    return report


def _responses(app: Flask) -> list[SurveyResponse]:
    with app.app_context():
        rows = list(host_db.session.scalars(sa.select(SurveyResponse)))
        host_db.session.expunge_all()
        return rows


# -- the page ------------------------------------------------------------------


def test_survey_page_is_italian_by_default_and_accessible(client: FlaskClient, case: Case) -> None:
    response = client.get(case.url)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "(obbligatorio)" in html and "(required)" not in html
    assert 'name="robots" content="noindex, nofollow"' in html
    for name in ("recommend", "knowledge", "resolved"):
        fieldset = re.search(rf'<fieldset[^>]*id="{name}"[^>]*>(.*?)</fieldset>', html, re.S)
        assert fieldset, name
        assert f'aria-describedby="{name}-hint"' in fieldset.group(0)
        assert "<legend" in fieldset.group(1)
        radios = re.findall(r'<input[^>]*type="radio"[^>]*>', fieldset.group(1))
        assert len(radios) == 11
        for n, radio in enumerate(radios):
            assert f'id="{name}-{n}"' in radio and f'value="{n}"' in radio
            assert f'<label for="{name}-{n}">{n}</label>' in fieldset.group(1)
        assert f'aria-describedby="{name}-low"' in radios[0]
        assert f'aria-describedby="{name}-high"' in radios[10]
        assert f'id="{name}-low"' in fieldset.group(1) and f'id="{name}-high"' in fieldset.group(1)
    assert '<label class="cc-label" for="comment">' in html


def test_survey_page_in_english_names_the_scale_ends(app: Flask, client: FlaskClient, case: Case) -> None:
    with app.app_context():
        _report(case.id).title = "<b>Buca</b>"
        db_session().commit()
    html = client.get(case.url, headers=EN).get_data(as_text=True)
    assert "&lt;b&gt;Buca&lt;/b&gt;" in html and "<b>Buca" not in html
    assert "0 means: Not at all likely" in html and "10 means: Extremely likely" in html
    assert "Do you consider your request resolved?" in html


# -- answering -----------------------------------------------------------------


def test_valid_answers_are_stored_once_with_office_and_category(
    app: Flask, client: FlaskClient, case: Case
) -> None:
    received: list[dict[str, Any]] = []

    def listener(sender: Flask, **kwargs: Any) -> None:
        received.append(
            {
                "sender": sender,
                "actor": kwargs["actor"],
                "report": kwargs["report"].id,
                "response": (kwargs["response"].id, kwargs["response"].report_id),
            }
        )

    tokens = form_tokens(client, case.url)
    with signals.survey_answered.connected_to(listener, app):
        response = client.post(case.url, data=_answers(client, case, tokens), headers=EN)
    assert response.status_code == 303
    assert response.headers["Location"] == f"{case.url}?done=1"

    [row] = _responses(app)
    assert (row.report_id, row.office_id, row.category_id) == (case.id, case.office_id, case.category_id)
    assert (row.recommend, row.knowledge, row.resolved) == (9, 8, 10)
    assert row.comment == "Veloci e gentili." and row.flagged is False
    [sent] = received
    assert sent["sender"] is app and sent["actor"] is None
    assert sent["report"] == case.id and sent["response"] == (row.id, case.id)

    done = client.get(response.headers["Location"], headers=EN)
    assert done.status_code == 200
    html = done.get_data(as_text=True)
    assert "Thank you for your answers" in html and 'id="cc-reopen-link"' not in html

    again = client.post(case.url, data=_answers(client, case, tokens, recommend="0"), headers=EN)
    assert again.status_code == 409
    assert "Survey already answered" in again.get_data(as_text=True)
    page = client.get(case.url, headers=EN)
    assert page.status_code == 200 and "Survey already answered" in page.get_data(as_text=True)
    assert 'name="recommend"' not in page.get_data(as_text=True)
    assert len(_responses(app)) == 1 and _responses(app)[0].recommend == 9


def test_low_resolved_score_flags_and_offers_the_tracking_page(
    app: Flask, client: FlaskClient, case: Case
) -> None:
    response = client.post(case.url, data=_answers(client, case, resolved="4", comment=""), headers=EN)
    assert response.status_code == 303
    [row] = _responses(app)
    assert row.flagged is True and row.resolved == 4 and row.comment is None
    html = client.get(response.headers["Location"], headers=EN).get_data(as_text=True)
    assert "Is your request not resolved?" in html
    assert f'href="/citizencare/track/{case.tracking_token}#thread"' in html


def test_resolved_five_is_not_flagged(app: Flask, client: FlaskClient, case: Case) -> None:
    assert client.post(case.url, data=_answers(client, case, resolved="5")).status_code == 303
    assert _responses(app)[0].flagged is False


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"recommend": None}, "Choose how likely you are to recommend the service."),
        ({"knowledge": ""}, "Choose how you rate the knowledge of the person who handled your report."),
        ({"resolved": "11"}, "Choose a whole number from 0 to 10."),
        ({"recommend": "-1"}, "Choose a whole number from 0 to 10."),
        ({"knowledge": "abc"}, "Choose a whole number from 0 to 10."),
        ({"resolved": "٥"}, "Choose a whole number from 0 to 10."),
        ({"recommend": "5.0"}, "Choose a whole number from 0 to 10."),
        ({"comment": "x" * 2001}, "The comment can be at most 2000 characters long."),
    ],
)
def test_bad_answers_are_refused_and_nothing_is_stored(
    app: Flask, client: FlaskClient, case: Case, fields: dict[str, Any], message: str
) -> None:
    response = client.post(case.url, data=_answers(client, case, **fields), headers=EN)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="cc-error-summary"' in html and message in html
    name = next(iter(fields))
    assert f'<a href="#{name}">{message}</a>' in html
    if name != "comment":
        assert f'aria-describedby="{name}-hint {name}-error"' in html
    assert _responses(app) == []


def test_missing_csrf_token_is_refused(app: Flask, client: FlaskClient, case: Case) -> None:
    data = _answers(client, case)
    del data["csrf_token"]
    response = client.post(case.url, data=data)
    assert response.status_code == 400
    assert _responses(app) == []


# -- the link ------------------------------------------------------------------


def test_tampered_token_is_not_found(app: Flask, client: FlaskClient, case: Case) -> None:
    body, signature = case.token.rsplit(".", 1)
    # The first character: the last one of base64 may carry only padding bits.
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    for token in (f"{body}.{flipped}", case.token[:-3], "not-a-token", "x" * 300):
        response = client.get(f"/citizencare/survey/{token}", headers=EN)
        assert response.status_code == 404, token
        assert "This survey link is not valid" in response.get_data(as_text=True)
    assert client.post(f"/citizencare/survey/{body}.{flipped}", data={}).status_code == 404


def test_token_edited_to_another_report_is_not_found(app: Flask, client: FlaskClient, team: Team) -> None:
    mine, other = _case(app, team), _case(app, team)
    payload, rest = mine.token.split(".", 1)
    edited = _b64(json.dumps({"r": other.id, "t": other.tracking_token[:8]}, separators=(",", ":")))
    assert edited != payload
    assert client.get(f"/citizencare/survey/{edited}.{rest}").status_code == 404
    # Even a correctly signed token must carry the report's own tracking token.
    with app.app_context():
        forged = tokens.sign(Purpose.SURVEY, {"r": other.id, "t": mine.tracking_token[:8]})
    assert client.get(f"/citizencare/survey/{forged}").status_code == 404
    assert client.get(other.url).status_code == 200


def _b64(text: str) -> str:
    import base64

    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def test_expired_link_is_gone(app: Flask, client: FlaskClient, team: Team) -> None:
    old = _case(app, team, age_days=31)
    response = client.get(old.url, headers=EN)
    assert response.status_code == 410
    assert "This survey link has expired" in response.get_data(as_text=True)
    assert client.post(old.url, data={"recommend": "10"}).status_code == 410

    recent = _case(app, team, age_days=2)
    assert client.get(recent.url).status_code == 200
    app.config["CITIZENCARE_SURVEY_DAYS"] = 1
    assert client.get(recent.url).status_code == 410
    assert _responses(app) == []


@pytest.mark.parametrize("status", ["new", "acknowledged", "in_progress", "suspended", "rejected"])
def test_unfinished_case_cannot_be_surveyed(app: Flask, client: FlaskClient, team: Team, status: str) -> None:
    unfinished = _case(app, team, status=status)
    assert client.get(unfinished.url).status_code == 404
    assert client.post(unfinished.url, data={"recommend": "10"}).status_code == 404
    assert _responses(app) == []


def test_closed_case_can_be_surveyed(app: Flask, client: FlaskClient, team: Team) -> None:
    closed = _case(app, team, status="closed")
    assert client.get(closed.url).status_code == 200


# -- the service -----------------------------------------------------------------


def test_second_answer_races_into_the_unique_constraint(app: Flask, case: Case) -> None:
    with app.test_request_context():
        report = _report(case.id)
        first = surveys.answer_survey(report, 10, 10, 3, "  Ancora rotto.  ")
        assert first.flagged and first.comment == "Ancora rotto."
        # The view checks first; two requests at once only meet at the database.
        with pytest.raises(surveys.AlreadyAnswered):
            surveys.answer_survey(_report(case.id), 0, 0, 0, None)
    assert len(_responses(app)) == 1


def test_service_refuses_bad_scores_and_unfinished_cases(app: Flask, team: Team) -> None:
    unfinished = _case(app, team, status="in_progress")
    finished = _case(app, team)
    with app.test_request_context():
        report = _report(finished.id)
        for scores in ((11, 5, 5), (5, -1, 5), (5, 5, True)):
            with pytest.raises(ValueError):
                surveys.answer_survey(report, *scores, None)
        with pytest.raises(ValueError):
            surveys.answer_survey(report, 5, 5, 5, "x" * 2001)
        with pytest.raises(surveys.NotSurveyable):
            surveys.answer_survey(_report(unfinished.id), 5, 5, 5, None)
        assert surveys.survey_url(report).startswith("http://localhost/citizencare/survey/")
    assert _responses(app) == []


# -- NPS and averages (pure) -------------------------------------------------------

scores = st.integers(min_value=0, max_value=10)


def test_nps_examples() -> None:
    assert nps([]) is None and average([]) is None
    assert nps([10, 9, 8, 7, 6, 0]) == pytest.approx(0.0)
    assert nps([9, 9, 9, 0]) == pytest.approx(50.0)
    assert nps([7, 8]) == 0.0
    assert average([0, 5, 10]) == 5.0
    with pytest.raises(ValueError):
        nps([11])
    with pytest.raises(ValueError):
        average([-1])


@given(st.lists(scores, min_size=1))
def test_nps_is_between_minus_and_plus_100(values: list[int]) -> None:
    result = nps(values)
    assert result is not None and -100.0 <= result <= 100.0


@given(st.integers(min_value=1, max_value=50))
def test_all_tens_is_100_and_all_zeros_is_minus_100(n: int) -> None:
    assert nps([10] * n) == 100.0
    assert nps([0] * n) == -100.0


@given(st.lists(scores, min_size=1))
def test_average_is_within_the_scale(values: list[int]) -> None:
    result = average(values)
    assert result is not None and min(values) <= result <= max(values)


@dataclass
class _Answer:
    recommend: int
    knowledge: int
    resolved: int


@given(st.lists(st.builds(_Answer, scores, scores, scores)))
def test_summary_matches_its_parts(answers: list[_Answer]) -> None:
    result = summary(answers)
    assert result["count"] == len(answers)
    assert result["nps"] == nps(a.recommend for a in answers)
    assert result["knowledge"] == average(a.knowledge for a in answers)
    assert result["resolved"] == average(a.resolved for a in answers)
