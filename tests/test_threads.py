"""The staff side of the thread: public answers, private messages, internal notes; Markdown kept safe."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from flask_citizencare import signals
from flask_citizencare.domain.markdown import render
from flask_citizencare.models import Message, Report, StatusEvent

from .host import host_db
from .reporting import post_report, submitted
from .staff import Team, case_path, client_for
from .test_triage_http import csrf, snapshot

LINK_REL = 'rel="noopener noreferrer nofollow"'


# --- domain.markdown.render --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("", ""),
        ("Hello", "<p>Hello</p>"),
        ("one\ntwo\n\nthree", "<p>one<br>two</p><p>three</p>"),
        ("**bold** and *italic*", "<p><strong>bold</strong> and <em>italic</em></p>"),
        ("- a\n- b", "<ul><li>a</li><li>b</li></ul>"),
        ("1. a\n2. b", "<ol><li>a</li><li>b</li></ol>"),
        ("[ok](https://example.org)", f'<p><a href="https://example.org" {LINK_REL}>ok</a></p>'),
        (
            "[mail](mailto:urp@comune.example)",
            f'<p><a href="mailto:urp@comune.example" {LINK_REL}>mail</a></p>',
        ),
        ("[x](javascript:alert(1))", "<p>[x](javascript:alert(1))</p>"),
        ("[x](JavaScript:alert(1))", "<p>[x](JavaScript:alert(1))</p>"),
        ("[x](data:text/html,hi)", "<p>[x](data:text/html,hi)</p>"),
        ("<img src=x onerror=alert(1)>", "<p>&lt;img src=x onerror=alert(1)&gt;</p>"),
        ("<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"),
        ('<a href="javascript:alert(1)">x</a>', '<p>&lt;a href="javascript:alert(1)"&gt;x&lt;/a&gt;</p>'),
        (
            '[q](https://e.org/?a=1&b="x")',
            f'<p><a href="https://e.org/?a=1&amp;b=&quot;x&quot;" {LINK_REL}>q</a></p>',
        ),
        ("2*3*4", "<p>2*3*4</p>"),
    ],
)
def test_markdown_renders_a_safe_subset(text: str, html: str) -> None:
    assert str(render(text)) == html


def test_markdown_never_lets_markup_through() -> None:
    from html.parser import HTMLParser

    class Tags(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            self.found.append((tag, attrs))

    nasty = (
        '<b onmouseover=x>hi</b> [a](https://x.org" onclick="y) <svg/onload=alert(1)> **<i>x</i>**\n'
        "- [b](https://x.org/<script>)\n\n<p style=x>[c](mailto:x@y.z)</p>"
    )
    parser = Tags()
    parser.feed(str(render(nasty)))
    assert {tag for tag, _attrs in parser.found} <= {"p", "strong", "ul", "li", "a"}
    for tag, attrs in parser.found:
        names = {name for name, _value in attrs}
        assert names <= ({"href", "rel"} if tag == "a" else set())
        if tag == "a":
            assert (dict(attrs)["href"] or "").startswith(("https://", "mailto:"))


# --- HTTP ----------------------------------------------------------------------------------------


@pytest.fixture
def case(app: Flask, team: Team, client: FlaskClient) -> Report:
    assert post_report(client, team.potholes.id).status_code == 303
    return submitted(app)


def post(client: FlaskClient, report_id: int, **fields: Any):  # type: ignore[no-untyped-def]
    token = csrf(client, case_path(client.application, report_id))
    return client.post(
        f"{case_path(client.application, report_id)}/messages", data={"csrf_token": token, **fields}
    )


def messages(app: Flask, report_id: int) -> list[tuple[str, str, int | None, str]]:
    with app.app_context():
        rows = host_db.session.scalars(
            sa.select(Message).where(Message.report_id == report_id).order_by(Message.id)
        ).all()
        found = [(m.visibility, m.author_kind, m.author_id, m.body) for m in rows]
        host_db.session.remove()
        return found


def test_each_audience_sees_its_messages(app: Flask, team: Team, case: Report, client: FlaskClient) -> None:
    olga = client_for(app, team, "olga")
    posted: list[Any] = []

    def listener(sender: Any, **extra: Any) -> None:
        posted.append((extra["message"].visibility, extra["message"].id, extra["actor"].display_name))

    bodies = {
        "public": "Risposta **pubblica**: vedi [il sito](https://example.org)",
        "private": "Messaggio *privato* al segnalante",
        "internal": "Nota interna: <script>alert(1)</script>",
    }
    with signals.message_posted.connected_to(listener):
        for visibility, body in bodies.items():
            version, events = snapshot(app, case.id)[1], snapshot(app, case.id)[6]
            response = post(olga, case.id, version=version, visibility=visibility, body=body)
            assert response.status_code == 303
            assert response.headers["Location"].endswith(f"{case_path(app, case.id)}#thread")
            after = snapshot(app, case.id)
            assert after[1] > version and after[6] == events + 1  # version bumped, one timeline event

    assert [(p[0], p[2]) for p in posted] == [("public", "Olga"), ("private", "Olga"), ("internal", "Olga")]
    olga_id = team.members["olga"].id
    assert messages(app, case.id) == [(v, "staff", olga_id, b) for v, b in bodies.items()]
    with app.app_context():
        events = host_db.session.scalars(
            sa.select(StatusEvent)
            .where(StatusEvent.report_id == case.id, StatusEvent.action == "message")
            .order_by(StatusEvent.id)
        ).all()
        assert [(e.data["visibility"], e.public, e.actor_id) for e in events] == [
            ("public", True, olga_id),
            ("private", False, olga_id),
            ("internal", False, olga_id),
        ]
        message_ids = [m.id for m in host_db.session.scalars(sa.select(Message).order_by(Message.id))]
        assert [e.data["message"] for e in events] == message_ids == [p[1] for p in posted]
        host_db.session.remove()

    public = client.get(f"/citizencare/reports/{case.public_id}").get_data(as_text=True)
    assert "<strong>pubblica</strong>" in public
    assert f'<a href="https://example.org" {LINK_REL}>il sito</a>' in public
    assert "privato" not in public and "Nota interna" not in public

    tracking = client.get(f"/citizencare/track/{case.tracking_token}").get_data(as_text=True)
    assert "<strong>pubblica</strong>" in tracking and "<em>privato</em>" in tracking
    assert "Nota interna" not in tracking

    staff = olga.get(case_path(app, case.id), headers={"Accept-Language": "en"})
    html = staff.get_data(as_text=True)
    assert "<strong>pubblica</strong>" in html and "<em>privato</em>" in html
    assert "Nota interna: &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html
    assert '<strong class="cc-thread__internal">internal note</strong>' in html


def test_the_technician_of_the_office_may_write_others_may_not(app: Flask, team: Team, case: Report) -> None:
    tina, luca = client_for(app, team, "tina"), client_for(app, team, "luca")
    before = snapshot(app, case.id)
    response = luca.post(
        f"{case_path(app, case.id)}/messages",
        data={
            "csrf_token": csrf(luca, "/citizencare/staff/"),
            "version": before[1],
            "visibility": "internal",
            "body": "x",
        },
    )
    assert response.status_code == 404
    assert snapshot(app, case.id) == before and messages(app, case.id) == []
    assert (
        post(tina, case.id, version=before[1], visibility="internal", body="Sopralluogo").status_code == 303
    )
    assert [m[3] for m in messages(app, case.id)] == ["Sopralluogo"]


def test_a_stale_version_is_refused(app: Flask, team: Team, case: Report) -> None:
    olga, marco = client_for(app, team, "olga"), client_for(app, team, "marco")
    seen = snapshot(app, case.id)[1]
    assert post(olga, case.id, version=seen, visibility="private", body="Primo").status_code == 303
    after_first = snapshot(app, case.id)
    response = post(marco, case.id, version=seen, visibility="public", body="Secondo")
    assert response.status_code == 409
    assert "Olga" in response.get_data(as_text=True)
    assert snapshot(app, case.id) == after_first
    assert [m[3] for m in messages(app, case.id)] == ["Primo"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"visibility": "public", "body": ""}, "Write the message."),
        ({"visibility": "public", "body": "   \n "}, "Write the message."),
        ({"visibility": "public", "body": "x" * 10001}, "at most 10000 characters"),
        ({"visibility": "secret", "body": "x"}, "Choose who can read the message."),
        ({"body": "x"}, "The form was not complete"),
    ],
)
def test_bad_input_answers_400(
    app: Flask, team: Team, case: Report, fields: dict[str, str], message: str
) -> None:
    olga = client_for(app, team, "olga")
    olga.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    before = snapshot(app, case.id)
    response = post(olga, case.id, version=before[1], **fields)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert snapshot(app, case.id) == before and messages(app, case.id) == []


def test_ten_thousand_characters_are_enough(app: Flask, team: Team, case: Report) -> None:
    olga = client_for(app, team, "olga")
    response = post(olga, case.id, version=snapshot(app, case.id)[1], visibility="private", body="x" * 10000)
    assert response.status_code == 303
    assert len(messages(app, case.id)[0][3]) == 10000


def test_missing_csrf_is_refused(app: Flask, team: Team, case: Report) -> None:
    olga = client_for(app, team, "olga")
    before = snapshot(app, case.id)
    response = olga.post(
        f"{case_path(app, case.id)}/messages",
        data={"version": before[1], "visibility": "public", "body": "x"},
    )
    assert response.status_code == 400
    assert snapshot(app, case.id) == before and messages(app, case.id) == []


def test_the_compose_form_reuses_the_canned_replies(app: Flask, team: Team, case: Report) -> None:
    html = client_for(app, team, "olga").get(case_path(app, case.id)).get_data(as_text=True)
    assert f'action="{case_path(app, case.id)}/messages"' in html
    assert 'id="message-body"' in html and 'name="visibility"' in html


def test_public_and_private_messages_are_mailed_to_the_reporter_internal_notes_not(
    app: Flask, team: Team, case: Report
) -> None:
    from flask_citizencare.models import OutboxMail

    olga = client_for(app, team, "olga")
    for visibility in ("public", "private", "internal"):
        version = snapshot(app, case.id)[1]
        assert (
            post(
                olga, case.id, version=version, visibility=visibility, body=f"Testo {visibility}"
            ).status_code
            == 303
        )
    with app.app_context():
        mails = host_db.session.scalars(
            sa.select(OutboxMail).where(OutboxMail.template == "message").order_by(OutboxMail.id)
        ).all()
        bodies = [
            (m.recipient, m.subject, "Testo public" in m.body_text, "Testo private" in m.body_text)
            for m in mails
        ]
        host_db.session.remove()
    subject = f"Nuovo messaggio sulla segnalazione {case.public_id}"
    assert bodies == [
        ("giulia.verdi@example.org", subject, True, False),
        ("giulia.verdi@example.org", subject, False, True),
    ]
