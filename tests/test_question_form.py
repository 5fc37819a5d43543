"""The report form with every extra-question datatype: inputs, help texts, required, bad answers, storage."""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from flask_citizencare.models import Category, Report

from .factories import create_category, create_office, create_report
from .host import host_db
from .reporting import NEW, counts, post_report, submitted
from .staff import Team, case_path, client_for

QUESTIONS: list[dict[str, Any]] = [
    {"key": "pole", "type": "string", "label": {"it": "Numero del palo", "en": "Pole number"}},
    {
        "key": "height",
        "type": "number",
        "label": {"it": "Altezza (m)"},
        "help": {"it": "Anche a occhio", "en": "A guess will do"},
        "required": True,
    },
    {"key": "since", "type": "datetime", "label": {"it": "Da quando"}},
    {"key": "notes", "type": "text", "label": {"it": "Note"}},
    {
        "key": "problem",
        "type": "singlevaluelist",
        "label": {"it": "Che cosa succede?"},
        "required": True,
        "choices": [
            {"value": "spento", "label": {"it": "Spento", "en": "Light out"}},
            {"value": "acceso", "label": {"it": "Acceso di giorno"}, "retired": True},
        ],
    },
    {
        "key": "parts",
        "type": "multivaluelist",
        "label": {"it": "Parti danneggiate"},
        "choices": [
            {"value": "palo", "label": {"it": "Palo"}},
            {"value": "lampada", "label": {"it": "Lampada"}},
            {"value": "cavi", "label": {"it": "Cavi"}, "retired": True},
        ],
    },
    {"key": "info", "type": "note", "label": {"it": "Pericolo? Chiama il 112"}, "help": {"it": "Subito."}},
    {"key": "old", "type": "string", "label": {"it": "Domanda ritirata"}, "retired": True},
]


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"  # the messages checked below are the English ones
    return client


@pytest.fixture
def lamps(app: Flask) -> int:
    with app.app_context():
        office = create_office(host_db.session, code="luce", name="Illuminazione")
        category = create_category(
            host_db.session,
            code="lampioni",
            name="Lampioni",
            names={"en": "Street lights"},
            default_office_id=office.id,
            questions=QUESTIONS,
        )
        host_db.session.commit()
        return category.id


def q(cid: int, key: str) -> str:
    return f"q_{cid}_{key}"


def good(cid: int, **extra: Any) -> dict[str, Any]:
    return {q(cid, "height"): "3,5", q(cid, "problem"): "spento", **extra}


