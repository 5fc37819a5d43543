"""The portable catalogue: everything a municipality sets up, as one YAML file.

``flask citizencare catalogue export`` writes it and ``catalogue import``
reads it back (see ``docs/catalogue-file.md``)::

    format: flask-citizencare-catalogue
    version: 2
    offices:        [{code, name, email, external, active}]
    categories:     [{code, group, names, help, kinds, needs_location, office,
                      duplicate_radius_m, duplicate_age_days, urgent_notices,
                      retention_months, supports_threshold, position, active,
                      successor, sla, questions, keywords, auto_route_threshold}]
    routing:        [{category, district, area, office, note, active}]   # the whole list, in order
    service_levels: {...}   # CITIZENCARE_SLA_POLICY form
    calendar:       {...}   # CITIZENCARE_SLA_CALENDAR form
    templates:      [{code, title, body, language, category, status, auto_send, active}]

Everything is parsed here, before anything is written: a file is taken whole
or not at all, and every mistake is reported at once with where it is
(``categories[3].questions[1].type``). The version 1 JSON files (offices and
categories only) are still read: JSON is YAML.

The YAML reader is strict on purpose: at most :data:`MAX_FILE_BYTES`, UTF-8
only, no anchors or aliases (a "billion laughs" file is refused, not
expanded), at most :data:`MAX_NODES` nodes, no duplicate keys, and YAML 1.2
core scalars (``yes``/``no``/``on``, ``9:00`` and ``2026-08-14`` stay text).
Plain Python and PyYAML; no database.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import yaml
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node

from .keywords import KEYWORD_MAX, KEYWORDS_MAX, KeywordsError, clean_keywords
from .lifecycle import Status
from .questions import LEGACY_TYPES, TYPES
from .questions import LIST_TYPES as QUESTION_LIST_TYPES
from .routing import parse_rules
from .sla import BusinessCalendar, SlaPolicy

FORMAT = "flask-citizencare-catalogue"
VERSION = 2
#: What a category may be used for, as ``Category.kinds`` stores it.
KINDS = ("issue", "proposal", "both")
#: The extra-question types (see :mod:`.questions`); "choice" is the legacy single list.
QUESTION_TYPES = (*TYPES, *LEGACY_TYPES)
LIST_TYPES = (*QUESTION_LIST_TYPES, *LEGACY_TYPES)
CODE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
QUESTION_KEY = re.compile(r"^[a-z0-9_]{1,64}$")
LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
#: Column sizes (see :mod:`flask_citizencare.models.catalogue` and ``models.threads``).
NAME_MAX, GROUP_MAX, EMAIL_MAX, TEXT_MAX, NOTE_MAX, BODY_MAX = 200, 120, 254, 2000, 200, 10_000
MAX_ENTRIES = 2000
#: Bigger than any real catalogue; stops a wrong file (a database dump, a photo) before parsing.
MAX_FILE_BYTES = 5 * 1024 * 1024
#: YAML nodes a file may have (a real catalogue has a few thousand).
MAX_NODES = 100_000
MAX_DEPTH = 40


class CatalogueFileError(ValueError):
    """The file cannot be imported; ``problems`` says every reason, each with its place."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(self.problems))


# -- the entries ---------------------------------------------------------------


@dataclass(frozen=True)
class OfficeEntry:
    code: str
    name: str
    email: str | None = None
    external: bool = False
    active: bool = True

    def fields(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "email": self.email,
            "external": self.external,
            "active": self.active,
        }


