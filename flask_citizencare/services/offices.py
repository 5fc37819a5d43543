"""Offices as managers and admins keep them: create, edit, deactivate, reactivate, delete.

Each function is one transaction and checks everything before it writes, so a
refusal (:class:`~.errors.ActionRefused`) leaves the database as it was. The
checks live here, not in the form, so the CLI or an import gets the same rules.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from ..access import Actor
from ..context import db_session, state
from ..domain.lifecycle import OPEN_STATUSES, Role
from ..i18n import gettext as _
from ..models import Category, Office, OfficeMember, Report, StaffMember
from . import audit
from .errors import Forbidden, InvalidInput, NotFound, NotNow
from .routing import stored_rule_numbers
from .transactions import one_transaction

#: A code as routing rules and catalogue files name an office: lowercase letters, digits, hyphens.
CODE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
CODE_MAX = 64
NAME_MAX = 200


@dataclass(frozen=True)
class OfficeInput:
    code: str
    name: str
    email: str | None
    external: bool
    technician_ids: frozenset[int]


def _require_supervisor(actor: Actor) -> None:
    if not actor.supervises:
        raise Forbidden(_("Only managers and administrators change the offices."))


def _clean(data: OfficeInput) -> OfficeInput:
    code = data.code.strip().lower()
    if not code or len(code) > CODE_MAX or not CODE.fullmatch(code):
        raise InvalidInput(
            _("The code must be at most 64 lowercase letters, digits and hyphens, such as roads-north.")
        )
    name = data.name.strip()
    if not name or len(name) > NAME_MAX:
        raise InvalidInput(_("Give the office a name of at most %(max)d characters.", max=NAME_MAX))
    email = (data.email or "").strip() or None
    if email is not None and (len(email) > 254 or not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email)):
        raise InvalidInput(_("Enter a valid e-mail address, such as name@example.org."))
    return OfficeInput(code, name, email, data.external, data.technician_ids)


def routing_rules_naming(code: str, office_id: int | None = None, *, inactive_too: bool = False) -> list[str]:
    """The routing rules that send cases to the office, as the messages name them.

    The stored rules that target ``office_id`` first (active ones, every one
    if ``inactive_too``), as ``#n (stored)`` with their number on the routing
    screen; then the numbers (from 1, in their order) of the rules of
    ``CITIZENCARE_ROUTING`` that name office ``code``.
    """
    names = []
    if office_id is not None:
        names = [
            _("#%(number)d (stored)", number=number)
            for number, rule in stored_rule_numbers(db_session())
            if rule.office_id == office_id and (rule.active or inactive_too)
        ]
    return names + [str(n) for n, rule in enumerate(state().settings.routing, start=1) if rule.office == code]


def _rules_naming(office: Office, *, stored: bool = True, inactive_too: bool = False) -> str | None:
    """``"#1 (stored), 2, 5"`` for the routing rules that name the office, ``None`` if none does.

    ``stored`` False: only the configured rules (they name the office by code;
    stored rules by id, so a new code does not concern them).
    """
    rules = routing_rules_naming(office.code, office.id if stored else None, inactive_too=inactive_too)
    return ", ".join(rules) if rules else None


def open_cases(office_id: int) -> int:
    return (
        db_session().scalar(
            sa.select(sa.func.count())
            .select_from(Report)
            .where(Report.office_id == office_id, Report.status.in_([s.value for s in OPEN_STATUSES]))
        )
        or 0
    )


def _technicians(ids: Iterable[int]) -> list[StaffMember]:
    wanted = set(ids)
    if not wanted:
        return []
    found = list(
        db_session().scalars(
            sa.select(StaffMember).where(
                StaffMember.id.in_(wanted),
                StaffMember.active.is_(True),
                StaffMember.role == Role.TECHNICIAN.value,
            )
        )
    )
    if len(found) != len(wanted):
        raise InvalidInput(_("Choose the technicians from the list of active technicians."))
    return found


def _check_code_free(code: str, office_id: int | None) -> None:
    query = sa.select(Office.id).where(sa.func.lower(Office.code) == code)
    if office_id is not None:
        query = query.where(Office.id != office_id)
    if db_session().scalar(query) is not None:
        raise InvalidInput(_("Another office already has the code %(code)s.", code=code))


def _set_technicians(office: Office, technicians: list[StaffMember]) -> None:
    """The office's technicians become exactly ``technicians``; members with other roles stay."""
    session = db_session()
    current = set(
        session.scalars(
            sa.select(OfficeMember.staff_id)
            .join(StaffMember, StaffMember.id == OfficeMember.staff_id)
            .where(OfficeMember.office_id == office.id, StaffMember.role == Role.TECHNICIAN.value)
        )
    )
    wanted = {t.id for t in technicians}
    if current - wanted:
        session.execute(
            sa.delete(OfficeMember).where(
                OfficeMember.office_id == office.id, OfficeMember.staff_id.in_(current - wanted)
            )
        )
    for staff_id in sorted(wanted - current):
        session.add(OfficeMember(staff_id=staff_id, office_id=office.id))


