"""Import and export the whole catalogue as a catalogue file (:mod:`..domain.catalogue_file`).

An import is planned first (:func:`plan_import` reads, writes nothing): for
each object of the file, created, changed (field by field, before → after) or
unchanged. :func:`import_catalogue` then applies the plan in one transaction
with one audit entry per changed object (actor ``"import"``). Objects are
matched by code, so a second import of the same file changes nothing.

What an import never does, so that no report loses its category, office or
answers:

- it deletes no office, category or template: one missing from the file is
  left as it is (deactivate it in the file with ``active: false``);
- it refuses to deactivate an office that open cases or active routing rules
  (stored or in ``CITIZENCARE_ROUTING``) still point to, a routing rule or an
  active category sent to a deactivated office, a successor that is
  deactivated, and a question or list value that reports have answered but the
  file drops (keep it with ``retired: true``);
- deactivating a category with open reports is allowed: the reports keep
  their category and are worked as before; only the form stops offering it
  (the ``successor``, if any, is offered instead).

The routing rules are the exception to "matched by code": a file with a
``routing`` list replaces the stored rules as a whole list, in its order (rules
have no code); a file without ``routing`` (or ``routing: null``) leaves them
alone. The same goes for ``service_levels`` and ``calendar``: given, they
replace the stored setting; left out, they stay.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..context import state
from ..domain.catalogue_file import (
    LIST_TYPES,
    Catalogue,
    CategoryEntry,
    OfficeEntry,
    RuleEntry,
    TemplateEntry,
)
from ..domain.lifecycle import OPEN_STATUSES
from ..models import CannedReply, CatalogueSetting, Category, Office, Report, RoutingRuleRecord
from ..models.base import utcnow
from . import audit
from .canned import unknown_placeholders
from .errors import InvalidInput
from .routing import rules_changed
from .sla_settings import request_recompute

__all__ = [
    "CatalogueRefused",
    "Change",
    "ImportPlan",
    "export_catalogue",
    "import_catalogue",
    "plan_import",
]

ACTOR_NAME = "import"
#: The file's setting sections and the ``CatalogueSetting`` key each is stored under.
SETTING_KEYS = {"service_levels": "sla_policy", "calendar": "calendar"}
_SUBJECT = {
    "offices": "office",
    "categories": "category",
    "routing": "routing_rule",
    "service_levels": "sla_policy",
    "calendar": "calendar",
    "templates": "template",
}


class CatalogueRefused(InvalidInput):
    """The file is well formed but would orphan reports; ``problems`` says where and why."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(self.problems))


@dataclass(frozen=True)
class Change:
    """What the import does to one object: ``action`` create, update, delete or unchanged."""

    section: str
    label: str
    action: str
    changes: Mapping[str, list[Any]] = field(default_factory=dict)
    before: Mapping[str, Any] | None = None
    after: Mapping[str, Any] | None = None


@dataclass
class ImportPlan:
    """Every change an import makes, in the file's order; ``applied`` once written."""

    catalogue: Catalogue
    changes: list[Change]
    applied: bool = False
    #: (stored rule index, file rule index) pairs, see :func:`_match_rules`.
    rule_pairs: list[tuple[int | None, int | None]] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for c in self.changes if c.action == action)

    @property
    def changes_due_times(self) -> bool:
        """The import changes the service levels, the calendar or a category's levels: due times move."""
        return any(
            c.action != "unchanged"
            and (c.section in SETTING_KEYS or (c.section == "categories" and "sla" in c.changes))
            for c in self.changes
        )

    @property
    def changed(self) -> bool:
        return any(c.action != "unchanged" for c in self.changes)


# -- the database in the file's terms -----------------------------------------------


def _default_language() -> str:
    return state().settings.languages[0]


def _texts(default: str, text: str, others: Mapping[str, str] | None) -> dict[str, str]:
    """``Category.name`` + ``names`` (and the like) as the file's texts by language."""
    out = {k: v for k, v in (others or {}).items() if k != default and v}
    return {default: text, **out} if text else out


def _split(default: str, texts: Mapping[str, str]) -> tuple[str, dict[str, str]]:
    return texts.get(default, ""), {k: v for k, v in texts.items() if k != default}