@dataclass(frozen=True)
class CategoryEntry:
    """A category; ``names``/``help``/``urgent_notices`` are by language and hold the default one."""

    code: str
    names: Mapping[str, str]
    group: str = ""
    help: Mapping[str, str] = field(default_factory=dict)
    kinds: str = "issue"
    needs_location: bool = True
    office: str | None = None
    duplicate_radius_m: int | None = None
    duplicate_age_days: int | None = None
    urgent_notices: Mapping[str, str] = field(default_factory=dict)
    retention_months: int | None = None
    supports_threshold: int | None = None
    position: int = 0
    active: bool = True
    successor: str | None = None
    sla: Mapping[str, Any] | None = None
    questions: tuple[Mapping[str, Any], ...] = ()
    #: Words a client searches the service by (Open311 ``keywords``).
    keywords: tuple[str, ...] = ()
    #: 0.5-0.99: new cases go to the suggested office when it is at least this sure; None: never.
    auto_route_threshold: float | None = None

    def fields(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "group": self.group,
            "names": dict(self.names),
            "help": dict(self.help),
            "kinds": self.kinds,
            "needs_location": self.needs_location,
            "office": self.office,
            "duplicate_radius_m": self.duplicate_radius_m,
            "duplicate_age_days": self.duplicate_age_days,
            "urgent_notices": dict(self.urgent_notices),
            "retention_months": self.retention_months,
            "supports_threshold": self.supports_threshold,
            "position": self.position,
            "active": self.active,
            "successor": self.successor,
            "sla": dict(self.sla) if self.sla is not None else None,
            "questions": [dict(q) for q in self.questions],
            "keywords": list(self.keywords),
            "auto_route_threshold": self.auto_route_threshold,
        }


@dataclass(frozen=True)
class RuleEntry:
    """A routing rule: category (None: any) and/or district or area (None: anywhere) → office."""

    office: str
    category: str | None = None
    district: str | None = None
    area: Mapping[str, Any] | None = None
    note: str = ""
    active: bool = True

    def fields(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "district": self.district,
            "area": dict(self.area) if self.area is not None else None,
            "office": self.office,
            "note": self.note,
            "active": self.active,
        }


@dataclass(frozen=True)
class TemplateEntry:
    """A response template (``CannedReply``)."""

    code: str
    title: str
    body: str
    language: str
    category: str | None = None
    status: str | None = None
    auto_send: bool = False
    active: bool = True

    def fields(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "title": self.title,
            "body": self.body,
            "language": self.language,
            "category": self.category,
            "status": self.status,
            "auto_send": self.auto_send,
            "active": self.active,
        }


@dataclass(frozen=True)
class Catalogue:
    """A parsed file. ``routing``/``service_levels``/``calendar`` None: the file leaves them as they are."""

    offices: tuple[OfficeEntry, ...] = ()
    categories: tuple[CategoryEntry, ...] = ()
    routing: tuple[RuleEntry, ...] | None = None
    service_levels: Mapping[str, Any] | None = None
    calendar: Mapping[str, Any] | None = None
    templates: tuple[TemplateEntry, ...] = ()


def document(catalogue: Catalogue, languages: Sequence[str]) -> dict[str, Any]:
    """The file's content for ``catalogue``, keys in a fixed order (what :func:`dump` writes)."""

    def by_language(texts: Mapping[str, str]) -> dict[str, str]:
        order = {code: i for i, code in enumerate(languages)}
        return {k: texts[k] for k in sorted(texts, key=lambda k: (order.get(k, len(order)), k))}

    def category(entry: CategoryEntry) -> dict[str, Any]:
        out = entry.fields()
        for name in ("names", "help", "urgent_notices"):
            out[name] = by_language(out[name])
        out["questions"] = [_question_order(q, by_language) for q in out["questions"]]
        return out

    return {
        "format": FORMAT,
        "version": VERSION,
        "offices": [o.fields() for o in catalogue.offices],
        "categories": [category(c) for c in catalogue.categories],
        "routing": None if catalogue.routing is None else [r.fields() for r in catalogue.routing],
        "service_levels": _plain(catalogue.service_levels),
        "calendar": _plain(catalogue.calendar),
        "templates": [t.fields() for t in catalogue.templates],
    }


_QUESTION_ORDER = ("key", "type", "label", "help", "required", "choices", "retired")


def _question_order(question: Mapping[str, Any], by_language: Callable[[Mapping[str, str]], Any]) -> Any:
    def texts(value: Any) -> Any:
        return by_language(value) if isinstance(value, Mapping) else value

    out: dict[str, Any] = {}
    for key in sorted(question, key=lambda k: (_QUESTION_ORDER.index(k) if k in _QUESTION_ORDER else 99, k)):
        value = question[key]
        if key in ("label", "help"):
            value = texts(value)
        elif key == "choices" and isinstance(value, list):
            value = [
                {k: texts(v) if k == "label" else v for k, v in choice.items()}
                if isinstance(choice, Mapping)
                else choice
                for choice in value
            ]
        out[key] = value
    return out