AUDITED = ("code", "name", "email", "external", "active")


def _snapshot(office: Office) -> dict[str, object]:
    """The audited fields, with the office's technicians by name."""
    names = db_session().scalars(
        sa.select(StaffMember.display_name)
        .join(OfficeMember, OfficeMember.staff_id == StaffMember.id)
        .where(OfficeMember.office_id == office.id, StaffMember.role == Role.TECHNICIAN.value)
        .order_by(StaffMember.display_name)
    )
    return {**audit.snapshot(office, AUDITED), "technicians": list(names)}


def _record(actor: Actor, office: Office, action: str, before: dict[str, object] | None) -> None:
    session = db_session()
    session.flush()
    after = _snapshot(office) if action != "delete" else None
    audit.record(session, actor, "office", office.id, f"{office.name} ({office.code})", action, before, after)


def create_office(actor: Actor, data: OfficeInput) -> Office:
    _require_supervisor(actor)
    data = _clean(data)
    session = db_session()
    with one_transaction(session):
        _check_code_free(data.code, None)
        technicians = _technicians(data.technician_ids)
        office = Office(code=data.code, name=data.name, email=data.email, external=data.external, active=True)
        session.add(office)
        session.flush()
        _set_technicians(office, technicians)
        _record(actor, office, "create", None)
    return office


def _office(office_id: int) -> Office:
    office = db_session().get(Office, office_id)
    if office is None:
        raise NotFound(_("There is no such office."))
    return office


def update_office(actor: Actor, office_id: int, data: OfficeInput) -> Office:
    _require_supervisor(actor)
    data = _clean(data)
    session = db_session()
    with one_transaction(session):
        office = _office(office_id)
        if data.code != office.code:
            rules = _rules_naming(office, stored=False)
            if rules:
                raise NotNow(
                    _(
                        "The code cannot change: routing rule %(rules)s sends cases to %(code)s. "
                        "Change the rule first.",
                        rules=rules,
                        code=office.code,
                    )
                )
            _check_code_free(data.code, office.id)
        technicians = _technicians(data.technician_ids)
        before = _snapshot(office)
        office.code, office.name, office.email, office.external = (
            data.code,
            data.name,
            data.email,
            data.external,
        )
        _set_technicians(office, technicians)
        _record(actor, office, "update", before)
    return office


def set_office_active(actor: Actor, office_id: int, active: bool) -> tuple[Office, int]:
    """Deactivate or reactivate; returns the office and how many open cases it holds.

    An office named by a routing rule cannot be deactivated (cases would be sent
    to it). One holding open cases can: they stay with it until someone moves
    them, and the caller warns how many there are.
    """
    _require_supervisor(actor)
    session = db_session()
    with one_transaction(session):
        office = _office(office_id)
        rules = _rules_naming(office)
        if not active and rules:
            raise NotNow(
                _(
                    "This office cannot be deactivated: routing rule %(rules)s sends cases to %(code)s. "
                    "Change the rule first.",
                    rules=rules,
                    code=office.code,
                )
            )
        before = _snapshot(office)
        changed = office.active != active
        office.active = active
        if changed:
            _record(actor, office, "activate" if active else "deactivate", before)
    return office, open_cases(office.id)


def delete_office(actor: Actor, office_id: int) -> None:
    """Only an office that never had a case, and that no routing rule names, can be deleted."""
    _require_supervisor(actor)
    session = db_session()
    with one_transaction(session):
        office = _office(office_id)
        if session.scalar(sa.select(Report.id).where(Report.office_id == office.id).limit(1)) is not None:
            raise NotNow(_("An office that has had cases cannot be deleted; deactivate it instead."))
        rules = _rules_naming(office, inactive_too=True)
        if rules:
            raise NotNow(
                _(
                    "This office cannot be deleted: routing rule %(rules)s sends cases to %(code)s.",
                    rules=rules,
                    code=office.code,
                )
            )
        if session.scalar(sa.select(Category.id).where(Category.default_office_id == office.id).limit(1)):
            raise NotNow(_("This office cannot be deleted: it is the default office of a category."))
        before = _snapshot(office)
        _record(actor, office, "delete", before)
        session.execute(sa.delete(OfficeMember).where(OfficeMember.office_id == office.id))
        session.delete(office)