@dataclass
class _Current:
    """The catalogue as it is, loaded once."""

    offices: dict[str, Office]
    categories: dict[str, Category]
    rules: list[RoutingRuleRecord]
    settings: dict[str, CatalogueSetting]
    templates: dict[str, CannedReply]
    _office_codes: dict[int, str] = field(default_factory=dict)
    _category_codes: dict[int, str] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session) -> _Current:
        return cls(
            offices={o.code: o for o in session.scalars(sa.select(Office))},
            categories={c.code: c for c in session.scalars(sa.select(Category))},
            rules=list(
                session.scalars(
                    sa.select(RoutingRuleRecord).order_by(RoutingRuleRecord.position, RoutingRuleRecord.id)
                )
            ),
            settings={s.key: s for s in session.scalars(sa.select(CatalogueSetting))},
            templates={
                t.code: t
                for t in session.scalars(sa.select(CannedReply).where(CannedReply.code.is_not(None)))
                if t.code
            },
        )

    def office_code(self, office_id: int | None) -> str | None:
        if office_id is None:
            return None
        if len(self._office_codes) != len(self.offices):
            self._office_codes = {o.id: o.code for o in self.offices.values()}
        return self._office_codes.get(office_id)

    def category_code(self, category_id: int | None) -> str | None:
        if category_id is None:
            return None
        if len(self._category_codes) != len(self.categories):
            self._category_codes = {c.id: c.code for c in self.categories.values()}
        return self._category_codes.get(category_id)


def _office_entry(office: Office) -> OfficeEntry:
    return OfficeEntry(
        code=office.code, name=office.name, email=office.email, external=office.external, active=office.active
    )


def _category_entry(category: Category, current: _Current, default: str) -> CategoryEntry:
    return CategoryEntry(
        code=category.code,
        group=category.group or "",
        names=_texts(default, category.name, category.names),
        help=_texts(default, category.help_text or "", category.help_texts),
        kinds=category.kinds,
        needs_location=category.needs_location,
        office=current.office_code(category.default_office_id),
        duplicate_radius_m=category.duplicate_radius_m,
        duplicate_age_days=category.duplicate_age_days,
        urgent_notices=_texts(default, category.urgent_notice or "", category.urgent_notices),
        retention_months=category.retention_months,
        supports_threshold=category.supports_threshold,
        position=category.position,
        active=category.active,
        successor=current.category_code(category.successor_id),
        sla=dict(category.sla) if category.sla else None,
        questions=tuple(category.questions or ()),
        keywords=tuple(category.keywords or ()),
        auto_route_threshold=category.auto_route_threshold,
    )


def _rule_entry(rule: RoutingRuleRecord, current: _Current) -> RuleEntry:
    return RuleEntry(
        category=current.category_code(rule.category_id),
        district=rule.district,
        area=rule.area,
        office=current.office_code(rule.office_id) or "",
        note=rule.note or "",
        active=rule.active,
    )


def _template_entry(template: CannedReply, current: _Current) -> TemplateEntry:
    return TemplateEntry(
        code=template.code or "",
        title=template.title,
        body=template.body,
        language=template.language,
        category=current.category_code(template.category_id),
        status=template.status,
        auto_send=template.auto_send,
        active=template.active,
    )


def export_catalogue(session: Session) -> tuple[Catalogue, int]:
    """The whole catalogue, and how many templates were left out for having no code."""
    current = _Current.load(session)
    default = _default_language()
    templates = sorted(current.templates.values(), key=lambda t: t.code or "")
    uncoded = (
        session.scalar(sa.select(sa.func.count()).select_from(CannedReply).where(CannedReply.code.is_(None)))
        or 0
    )
    catalogue = Catalogue(
        offices=tuple(_office_entry(o) for o in sorted(current.offices.values(), key=lambda o: o.code)),
        categories=tuple(
            _category_entry(c, current, default)
            for c in sorted(current.categories.values(), key=lambda c: (c.position, c.code))
        ),
        routing=tuple(_rule_entry(r, current) for r in current.rules),
        service_levels=_setting_value(current, "service_levels"),
        calendar=_setting_value(current, "calendar"),
        templates=tuple(_template_entry(t, current) for t in templates),
    )
    return catalogue, uncoded


def _setting_value(current: _Current, section: str) -> dict[str, Any] | None:
    row = current.settings.get(SETTING_KEYS[section])
    return dict(row.value) if row is not None and row.value is not None else None


# -- planning ------------------------------------------------------------------------