def _plain(value: Any) -> Any:
    """``value`` as plain dicts and lists (what the YAML writer takes), in its own order."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


# -- YAML ----------------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """SafeLoader without aliases, duplicate keys, node floods or YAML 1.1 surprises."""

    yaml_implicit_resolvers: ClassVar[dict[Any, Any]] = {}

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._nodes = 0
        self._depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise ComposerError(
                None, None, "anchors and aliases (*name) are not allowed in a catalogue", event.start_mark
            )
        event = self.peek_event()
        if getattr(event, "anchor", None) is not None:
            raise ComposerError(
                None, None, "anchors and aliases (&name) are not allowed in a catalogue", event.start_mark
            )
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise ComposerError(None, None, f"the file has more than {MAX_NODES} values", event.start_mark)
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise ComposerError(None, None, f"values are nested deeper than {MAX_DEPTH}", event.start_mark)
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _value in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, list | dict):
                raise ConstructorError(None, None, "a key must be a plain value", key_node.start_mark)
            if key in seen:
                raise ConstructorError(None, None, f"the key {key!r} appears twice", key_node.start_mark)
            seen.add(key)
        result: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        return result


# YAML 1.2 core schema scalars: only true/false are booleans, no sexagesimal numbers, no dates, no .nan.
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"), list("-+0123456789")
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)(?:[eE][-+]?[0-9]+)?$|^[-+]?[0-9]+[eE][-+]?[0-9]+$"),
    list("-+.0123456789"),
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
)


def _int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    text = str(loader.construct_scalar(node)).replace("_", "")
    sign = -1 if text.startswith("-") else 1
    digits = text.lstrip("+-")
    if digits.startswith("0x"):
        return sign * int(digits[2:], 16)
    if digits.startswith("0o"):
        return sign * int(digits[2:], 8)
    return sign * int(digits, 10)  # 012 is twelve, not YAML 1.1's octal ten


_Loader.add_constructor("tag:yaml.org,2002:int", _int)


def load(raw: bytes) -> Any:
    """The YAML (or JSON) document in ``raw``; :class:`CatalogueFileError` saying why not."""
    if len(raw) > MAX_FILE_BYTES:
        raise CatalogueFileError([f"the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB"])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CatalogueFileError(
            [
                f"the file is not UTF-8 text (byte {exc.start + 1} cannot be read): "
                "save it as UTF-8 (it may be in Latin-1 or Windows-1252)"
            ]
        ) from None
    if "\x00" in text:
        raise CatalogueFileError(["the file contains a NUL character"])
    loader = _Loader(text)
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        raise CatalogueFileError([f"{where}{exc.problem or exc.context or 'not valid YAML'}"]) from None
    except (yaml.YAMLError, RecursionError) as exc:
        raise CatalogueFileError([f"not valid YAML: {exc}"]) from None
    finally:
        loader.dispose()


class _Dumper(yaml.SafeDumper):
    """Writes texts of several lines as literal blocks (``|``), as a person would."""


def _text(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _text)


def dump(content: Mapping[str, Any]) -> str:
    """``content`` (see :func:`document`) as YAML text that :func:`load` reads back."""
    text: str = yaml.dump(
        _plain(content),
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=100,
        indent=2,
    )
    return text


# -- reading -------------------------------------------------------------------


class _Reader:
    """Collects every problem instead of stopping at the first one."""

    def __init__(self, default_language: str) -> None:
        self.problems: list[str] = []
        self.default = default_language

    def fail(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}" if where else message)

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

    def code(self, where: str, value: Any, pattern: re.Pattern[str] = CODE) -> str:
        if not isinstance(value, str) or not pattern.match(value):
            if pattern is QUESTION_KEY:
                self.fail(where, "must be a key of lower-case letters, digits and '_' (at most 64)")
            else:
                self.fail(where, "must be a code of lower-case letters, digits, '-', '_' or '.' (at most 64)")
            return ""
        return value

    def optional_code(self, where: str, value: Any) -> str | None:
        return None if value is None else self.code(where, value) or None

    def flag(self, where: str, value: Any, default: bool) -> bool:
        if value is None:
            return default
        if not isinstance(value, bool):
            self.fail(where, "must be true or false")
            return default
        return value

    def number(self, where: str, value: Any, low: int, high: int, default: int | None = None) -> int | None:
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.fail(where, f"must be a whole number from {low} to {high}")
            return default
        return value

    def fraction(self, where: str, value: Any, low: float, high: float) -> float | None:
        """A number from ``low`` to ``high`` (``0.9``), at most two decimals; None when absent."""
        if value is None:
            return None
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
            or not low <= value <= high
            or round(value, 2) != value
        ):
            self.fail(where, f"must be a number from {low} to {high} with at most two decimals")
            return None
        return float(value)

    def translations(
        self, where: str, value: Any, limit: int, *, default_required: bool = False
    ) -> dict[str, str]:
        if value is None:
            value = {}
        if isinstance(value, str) and default_required:
            value = {self.default: value}
        if not isinstance(value, Mapping):
            self.fail(where, "must map language codes to text")
            return {}
        result = {}
        for language, text in value.items():
            if not isinstance(language, str) or not LANGUAGE.match(language):
                self.fail(f"{where}.{language}", "is not a language code")
                continue
            result[language] = self.text(f"{where}.{language}", text, limit, required=True)
        if default_required and not result.get(self.default):
            self.fail(where, f"needs the text in the default language ({self.default})")
        return result

    def label(self, where: str, value: Any, *, required: bool = True) -> Any:
        """A question's or list value's label: a text (the default language's) or texts by language."""
        if value is None and not required:
            return None
        if isinstance(value, str):
            return self.text(where, value, NAME_MAX, required=True)
        return self.translations(where, value, NAME_MAX, default_required=required)

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

    def mapping(self, where: str, value: Any, known: Sequence[str]) -> Mapping[str, Any] | None:
        if not isinstance(value, Mapping):
            self.fail(where, "must be a mapping of fields")
            return None
        for key in value:
            if key not in known:
                self.fail(f"{where}.{key}", "is not a known field")
        return value

    def json(self, where: str, value: Any) -> Any:
        """``value`` as plain JSON (text keys, finite numbers), or a problem."""
        if value is None or isinstance(value, bool | str):
            if isinstance(value, str) and "\x00" in value:
                self.fail(where, "contains a NUL character")
            return value
        if isinstance(value, int):
            if not -(2**53) <= value <= 2**53:
                self.fail(where, "is too large a number")
            return value
        if isinstance(value, float):
            if not math.isfinite(value):
                self.fail(where, "must be a finite number")
            return value
        if isinstance(value, Mapping):
            out = {}
            for key, item in value.items():
                if isinstance(key, bool) or not isinstance(key, str | int):
                    self.fail(f"{where}.{key}", "a key must be text or a whole number")
                    continue
                out[str(key)] = self.json(f"{where}.{key}", item)
            return out
        if isinstance(value, list):
            return [self.json(f"{where}[{i}]", item) for i, item in enumerate(value)]
        self.fail(where, "is not a plain value")
        return None


_TOP_FIELDS = (
    "format",
    "version",
    "offices",
    "categories",
    "routing",
    "service_levels",
    "calendar",
    "templates",
)
_V1_TOP_FIELDS = ("format", "version", "offices", "categories")
_OFFICE_FIELDS = ("code", "name", "email", "external", "active")
_CATEGORY_FIELDS = (
    "code", "group", "names", "help", "kinds", "needs_location", "office", "duplicate_radius_m",
    "duplicate_age_days", "urgent_notices", "retention_months", "supports_threshold", "position",
    "active", "successor", "sla", "questions", "keywords", "auto_route_threshold",
)  # fmt: skip
_V1_CATEGORY_FIELDS = (
    "code", "name", "office", "group", "help_text", "names", "help_texts",
    "kinds", "needs_location", "questions", "position", "active",
)  # fmt: skip
_QUESTION_FIELDS = ("key", "type", "label", "help", "required", "choices", "retired")
_CHOICE_FIELDS = ("value", "label", "retired")
_RULE_FIELDS = ("category", "district", "area", "office", "note", "active")
_TEMPLATE_FIELDS = ("code", "title", "body", "language", "category", "status", "auto_send", "active")


def parse_catalogue(
    content: Any,
    *,
    languages: Sequence[str] = ("it", "en", "ca"),
    districts: Iterable[str] = (),
    known_offices: Iterable[str] = (),
    known_categories: Iterable[str] = (),
) -> Catalogue:
    """The catalogue in ``content`` (see :func:`load`), or :class:`CatalogueFileError` with every problem.

    ``languages`` are the configured ones (the first is the default);
    ``districts`` the names of ``CITIZENCARE_DISTRICTS``; ``known_offices`` and
    ``known_categories`` the codes already in the database, which the file may
    refer to without listing them.
    """
    read = _Reader(languages[0])
    if not isinstance(content, Mapping):
        raise CatalogueFileError(["the file must hold a mapping (format, version, offices, categories...)"])
    if content.get("format") != FORMAT:
        read.fail("format", f"must be {FORMAT!r}")
    version = content.get("version")
    if version not in (1, VERSION):
        read.fail("version", f"must be {VERSION} (this version of flask-citizencare reads versions 1 and 2)")
        version = VERSION
    read.mapping("", content, _V1_TOP_FIELDS if version == 1 else _TOP_FIELDS)
    offices = [
        _office(read, f"offices[{i}]", o)
        for i, o in enumerate(read.entries("offices", content.get("offices")))
    ]
    parse_category = _category_v1 if version == 1 else _category
    categories = [
        parse_category(read, f"categories[{i}]", c)
        for i, c in enumerate(read.entries("categories", content.get("categories")))
    ]
    _unique(read, "offices", "code", [o.code if o else "" for o in offices])
    _unique(read, "categories", "code", [c.code if c else "" for c in categories])
    office_codes = {o.code for o in offices if o} | set(known_offices)
    category_codes = {c.code for c in categories if c} | set(known_categories)
    inactive_offices = {o.code for o in offices if o and not o.active}
    inactive_categories = {c.code for c in categories if c and not c.active}

    for i, category in enumerate(categories):
        if category is None:
            continue
        at = f"categories[{i}]"
        if category.office is not None:
            if category.office not in office_codes:
                read.fail(f"{at}.office", f"{category.office!r} is not an office of the file or the database")
            elif category.active and category.office in inactive_offices:
                read.fail(f"{at}.office", f"office {category.office!r} is deactivated in this file")
        if category.successor is not None:
            if category.successor == category.code:
                read.fail(f"{at}.successor", "a category cannot be its own successor")
            elif category.successor not in category_codes:
                read.fail(
                    f"{at}.successor", f"{category.successor!r} is not a category of the file or the database"
                )
            elif category.successor in inactive_categories:
                read.fail(f"{at}.successor", f"category {category.successor!r} is deactivated in this file")

    routing = None
    if content.get("routing") is not None:
        rules = [
            _rule(read, f"routing[{i}]", r, set(districts))
            for i, r in enumerate(read.entries("routing", content.get("routing")))
        ]
        for i, rule in enumerate(rules):
            if rule is None:
                continue
            if rule.office not in office_codes and rule.office:
                read.fail(
                    f"routing[{i}].office", f"{rule.office!r} is not an office of the file or the database"
                )
            elif rule.active and rule.office in inactive_offices:
                read.fail(f"routing[{i}].office", f"office {rule.office!r} is deactivated in this file")
            if rule.category is not None and rule.category not in category_codes:
                read.fail(
                    f"routing[{i}].category",
                    f"{rule.category!r} is not a category of the file or the database",
                )
        routing = tuple(r for r in rules if r is not None)

    service_levels = _setting(read, "service_levels", content.get("service_levels"), _check_policy)
    calendar = _setting(read, "calendar", content.get("calendar"), BusinessCalendar.from_config)

    templates = [
        _template(read, f"templates[{i}]", t, languages)
        for i, t in enumerate(read.entries("templates", content.get("templates")))
    ]
    _unique(read, "templates", "code", [t.code if t else "" for t in templates])
    for i, template in enumerate(templates):
        if template is not None and template.category is not None and template.category not in category_codes:
            read.fail(
                f"templates[{i}].category",
                f"{template.category!r} is not a category of the file or the database",
            )
    if read.problems:
        raise CatalogueFileError(read.problems)
    return Catalogue(
        offices=tuple(o for o in offices if o is not None),
        categories=tuple(c for c in categories if c is not None),
        routing=routing,
        service_levels=service_levels,
        calendar=calendar,
        templates=tuple(t for t in templates if t is not None),
    )


def _check_policy(value: Mapping[str, Any]) -> object:
    return SlaPolicy.from_config(value)


def _setting(
    read: _Reader, where: str, value: Any, check: Callable[[Mapping[str, Any]], object]
) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        read.fail(where, "must be a mapping of settings")
        return None
    before = len(read.problems)
    plain = read.json(where, value)
    if len(read.problems) > before:
        return None
    try:
        check(plain)
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        read.fail(where, str(exc) or type(exc).__name__)
        return None
    return dict(plain)


def _office(read: _Reader, where: str, value: Any) -> OfficeEntry | None:
    if read.mapping(where, value, _OFFICE_FIELDS) is None:
        return None
    email = read.text(f"{where}.email", value.get("email"), EMAIL_MAX) or None
    if email is not None and (email.count("@") != 1 or any(c.isspace() for c in email)):
        read.fail(f"{where}.email", "is not an e-mail address")
    return OfficeEntry(
        code=read.code(f"{where}.code", value.get("code")),
        name=read.text(f"{where}.name", value.get("name"), NAME_MAX, required=True),
        email=email,
        external=read.flag(f"{where}.external", value.get("external"), False),
        active=read.flag(f"{where}.active", value.get("active"), True),
    )


def _kinds(read: _Reader, where: str, value: Any) -> str:
    if value is None:
        return "issue"
    if value not in KINDS:
        read.fail(where, f"must be one of {', '.join(KINDS)}")
        return "issue"
    return str(value)


def _category(read: _Reader, where: str, value: Any) -> CategoryEntry | None:
    if read.mapping(where, value, _CATEGORY_FIELDS) is None:
        return None
    code = read.code(f"{where}.code", value.get("code"))
    sla = value.get("sla")
    if sla is not None:
        sla = _setting(read, f"{where}.sla", sla, lambda v: SlaPolicy.from_config({"categories": {code: v}}))
    return CategoryEntry(
        code=code,
        group=read.text(f"{where}.group", value.get("group"), GROUP_MAX),
        names=read.translations(f"{where}.names", value.get("names"), NAME_MAX, default_required=True),
        help=read.translations(f"{where}.help", value.get("help"), TEXT_MAX),
        kinds=_kinds(read, f"{where}.kinds", value.get("kinds")),
        needs_location=read.flag(f"{where}.needs_location", value.get("needs_location"), True),
        office=read.optional_code(f"{where}.office", value.get("office")),
        duplicate_radius_m=read.number(
            f"{where}.duplicate_radius_m", value.get("duplicate_radius_m"), 1, 100_000
        ),
        duplicate_age_days=read.number(
            f"{where}.duplicate_age_days", value.get("duplicate_age_days"), 1, 3650
        ),
        urgent_notices=read.translations(f"{where}.urgent_notices", value.get("urgent_notices"), TEXT_MAX),
        retention_months=read.number(f"{where}.retention_months", value.get("retention_months"), 1, 1200),
        supports_threshold=read.number(
            f"{where}.supports_threshold", value.get("supports_threshold"), 1, 10_000_000
        ),
        position=read.number(f"{where}.position", value.get("position"), 0, 1_000_000, 0) or 0,
        active=read.flag(f"{where}.active", value.get("active"), True),
        successor=read.optional_code(f"{where}.successor", value.get("successor")),
        sla=sla,
        questions=_questions(read, f"{where}.questions", value.get("questions")),
        keywords=_keywords(read, f"{where}.keywords", value.get("keywords")),
        auto_route_threshold=read.fraction(
            f"{where}.auto_route_threshold", value.get("auto_route_threshold"), 0.5, 0.99
        ),
    )


_KEYWORD_PROBLEMS = {
    "not_text": "must be a list of texts",
    "comma": "a keyword must not hold a comma",
    "control": "contains control characters",
    "too_long": f"a keyword is longer than {KEYWORD_MAX} characters",
    "too_many": f"has more than {KEYWORDS_MAX} keywords",
}


def _keywords(read: _Reader, where: str, value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        read.fail(where, "must be a list of texts")
        return ()
    try:
        return clean_keywords(value)
    except KeywordsError as error:
        read.fail(where, _KEYWORD_PROBLEMS[error.code])
        return ()


def _category_v1(read: _Reader, where: str, value: Any) -> CategoryEntry | None:
    """A category of a version 1 (JSON) file: ``name``/``help_text`` plus their translations."""
    if read.mapping(where, value, _V1_CATEGORY_FIELDS) is None:
        return None
    name = read.text(f"{where}.name", value.get("name"), NAME_MAX, required=True)
    help_text = read.text(f"{where}.help_text", value.get("help_text"), TEXT_MAX)
    names = read.translations(f"{where}.names", value.get("names"), NAME_MAX)
    help_texts = read.translations(f"{where}.help_texts", value.get("help_texts"), TEXT_MAX)
    return CategoryEntry(
        code=read.code(f"{where}.code", value.get("code")),
        group=read.text(f"{where}.group", value.get("group"), GROUP_MAX),
        names={**names, read.default: name},
        help={**help_texts, read.default: help_text} if help_text else help_texts,
        kinds=_kinds(read, f"{where}.kinds", value.get("kinds")),
        needs_location=read.flag(f"{where}.needs_location", value.get("needs_location"), True),
        office=read.optional_code(f"{where}.office", value.get("office")),
        position=read.number(f"{where}.position", value.get("position"), 0, 1_000_000, 0) or 0,
        active=read.flag(f"{where}.active", value.get("active"), True),
        questions=_questions(read, f"{where}.questions", value.get("questions")),
    )


def _questions(read: _Reader, where: str, value: Any) -> tuple[Mapping[str, Any], ...]:
    """The extra questions, validated and kept as written (legacy types and plain-text labels too)."""
    questions = []
    keys = []
    for i, question in enumerate(read.entries(where, value)):
        at = f"{where}[{i}]"
        if read.mapping(at, question, _QUESTION_FIELDS) is None:
            continue
        kind = question.get("type", "text")
        if kind not in QUESTION_TYPES:
            read.fail(f"{at}.type", f"must be one of {', '.join(QUESTION_TYPES[:-1])}")
        parsed: dict[str, Any] = {
            "key": read.code(f"{at}.key", question.get("key"), QUESTION_KEY),
            "type": kind if kind in QUESTION_TYPES else "text",
            "label": read.label(f"{at}.label", question.get("label")),
        }
        if question.get("help") is not None:
            parsed["help"] = read.label(f"{at}.help", question.get("help"))
        parsed["required"] = read.flag(f"{at}.required", question.get("required"), False)
        if kind == "note" and parsed["required"]:
            read.fail(f"{at}.required", "a note has no answer, so it cannot be required")
        if kind in LIST_TYPES:
            parsed["choices"] = _choices(read, f"{at}.choices", question.get("choices"))
        elif question.get("choices") is not None and kind in QUESTION_TYPES:
            read.fail(f"{at}.choices", "only a list question (singlevaluelist, multivaluelist) has choices")
        if "retired" in question:
            parsed["retired"] = read.flag(f"{at}.retired", question.get("retired"), False)
        keys.append(parsed["key"])
        questions.append(parsed)
    _unique(read, where, "key", keys)
    return tuple(questions)


def _choices(read: _Reader, where: str, value: Any) -> list[dict[str, Any]]:
    choices = []
    for i, choice in enumerate(read.entries(where, value)):
        at = f"{where}[{i}]"
        if read.mapping(at, choice, _CHOICE_FIELDS) is None:
            continue
        parsed = {
            "value": read.text(f"{at}.value", choice.get("value"), 100, required=True),
            "label": read.label(f"{at}.label", choice.get("label")),
        }
        if "retired" in choice:
            parsed["retired"] = read.flag(f"{at}.retired", choice.get("retired"), False)
        choices.append(parsed)
    if not choices:
        read.fail(where, "a list question needs at least one value")
    _unique(read, where, "value", [str(c["value"]) for c in choices])
    return choices


def _rule(read: _Reader, where: str, value: Any, districts: set[str]) -> RuleEntry | None:
    if read.mapping(where, value, _RULE_FIELDS) is None:
        return None
    district = value.get("district")
    if district is not None:
        if not isinstance(district, str) or district not in districts:
            known = ", ".join(sorted(districts)) or "none is configured"
            read.fail(
                f"{where}.district", f"{district!r} is not a district of CITIZENCARE_DISTRICTS ({known})"
            )
            district = None
    area = _area(read, f"{where}.area", value.get("area"))
    office = value.get("office")
    if office is None:
        read.fail(f"{where}.office", "a rule needs an office")
        office = ""
    else:
        office = read.code(f"{where}.office", office)
    return RuleEntry(
        category=read.optional_code(f"{where}.category", value.get("category")),
        district=district,
        area=area,
        office=office,
        note=read.text(f"{where}.note", value.get("note"), NOTE_MAX),
        active=read.flag(f"{where}.active", value.get("active"), True),
    )


def _area(read: _Reader, where: str, value: Any) -> dict[str, Any] | None:
    """A GeoJSON Polygon or MultiPolygon, valid, not empty, in longitude/latitude."""
    if value is None:
        return None
    before = len(read.problems)
    plain = read.json(where, value)
    if len(read.problems) > before:
        return None
    if not isinstance(plain, dict) or plain.get("type") not in ("Polygon", "MultiPolygon"):
        read.fail(where, "must be a GeoJSON Polygon or MultiPolygon")
        return None
    if set(plain) - {"type", "coordinates"}:
        read.fail(where, "a GeoJSON geometry has only 'type' and 'coordinates'")
        return None
    try:
        (rule,) = parse_rules([{"office": "x", "area": plain}])
        assert rule.area is not None
        geometry = rule.area.context
    except Exception:  # shapely raises many kinds on malformed coordinates
        read.fail(where, "must be a valid GeoJSON Polygon or MultiPolygon (closed rings that do not cross)")
        return None
    if geometry.is_empty or geometry.area == 0:
        read.fail(where, "is empty")
        return None
    min_lon, min_lat, max_lon, max_lat = geometry.bounds
    if not (-180 <= min_lon <= max_lon <= 180 and -90 <= min_lat <= max_lat <= 90):
        read.fail(where, "coordinates must be longitude, latitude in degrees")
        return None
    return plain


def _template(read: _Reader, where: str, value: Any, languages: Sequence[str]) -> TemplateEntry | None:
    if read.mapping(where, value, _TEMPLATE_FIELDS) is None:
        return None
    language = value.get("language", languages[0])
    if language not in languages:
        read.fail(f"{where}.language", f"must be one of the configured languages ({', '.join(languages)})")
        language = languages[0]
    status = value.get("status")
    if status is not None and status not in {s.value for s in Status}:
        read.fail(f"{where}.status", f"must be one of {', '.join(s.value for s in Status)}, or null")
        status = None
    auto_send = read.flag(f"{where}.auto_send", value.get("auto_send"), False)
    if auto_send and status is None:
        read.fail(f"{where}.auto_send", "a template is sent by itself on a change of state: give its status")
    return TemplateEntry(
        code=read.code(f"{where}.code", value.get("code")),
        title=read.text(f"{where}.title", value.get("title"), NAME_MAX, required=True),
        body=read.text(f"{where}.body", value.get("body"), BODY_MAX, required=True),
        language=str(language),
        category=read.optional_code(f"{where}.category", value.get("category")),
        status=status,
        auto_send=auto_send,
        active=read.flag(f"{where}.active", value.get("active"), True),
    )


def _unique(read: _Reader, where: str, name: str, codes: Sequence[str]) -> None:
    """Each repeated code, at its second place: ``categories[4].code: 'buche' appears twice``."""
    seen: dict[str, int] = {}
    for i, code in enumerate(codes):
        if code and code in seen:
            read.fail(f"{where}[{i}].{name}", f"{code!r} appears twice (also at {where}[{seen[code]}])")
        seen.setdefault(code, i)
