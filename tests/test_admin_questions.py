"""The extra-questions screens of a category and its form preview.

Roles, each change, bad input, and old answers still shown after retiring.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from flask_citizencare.models import AuditEntry, Category
from flask_citizencare.services import questions as service
from flask_citizencare.services.errors import ActionRefused

from .factories import create_report
from .host import host_db
from .staff import Team, actor_for, case_path, client_for

EN = {"Accept-Language": "en"}
NO_VALUES = "A list question needs at least one value that is not retired."
NO_DEFAULT = "Write the text in Italian, the default language."
LAMP_QUESTIONS: list[dict[str, Any]] = [
    {"key": "pole", "type": "string", "label": {"it": "Numero del palo", "en": "Pole number"},
     "required": False, "retired": False},
    {
        "key": "problem",
        "type": "singlevaluelist",
        "label": {"it": "Che cosa succede?"},
        "required": True,
        "choices": [
            {"value": "spento", "label": {"it": "Spento", "en": "Light out"}, "retired": False},
            {"value": "acceso", "label": {"it": "Acceso di giorno"}, "retired": False},
        ],
        "retired": False,
    },
]  # fmt: skip


def base(category_id: int) -> str:
    return f"/citizencare/staff/admin/categories/{category_id}"


@pytest.fixture
def lamps(app: Flask, team: Team) -> int:
    with app.app_context():
        category = host_db.session.get(Category, team.lamps.id)
        assert category is not None
        category.questions = [dict(q) for q in LAMP_QUESTIONS]
        host_db.session.commit()
        host_db.session.remove()
    return team.lamps.id


@pytest.fixture
def marco(app: Flask, team: Team) -> FlaskClient:
    client = client_for(app, team, "marco")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def csrf(client: FlaskClient, url: str) -> str:
    html = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def stored(app: Flask, category_id: int) -> list[dict[str, Any]]:
    with app.app_context():
        category = host_db.session.get(Category, category_id)
        assert category is not None
        questions = list(category.questions)
        host_db.session.remove()
        return questions


def audit_entries(app: Flask, category_id: int) -> list[tuple[str, dict[str, Any]]]:
    with app.app_context():
        rows = [
            (e.action, e.changes)
            for e in host_db.session.scalars(
                sa.select(AuditEntry)
                .where(AuditEntry.subject_type == "category", AuditEntry.subject_id == category_id)
                .order_by(AuditEntry.id)
            )
        ]
        host_db.session.remove()
        return rows


def answer(app: Flask, category_id: int, answers: dict[str, Any]) -> int:
    with app.app_context():
        report = create_report(
            host_db.session, category=host_db.session.get(Category, category_id), answers=answers
        )
        host_db.session.commit()
        report_id = report.id
        host_db.session.remove()
        return report_id


def question_form(client: FlaskClient, url: str, **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"csrf_token": csrf(client, url), "type": "string", "rows": "3", "save": "1"}
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


# --- Roles ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["olga", "tina", "carla"])
def test_only_managers_and_admins_see_and_change_the_questions(
    app: Flask, team: Team, lamps: int, who: str
) -> None:
    client = client_for(app, team, who)
    expected = 403
    for url in ("/questions", "/questions/new", "/questions/pole/edit", "/preview?lang=en"):
        assert client.get(base(lamps) + url).status_code == expected, url
    for url in ("/questions/new", "/questions/pole/edit", "/questions/pole/retire", "/questions/pole/delete"):
        assert client.post(base(lamps) + url, data={"label_it": "x"}).status_code in (400, 403), url
    assert stored(app, lamps) == LAMP_QUESTIONS


@pytest.mark.parametrize("who", ["marco", "ada"])
def test_managers_and_admins_get_the_list_with_the_preview(
    app: Flask, team: Team, lamps: int, who: str
) -> None:
    html = client_for(app, team, who).get(base(lamps) + "/questions", headers=EN).get_data(as_text=True)
    assert "Questions of “Lampioni”" in html
    assert html.index("Pole number") < html.index("Che cosa succede?")
    assert 'id="cc-preview"' in html and "Preview in Italian" in html
    assert f'href="{base(lamps)}/preview"' in html


def test_unknown_and_forged_addresses_are_404(marco: FlaskClient, lamps: int) -> None:
    for url in (
        "/citizencare/staff/admin/categories/999999/questions",
        "/citizencare/staff/admin/categories/99999999999999999999/questions",
        "/citizencare/staff/admin/categories/999999/preview",
        base(lamps) + "/questions/nope/edit",
        base(lamps) + "/questions/BAD%00KEY/edit",
        base(lamps) + "/questions/" + "x" * 500 + "/edit",
    ):
        assert marco.get(url).status_code == 404, url
    token = csrf(marco, base(lamps) + "/questions")
    assert marco.post(base(lamps) + "/questions/nope/retire", data={"csrf_token": token}).status_code == 404
    assert marco.post(base(lamps) + "/questions/pole/explode", data={"csrf_token": token}).status_code in (
        404,
        405,
    )


# --- Changes ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("string", {}),
        ("number", {}),
        ("datetime", {}),
        ("text", {}),
        ("note", {}),
        (
            "multivaluelist",
            {
                "choices": [
                    {"value": "palo", "label": {"it": "Palo", "en": "Pole"}, "retired": False},
                    {"value": "cavi", "label": {"it": "Cavi"}, "retired": False},
                ]
            },
        ),
    ],
)
def test_a_question_of_each_type_is_added_with_its_audit_entry(
    app: Flask, marco: FlaskClient, lamps: int, kind: str, expected: dict[str, Any]
) -> None:
    url = base(lamps) + "/questions/new"
    data = question_form(
        marco,
        url,
        key="Extra_Info ",
        type=kind,
        required="y" if kind != "note" else None,
        label_it="Informazioni",
        label_en="Information",
        help_it="Aiuto",
        choice_0_value="palo",
        choice_0_label_it="Palo",
        choice_0_label_en="Pole",
        choice_1_value="cavi",
        choice_1_label_it="Cavi",
    )
    response = marco.post(url, data=data)
    assert response.status_code == 303, response.get_data(as_text=True)
    assert response.headers["Location"].endswith(base(lamps) + "/questions#cc-preview")
    added = stored(app, lamps)[-1]
    assert added == {
        "key": "extra_info",
        "type": kind,
        "label": {"it": "Informazioni", "en": "Information"},
        "help": {"it": "Aiuto"},
        "required": kind != "note",
        **expected,
        "retired": False,
    } or (kind == "note" and added["required"] is False)
    action, changes = audit_entries(app, lamps)[-1]
    assert action == "add_question"
    assert changes["questions"][0] == LAMP_QUESTIONS and changes["questions"][1][-1] == added
    page = marco.get(base(lamps) + "/questions").get_data(as_text=True)
    assert "Informazioni" in page and "History of changes" in page


def test_list_values_are_relabelled_added_retired_and_removed(
    app: Flask, marco: FlaskClient, lamps: int
) -> None:
    url = base(lamps) + "/questions/problem/edit"
    html = marco.get(url).get_data(as_text=True)
    assert 'value="spento"' in html and "readonly" in html and 'value="Light out"' in html
    data = question_form(
        marco,
        url,
        type="singlevaluelist",
        required="y",
        label_it="Che cosa succede al lampione?",
        label_ca="Què passa?",
        rows="5",
        choice_0_value="spento",
        choice_0_label_it="Spento del tutto",
        choice_0_retired="y",
        choice_1_value="acceso",
        choice_1_label_it="Acceso di giorno",
        choice_1_remove="y",
        choice_2_value="lampeggia",
        choice_2_label_it="Lampeggia",
        key="forged_key",  # the key of a saved question never changes: the field is ignored
    )
    assert marco.post(url, data=data).status_code == 303
    problem = stored(app, lamps)[1]
    assert problem["key"] == "problem" and problem["label"] == {
        "it": "Che cosa succede al lampione?",
        "ca": "Què passa?",
    }
    assert problem["choices"] == [
        {"value": "spento", "label": {"it": "Spento del tutto"}, "retired": True},
        {"value": "lampeggia", "label": {"it": "Lampeggia"}, "retired": False},
    ]
    assert audit_entries(app, lamps)[-1][0] == "update_question"


def test_removing_a_used_value_is_refused_and_offers_retiring(
    app: Flask, marco: FlaskClient, lamps: int
) -> None:
    answer(app, lamps, {"problem": "acceso"})
    url = base(lamps) + "/questions/problem/edit"
    assert "Chosen in 1 report." in marco.get(url).get_data(as_text=True)
    data = question_form(
        marco,
        url,
        type="singlevaluelist",
        label_it="Che cosa succede?",
        rows="3",
        choice_0_value="spento",
        choice_0_label_it="Spento",
        choice_1_value="acceso",
        choice_1_label_it="Acceso di giorno",
        choice_1_remove="y",
    )
    response = marco.post(url, data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "The value acceso cannot be removed: 1 report chose it. Retire it instead" in html
    assert 'href="#choice_1_value"' in html
    assert stored(app, lamps) == LAMP_QUESTIONS and audit_entries(app, lamps) == []
    data.pop("choice_1_remove")
    data["choice_1_retired"] = "y"
    assert marco.post(url, data=data).status_code == 303
    assert stored(app, lamps)[1]["choices"][1]["retired"] is True


@pytest.mark.parametrize(
    ("fields", "message", "field"),
    [
        ({"type": "singlevaluelist"}, NO_VALUES, "choice_0_value"),
        ({"type": "multivaluelist", "choice_0_value": "a", "choice_0_label_it": "A", "choice_0_retired": "y"},
         NO_VALUES, "choice_0_value"),
        ({"key": "pole"}, "Another question already has the key pole.", "key"),
        ({"type": "singlevaluelist", "choice_0_value": "a", "choice_0_label_it": "A", "choice_1_value": "a",
          "choice_1_label_it": "B"}, "The list has the value a twice.", "choice_1_value"),
        ({"label_it": "", "label_en": "Only English"}, NO_DEFAULT, "label_it"),
        ({"label_it": "   "}, "Write the text in Italian, the default language.", "label_it"),
        ({"type": "checkbox"}, "Choose a type from the list.", "type"),
        ({"key": "Bad Key!"}, "The key must be at most 64 lowercase letters", "key"),
        ({"key": ""}, "The key must be at most 64 lowercase letters", "key"),
        ({"label_it": "x" * 301}, "The text can be at most 300 characters long.", "label_it"),
        ({"type": "singlevaluelist", "choice_0_value": "", "choice_0_label_it": "Senza codice"},
         "A list value must be at most 64", "choice_0_value"),
        ({"type": "singlevaluelist", "choice_0_value": "ok", "choice_0_label_it": ""},
         "Write the text in Italian, the default language.", "choice_0_label_it"),
    ],
)  # fmt: skip
def test_bad_questions_are_refused_on_their_field(
    app: Flask, marco: FlaskClient, lamps: int, fields: dict[str, Any], message: str, field: str
) -> None:
    url = base(lamps) + "/questions/new"
    data = question_form(marco, url, **{"key": "new_one", "label_it": "Nuova", **fields})
    response = marco.post(url, data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400, html
    assert re.search(rf'<a href="#{field}">[^<]*{re.escape(message)}', html), html
    assert stored(app, lamps) == LAMP_QUESTIONS and audit_entries(app, lamps) == []


@pytest.mark.parametrize("value", ["a\x00b", "9" * 100_000])
def test_nul_bytes_and_huge_input_change_nothing(
    app: Flask, marco: FlaskClient, lamps: int, value: str
) -> None:
    url = base(lamps) + "/questions/new"
    for name in ("key", "label_it", "help_en", "choice_0_value", "choice_0_label_en", "type"):
        fields = {"key": "new_one", "label_it": "Nuova", "type": "singlevaluelist", "choice_0_value": "a"}
        data = question_form(marco, url, **{**fields, "choice_0_label_it": "A", name: value})
        assert marco.post(url, data=data).status_code in (400, 413), name
    assert stored(app, lamps) == LAMP_QUESTIONS


def test_more_rows_adds_empty_rows_without_saving(app: Flask, marco: FlaskClient, lamps: int) -> None:
    url = base(lamps) + "/questions/new"
    data = question_form(marco, url, key="k", label_it="K", more="1")
    data.pop("save")
    html = marco.post(url, data=data).get_data(as_text=True)
    assert 'id="choice_5_value"' in html and 'id="choice_6_value"' not in html
    assert 'name="rows" type="hidden" value="6"' in html
    assert stored(app, lamps) == LAMP_QUESTIONS


def test_move_retire_restore_and_delete(app: Flask, marco: FlaskClient, lamps: int) -> None:
    token = csrf(marco, base(lamps) + "/questions")

    def change(key: str, what: str) -> Any:
        return marco.post(f"{base(lamps)}/questions/{key}/{what}", data={"csrf_token": token})

    assert change("problem", "up").status_code == 303
    assert [q["key"] for q in stored(app, lamps)] == ["problem", "pole"]
    assert change("problem", "up").status_code == 303  # already first: nothing moves
    assert change("problem", "down").status_code == 303
    assert [q["key"] for q in stored(app, lamps)] == ["pole", "problem"]
    assert change("pole", "retire").status_code == 303
    assert stored(app, lamps)[0]["retired"] is True
    assert "Numero del palo" not in marco.get("/citizencare/new", headers={"Accept-Language": "it"}).get_data(
        as_text=True
    )
    assert change("pole", "restore").status_code == 303
    assert stored(app, lamps)[0]["retired"] is False
    assert change("pole", "delete").status_code == 303
    assert [q["key"] for q in stored(app, lamps)] == ["problem"]
    actions = [a for a, _c in audit_entries(app, lamps)]
    assert actions == [
        "reorder_questions",
        "reorder_questions",
        "retire_question",
        "restore_question",
        "delete_question",
    ]
    assert marco.post(f"{base(lamps)}/questions/problem/retire").status_code == 400  # no CSRF token


def test_an_answered_question_cannot_be_deleted_and_old_answers_keep_their_labels(
    app: Flask, team: Team, marco: FlaskClient, lamps: int
) -> None:
    report_id = answer(app, lamps, {"problem": "acceso", "pole": "00123"})
    token = csrf(marco, base(lamps) + "/questions")
    page = marco.get(base(lamps) + "/questions").get_data(as_text=True)
    assert f"{base(lamps)}/questions/problem/delete" not in page  # no delete button for answered ones
    response = marco.post(f"{base(lamps)}/questions/problem/delete", data={"csrf_token": token})
    assert response.status_code == 409
    assert "cannot be deleted: 1 report answered it. Retire it instead." in response.get_data(as_text=True)
    assert stored(app, lamps) == LAMP_QUESTIONS
    # Retire the question and its value: the case still shows both labels.
    url = base(lamps) + "/questions/problem/edit"
    data = question_form(
        marco, url, type="singlevaluelist", label_it="Che cosa succede?", rows="2",
        choice_0_value="spento", choice_0_label_it="Spento",
        choice_1_value="acceso", choice_1_label_it="Acceso di giorno", choice_1_retired="y",
    )  # fmt: skip
    assert marco.post(url, data=data).status_code == 303
    assert (
        marco.post(f"{base(lamps)}/questions/problem/retire", data={"csrf_token": token}).status_code == 303
    )
    case = client_for(app, team, "olga").get(case_path(app, report_id), headers=EN)
    html = case.get_data(as_text=True)
    assert (
        "Che cosa succede?" in html and "<dd>Acceso di giorno</dd>" in html and "(question retired)" in html
    )
    assert "<dt>Pole number</dt><dd>00123</dd>" in html


def test_the_service_refuses_a_key_change_and_another_role(app: Flask, team: Team, lamps: int) -> None:
    data = service.QuestionInput(
        key="pole_number", type="string", labels={"it": "Palo"}, helps={}, required=False
    )
    with app.test_request_context(headers={"Accept-Language": "en"}):
        with pytest.raises(service.QuestionsRefused) as refused:
            service.save_question(actor_for(team, "marco"), lamps, data, "pole")
        assert "The key pole cannot change" in refused.value.message
        with pytest.raises(ActionRefused) as forbidden:
            service.save_question(actor_for(team, "olga"), lamps, data, None)
        assert forbidden.value.status_code == 403
        many = [{"key": f"q{i}", "type": "string", "label": "x"} for i in range(10_000)]
        category = host_db.session.get(Category, lamps)
        assert category is not None
        category.questions = many
        host_db.session.flush()
        with pytest.raises(service.QuestionsRefused) as too_many:
            service.save_question(actor_for(team, "marco"), lamps, data, None)
        assert "at most 100 questions" in too_many.value.message
        host_db.session.rollback()
    assert stored(app, lamps) == LAMP_QUESTIONS


# --- Preview ------------------------------------------------------------------------------------------


def test_preview_shows_the_real_fields_marks_fallbacks_and_cannot_be_sent(
    marco: FlaskClient, lamps: int
) -> None:
    url = base(lamps) + "/preview"
    english = marco.get(url + "?lang=en").get_data(as_text=True)
    preview = english[english.index('id="cc-preview"') :]
    assert 'lang="en"' in preview
    assert "Pole number" in preview and "Light out" in preview
    assert re.search(r"Che cosa succede\?.*not translated: shown in Italian", preview, re.S)
    assert re.search(r"Acceso di giorno.*not translated: shown in Italian", preview, re.S)
    assert re.search(r'<select[^>]*id="q_\d+_problem"', preview)
    assert "<form" not in preview and re.search(r"<button[^>]*disabled", preview)
    assert "Lampioni" in preview  # the category's name, in Italian: no English name
    italian = marco.get(url + "?lang=it").get_data(as_text=True)
    assert "not translated" not in italian[italian.index('id="cc-preview"') :]
    unknown = marco.get(url + "?lang=xx").get_data(as_text=True)
    assert "Preview in Italian" in unknown
    inline = marco.get(base(lamps) + "/questions?lang=en").get_data(as_text=True)
    assert "Preview in English" in inline and "not translated: shown in Italian" in inline


def test_a_broken_stored_question_is_named_when_it_blocks_a_save(
    app: Flask, marco: FlaskClient, lamps: int
) -> None:
    broken = [*LAMP_QUESTIONS, {"key": "only_en", "type": "string", "label": {"en": "English only"}}]
    with app.app_context():
        category = host_db.session.get(Category, lamps)
        assert category is not None
        category.questions = broken
        host_db.session.commit()
        host_db.session.remove()
    url = base(lamps) + "/questions/new"
    response = marco.post(url, data=question_form(marco, url, key="new_one", label_it="Nuova"))
    assert response.status_code == 400
    assert "Question 3 (only_en): Write the text in Italian, the default language." in response.get_data(
        as_text=True
    )
    assert stored(app, lamps) == broken