def _compare(section: str, label: str, before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> Change:
    if before is None:
        return Change(section, label, "create", audit.diff(None, after), None, after)
    changes = audit.diff(before, after)
    return Change(section, label, "update" if changes else "unchanged", changes, before, after)


def plan_import(session: Session, catalogue: Catalogue) -> ImportPlan:
    """What importing ``catalogue`` would change; :class:`CatalogueRefused` if it would orphan reports.

    Reads only: nothing is added to the session.
    """
    current = _Current.load(session)
    default = _default_language()
    changes: list[Change] = []
    for entry in catalogue.offices:
        office = current.offices.get(entry.code)
        before = _office_entry(office).fields() if office is not None else None
        changes.append(_compare("offices", entry.code, before, entry.fields()))
    for item in catalogue.categories:
        category = current.categories.get(item.code)
        before = _category_entry(category, current, default).fields() if category is not None else None
        changes.append(_compare("categories", item.code, before, item.fields()))
    rule_pairs: list[tuple[int | None, int | None]] = []
    if catalogue.routing is not None:
        old = [_rule_entry(r, current).fields() for r in current.rules]
        new = [rule.fields() for rule in catalogue.routing]
        rule_pairs = _match_rules(old, new)
        for i, j in rule_pairs:
            if j is None:
                assert i is not None
                label = f"stored routing[{i}]"
                changes.append(Change("routing", label, "delete", audit.diff(old[i], None), old[i], None))
            else:
                changes.append(_compare("routing", f"routing[{j}]", None if i is None else old[i], new[j]))
    for section in SETTING_KEYS:
        value = getattr(catalogue, section)
        if value is not None:
            changes.append(_compare(section, section, _setting_value(current, section), dict(value)))
    for template in catalogue.templates:
        row = current.templates.get(template.code)
        before = _template_entry(row, current).fields() if row is not None else None
        changes.append(_compare("templates", template.code, before, template.fields()))
    problems = _orphans(session, catalogue, current)
    if problems:
        raise CatalogueRefused(problems)
    return ImportPlan(catalogue, changes, rule_pairs=rule_pairs)


def _match_rules(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[tuple[int | None, int | None]]:
    """(stored index, file index) pairs: equal rules matched in order, the others paired by place.

    A rule removed from the middle of the list is then one removal, not a
    change of every rule after it. None on one side: created or removed.
    """
    keys_old = [json.dumps(rule, sort_keys=True) for rule in old]
    keys_new = [json.dumps(rule, sort_keys=True) for rule in new]
    pairs: list[tuple[int | None, int | None]] = []
    matcher = difflib.SequenceMatcher(a=keys_old, b=keys_new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            pairs.extend(zip(range(i1, i2), range(j1, j2), strict=True))
            continue
        olds, news = list(range(i1, i2)), list(range(j1, j2))
        for k in range(max(len(olds), len(news))):
            pairs.append((olds[k] if k < len(olds) else None, news[k] if k < len(news) else None))
    return pairs


def _orphans(session: Session, catalogue: Catalogue, current: _Current) -> list[str]:
    """What in the file would leave reports or rules pointing nowhere, each with its place."""
    problems: list[str] = []
    open_values = [s.value for s in OPEN_STATUSES]
    file_offices = {o.code: o for o in catalogue.offices}
    office_active = {code: o.active for code, o in current.offices.items()}
    office_active.update({code: o.active for code, o in file_offices.items()})
    # Offices the file deactivates: no open case, no active rule may point to them.
    for i, entry in enumerate(catalogue.offices):
        office = current.offices.get(entry.code)
        if entry.active or office is None or not office.active:
            continue
        cases = (
            session.scalar(
                sa.select(sa.func.count())
                .select_from(Report)
                .where(Report.office_id == office.id, Report.status.in_(open_values))
            )
            or 0
        )
        if cases:
            problems.append(
                f"offices[{i}].active: office {entry.code!r} still has {cases} open case(s); "
                "reassign them before deactivating it"
            )
        if catalogue.routing is None:
            rules = [
                f"routing[{n}]" for n, r in enumerate(current.rules) if r.active and r.office_id == office.id
            ]
            if rules:
                problems.append(
                    f"offices[{i}].active: the stored routing rule(s) {', '.join(rules)} "
                    f"send cases to office {entry.code!r}"
                )
        configured = [n for n, r in enumerate(state().settings.routing, start=1) if r.office == entry.code]
        if configured:
            problems.append(
                f"offices[{i}].active: CITIZENCARE_ROUTING rule(s) {', '.join(map(str, configured))} "
                f"send cases to office {entry.code!r}"
            )
    # Offices the database has deactivated and the file leaves out.
    for i, category in enumerate(catalogue.categories):
        if category.active and category.office is not None and category.office not in file_offices:
            if not office_active.get(category.office, True):
                problems.append(f"categories[{i}].office: office {category.office!r} is deactivated")
        successor = category.successor
        if successor is not None and successor not in {c.code for c in catalogue.categories}:
            row = current.categories.get(successor)
            if row is not None and not row.active:
                problems.append(f"categories[{i}].successor: category {successor!r} is deactivated")
    for i, rule in enumerate(catalogue.routing or ()):
        if rule.active and rule.office not in file_offices and not office_active.get(rule.office, True):
            problems.append(f"routing[{i}].office: office {rule.office!r} is deactivated")
    problems.extend(_dropped_answers(session, catalogue, current))
    for i, template in enumerate(catalogue.templates):  # the rule the templates screen applies
        for name in unknown_placeholders(template.body):
            problems.append(f"templates[{i}].body: unknown placeholder {name}")
    return problems


def _values(question: Mapping[str, Any]) -> set[str]:
    if question.get("type") not in LIST_TYPES:
        return set()
    return {str(c.get("value")) for c in question.get("choices") or () if isinstance(c, Mapping)}


def _dropped_answers(session: Session, catalogue: Catalogue, current: _Current) -> list[str]:
    """Questions and list values the file drops although reports have answered them."""
    problems = []
    for i, entry in enumerate(catalogue.categories):
        category = current.categories.get(entry.code)
        if category is None or not category.questions:
            continue
        new = {q["key"]: q for q in entry.questions}
        dropped_keys = set()
        dropped_values: dict[str, set[str]] = {}
        for question in category.questions:
            key = question.get("key")
            if not isinstance(key, str):
                continue
            if key not in new:
                dropped_keys.add(key)
            else:
                gone = _values(question) - _values(new[key])
                if gone:
                    dropped_values[key] = gone
        if not dropped_keys and not dropped_values:
            continue
        used_keys: set[str] = set()
        used_values: dict[str, set[str]] = {}
        rows = session.execute(
            sa.select(Report.answers).where(Report.category_id == category.id, Report.answers.is_not(None))
        ).scalars()
        for answers in rows:
            if not isinstance(answers, Mapping):
                continue
            for key in dropped_keys & set(answers):
                used_keys.add(key)
            for key, gone in dropped_values.items():
                answer = answers.get(key)
                given = {str(a) for a in answer} if isinstance(answer, list) else {str(answer)}
                used_values.setdefault(key, set()).update(given & gone)
        for key in sorted(used_keys):
            problems.append(
                f"categories[{i}].questions: the question {key!r} has answers in reports; "
                "keep it in the file with 'retired: true'"
            )
        for key, used in sorted(used_values.items()):
            if used:
                problems.append(
                    f"categories[{i}].questions: the values {', '.join(sorted(used))} of {key!r} "
                    "are answers in reports; keep them with 'retired: true'"
                )
    return problems


# -- applying --------------------------------------------------------------------------


def import_catalogue(
    session: Session, catalogue: Catalogue, *, dry_run: bool = False, source: str = "catalogue"
) -> ImportPlan:
    """Plan the import and, unless ``dry_run`` or nothing changes, apply it and commit.

    One transaction: everything is written or nothing (on any error the session
    is rolled back). ``source`` names the file in the summary audit entry.
    """
    plan = plan_import(session, catalogue)
    if dry_run or not plan.changed:
        return plan
    try:
        _apply(session, plan, source)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    plan.applied = True
    return plan


def apply_import(session: Session, catalogue: Catalogue, *, source: str = "catalogue") -> ImportPlan:
    """Plan and write the import in the session's transaction, without committing (for demo-data)."""
    plan = plan_import(session, catalogue)
    if plan.changed:
        _apply(session, plan, source)
        plan.applied = True
    return plan


def _apply(session: Session, plan: ImportPlan, source: str) -> None:
    catalogue = plan.catalogue
    current = _Current.load(session)
    default = _default_language()
    changed = {(c.section, c.label): c for c in plan.changes if c.action != "unchanged"}
    entries: list[tuple[Change, Any]] = []

    for office_entry in catalogue.offices:
        office_change = changed.get(("offices", office_entry.code))
        if office_change is None:
            continue
        office = current.offices.get(office_entry.code)
        if office is None:
            office = current.offices[office_entry.code] = Office(code=office_entry.code)
            session.add(office)
        office.name, office.email = office_entry.name, office_entry.email
        office.external, office.active = office_entry.external, office_entry.active
        entries.append((office_change, office))
    session.flush()

    touched: list[tuple[CategoryEntry, Category]] = []
    for item in catalogue.categories:
        category_change = changed.get(("categories", item.code))
        if category_change is None:
            continue
        category = current.categories.get(item.code)
        if category is None:
            category = current.categories[item.code] = Category(code=item.code)
            session.add(category)
        category.name, category.names = _split(default, item.names)
        category.help_text, category.help_texts = _split(default, item.help)
        category.urgent_notice, category.urgent_notices = _split(default, item.urgent_notices)
        category.group = item.group
        category.kinds = item.kinds
        category.needs_location = item.needs_location
        category.default_office_id = current.offices[item.office].id if item.office else None
        category.duplicate_radius_m = item.duplicate_radius_m
        category.duplicate_age_days = item.duplicate_age_days
        category.retention_months = item.retention_months
        category.supports_threshold = item.supports_threshold
        category.auto_route_threshold = item.auto_route_threshold
        category.position = item.position
        category.active = item.active
        category.sla = dict(item.sla) if item.sla is not None else None
        category.questions = [dict(q) for q in item.questions]
        category.keywords = list(item.keywords) or None
        touched.append((item, category))
        entries.append((category_change, category))
    session.flush()
    for item, category in touched:  # successors may be created by the same file
        category.successor_id = current.categories[item.successor].id if item.successor else None

    if catalogue.routing is not None and any(c.section == "routing" for c in changed.values()):
        rows = list(current.rules)
        for i, j in plan.rule_pairs:
            if j is None:
                assert i is not None
                label = f"stored routing[{i}]"
                before = changed[("routing", label)].before
                audit.record(
                    session,
                    None,
                    "routing_rule",
                    rows[i].id,
                    label,
                    "delete",
                    before,
                    None,
                    actor_name=ACTOR_NAME,
                )
                session.delete(rows[i])
                continue
            rule = catalogue.routing[j]
            if i is None:
                row = RoutingRuleRecord()
                session.add(row)
            else:
                row = rows[i]
            row.position = j
            row.category_id = current.categories[rule.category].id if rule.category else None
            row.district = rule.district
            row.area = dict(rule.area) if rule.area is not None else None
            row.office_id = current.offices[rule.office].id
            row.note = rule.note
            row.active = rule.active
            rule_change = changed.get(("routing", f"routing[{j}]"))
            if rule_change is not None:
                entries.append((rule_change, row))
        rules_changed(session)  # every process parses the stored rules again

    for section, key in SETTING_KEYS.items():
        setting_change = changed.get((section, section))
        if setting_change is None:
            continue
        setting = current.settings.get(key)
        if setting is None:
            setting = CatalogueSetting(key=key, revision=0)
            session.add(setting)
        setting.value = dict(getattr(catalogue, section))
        setting.revision = (setting.revision or 0) + 1
        setting.updated_at = utcnow()
        entries.append((setting_change, None))

    for template in catalogue.templates:
        template_change = changed.get(("templates", template.code))
        if template_change is None:
            continue
        reply = current.templates.get(template.code)
        if reply is None:
            reply = current.templates[template.code] = CannedReply(code=template.code)
            session.add(reply)
        reply.title, reply.body, reply.language = template.title, template.body, template.language
        reply.category_id = current.categories[template.category].id if template.category else None
        reply.status, reply.auto_send, reply.active = template.status, template.auto_send, template.active
        entries.append((template_change, reply))
    session.flush()

    for change, row in entries:
        audit.record(
            session,
            None,
            _SUBJECT[change.section],
            getattr(row, "id", None),
            change.label,
            change.action,
            change.before,
            change.after,
            actor_name=ACTOR_NAME,
        )
    if plan.changes_due_times:
        request_recompute(session, utcnow())  # run by the caller after commit (see cli.catalogue)
    audit.record(
        session,
        None,
        "catalogue",
        None,
        source,
        "import",
        None,
        {action: plan.count(action) for action in ("create", "update", "delete", "unchanged")},
        actor_name=ACTOR_NAME,
    )
    session.flush()


def codes(session: Session) -> tuple[set[str], set[str]]:
    """The office and category codes already in the database (a file may name them without listing them)."""
    return (
        set(session.scalars(sa.select(Office.code))),
        set(session.scalars(sa.select(Category.code))),
    )


def district_names() -> Iterable[str]:
    return [d.name for d in state().settings.districts]
