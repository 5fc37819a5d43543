"""A category's extra questions (Open311 service definition attributes): read, check, answer, compare.

``Category.questions`` is a JSON list in form order; each item is::

    {"key": "pole_number", "type": "string", "label": {"it": "...", "en": "..."},
     "help": {"it": "..."}, "required": false, "retired": false,
     "choices": [{"value": "spento", "label": {"it": "..."}, "retired": false}]}   # lists only

Types are Open311's datatypes (:data:`TYPES`); ``note`` is shown and has no
answer. Older lists are still read: ``"choice"`` is ``singlevaluelist`` and a
plain string label is the default language's. Answers are stored on
``Report.answers`` by key, so a key never changes and a question (or list
value) that reports answered is never deleted: it is retired, leaves the form
and keeps its label for the old answers.

Problems are :class:`Problem` codes with where they are and their numbers;
the services turn them into messages in the user's language. Plain Python.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

STRING = "string"
NUMBER = "number"
DATETIME = "datetime"
TEXT = "text"
SINGLE = "singlevaluelist"
MULTI = "multivaluelist"
NOTE = "note"
#: The question types, in the order the back office offers them.
TYPES = (STRING, NUMBER, DATETIME, TEXT, SINGLE, MULTI, NOTE)
LIST_TYPES = (SINGLE, MULTI)
#: Older names still read.
LEGACY_TYPES = {"choice": SINGLE}
#: Types whose stored answers stay readable when one becomes the other.
_COMPATIBLE = {frozenset((STRING, TEXT))}

KEY = re.compile(r"[a-z0-9_]+")
KEY_MAX = 64
#: Keys and values older catalogue files allowed (also ``-`` and ``.``): still read, never made anew.
LEGACY_KEY = re.compile(r"[a-z0-9][a-z0-9_.-]{0,63}")
LANGUAGE = re.compile(r"[a-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})?")
LABEL_MAX = 300
HELP_MAX = 1000
MAX_QUESTIONS = 100
MAX_CHOICES = 200
#: Answer lengths.
STRING_MAX = 300
TEXT_MAX = 2000
#: Numbers: at most this far from zero, at most this many decimals.
NUMBER_LIMIT = Decimal(10) ** 12
NUMBER_DECIMALS = 6
#: Dates and times: years between these.
YEAR_MIN, YEAR_MAX = 1900, 2999

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SINGLE_LINE_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_NUMBER = re.compile(r"[+-]?(?:[0-9]{1,15}(?:[.,][0-9]*)?|[.,][0-9]+)")
_DATETIME = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[T ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.[0-9]{1,6})?)?"
)


@dataclass(frozen=True)
class Problem:
    """One thing wrong: ``code`` (see the services' messages), ``where`` (``questions[2].label.it``)."""

    code: str
    where: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)


class QuestionsError(ValueError):
    """The question list cannot be saved; ``problems`` says every reason."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(f"{p.where}: {p.code}" for p in self.problems))


class AnswerError(ValueError):
    """An answer that cannot be taken: ``code`` ``required``, ``too_long``, ``number``, ``number_range``,
    ``number_decimals``, ``datetime``, ``datetime_range``, ``choice`` or ``control``."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class Localized:
    """A text in the language asked, or in the default language (``fallback``) when it has none."""

    text: str
    language: str
    fallback: bool


def localized(texts: Mapping[str, str], language: str, default: str, fallback_text: str = "") -> Localized:
    """``texts[language]``, else the default language's (flagged), else ``fallback_text`` (flagged)."""
    text = texts.get(language)
    if text:
        return Localized(text, language, False)
    text = texts.get(default)
    if text:
        return Localized(text, default, language != default)
    for other, text in texts.items():
        if text:
            return Localized(text, other, True)
    return Localized(fallback_text, default, True)


@dataclass(frozen=True)
class Choice:
    value: str
    labels: Mapping[str, str]
    retired: bool = False

    def label(self, language: str, default: str) -> Localized:
        return localized(self.labels, language, default, self.value)

    def to_json(self) -> dict[str, Any]:
        return {"value": self.value, "label": dict(self.labels), "retired": self.retired}


