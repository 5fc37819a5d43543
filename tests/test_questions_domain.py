"""The extra-question rules (flask_citizencare.domain.questions): plain Python, no app, no database."""

from __future__ import annotations

from typing import Any

import pytest

from flask_citizencare.domain.questions import (
    MAX_QUESTIONS,
    AnswerError,
    Question,
    QuestionsError,
    Usage,
    answer_text,
    compare,
    localized,
    on_form,
    parse_answer,
    parse_questions,
    read_questions,
    shown_answers,
    to_json,
)


def lamp_questions() -> list[dict[str, Any]]:
    return [
        {"key": "pole_number", "type": "string", "label": {"it": "Numero del palo", "en": "Pole number"}},
        {
            "key": "problem",
            "type": "singlevaluelist",
            "label": {"it": "Che cosa succede?"},
            "help": {"it": "Scegli il caso più vicino", "ca": "Tria el cas"},
            "required": True,
            "choices": [
                {"value": "spento", "label": {"it": "Spento", "en": "Light out"}},
                {"value": "acceso", "label": {"it": "Acceso di giorno"}, "retired": True},
                {"value": "rotto", "label": {"it": "Rotto"}},
            ],
        },
        {"key": "height", "type": "number", "label": "Altezza (m)"},
        {"key": "since", "type": "datetime", "label": {"it": "Da quando"}},
        {"key": "notes", "type": "text", "label": {"it": "Note"}},
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
        {"key": "info", "type": "note", "label": {"it": "In caso di pericolo chiama il 112"}},
        {"key": "old", "type": "string", "label": {"it": "Vecchia domanda"}, "retired": True},
    ]


def parsed() -> tuple[Question, ...]:
    return parse_questions(lamp_questions(), "it")


def by_key(key: str) -> Question:
    return next(q for q in parsed() if q.key == key)


def codes(value: Any) -> list[tuple[str, str]]:
    with pytest.raises(QuestionsError) as caught:
        parse_questions(value, "it")
    return [(p.code, p.where) for p in caught.value.problems]


# --- Reading ----------------------------------------------------------------------------------------


def test_every_type_is_read_and_written_back_the_same() -> None:
    questions = parsed()
    assert [q.type for q in questions] == [
        "string", "singlevaluelist", "number", "datetime", "text", "multivaluelist", "note", "string",
    ]  # fmt: skip
    assert parse_questions(to_json(questions), "it") == questions
    assert to_json(questions)[2]["label"] == {"it": "Altezza (m)"}  # a plain string: the default language
    assert [q.key for q in on_form(questions)] == [q.key for q in questions][:-1]
    assert [c.value for c in by_key("problem").active_choices] == ["spento", "rotto"]


def test_legacy_choice_and_plain_labels_are_read() -> None:
    legacy = [
        {
            "key": "lane",
            "label": "Corsia",
            "type": "choice",
            "required": True,
            "choices": [{"value": "road", "label": "Carreggiata"}],
        },
        {"key": "depth", "label": {"it": "Profondità"}, "type": "text"},
    ]
    questions = parse_questions(legacy, "it")
    assert questions[0].type == "singlevaluelist" and questions[0].labels == {"it": "Corsia"}
    assert questions[0].choices[0].labels == {"it": "Carreggiata"}
    assert questions[1].type == "text"
    assert read_questions(legacy, "it") == questions


def test_texts_fall_back_to_the_default_language_and_say_so() -> None:
    question = by_key("problem")
    assert question.label("en", "it").fallback and question.label("en", "it").text == "Che cosa succede?"
    assert not question.label("it", "it").fallback
    help_ca = question.help("ca", "it")
    assert help_ca is not None and help_ca.text == "Tria el cas" and not help_ca.fallback
    assert by_key("pole_number").help("en", "it") is None
    spento = question.choices[0]
    assert spento.label("en", "it").text == "Light out" and not spento.label("en", "it").fallback
    assert question.choices[2].label("ca", "it").fallback
    assert localized({}, "en", "it", "key").text == "key"


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda q: q[1].update(choices=[]), ("no_values", "questions[1].choices")),
        (lambda q: q[1].pop("choices"), ("no_values", "questions[1].choices")),
        (
            lambda q: q[1].update(choices=[{"value": "a", "label": "A", "retired": True}]),
            ("no_values", "questions[1].choices"),
        ),
        (lambda q: q[2].update(key="pole_number"), ("duplicate_key", "questions[2].key")),
        (
            lambda q: q[1]["choices"].append({"value": "spento", "label": "Di nuovo"}),
            ("duplicate_value", "questions[1].choices[3].value"),
        ),
        (lambda q: q[0].update(label={"en": "Pole"}), ("label_missing", "questions[0].label.it")),
        (lambda q: q[0].update(label={"it": "   "}), ("label_missing", "questions[0].label.it")),
        (lambda q: q[0].update(label=""), ("label_missing", "questions[0].label.it")),
        (lambda q: q[0].update(type="checkbox"), ("unknown_type", "questions[0].type")),
        (lambda q: q[0].update(key="Pole Number"), ("bad_key", "questions[0].key")),
        (lambda q: q[0].update(key="x" * 65), ("bad_key", "questions[0].key")),
        (lambda q: q[0].update(key="a\x00b"), ("bad_key", "questions[0].key")),
        (lambda q: q[0].update(label={"it": "a\x00b"}), ("nul", "questions[0].label.it")),
        (lambda q: q[0].update(label={"it": "x" * 301}), ("too_long", "questions[0].label.it")),
        (lambda q: q[0].update(label={"it": "a\nb"}), ("control", "questions[0].label.it")),
        (lambda q: q[0].update(required="yes"), ("not_flag", "questions[0].required")),
        (lambda q: q[0].update(colour="red"), ("unknown_field", "questions[0].colour")),
        (
            lambda q: q[0].update(choices=[{"value": "a", "label": "A"}]),
            ("choices_not_list_type", "questions[0].choices"),
        ),
        (lambda q: q[0].update(label={"xx-!": "?", "it": "ok"}), ("language", "questions[0].label.xx-!")),
        (
            lambda q: q[1]["choices"][0].update(value="Spento!"),
            ("bad_value", "questions[1].choices[0].value"),
        ),
        (lambda q: q.append("not an object"), ("not_object", "questions[8]")),
    ],
)
def test_bad_lists_are_refused_with_where(change: Any, problem: tuple[str, str]) -> None:
    questions = lamp_questions()
    change(questions)
    assert problem in codes(questions)


