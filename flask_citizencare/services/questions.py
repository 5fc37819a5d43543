"""A category's extra questions as managers keep them: add, edit, move, retire, restore, delete.

Each function is one transaction: it builds the new list, checks it whole
(:func:`~..domain.questions.parse_questions`) and against what reports answered
(:func:`~..domain.questions.compare`), then writes it with its audit entry, or
raises :class:`QuestionsRefused` and changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from ..access import Actor
from ..context import db_session
from ..domain import questions as domain
from ..domain.questions import Problem, Question, QuestionsError, Usage
from ..i18n import LANGUAGE_NAMES, languages, ngettext
from ..i18n import gettext as _
from ..models import Category, Report
from . import audit
from .errors import Forbidden, InvalidInput, NotFound, NotNow
from .transactions import one_transaction

__all__ = [
    "QuestionInput",
    "QuestionsRefused",
    "answer_message",
    "default_language",
    "delete_question",
    "language_names",
    "move_question",
    "problem_message",
    "questions_of",
    "save_question",
    "set_question_retired",
    "shown_answers",
    "usage",
]


class QuestionsRefused(InvalidInput):
    """The change is refused; ``problems`` are ``(where, message)`` pairs.

    ``where`` is relative to the question changed (``label.it``), "" when it is elsewhere.
    """

    def __init__(self, problems: Sequence[tuple[str, str]], status_code: int = 400) -> None:
        super().__init__(" ".join(message for _where, message in problems))
        self.problems = tuple(problems)
        self.status_code = status_code


def default_language() -> str:
    return languages()[0]


def questions_of(category: Category) -> tuple[Question, ...]:
    """The category's questions, retired ones included, as well as they can be read."""
    return domain.read_questions(category.questions or [], default_language())


def shown_answers(report: Report, language: str) -> list[domain.ShownAnswer]:
    """The report's answers with their questions' labels (retired ones too), unknown keys by key."""
    questions = questions_of(report.category) if report.category is not None else ()
    return domain.shown_answers(questions, report.answers or {}, language, default_language())


def usage(category_id: int) -> Usage:
    """What the category's reports answered."""
    rows = db_session().execute(
        sa.select(Report.answers).where(Report.category_id == category_id).execution_options(yield_per=2000)
    )
    return Usage.of(answers for (answers,) in rows)


def language_names() -> dict[str, str]:
    """The offered languages by code, named in the user's language."""
    names = {"it": _("Italian"), "en": _("English"), "ca": _("Catalan")}
    return {code: names.get(code) or LANGUAGE_NAMES.get(code, code) for code in languages()}


def _language_name(code: str) -> str:
    return language_names().get(code, code)


def problem_message(problem: Problem) -> str:
    """The message of one problem in the user's language."""
    p = problem.params
    messages = {
        "not_list": lambda: _("This must be a list."),
        "not_object": lambda: _("Each question and each list value must be an object."),
        "too_many_questions": lambda: _("A category can have at most %(max)d questions.", max=p["max"]),
        "too_many_choices": lambda: _("A list can have at most %(max)d values.", max=p["max"]),
        "unknown_field": lambda: _("%(field)s is not a known field.", field=p["field"]),
        "bad_key": lambda: _(
            "The key must be at most %(max)d lowercase letters, digits and underscores, such as pole_number.",
            max=p["max"],
        ),
        "bad_value": lambda: _(
            "A list value must be at most %(max)d lowercase letters, digits and underscores, "
            "such as light_out.",
            max=p["max"],
        ),
        "duplicate_key": lambda: _("Another question already has the key %(key)s.", key=p["key"]),
        "duplicate_value": lambda: _("The list has the value %(value)s twice.", value=p["value"]),
        "unknown_type": lambda: _("Choose a type from the list."),
        "label_missing": lambda: _(
            "Write the text in %(language)s, the default language.", language=_language_name(p["language"])
        ),
        "not_text": lambda: _("This must be text."),
        "not_texts": lambda: _("This must be a text, or texts by language."),
        "language": lambda: _("%(language)s is not a language code.", language=p["language"]),
        "nul": lambda: _("The text contains a NUL character."),
        "control": lambda: _("The text contains control characters."),
        "too_long": lambda: _("The text can be at most %(max)d characters long.", max=p["max"]),
        "not_flag": lambda: _("This must be true or false."),
        "choices_not_list_type": lambda: _("Only list questions have list values."),
        "no_values": lambda: _("A list question needs at least one value that is not retired."),
        "key_changed": lambda: _("The key %(old)s cannot change: answers are stored by it.", old=p["old"]),
        "question_in_use": lambda: ngettext(
            "The question %(key)s cannot be deleted: %(num)d report answered it. Retire it instead.",
            "The question %(key)s cannot be deleted: %(num)d reports answered it. Retire it instead.",
            p["count"],
            key=p["key"],
        ),
        "value_in_use": lambda: ngettext(
            "The value %(value)s cannot be removed: %(num)d report chose it. Retire it instead: "
            "it leaves the form and old answers keep its label.",
            "The value %(value)s cannot be removed: %(num)d reports chose it. Retire it instead: "
            "it leaves the form and old answers keep its label.",
            p["count"],
            value=p["value"],
        ),
        "type_in_use": lambda: _(
            "The type of %(key)s cannot change: reports answered it. Retire it and add a new question.",
            key=p["key"],
        ),
    }
    make = messages.get(problem.code)
    return make() if make is not None else _("The question list is not valid.")