@dataclass(frozen=True)
class Question:
    key: str
    type: str
    labels: Mapping[str, str]
    helps: Mapping[str, str] = field(default_factory=dict)
    required: bool = False
    choices: tuple[Choice, ...] = ()
    retired: bool = False

    @property
    def is_list(self) -> bool:
        return self.type in LIST_TYPES

    @property
    def answers(self) -> bool:
        """False for a note: it is shown and has no answer."""
        return self.type != NOTE

    @property
    def active_choices(self) -> tuple[Choice, ...]:
        return tuple(c for c in self.choices if not c.retired)

    def choice(self, value: str) -> Choice | None:
        return next((c for c in self.choices if c.value == value), None)

    def label(self, language: str, default: str) -> Localized:
        return localized(self.labels, language, default, self.key)

    def help(self, language: str, default: str) -> Localized | None:
        return localized(self.helps, language, default) if any(self.helps.values()) else None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"key": self.key, "type": self.type, "label": dict(self.labels)}
        if self.helps:
            data["help"] = dict(self.helps)
        data["required"] = self.required
        if self.is_list:
            data["choices"] = [c.to_json() for c in self.choices]
        data["retired"] = self.retired
        return data


def to_json(questions: Iterable[Question]) -> list[dict[str, Any]]:
    return [q.to_json() for q in questions]


def on_form(questions: Iterable[Question]) -> tuple[Question, ...]:
    """The questions the form shows: the ones not retired."""
    return tuple(q for q in questions if not q.retired)


# --- Reading and checking ---------------------------------------------------------------------------


class _Reader:
    def __init__(self, default: str, strict: bool, legacy: frozenset[str] = frozenset()) -> None:
        self.default = default
        self.strict = strict
        self.legacy = legacy
        self.problems: list[Problem] = []

    def fail(self, code: str, where: str, **params: Any) -> None:
        self.problems.append(Problem(code, where, params))

    def text(self, where: str, value: Any, limit: int, *, multi_line: bool) -> str:
        if not isinstance(value, str):
            self.fail("not_text", where)
            return ""
        text = value.strip()
        if "\x00" in text:
            self.fail("nul", where)
            return ""
        if (_CONTROL if multi_line else _SINGLE_LINE_CONTROL).search(text):
            self.fail("control", where)
            return ""
        if len(text) > limit:
            self.fail("too_long", where, max=limit)
            return text[:limit]
        return text

    def texts(
        self, where: str, value: Any, limit: int, *, required: bool, multi_line: bool
    ) -> dict[str, str]:
        """Texts by language; a plain string is the default language's."""
        if value is None or value == "":
            value = {}
        if isinstance(value, str):
            value = {self.default: value}
        if not isinstance(value, Mapping):
            self.fail("not_texts", where)
            return {}
        result = {}
        for language, text in value.items():
            if not isinstance(language, str) or not LANGUAGE.fullmatch(language):
                self.fail("language", f"{where}.{language}", language=str(language)[:20])
                continue
            if text is None:
                continue
            cleaned = self.text(f"{where}.{language}", text, limit, multi_line=multi_line)
            if cleaned:
                result[language] = cleaned
        if required and not result.get(self.default):
            self.fail("label_missing", f"{where}.{self.default}", language=self.default)
        return result

    def flag(self, where: str, value: Any) -> bool:
        if value is None:
            return False
        if not isinstance(value, bool):
            self.fail("not_flag", where)
            return False
        return value

    def code(self, where: str, value: Any, code: str) -> str:
        if (
            isinstance(value, str)
            and (not self.strict or value in self.legacy)
            and LEGACY_KEY.fullmatch(value)
        ):
            return value
        if not isinstance(value, str) or not value or len(value) > KEY_MAX or not KEY.fullmatch(value):
            self.fail(code, where, max=KEY_MAX)
            return value if isinstance(value, str) and "\x00" not in value else ""
        return value


_QUESTION_FIELDS = ("key", "type", "label", "help", "required", "choices", "retired")
_CHOICE_FIELDS = ("value", "label", "retired")