def test_huge_lists_are_refused_without_reading_them() -> None:
    many = [{"key": f"q{i}", "type": "string", "label": "x"} for i in range(10_000)]
    assert codes(many) == [("too_many_questions", "questions")]
    values = [{"value": f"v{i}", "label": "x"} for i in range(10_000)]
    assert codes([{"key": "a", "type": "multivaluelist", "label": "A", "choices": values}]) == [
        ("too_many_choices", "questions[0].choices")
    ]
    assert codes({"key": "a"}) == [("not_list", "questions")]
    assert len(parse_questions(many[:MAX_QUESTIONS], "it")) == MAX_QUESTIONS


def test_stored_questions_that_cannot_be_read_are_left_out_when_showing() -> None:
    stored = [*lamp_questions(), "junk", {"label": "no key"}, {"key": "BAD KEY", "label": "x"}]
    assert [q.key for q in read_questions(stored, "it")] == [q["key"] for q in lamp_questions()]
    assert read_questions(None, "it") == ()


# --- Answers ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "raw", "value"),
    [
        ("pole_number", ["  00123 "], "00123"),
        ("pole_number", [""], None),
        ("height", ["12"], 12),
        ("height", ["3,5"], 3.5),
        ("height", ["-0.25"], -0.25),
        ("height", ["999999999999"], 999999999999),
        ("height", ["1.000000"], 1),
        ("since", ["2024-03-01T14:30"], "2024-03-01T14:30"),
        ("since", ["2024-03-01 14:30:15"], "2024-03-01T14:30"),
        ("notes", ["riga 1\r\nriga 2"], "riga 1\nriga 2"),
        ("problem", ["rotto"], "rotto"),
        ("parts", ["lampada", "palo", "lampada"], ["palo", "lampada"]),
        ("parts", [], None),
        ("info", ["anything"], None),
    ],
)
def test_answers_are_parsed_per_type(key: str, raw: list[str], value: Any) -> None:
    assert parse_answer(by_key(key), raw) == value


@pytest.mark.parametrize(
    ("key", "raw", "code"),
    [
        ("problem", [""], "required"),
        ("problem", [], "required"),
        ("problem", ["acceso"], "choice"),  # retired: no longer on offer
        ("problem", ["nessuno"], "choice"),
        ("parts", ["cavi"], "choice"),
        ("parts", ["palo", "x"], "choice"),
        ("height", ["abc"], "number"),
        ("height", ["nan"], "number"),
        ("height", ["inf"], "number"),
        ("height", ["1e309"], "number"),
        ("height", ["1e3"], "number"),
        ("height", ["9" * 20], "number"),
        ("height", ["1000000000000"], "number_range"),
        ("height", ["-1000000000000"], "number_range"),
        ("height", ["1.1234567"], "number_decimals"),
        ("height", ["1,2,3"], "number"),
        ("since", ["yesterday"], "datetime"),
        ("since", ["2024-02-30T10:00"], "datetime"),
        ("since", ["2024-03-01T25:00"], "datetime"),
        ("since", ["0001-01-01T00:00"], "datetime_range"),
        ("since", ["9999-12-31T23:59"], "datetime_range"),
        ("pole_number", ["x" * 301], "too_long"),
        ("pole_number", ["a\x00b"], "control"),
        ("pole_number", ["a\nb"], "control"),
        ("notes", ["x" * 2001], "too_long"),
        ("notes", ["a\x07b"], "control"),
    ],
)
def test_bad_answers_are_refused(key: str, raw: list[str], code: str) -> None:
    with pytest.raises(AnswerError) as caught:
        parse_answer(by_key(key), raw)
    assert caught.value.code == code