def answer_message(error: domain.AnswerError) -> str:
    """The message of an answer the form refused."""
    p = error.params
    messages = {
        "required": lambda: _("This answer is required."),
        "too_long": lambda: _("The answer can be at most %(max)d characters long.", max=p["max"]),
        "control": lambda: _("The answer contains characters that cannot be used."),
        "number": lambda: _("Enter a number, such as 12 or 3,5."),
        "number_range": lambda: _("Enter a number smaller than one thousand billion."),
        "number_decimals": lambda: _("Enter a number with at most %(max)d decimals.", max=p["max"]),
        "datetime": lambda: _("Enter a date and time, such as 2024-03-01 14:30."),
        "datetime_range": lambda: _(
            "Enter a date between the years %(low)d and %(high)d.", low=p["low"], high=p["high"]
        ),
        "choice": lambda: _("Choose from the list."),
    }
    make = messages.get(error.code)
    return make() if make is not None else _("This answer cannot be taken.")


# --- Changes ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChoiceInput:
    value: str
    labels: Mapping[str, str]
    retired: bool = False
    remove: bool = False


@dataclass(frozen=True)
class QuestionInput:
    key: str
    type: str
    labels: Mapping[str, str]
    helps: Mapping[str, str]
    required: bool
    choices: tuple[ChoiceInput, ...] = ()
    retired: bool = False

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "key": self.key,
            "type": self.type,
            "label": {k: v for k, v in self.labels.items() if v},
            "help": {k: v for k, v in self.helps.items() if v},
            "required": self.required,
            "retired": self.retired,
        }
        if self.type in domain.LIST_TYPES:
            data["choices"] = [
                {"value": c.value, "label": {k: v for k, v in c.labels.items() if v}, "retired": c.retired}
                for c in self.choices
                if not c.remove
            ]
        return data


def _require_supervisor(actor: Actor) -> None:
    if not actor.supervises:
        raise Forbidden(_("Only managers and administrators change the categories' questions."))


def _category(category_id: int) -> Category:
    category = db_session().get(Category, category_id)
    if category is None:
        raise NotFound(_("There is no such category."))
    return category


def _relative(where: str, index: int | None) -> str:
    prefix = f"questions[{index}]."
    if index is not None and where.startswith(prefix):
        return where[len(prefix) :]
    return ""


_PLACE = re.compile(r"questions\[([0-9]+)\]")


def _said(problems: Sequence[Problem], raw: Sequence[Any], index: int | None) -> list[tuple[str, str]]:
    """``(where, message)`` for each problem (the first 20); another question's say which one it is."""
    said = []
    for problem in problems[:20]:
        where = _relative(problem.where, index)
        message = problem_message(problem)
        place = _PLACE.match(problem.where)
        if place is not None and int(place.group(1)) != index:
            number = int(place.group(1))
            item = raw[number] if number < len(raw) else None
            key = item.get("key") if isinstance(item, Mapping) else None
            message = _(
                "Question %(number)d (%(key)s): %(message)s",
                number=number + 1,
                key=str(key)[:64] if key else "—",
                message=message,
            )
        said.append((where, message))
    return said