def parse_questions(value: Any, default_language: str, legacy: Iterable[str] = ()) -> tuple[Question, ...]:
    """The questions in ``value`` (the JSON list), checked whole.

    Raises :class:`QuestionsError` with every problem found. Keys and list values in ``legacy``
    (the ones already stored) may be of the older form :data:`LEGACY_KEY`.
    """
    read = _Reader(default_language, strict=True, legacy=frozenset(legacy))
    questions = _questions(read, value)
    if read.problems:
        raise QuestionsError(read.problems)
    return questions


def read_questions(value: Any, default_language: str) -> tuple[Question, ...]:
    """The stored questions as well as they can be read, for showing: what cannot be read is left out."""
    if not isinstance(value, list):
        return ()
    found = []
    for item in value[: MAX_QUESTIONS * 10]:
        read = _Reader(default_language, strict=False)
        question = _question(read, "questions[0]", item)
        if question is not None and question.key and LEGACY_KEY.fullmatch(question.key):
            found.append(question)
    return tuple(found)


def _questions(read: _Reader, value: Any) -> tuple[Question, ...]:
    if not isinstance(value, list):
        read.fail("not_list", "questions")
        return ()
    if len(value) > MAX_QUESTIONS:
        read.fail("too_many_questions", "questions", max=MAX_QUESTIONS)
        return ()
    questions = []
    seen: set[str] = set()
    for i, item in enumerate(value):
        where = f"questions[{i}]"
        question = _question(read, where, item)
        if question is None:
            continue
        if question.key in seen:
            read.fail("duplicate_key", f"{where}.key", key=question.key)
        seen.add(question.key)
        questions.append(question)
    return tuple(questions)


def _question(read: _Reader, where: str, item: Any) -> Question | None:
    if not isinstance(item, Mapping):
        read.fail("not_object", where)
        return None
    for name in item:
        if name not in _QUESTION_FIELDS:
            read.fail("unknown_field", f"{where}.{str(name)[:40]}", field=str(name)[:40])
    key = read.code(f"{where}.key", item.get("key"), "bad_key")
    kind = item.get("type", TEXT)
    kind = LEGACY_TYPES.get(kind, kind) if isinstance(kind, str) else kind
    if kind not in TYPES:
        read.fail("unknown_type", f"{where}.type", type=str(kind)[:40])
        kind = TEXT
    labels = read.texts(f"{where}.label", item.get("label"), LABEL_MAX, required=True, multi_line=False)
    helps = read.texts(f"{where}.help", item.get("help"), HELP_MAX, required=False, multi_line=True)
    required = read.flag(f"{where}.required", item.get("required"))
    if kind == NOTE and required:
        required = False  # a note has no answer to require
    choices: tuple[Choice, ...] = ()
    if kind in LIST_TYPES:
        choices = _choices(read, f"{where}.choices", item.get("choices"))
    elif item.get("choices"):
        read.fail("choices_not_list_type", f"{where}.choices")
    return Question(
        key=key,
        type=kind,
        labels=labels,
        helps=helps,
        required=required,
        choices=choices,
        retired=read.flag(f"{where}.retired", item.get("retired")),
    )


def _choices(read: _Reader, where: str, value: Any) -> tuple[Choice, ...]:
    if value is None:
        value = []
    if not isinstance(value, list):
        read.fail("not_list", where)
        return ()
    if len(value) > MAX_CHOICES:
        read.fail("too_many_choices", where, max=MAX_CHOICES)
        return ()
    choices = []
    seen: set[str] = set()
    for i, item in enumerate(value):
        at = f"{where}[{i}]"
        if not isinstance(item, Mapping):
            read.fail("not_object", at)
            continue
        for name in item:
            if name not in _CHOICE_FIELDS:
                read.fail("unknown_field", f"{at}.{str(name)[:40]}", field=str(name)[:40])
        code = read.code(f"{at}.value", item.get("value"), "bad_value")
        if code in seen:
            read.fail("duplicate_value", f"{at}.value", value=code)
        seen.add(code)
        label = item.get("label")
        if not label and not read.strict:
            label = code  # an old list value without a label shows its code
        choices.append(
            Choice(
                value=code,
                labels=read.texts(f"{at}.label", label, LABEL_MAX, required=True, multi_line=False),
                retired=read.flag(f"{at}.retired", item.get("retired")),
            )
        )
    if not any(not c.retired for c in choices):
        read.fail("no_values", where)
    return tuple(choices)


