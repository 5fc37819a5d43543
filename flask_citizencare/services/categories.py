"""Categories as managers and admins keep them: create, edit, reorder, regroup, deactivate, delete.

Each function is one transaction and checks everything before it writes, so a
refusal (:class:`~.errors.ActionRefused`) leaves the database as it was; each
change writes its audit entry (subject type ``category``) in that transaction.
The checks live here, not in the form, so the CLI or an import gets the same
rules.

Texts in several languages are stored as the catalogue file has them: the
default language (the first of ``CITIZENCARE_LANGUAGES``) in ``name``,
``help_text`` and ``urgent_notice``, the other languages in ``names``,
``help_texts`` and ``urgent_notices``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from ..access import Actor
from ..context import db_session, state
from ..domain.keywords import KEYWORD_MAX, KEYWORDS_MAX, KeywordsError, clean_keywords
from ..domain.lifecycle import Kind
from ..i18n import gettext as _
from ..i18n import language_name, languages
from ..models import CannedReply, Category, NoticeCategory, Office, Report, RoutingRuleRecord
from ..parsing import InputError, check_text
from . import audit
from .errors import Forbidden, InvalidInput, NotFound, NotNow
from .transactions import one_transaction

#: A code as links (``?category=``), routing rules and catalogue files name a category.
CODE = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
CODE_MAX = 64
NAME_MAX = 200
GROUP_MAX = 120
HELP_MAX = 2000
NOTICE_MAX = 500
KINDS = (Kind.ISSUE.value, Kind.PROPOSAL.value, "both")
#: Bounds of the numbers (inclusive); outside them a value is meaningless or absurd.
RADIUS_RANGE = (1, 5000)
AGE_RANGE = (1, 3650)
RETENTION_RANGE = (1, 240)
THRESHOLD_RANGE = (1, 1_000_000)
#: How sure a suggestion must at least be to route a case by itself (see :mod:`.auto_routing`).
AUTO_ROUTE_RANGE = (0.5, 0.99)
#: Positions are renumbered in steps of this, so a catalogue file can slot one in between.
POSITION_STEP = 10
#: What the audit trail keeps of a category.
AUDITED = (
    "code",
    "group",
    "name",
    "names",
    "help_text",
    "help_texts",
    "kinds",
    "needs_location",
    "default_office_id",
    "duplicate_radius_m",
    "duplicate_age_days",
    "urgent_notice",
    "urgent_notices",
    "retention_months",
    "supports_threshold",
    "position",
    "active",
    "successor_id",
    "keywords",
    "auto_route_threshold",
)
SUBJECT = "category"


@dataclass(frozen=True)
class CategoryInput:
    """A category as the form (or a caller) gives it; texts by language code."""

    code: str
    names: Mapping[str, str]
    help_texts: Mapping[str, str] = field(default_factory=dict)
    urgent_notices: Mapping[str, str] = field(default_factory=dict)
    group: str = ""
    kinds: str = "both"
    needs_location: bool = True
    default_office_id: int | None = None
    duplicate_radius_m: int | None = None
    duplicate_age_days: int | None = None
    retention_months: int | None = None
    supports_threshold: int | None = None
    active: bool = True
    #: 0.5-0.99: cases go by themselves to the suggested office when it is at least this sure; None: never.
    auto_route_threshold: float | None = None
    #: Open311 ``keywords``; None leaves the category's as they are.
    keywords: Sequence[str] | None = None


def _require_supervisor(actor: Actor) -> None:
    if not actor.supervises:
        raise Forbidden(_("Only managers and administrators change the categories."))


def _text(value: Any, maximum: int, message: str, *, multiline: bool = False) -> str:
    if not isinstance(value, str):
        raise InvalidInput(message)
    text = value.strip()
    try:
        check_text(text, multiline=multiline)
    except InputError:
        raise InvalidInput(_("Remove the control characters from this text.")) from None
    if len(text) > maximum:
        raise InvalidInput(message)
    return text


def _number(value: int | None, bounds: tuple[int, int], message: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not bounds[0] <= value <= bounds[1]:
        raise InvalidInput(message)
    return value


def _fraction(value: float | None, bounds: tuple[float, float], message: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not bounds[0] <= value <= bounds[1]:
        raise InvalidInput(message)
    return round(float(value), 2)


def _texts(
    values: Mapping[str, str], maximum: int, message: str, *, multiline: bool
) -> tuple[str, dict[str, str]]:
    """(default language's text, {other language: text}) from ``values``; unknown languages refused."""
    offered = languages()
    unknown = set(values) - set(offered)
    if unknown:
        raise InvalidInput(_("Give the texts only in the languages offered."))
    cleaned = {code: _text(values.get(code) or "", maximum, message, multiline=multiline) for code in offered}
    return cleaned[offered[0]], {code: text for code, text in cleaned.items() if code != offered[0] and text}


@dataclass(frozen=True)
class _Clean:
    code: str
    name: str
    names: dict[str, str]
    help_text: str
    help_texts: dict[str, str]
    urgent_notice: str
    urgent_notices: dict[str, str]
    group: str
    data: CategoryInput
    keywords: tuple[str, ...] | None = None
    auto_route_threshold: float | None = None


def _keywords(words: Sequence[str] | None) -> tuple[str, ...] | None:
    if words is None:
        return None
    try:
        return clean_keywords(words)
    except KeywordsError as error:
        if error.code == "too_many":
            raise InvalidInput(_("Give at most %(max)d keywords.", max=KEYWORDS_MAX)) from None
        if error.code == "too_long":
            raise InvalidInput(
                _("A keyword can be at most %(max)d characters long.", max=KEYWORD_MAX)
            ) from None
        if error.code == "control":
            raise InvalidInput(_("Remove the control characters from this text.")) from None
        raise InvalidInput(_("Separate the keywords with commas.")) from None


def clean(data: CategoryInput) -> _Clean:
    """``data`` checked and normalised (no database needed); raises :class:`InvalidInput`."""
    code = data.code.strip().lower() if isinstance(data.code, str) else ""
    if not CODE.fullmatch(code):
        raise InvalidInput(
            _(
                "The code must be at most 64 lowercase letters, digits, hyphens and underscores, "
                "starting with a letter or digit, such as potholes."
            )
        )
    name, names = _texts(
        data.names,
        NAME_MAX,
        _("A name can be at most %(max)d characters long.", max=NAME_MAX),
        multiline=False,
    )
    if not name:
        raise InvalidInput(
            _("Give the category a name in %(language)s, the default language.", language=_language(0))
        )
    help_text, help_texts = _texts(
        data.help_texts,
        HELP_MAX,
        _("A help text can be at most %(max)d characters long.", max=HELP_MAX),
        multiline=True,
    )
    notice, notices = _texts(
        data.urgent_notices,
        NOTICE_MAX,
        _("An urgent notice can be at most %(max)d characters long.", max=NOTICE_MAX),
        multiline=True,
    )
    group = _text(
        data.group, GROUP_MAX, _("The group can be at most %(max)d characters long.", max=GROUP_MAX)
    )
    if data.kinds not in KINDS:
        raise InvalidInput(_("Choose what the category accepts: problems, proposals or both."))
    _number(
        data.duplicate_radius_m,
        RADIUS_RANGE,
        _("The duplicate radius must be a whole number of metres from 1 to 5000, or blank."),
    )
    _number(
        data.duplicate_age_days,
        AGE_RANGE,
        _("The duplicate age must be a whole number of days from 1 to 3650, or blank."),
    )
    _number(
        data.retention_months,
        RETENTION_RANGE,
        _("The retention must be a whole number of months from 1 to 240, or blank."),
    )
    _number(
        data.supports_threshold,
        THRESHOLD_RANGE,
        _("The supports threshold must be a whole number from 1 to 1000000, or blank."),
    )
    if data.supports_threshold is not None and data.kinds == Kind.ISSUE.value:
        raise InvalidInput(_("A supports threshold only applies to a category that accepts proposals."))
    keywords = _keywords(data.keywords)
    auto_route = _fraction(
        data.auto_route_threshold,
        AUTO_ROUTE_RANGE,
        _("The confidence for routing automatically must be a whole percentage from 50 to 99, or blank."),
    )
    return _Clean(
        code, name, names, help_text, help_texts, notice, notices, group, data, keywords, auto_route
    )


def _language(index: int) -> str:
    return language_name(languages()[index])


def _label(category: Category) -> str:
    return f"{category.name} ({category.code})"


def _category(category_id: int) -> Category:
    category = db_session().get(Category, category_id)
    if category is None:
        raise NotFound(_("There is no such category."))
    return category


def _check_code_free(code: str, category_id: int | None) -> None:
    query = sa.select(Category.id).where(sa.func.lower(Category.code) == code)
    if category_id is not None:
        query = query.where(Category.id != category_id)
    if db_session().scalar(query) is not None:
        raise InvalidInput(_("Another category already has the code %(code)s.", code=code))


def _check_office(office_id: int | None, current: int | None) -> None:
    """The default office must be an active one (an unchanged inactive one may stay)."""
    if office_id is None:
        return
    office = db_session().get(Office, office_id)
    if office is None:
        raise InvalidInput(_("Choose the default office from the list of active offices."))
    if not office.active and office_id != current:
        raise InvalidInput(_("The office %(name)s is not active: choose an active office.", name=office.name))


def _apply(category: Category, cleaned: _Clean) -> None:
    data = cleaned.data
    category.name, category.names = cleaned.name, cleaned.names
    category.help_text, category.help_texts = cleaned.help_text, cleaned.help_texts
    category.urgent_notice, category.urgent_notices = cleaned.urgent_notice, cleaned.urgent_notices
    category.group = cleaned.group
    category.kinds = data.kinds
    category.needs_location = bool(data.needs_location)
    category.default_office_id = data.default_office_id
    category.duplicate_radius_m = data.duplicate_radius_m
    category.duplicate_age_days = data.duplicate_age_days
    category.retention_months = data.retention_months
    category.supports_threshold = data.supports_threshold
    category.auto_route_threshold = cleaned.auto_route_threshold
    if cleaned.keywords is not None:
        category.keywords = list(cleaned.keywords) or None


def create_category(actor: Actor, data: CategoryInput) -> Category:
    _require_supervisor(actor)
    cleaned = clean(data)
    session = db_session()
    with one_transaction(session):
        _check_code_free(cleaned.code, None)
        _check_office(data.default_office_id, None)
        last = session.scalar(sa.select(sa.func.max(Category.position))) or 0
        category = Category(code=cleaned.code, questions=[], active=bool(data.active))
        _apply(category, cleaned)
        category.position = (last // POSITION_STEP + 1) * POSITION_STEP
        session.add(category)
        session.flush()
        audit.record(
            session, actor, SUBJECT, category.id, _label(category), "create", None,
            audit.snapshot(category, AUDITED),
        )  # fmt: skip
    return category


def update_category(actor: Actor, category_id: int, data: CategoryInput) -> Category:
    """Everything but the code (fixed once created), the position and the state."""
    _require_supervisor(actor)
    session = db_session()
    with one_transaction(session):
        category = _category(category_id)
        cleaned = clean(data)
        if cleaned.code != category.code:
            raise InvalidInput(_("The code of a category cannot change once it is created."))
        _check_office(data.default_office_id, category.default_office_id)
        before = audit.snapshot(category, AUDITED)
        _apply(category, cleaned)
        audit.record(
            session, actor, SUBJECT, category.id, _label(category), "update", before,
            audit.snapshot(category, AUDITED),
        )  # fmt: skip
    return category


def _ordered(session: Any) -> list[Category]:
    return list(
        session.scalars(
            sa.select(Category).order_by(Category.group, Category.position, Category.name, Category.id)
        )
    )


def _renumber(actor: Actor, ordered: list[Category], action: str) -> None:
    """Positions 10, 20, 30... in ``ordered``'s order; an audit entry for each category that moved."""
    session = db_session()
    for number, category in enumerate(ordered, start=1):
        position = number * POSITION_STEP
        if category.position != position:
            audit.record(
                session, actor, SUBJECT, category.id, _label(category), action,
                {"position": category.position}, {"position": position},
            )  # fmt: skip
            category.position = position


def move_category(actor: Actor, category_id: int, direction: str) -> Category:
    """One place ``up`` or ``down`` within its group; every position is renumbered in the same commit."""
    _require_supervisor(actor)
    if direction not in ("up", "down"):
        raise InvalidInput(_("Choose to move the category up or down."))
    session = db_session()
    with one_transaction(session):
        category = _category(category_id)
        ordered = _ordered(session)
        at = ordered.index(category)
        other = at - 1 if direction == "up" else at + 1
        if not 0 <= other < len(ordered) or ordered[other].group != category.group:
            raise NotNow(
                _("%(name)s is already first in its group.", name=category.name)
                if direction == "up"
                else _("%(name)s is already last in its group.", name=category.name)
            )
        ordered[at], ordered[other] = ordered[other], ordered[at]
        _renumber(actor, ordered, "reorder")
    return category


def rename_group(actor: Actor, old: str, new: str) -> int:
    """Every category of group ``old`` goes to group ``new`` (an existing one: they merge); how many moved."""
    _require_supervisor(actor)
    message = _("The group can be at most %(max)d characters long.", max=GROUP_MAX)
    old_name = _text(old, 10_000, message)
    new_name = _text(new, GROUP_MAX, message)
    session = db_session()
    with one_transaction(session):
        members = list(session.scalars(sa.select(Category).where(Category.group == old_name)))
        if not members:
            raise NotFound(_("There is no such group."))
        if new_name != old_name:
            for category in members:
                before = audit.snapshot(category, AUDITED)
                category.group = new_name
                audit.record(
                    session, actor, SUBJECT, category.id, _label(category), "update", before,
                    audit.snapshot(category, AUDITED),
                )  # fmt: skip
            session.flush()
            _renumber(actor, _ordered(session), "reorder")
    return len(members) if new_name != old_name else 0


def _check_successor(category: Category, successor_id: int | None) -> None:
    if successor_id is None:
        return
    if successor_id == category.id:
        raise InvalidInput(_("A category cannot be its own successor."))
    successor = db_session().get(Category, successor_id)
    if successor is None:
        raise InvalidInput(_("Choose the successor from the list of active categories."))
    if not successor.active:
        raise InvalidInput(
            _("%(name)s is not active: choose an active category as successor.", name=successor.name)
        )


def deactivate_category(actor: Actor, category_id: int, successor_id: int | None = None) -> Category:
    """The category leaves the form; ``successor_id`` (an active category) is offered in its place.

    On an inactive category this changes the successor only.
    """
    _require_supervisor(actor)
    session = db_session()
    with one_transaction(session):
        category = _category(category_id)
        _check_successor(category, successor_id)
        before = audit.snapshot(category, AUDITED)
        action = "deactivate" if category.active else "update"
        category.active, category.successor_id = False, successor_id
        audit.record(
            session, actor, SUBJECT, category.id, _label(category), action, before,
            audit.snapshot(category, AUDITED),
        )  # fmt: skip
    return category


def activate_category(actor: Actor, category_id: int) -> Category:
    """Back on the form; it no longer needs a successor."""
    _require_supervisor(actor)
    session = db_session()
    with one_transaction(session):
        category = _category(category_id)
        if category.active:
            raise NotNow(_("%(name)s is already active.", name=category.name))
        before = audit.snapshot(category, AUDITED)
        category.active, category.successor_id = True, None
        audit.record(
            session, actor, SUBJECT, category.id, _label(category), "activate", before,
            audit.snapshot(category, AUDITED),
        )  # fmt: skip
    return category


def in_use(category_id: int) -> str | None:
    """Why the category cannot be deleted (it has reports, templates or routing rules), or None."""
    session = db_session()
    if session.scalar(sa.select(Report.id).where(Report.category_id == category_id).limit(1)) is not None:
        return _("A category that has reports cannot be deleted; deactivate it instead.")
    canned = sa.select(CannedReply.id).where(CannedReply.category_id == category_id).limit(1)
    if session.scalar(canned) is not None:
        return _("This category cannot be deleted: response templates belong to it.")
    rule = sa.select(RoutingRuleRecord.id).where(RoutingRuleRecord.category_id == category_id).limit(1)
    if session.scalar(rule) is not None:
        return _("This category cannot be deleted: a routing rule names it.")
    return None


def _configured_rules_naming(code: str) -> list[int]:
    return [n for n, rule in enumerate(state().settings.routing, start=1) if code in (rule.categories or ())]


def delete_category(actor: Actor, category_id: int) -> str:
    """Only a category never used (no reports, templates, rules); returns its name.

    Categories that named it as successor lose that reference; service notices
    about it no longer list it.
    """
    _require_supervisor(actor)
    session = db_session()
    with one_transaction(session):
        category = _category(category_id)
        reason = in_use(category.id)
        if reason is not None:
            raise NotNow(reason)
        rules = _configured_rules_naming(category.code)
        if rules:
            raise NotNow(
                _(
                    "This category cannot be deleted: routing rule %(rules)s names %(code)s.",
                    rules=", ".join(str(n) for n in rules),
                    code=category.code,
                )
            )
        name = category.name
        before = audit.snapshot(category, AUDITED)
        for other in session.scalars(sa.select(Category).where(Category.successor_id == category.id)):
            other_before = audit.snapshot(other, AUDITED)
            other.successor_id = None
            audit.record(
                session, actor, SUBJECT, other.id, _label(other), "update", other_before,
                audit.snapshot(other, AUDITED),
            )  # fmt: skip
        session.execute(sa.delete(NoticeCategory).where(NoticeCategory.category_id == category.id))
        audit.record(session, actor, SUBJECT, category.id, _label(category), "delete", before, None)
        session.delete(category)
    return name