def _write(
    actor: Actor, category: Category, new_raw: list[dict[str, Any]], action: str, index: int | None = None
) -> tuple[Question, ...]:
    """Check ``new_raw`` whole and against the reports, then store it with its audit entry (no commit)."""
    session = db_session()
    old_raw = list(category.questions or [])
    old = domain.read_questions(old_raw, default_language())
    stored_codes = {q.key for q in old} | {c.value for q in old for c in q.choices}
    try:
        new = domain.parse_questions(new_raw, default_language(), stored_codes)
    except QuestionsError as error:
        raise QuestionsRefused(_said(error.problems, new_raw, index)) from None
    comparison = domain.compare(old, new, usage(category.id))
    if comparison.problems:
        raise QuestionsRefused(_said(comparison.problems, new_raw, index), 409)
    stored = domain.to_json(new)
    category.questions = stored
    audit.record(
        session,
        actor,
        "category",
        category.id,
        category.name,
        action,
        before={"questions": old_raw},
        after={"questions": stored},
    )
    return new


def _index(questions: Sequence[Mapping[str, Any]], key: str) -> int:
    for i, question in enumerate(questions):
        if isinstance(question, Mapping) and question.get("key") == key:
            return i
    raise NotFound(_("This category has no question %(key)s.", key=key[:64]))


def _transaction(work: Any) -> Any:
    session = db_session()
    with one_transaction(session):
        result = work()
    return result


def save_question(
    actor: Actor, category_id: int, data: QuestionInput, original_key: str | None = None
) -> Question:
    """Add a question (``original_key`` None, at the end) or change the question ``original_key``."""
    _require_supervisor(actor)

    def work() -> Question:
        category = _category(category_id)
        raw = [dict(q) for q in category.questions or []]
        new_item = data.to_json()
        if original_key is None:
            if any(isinstance(q, Mapping) and q.get("key") == data.key for q in raw):
                raise QuestionsRefused(
                    [("key", _("Another question already has the key %(key)s.", key=data.key))]
                )
            raw.append(new_item)
            index = len(raw) - 1
            action = "add_question"
        else:
            index = _index(raw, original_key)
            if data.key != original_key:
                raise QuestionsRefused(
                    [("key", _("The key %(old)s cannot change: answers are stored by it.", old=original_key))]
                )
            new_item["retired"] = bool(raw[index].get("retired"))
            raw[index] = new_item
            action = "update_question"
        return _write(actor, category, raw, action, index)[index]

    result: Question = _transaction(work)
    return result


def move_question(actor: Actor, category_id: int, key: str, step: int) -> None:
    """Move the question one place up (``step`` -1) or down (+1); at an end nothing moves."""
    _require_supervisor(actor)

    def work() -> None:
        category = _category(category_id)
        raw = [dict(q) for q in category.questions or []]
        index = _index(raw, key)
        other = index + (1 if step > 0 else -1)
        if 0 <= other < len(raw):
            raw[index], raw[other] = raw[other], raw[index]
            _write(actor, category, raw, "reorder_questions")

    _transaction(work)


def set_question_retired(actor: Actor, category_id: int, key: str, retired: bool) -> None:
    _require_supervisor(actor)

    def work() -> None:
        category = _category(category_id)
        raw = [dict(q) for q in category.questions or []]
        index = _index(raw, key)
        raw[index]["retired"] = retired
        _write(actor, category, raw, "retire_question" if retired else "restore_question", index)

    _transaction(work)


def delete_question(actor: Actor, category_id: int, key: str) -> None:
    """Only a question no report answered; otherwise :class:`~.errors.NotNow` offers retiring it."""
    _require_supervisor(actor)

    def work() -> None:
        category = _category(category_id)
        raw = [dict(q) for q in category.questions or []]
        index = _index(raw, key)
        count = usage(category.id).uses(key)
        if count:
            raise NotNow(
                ngettext(
                    "The question %(key)s cannot be deleted: %(num)d report answered it. Retire it instead.",
                    "The question %(key)s cannot be deleted: %(num)d reports answered it. Retire it instead.",
                    count,
                    key=key,
                )
            )
        del raw[index]
        _write(actor, category, raw, "delete_question")

    _transaction(work)