# --- Answers ----------------------------------------------------------------------------------------


def parse_answer(question: Question, raw: Sequence[str]) -> Any:
    """The answer to store for what the form sent (``raw``: the field's values), None for no answer.

    Raises :class:`AnswerError`. Numbers come back as ``int`` or ``float``, dates and times as
    ``YYYY-MM-DDTHH:MM`` text, a multi-value list as the list of chosen values in the list's order.
    """
    values = [v for v in raw if isinstance(v, str)]
    if question.type == NOTE:
        return None
    if question.type == MULTI:
        chosen = [v.strip() for v in values if v.strip()]
        if not chosen:
            if question.required:
                raise AnswerError("required")
            return None
        known = {c.value for c in question.active_choices}
        if any(v not in known for v in chosen) or len(chosen) > MAX_CHOICES:
            raise AnswerError("choice")
        wanted = set(chosen)
        return [c.value for c in question.active_choices if c.value in wanted]
    text = values[0] if values else ""
    if "\x00" in text:
        raise AnswerError("control")
    text = text.strip()
    if not text:
        if question.required:
            raise AnswerError("required")
        return None
    if question.type == STRING:
        return _limited(text, STRING_MAX, _SINGLE_LINE_CONTROL)
    if question.type == TEXT:
        return _limited(text.replace("\r\n", "\n"), TEXT_MAX, _CONTROL)
    if question.type == NUMBER:
        return parse_number(text)
    if question.type == DATETIME:
        return parse_datetime(text)
    if question.type == SINGLE:
        if text not in {c.value for c in question.active_choices}:
            raise AnswerError("choice")
        return text
    raise AnswerError("choice")  # pragma: no cover - every type is handled above


def _limited(text: str, limit: int, control: re.Pattern[str]) -> str:
    if len(text) > limit:
        raise AnswerError("too_long", max=limit)
    if control.search(text):
        raise AnswerError("control")
    return text


def parse_number(text: str) -> int | float:
    """A finite decimal (comma or point), at most 10^12 from zero and 6 decimals: ``int`` when whole."""
    text = text.strip().replace(" ", "")
    if len(text) > 40 or not _NUMBER.fullmatch(text):
        raise AnswerError("number")
    try:
        number = Decimal(text.replace(",", "."))
    except InvalidOperation:
        raise AnswerError("number") from None
    if not number.is_finite():
        raise AnswerError("number")
    if abs(number) >= NUMBER_LIMIT:
        raise AnswerError("number_range", limit=int(NUMBER_LIMIT))
    exponent = number.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > NUMBER_DECIMALS:
        raise AnswerError("number_decimals", max=NUMBER_DECIMALS)
    if number == number.to_integral_value():
        return int(number)
    value = float(number)
    if not math.isfinite(value):  # pragma: no cover - bounded above
        raise AnswerError("number")
    return value


def parse_datetime(text: str) -> str:
    """``YYYY-MM-DDTHH:MM`` (``datetime-local``; seconds and a space instead of T are taken)."""
    match = _DATETIME.fullmatch(text.strip())
    if match is None:
        raise AnswerError("datetime")
    year, month, day, hour, minute = (int(g) for g in match.groups()[:5])
    second = int(match.group(6) or 0)
    try:
        moment = datetime(year, month, day, hour, minute, second)
    except ValueError:
        raise AnswerError("datetime") from None
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise AnswerError("datetime_range", low=YEAR_MIN, high=YEAR_MAX)
    return moment.strftime("%Y-%m-%dT%H:%M")


@dataclass(frozen=True)
class ShownAnswer:
    """An answer as staff read it: the question's label (or the key) and the answer's text."""

    key: str
    label: str
    text: str
    retired: bool
    known: bool


def answer_text(question: Question | None, value: Any, language: str, default: str) -> str:
    """``value`` as text: list values by their labels (retired ones too); anything unknown as it is."""
    if isinstance(value, list):
        return ", ".join(answer_text(question, v, language, default) for v in value)
    if question is not None and question.is_list and isinstance(value, str):
        choice = question.choice(value)
        if choice is not None:
            return choice.label(language, default).text
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value).lower()
    if question is not None and question.type == DATETIME and isinstance(value, str):
        return value.replace("T", " ")
    return str(value)


