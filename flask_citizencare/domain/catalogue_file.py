"""The catalogue file: offices and categories as a municipality writes, exports and imports them.

A JSON document, so a catalogue moves between installations and into version
control::

    {"format": "flask-citizencare-catalogue", "version": 1,
     "offices": [{"code": "strade", "name": "Manutenzione strade", "email": null}],
     "categories": [{"code": "buche", "name": "Buche stradali", "office": "strade",
                     "group": "Strade", "names": {"en": "Potholes"}, ...}]}

Everything in it is parsed here, before anything is written: a file is taken
whole or not at all, and every mistake is reported with where it is
(``categories[3].office``). Plain Python, no database.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .questions import LIST_TYPES, TYPES

FORMAT = "flask-citizencare-catalogue"
VERSION = 1
#: What a category may be used for, as ``Category.kinds`` stores it.
KINDS = ("issue", "proposal", "both")
#: The extra-question types the report form knows (see :mod:`.questions`; "choice" is the old single list).
QUESTION_TYPES = (*TYPES, "choice")
LIST_QUESTION_TYPES = (*LIST_TYPES, "choice")
CODE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
#: Column sizes (see :mod:`flask_citizencare.models.catalogue`).
NAME_MAX, GROUP_MAX, EMAIL_MAX, TEXT_MAX = 200, 120, 254, 2000
MAX_ENTRIES = 2000


class CatalogueFileError(ValueError):
    """The file cannot be imported; ``problems`` says every reason, each with its place."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(self.problems))


@dataclass(frozen=True)
class OfficeEntry:
    code: str
    name: str
    email: str | None = None
    active: bool = True


@dataclass(frozen=True)
class CategoryEntry:
    code: str
    name: str
    office: str | None = None
    group: str = ""
    help_text: str = ""
    names: Mapping[str, str] = field(default_factory=dict)
    help_texts: Mapping[str, str] = field(default_factory=dict)
    kinds: str = "issue"
    needs_location: bool = True
    questions: tuple[Mapping[str, Any], ...] = ()
    position: int = 0
    active: bool = True


@dataclass(frozen=True)
class Catalogue:
    offices: tuple[OfficeEntry, ...]
    categories: tuple[CategoryEntry, ...]