def test_answers_show_their_labels_even_retired_and_unknown_keys_by_key() -> None:
    questions = parsed()
    answers = {
        "problem": "acceso",  # a retired value
        "parts": ["palo", "cavi"],
        "old": "risposta di allora",  # a retired question
        "since": "2024-03-01T14:30",
        "height": 3.5,
        "gone": "boh",  # no question has this key any more
        "odd": "spento_x",
    }
    shown = {a.key: a for a in shown_answers(questions, answers, "en", "it")}
    assert shown["problem"].label == "Che cosa succede?" and shown["problem"].text == "Acceso di giorno"
    assert shown["parts"].text == "Palo, Cavi"
    assert shown["old"].label == "Vecchia domanda" and shown["old"].retired
    assert shown["since"].text == "2024-03-01 14:30"
    assert shown["height"].text == "3.5"
    assert shown["gone"].label == "gone" and not shown["gone"].known
    assert [a.key for a in shown_answers(questions, answers, "en", "it")][-2:] == ["gone", "odd"]
    assert answer_text(by_key("problem"), "unknown", "it", "it") == "unknown"
    assert shown_answers(questions, None, "it", "it") == []


# --- Changes ----------------------------------------------------------------------------------------


def used() -> Usage:
    return Usage.of(
        [
            {"problem": "spento", "parts": ["palo"], "old": "x"},
            {"problem": "spento", "pole_number": ""},
            None,
            {},
        ]
    )


def test_usage_counts_answers_and_values() -> None:
    usage = used()
    assert usage.uses("problem") == 2 and usage.uses("pole_number") == 0
    assert usage.uses_value("problem", "spento") == 2 and usage.uses_value("parts", "palo") == 1


def test_a_used_question_or_value_cannot_be_deleted_only_retired() -> None:
    old = parsed()
    without = tuple(q for q in old if q.key != "old")
    assert [p.code for p in compare(old, without, used()).problems] == ["question_in_use"]
    unused_gone = tuple(q for q in old if q.key != "pole_number")
    result = compare(old, unused_gone, used())
    assert result.problems == () and result.removed == ("pole_number",)

    questions = lamp_questions()
    questions[1]["choices"] = [c for c in questions[1]["choices"] if c["value"] != "spento"]
    problems = compare(old, parse_questions(questions, "it"), used()).problems
    assert [(p.code, p.params["value"], p.params["count"]) for p in problems] == [
        ("value_in_use", "spento", 2)
    ]

    questions = lamp_questions()
    questions[1]["choices"][0]["retired"] = True
    result = compare(old, parse_questions(questions, "it"), used())
    assert result.problems == () and result.changed == ("problem",)


def test_a_key_cannot_change_nor_the_type_of_an_answered_question() -> None:
    old = parsed()
    questions = lamp_questions()
    questions[0]["key"] = "pole"
    problems = compare(old, parse_questions(questions, "it"), used()).problems
    assert [(p.code, p.params["old"]) for p in problems] == [("key_changed", "pole_number")]

    questions = lamp_questions()
    questions[1]["type"] = "multivaluelist"
    assert [p.code for p in compare(old, parse_questions(questions, "it"), used()).problems] == [
        "type_in_use"
    ]

    questions = lamp_questions()
    questions[7]["type"] = "text"  # string → text keeps the answers readable
    assert compare(old, parse_questions(questions, "it"), used()).problems == ()


def test_adding_and_moving_are_allowed() -> None:
    old = parsed()
    questions = lamp_questions()
    questions.reverse()
    questions.append({"key": "new_one", "type": "number", "label": "Nuova"})
    result = compare(old, parse_questions(questions, "it"), used())
    assert result.problems == () and result.added == ("new_one",)


def test_a_catalogue_file_takes_every_type_and_the_retired_flags() -> None:
    from flask_citizencare.domain.catalogue_file import FORMAT, VERSION, parse_catalogue

    document = {
        "format": FORMAT,
        "version": VERSION,
        "offices": [],
        "categories": [{"code": "lamps", "name": "Lampioni", "questions": lamp_questions()}],
    }
    questions = parse_catalogue(document).categories[0].questions
    assert parse_questions(list(questions), "it") == parsed()


def test_older_keys_with_hyphens_are_read_and_kept_but_never_made_anew() -> None:
    old = [
        {
            "key": "pole-number",
            "type": "choice",
            "label": "Palo",
            "choices": [{"value": "a.b", "label": "A"}],
        }
    ]
    assert [q.key for q in read_questions(old, "it")] == ["pole-number"]
    assert ("bad_key", "questions[0].key") in codes(old)
    kept = parse_questions(old, "it", legacy={"pole-number", "a.b"})
    assert kept[0].key == "pole-number" and kept[0].choices[0].value == "a.b"