def test_every_type_has_its_input_and_help_is_linked(client: FlaskClient, lamps: int) -> None:
    html = client.get(NEW, headers={"Accept-Language": "it"}).get_data(as_text=True)
    cid = lamps
    assert re.search(rf'<input[^>]*id="{q(cid, "pole")}"[^>]*type="text"', html)
    height = re.search(rf'<input[^>]*id="{q(cid, "height")}"[^>]*>', html)
    assert height and 'inputmode="decimal"' in height.group(0) and 'aria-required="true"' in height.group(0)
    assert f'aria-describedby="{q(cid, "height")}-hint"' in height.group(0)
    assert f'id="{q(cid, "height")}-hint">Anche a occhio' in html
    assert re.search(rf'<input[^>]*id="{q(cid, "since")}"[^>]*type="datetime-local"', html)
    assert re.search(rf'<textarea[^>]*id="{q(cid, "notes")}"', html)
    select = re.search(rf'<select[^>]*id="{q(cid, "problem")}".*?</select>', html, re.S)
    assert select and ">Spento<" in select.group(0) and "Acceso di giorno" not in select.group(0)
    boxes = re.findall(rf'<input class="cc-checkbox" type="checkbox" id="{q(cid, "parts")}-\d+"[^>]*>', html)
    assert len(boxes) == 2 and "cavi" not in html
    assert "Pericolo? Chiama il 112" in html and q(cid, "info") not in html  # a note: no input
    assert "Domanda ritirata" not in html and q(cid, "old") not in html
    english = client.get(NEW, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Pole number" in english and "Light out" in english and "A guess will do" in english
    assert "Altezza (m)" in english  # no English label: the default language's, as before


def test_each_categorys_questions_are_named_in_the_visitors_language(client: FlaskClient, lamps: int) -> None:
    html = client.get(NEW, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert f'data-category="{lamps}">\n  <legend>Only for “Street lights”</legend>' in html
    assert "Pole number" in html


def test_answers_are_stored_by_key_multi_list_as_a_list(app: Flask, client: FlaskClient, lamps: int) -> None:
    cid = lamps
    response = post_report(
        client,
        cid,
        **good(
            cid,
            **{
                q(cid, "pole"): " 00123 ",
                q(cid, "since"): "2024-03-01T14:30",
                q(cid, "notes"): "riga 1\r\nriga 2",
                q(cid, "parts"): ["lampada", "palo"],
                q(cid, "info"): "ignored",
                q(cid, "old"): "ignored too",
            },
        ),
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    assert submitted(app).answers == {
        "pole": "00123",
        "height": 3.5,
        "since": "2024-03-01T14:30",
        "notes": "riga 1\nriga 2",
        "problem": "spento",
        "parts": ["palo", "lampada"],
    }


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"height": ""}, "height", "This answer is required."),
        ({"problem": ""}, "problem", "This answer is required."),
        ({"height": "abc"}, "height", "Enter a number, such as 12 or 3,5."),
        ({"height": "1e309"}, "height", "Enter a number, such as 12 or 3,5."),
        ({"height": "9" * 20}, "height", "Enter a number, such as 12 or 3,5."),
        ({"height": "nan"}, "height", "Enter a number, such as 12 or 3,5."),
        ({"height": "10000000000000"}, "height", "Enter a number smaller than one thousand billion."),
        ({"since": "ieri"}, "since", "Enter a date and time, such as 2024-03-01 14:30."),
        ({"since": "0001-01-01T00:00"}, "since", "Enter a date between the years 1900 and 2999."),
        ({"problem": "acceso"}, "problem", "Choose from the list."),
        ({"parts": ["palo", "cavi"]}, "parts", "Choose from the list."),
        ({"pole": "a\x07b"}, "pole", "Remove the control characters from this text."),
        ({"notes": "x" * 2001}, "notes", "The answer can be at most 2000 characters long."),
    ],
)
def test_bad_answers_are_refused_on_their_field(
    app: Flask, client: FlaskClient, lamps: int, fields: dict[str, Any], field: str, message: str
) -> None:
    cid = lamps
    before = counts(app)
    data = good(cid, **{q(cid, k): v for k, v in fields.items()})
    response = post_report(client, cid, **data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'id="{q(cid, field)}-error"><span>{message}' in html
    assert f'href="#{q(cid, field)}">{message}' in html  # the summary links to the field
    assert counts(app) == before


@pytest.mark.parametrize("field", ["pole", "height", "since", "problem", "parts"])
def test_nul_bytes_and_huge_answers_change_nothing(
    app: Flask, client: FlaskClient, lamps: int, field: str
) -> None:
    before = counts(app)
    assert post_report(client, lamps, **good(lamps, **{q(lamps, field): "1\x00"})).status_code == 400
    assert post_report(client, lamps, **good(lamps, **{q(lamps, field): "9" * 100_000})).status_code in (
        400,
        413,
    )
    assert counts(app) == before


def test_another_categorys_required_questions_do_not_block(
    app: Flask, client: FlaskClient, lamps: int
) -> None:
    with app.app_context():
        other = create_category(host_db.session, code="altro", name="Altro")
        host_db.session.commit()
        other_id = other.id
    assert post_report(client, other_id).status_code == 303
    assert submitted(app).answers == {}


def test_staff_intake_shares_the_question_fields(app: Flask, team: Team, lamps: int) -> None:
    html = client_for(app, team, "olga").get("/citizencare/staff/intake").get_data(as_text=True)
    assert re.search(rf'<input[^>]*id="{q(lamps, "since")}"[^>]*type="datetime-local"', html)
    assert re.search(rf'<input class="cc-checkbox" type="checkbox" id="{q(lamps, "parts")}-1"', html)


def test_case_page_shows_answers_with_their_labels_even_retired(app: Flask, team: Team, lamps: int) -> None:
    with app.app_context():
        category = host_db.session.get(Category, lamps)
        report = create_report(
            host_db.session,
            category=category,
            answers={
                "problem": "acceso",
                "parts": ["cavi", "palo"],
                "old": "di allora",
                "lost": "chiave persa",
            },
        )
        host_db.session.commit()
        report_id = report.id
    html = client_for(app, team, "ada").get(case_path(app, report_id)).get_data(as_text=True)
    assert "<dt>Che cosa succede?</dt><dd>Acceso di giorno</dd>" in html
    assert "<dd>Cavi, Palo</dd>" in html
    assert "Domanda ritirata" in html and "di allora" in html
    assert "<code>lost</code>" in html and "chiave persa" in html
    with app.app_context():
        assert host_db.session.scalar(sa.select(sa.func.count()).select_from(Report)) == 1
