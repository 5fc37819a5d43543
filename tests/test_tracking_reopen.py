"""The tracking page keeps the resolution mail's promise: writing there reopens a recently resolved case.

The mail says "if the problem is not solved, reply or write on the tracking page
within N days and the case will be reopened"; the tracking page says and does
the same (the rule is one, :mod:`flask_citizencare.services.reopening`, shared
with the reply by mail), and it offers the satisfaction survey while the case is
finished and not yet rated.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import Flask

from flask_citizencare.domain.lifecycle import Action, Role, Status
from flask_citizencare.models import Message, OutboxMail, Report, StatusEvent
from flask_citizencare.services.surveys import answer_survey

from .factories import create_report
from .host import host_db
from .reporting import form_tokens
from .staff import Team
from .test_ingest import act, load, new_report, resolved_by_tina

EN = {"Accept-Language": "en"}


def tracking_url(app: Flask, report_id: int) -> str:
    with app.app_context():
        return f"/citizencare/track/{load(report_id).tracking_token}"


def write(app: Flask, report_id: int, text: str) -> int:
    client = app.test_client()
    url = tracking_url(app, report_id)
    answer = client.post(url, data={**form_tokens(client, url), "text": text}, headers=EN)
    return answer.status_code


def page(app: Flask, report_id: int) -> str:
    return app.test_client().get(tracking_url(app, report_id), headers=EN).get_data(as_text=True)


def test_writing_on_a_recently_resolved_case_reopens_it_to_the_resolver(mail_app: Flask, team: Team) -> None:
    with mail_app.test_request_context():
        report_id = resolved_by_tina(team)
    html = page(mail_app, report_id)
    assert 'id="cc-not-fixed"' in html and "Is the problem not solved?" in html
    assert "the report will be reopened and go back to the office" in html
    assert "Send and reopen the report" in html
    assert 'id="cc-survey-invite"' in html and "/citizencare/survey/" in html

    assert write(mail_app, report_id, "La buca è ancora lì, più grande di prima.") == 303
    with mail_app.app_context():
        report = load(report_id)
        assert report.status == Status.IN_PROGRESS.value
        assert report.assignee_id == team.members["tina"].id == report.resolver_id
        assert report.resolved_at is None and report.resolve_due_at is not None
        event = [e for e in report.events if e.action != "message"][-1]
        assert (event.action, event.from_status, event.to_status) == ("reopen", "resolved", "in_progress")
        assert (event.actor_kind, event.note) == ("citizen", "La buca è ancora lì, più grande di prima.")
        [message] = [m for m in report.messages if m.author_kind == "reporter"]
        assert (message.visibility, message.author_kind, message.source) == ("private", "reporter", "web")

    html = page(mail_app, report_id)
    assert 'id="cc-reopened"' in html and "You reopened this report on" in html
    assert 'id="cc-not-fixed"' not in html and "Add information" in html
    assert 'id="cc-survey-invite"' not in html  # an open case is not rated


def test_writing_long_after_the_resolution_only_adds_the_message(mail_app: Flask, team: Team) -> None:
    with mail_app.test_request_context():
        report_id = resolved_by_tina(team)
        report = load(report_id)
        report.resolved_at -= timedelta(days=31)
        host_db.session.commit()
    html = page(mail_app, report_id)
    assert 'id="cc-not-fixed"' not in html and "Add information" in html
    assert write(mail_app, report_id, "Ancora rotta.") == 303
    with mail_app.app_context():
        report = load(report_id)
        assert report.status == Status.RESOLVED.value
        assert [m.body for m in report.messages if m.author_kind == "reporter"] == ["Ancora rotta."]


def test_the_reopening_window_follows_the_setting(mail_app: Flask, team: Team) -> None:
    mail_app.config["CITIZENCARE_REOPEN_DAYS"] = 5
    with mail_app.test_request_context():
        report_id = resolved_by_tina(team)
        report = load(report_id)
        report.resolved_at -= timedelta(days=6)
        host_db.session.commit()
    assert write(mail_app, report_id, "Non va.") == 303
    with mail_app.app_context():
        assert load(report_id).status == Status.RESOLVED.value


def test_a_closed_case_is_not_reopened_from_the_page_but_can_be_rated(mail_app: Flask, team: Team) -> None:
    with mail_app.test_request_context():
        report_id = resolved_by_tina(team)
        act(team, "olga", Role.OPERATOR, report_id, Action.CLOSE)
    html = page(mail_app, report_id)
    assert 'id="cc-not-fixed"' not in html and 'id="cc-survey-invite"' in html
    assert write(mail_app, report_id, "Grazie.") == 303
    with mail_app.app_context():
        assert load(report_id).status == Status.CLOSED.value


def test_a_rated_case_no_longer_offers_the_survey(mail_app: Flask, team: Team) -> None:
    with mail_app.test_request_context():
        report_id = resolved_by_tina(team)
        answer_survey(load(report_id), 9, 9, 9, None)
    assert 'id="cc-survey-invite"' not in page(mail_app, report_id)


def test_an_open_case_offers_neither(mail_app: Flask, team: Team) -> None:
    with mail_app.test_request_context():
        report_id = new_report(team)
    html = page(mail_app, report_id)
    assert (
        'id="cc-not-fixed"' not in html
        and 'id="cc-survey-invite"' not in html
        and 'id="cc-reopened"' not in html
    )


def test_reopening_from_the_page_shares_the_daily_limit_with_the_mail(mail_app: Flask, team: Team) -> None:
    mail_app.config["CITIZENCARE_REOPEN_PER_DAY"] = 1
    with mail_app.test_request_context():
        report_id = resolved_by_tina(team)
    assert write(mail_app, report_id, "Non è risolto.") == 303
    with mail_app.test_request_context():
        act(team, "tina", Role.TECHNICIAN, report_id, Action.RESOLVE, public_reply="Ora sì.")
    assert 'id="cc-not-fixed"' not in page(mail_app, report_id)
    assert write(mail_app, report_id, "Ancora no.") == 303
    with mail_app.app_context():
        assert load(report_id).status == Status.RESOLVED.value
        reopenings = host_db.session.scalar(
            sa.select(sa.func.count()).select_from(StatusEvent).where(StatusEvent.action == "reopen")
        )
        assert reopenings == 1
        reporter_messages = sa.select(sa.func.count()).where(Message.author_kind == "reporter")
        assert host_db.session.scalar(reporter_messages) == 2


def test_the_resolution_mail_names_the_days_the_page_honours(mail_app: Flask, team: Team) -> None:
    mail_app.config["CITIZENCARE_REOPEN_DAYS"] = 12
    with mail_app.test_request_context():
        with host_db.session.no_autoflush:
            category = host_db.session.get(type(team.potholes), team.potholes.id)
            report = create_report(
                host_db.session(),
                category=category,
                received_at=datetime.now(UTC),
                contact={"email": "anna@example.org", "locale": "en"},
            )
        host_db.session.commit()
        report_id = report.id
        act(team, "olga", Role.OPERATOR, report_id, Action.ASSIGN, assignee_id=team.members["tina"].id)
        act(team, "tina", Role.TECHNICIAN, report_id, Action.RESOLVE, public_reply="Done.")
        mails = host_db.session.scalars(sa.select(OutboxMail).where(OutboxMail.template == "resolved")).all()
    [mail] = mails
    assert "within 12 days and the case will be reopened" in mail.body_text
    assert "within 12 days and the case will be reopened" in (mail.body_html or "")


def test_the_report_row_is_untouched_when_the_text_is_refused(mail_app: Flask, team: Team) -> None:
    with mail_app.test_request_context():
        report_id = resolved_by_tina(team)
        before = load(report_id).version
    assert write(mail_app, report_id, "   ") == 400
    with mail_app.app_context():
        report: Report = load(report_id)
        assert (report.status, report.version) == (Status.RESOLVED.value, before)


def test_the_page_speaks_italian_by_default(mail_app: Flask, team: Team) -> None:
    with mail_app.test_request_context():
        report_id = resolved_by_tina(team)
    html = mail_app.test_client().get(tracking_url(mail_app, report_id)).get_data(as_text=True)
    assert "Il problema non è risolto?" in html and "Invia e riapri la segnalazione" in html
    assert "Dicci com'è andata, basta un minuto" in html or "Dicci com&#39;è andata, basta un minuto" in html