class _Reader:
    """Collects every problem instead of stopping at the first one."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def fail(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def text(self, where: str, value: Any, limit: int, *, required: bool = False) -> str:
        if value is None and not required:
            return ""
        if not isinstance(value, str):
            self.fail(where, "must be text")
            return ""
        text: str = value.strip()
        if "\x00" in text:
            self.fail(where, "contains a NUL character")
        elif required and not text:
            self.fail(where, "must not be empty")
        elif len(text) > limit:
            self.fail(where, f"is longer than {limit} characters")
        return text

    def code(self, where: str, value: Any) -> str:
        if not isinstance(value, str) or not CODE.match(value):
            self.fail(where, "must be a code of lower-case letters, digits, '-', '_' or '.' (at most 64)")
            return ""
        return value

    def flag(self, where: str, value: Any, default: bool) -> bool:
        if value is None:
            return default
        if not isinstance(value, bool):
            self.fail(where, "must be true or false")
            return default
        return value

    def translations(self, where: str, value: Any, limit: int) -> dict[str, str]:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self.fail(where, "must map language codes to text")
            return {}
        result = {}
        for language, text in value.items():
            if not isinstance(language, str) or not LANGUAGE.match(language):
                self.fail(f"{where}.{language}", "is not a language code")
                continue
            result[language] = self.text(f"{where}.{language}", text, limit, required=True)
        return result

    def label(self, where: str, value: Any) -> str | dict[str, str]:
        if isinstance(value, str):
            return self.text(where, value, NAME_MAX, required=True)
        labels = self.translations(where, value, NAME_MAX)
        if not labels:
            self.fail(where, "needs a text, or texts by language")
        return labels

    def entries(self, where: str, value: Any) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(where, "must be a list")
            return []
        if len(value) > MAX_ENTRIES:
            self.fail(where, f"has more than {MAX_ENTRIES} entries")
            return []
        return value

    def keys(self, where: str, value: Mapping[str, Any], known: Sequence[str]) -> None:
        for key in value:
            if key not in known:
                self.fail(f"{where}.{key}", "is not a known field")


_OFFICE_FIELDS = ("code", "name", "email", "active")
_CATEGORY_FIELDS = (
    "code", "name", "office", "group", "help_text", "names", "help_texts",
    "kinds", "needs_location", "questions", "position", "active",
)  # fmt: skip
_QUESTION_FIELDS = ("key", "label", "type", "required", "choices", "help", "retired")


def parse_catalogue(document: Any) -> Catalogue:
    """The catalogue in ``document`` (parsed JSON), or :class:`CatalogueFileError` with every problem."""
    read = _Reader()
    if not isinstance(document, Mapping):
        raise CatalogueFileError(["the file must hold a JSON object"])
    if document.get("format") != FORMAT:
        read.fail("format", f"must be {FORMAT!r}")
    if document.get("version") != VERSION:
        read.fail("version", f"must be {VERSION} (this version of flask-citizencare reads version {VERSION})")
    read.keys("", document, ("format", "version", "offices", "categories"))
    offices = [
        _office(read, f"offices[{i}]", o)
        for i, o in enumerate(read.entries("offices", document.get("offices")))
    ]
    categories = [
        _category(read, f"categories[{i}]", c)
        for i, c in enumerate(read.entries("categories", document.get("categories")))
    ]
    _unique(read, "offices", [o.code for o in offices if o is not None])
    _unique(read, "categories", [c.code for c in categories if c is not None])
    known_offices = {o.code for o in offices if o is not None}
    for i, category in enumerate(categories):
        if category is not None and category.office is not None and category.office not in known_offices:
            read.fail(f"categories[{i}].office", f"{category.office!r} is not among the file's offices")
    if read.problems:
        raise CatalogueFileError(read.problems)
    return Catalogue(
        offices=tuple(o for o in offices if o is not None),
        categories=tuple(c for c in categories if c is not None),
    )


def _office(read: _Reader, where: str, value: Any) -> OfficeEntry | None:
    if not isinstance(value, Mapping):
        read.fail(where, "must be an object")
        return None
    read.keys(where, value, _OFFICE_FIELDS)
    email = read.text(f"{where}.email", value.get("email"), EMAIL_MAX) or None
    if email is not None and (email.count("@") != 1 or any(c.isspace() for c in email)):
        read.fail(f"{where}.email", "is not an e-mail address")
    return OfficeEntry(
        code=read.code(f"{where}.code", value.get("code")),
        name=read.text(f"{where}.name", value.get("name"), NAME_MAX, required=True),
        email=email,
        active=read.flag(f"{where}.active", value.get("active"), True),
    )


def _category(read: _Reader, where: str, value: Any) -> CategoryEntry | None:
    if not isinstance(value, Mapping):
        read.fail(where, "must be an object")
        return None
    read.keys(where, value, _CATEGORY_FIELDS)
    kinds = value.get("kinds", "issue")
    if kinds not in KINDS:
        read.fail(f"{where}.kinds", f"must be one of {', '.join(KINDS)}")
    position = value.get("position", 0)
    if isinstance(position, bool) or not isinstance(position, int) or not 0 <= position <= 1_000_000:
        read.fail(f"{where}.position", "must be a whole number from 0 to 1000000")
        position = 0
    office = value.get("office")
    return CategoryEntry(
        code=read.code(f"{where}.code", value.get("code")),
        name=read.text(f"{where}.name", value.get("name"), NAME_MAX, required=True),
        office=read.code(f"{where}.office", office) if office is not None else None,
        group=read.text(f"{where}.group", value.get("group"), GROUP_MAX),
        help_text=read.text(f"{where}.help_text", value.get("help_text"), TEXT_MAX),
        names=read.translations(f"{where}.names", value.get("names"), NAME_MAX),
        help_texts=read.translations(f"{where}.help_texts", value.get("help_texts"), TEXT_MAX),
        kinds=kinds if kinds in KINDS else "issue",
        needs_location=read.flag(f"{where}.needs_location", value.get("needs_location"), True),
        questions=_questions(read, f"{where}.questions", value.get("questions")),
        position=position,
        active=read.flag(f"{where}.active", value.get("active"), True),
    )


def _questions(read: _Reader, where: str, value: Any) -> tuple[Mapping[str, Any], ...]:
    questions = []
    keys = []
    for i, question in enumerate(read.entries(where, value)):
        at = f"{where}[{i}]"
        if not isinstance(question, Mapping):
            read.fail(at, "must be an object")
            continue
        read.keys(at, question, _QUESTION_FIELDS)
        kind = question.get("type", "text")
        if kind not in QUESTION_TYPES:
            read.fail(f"{at}.type", f"must be one of {', '.join(QUESTION_TYPES)}")
        parsed: dict[str, Any] = {
            "key": read.code(f"{at}.key", question.get("key")),
            "label": read.label(f"{at}.label", question.get("label")),
            "type": kind,
            "required": read.flag(f"{at}.required", question.get("required"), False),
        }
        if question.get("help") is not None:
            parsed["help"] = read.translations(f"{at}.help", question.get("help"), TEXT_MAX)
        if question.get("retired") is not None:
            parsed["retired"] = read.flag(f"{at}.retired", question.get("retired"), False)
        if kind in LIST_QUESTION_TYPES:
            parsed["choices"] = _choices(read, f"{at}.choices", question.get("choices"), kind)
        elif question.get("choices") is not None:
            read.fail(f"{at}.choices", "only a list question has choices")
        keys.append(parsed["key"])
        questions.append(parsed)
    _unique(read, where, keys)
    return tuple(questions)


def _choices(read: _Reader, where: str, value: Any, kind: str) -> list[dict[str, Any]]:
    choices = []
    for i, choice in enumerate(read.entries(where, value)):
        at = f"{where}[{i}]"
        if not isinstance(choice, Mapping):
            read.fail(at, "must be an object")
            continue
        read.keys(at, choice, ("value", "label", "retired"))
        parsed: dict[str, Any] = {
            "value": read.code(f"{at}.value", choice.get("value")),
            "label": read.label(f"{at}.label", choice.get("label")),
        }
        if choice.get("retired") is not None:
            parsed["retired"] = read.flag(f"{at}.retired", choice.get("retired"), False)
        choices.append(parsed)
    if not choices:
        read.fail(where, f"a question of type {kind!r} needs at least one choice")
    _unique(read, where, [str(c["value"]) for c in choices])
    return choices


def _unique(read: _Reader, where: str, codes: Sequence[str]) -> None:
    seen: set[str] = set()
    for code in codes:
        if code and code in seen:
            read.fail(where, f"{code!r} appears twice")
        seen.add(code)