def shown_answers(
    questions: Sequence[Question], answers: Mapping[str, Any] | None, language: str, default: str
) -> list[ShownAnswer]:
    """A report's answers in the questions' order, then the ones no question knows (by key)."""
    if not isinstance(answers, Mapping):
        return []
    shown = []
    by_key = {q.key: q for q in questions}
    for question in questions:
        if question.key in answers:
            value = answers[question.key]
            shown.append(
                ShownAnswer(
                    question.key,
                    question.label(language, default).text,
                    answer_text(question, value, language, default),
                    question.retired,
                    True,
                )
            )
    for key, value in answers.items():
        if str(key) not in by_key:
            shown.append(
                ShownAnswer(str(key), str(key), answer_text(None, value, language, default), False, False)
            )
    return shown


# --- What changed between two lists ----------------------------------------------------------------


@dataclass(frozen=True)
class Usage:
    """What reports answered: ``keys`` by how many reports, ``values`` by key then value."""

    keys: Mapping[str, int] = field(default_factory=dict)
    values: Mapping[str, Mapping[str, int]] = field(default_factory=dict)

    @classmethod
    def of(cls, answer_maps: Iterable[Mapping[str, Any] | None]) -> Usage:
        keys: dict[str, int] = {}
        values: dict[str, dict[str, int]] = {}
        for answers in answer_maps:
            if not isinstance(answers, Mapping):
                continue
            for key, value in answers.items():
                if value is None or value == "" or value == []:
                    continue
                keys[key] = keys.get(key, 0) + 1
                for item in value if isinstance(value, list) else [value]:
                    if isinstance(item, str):
                        counts = values.setdefault(key, {})
                        counts[item] = counts.get(item, 0) + 1
        return cls(keys, values)

    def uses(self, key: str) -> int:
        return self.keys.get(key, 0)

    def uses_value(self, key: str, value: str) -> int:
        return self.values.get(key, {}).get(value, 0)


@dataclass(frozen=True)
class Comparison:
    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[str, ...]
    problems: tuple[Problem, ...]


def compare(old: Sequence[Question], new: Sequence[Question], usage: Usage) -> Comparison:
    """What changed from ``old`` to ``new``, and what the change may not do.

    Refused: deleting a question or list value that reports answered (``question_in_use``,
    ``value_in_use``: retire it instead), changing a key (``key_changed``: a question in the
    same place, of the same type, whose key is new while the old one is gone) and changing the type
    of an answered question (``type_in_use``), but between ``string`` and ``text``.
    """
    old_by_key = {q.key: q for q in old}
    new_by_key = {q.key: q for q in new}
    problems: list[Problem] = []
    added = tuple(q.key for q in new if q.key not in old_by_key)
    removed = tuple(q.key for q in old if q.key not in new_by_key)
    renamed = set()
    for i, question in enumerate(new):
        if question.key in old_by_key or i >= len(old):
            continue
        before = old[i]
        if before.key not in new_by_key and before.type == question.type:
            problems.append(
                Problem("key_changed", f"questions[{i}].key", {"old": before.key, "new": question.key})
            )
            renamed.add(before.key)
    for key in removed:
        if key not in renamed and usage.uses(key):
            problems.append(Problem("question_in_use", key, {"key": key, "count": usage.uses(key)}))
    changed = []
    for i, question in enumerate(new):
        previous = old_by_key.get(question.key)
        if previous is None:
            continue
        before = previous
        if before.to_json() != question.to_json():
            changed.append(question.key)
        if before.type != question.type and usage.uses(question.key):
            if frozenset((before.type, question.type)) not in _COMPATIBLE:
                problems.append(Problem("type_in_use", f"questions[{i}].type", {"key": question.key}))
        kept = {c.value for c in question.choices}
        for choice in before.choices:
            if choice.value not in kept and usage.uses_value(question.key, choice.value):
                problems.append(
                    Problem(
                        "value_in_use",
                        f"questions[{i}].removed.{choice.value}",
                        {
                            "key": question.key,
                            "value": choice.value,
                            "count": usage.uses_value(question.key, choice.value),
                        },
                    )
                )
    return Comparison(added, removed, tuple(changed), tuple(problems))
