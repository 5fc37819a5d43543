"""Staff members: the row behind a host user with a staff role, made on first use; administration."""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session, selectinload

from ..access import Actor
from ..context import db_session, state, user_info_of
from ..domain.lifecycle import STAFF_ROLES, Role
from ..i18n import gettext as _
from ..i18n import offered_language
from ..models import Office, StaffMember
from . import audit
from .errors import ActionRefused, Forbidden, InvalidInput, NotFound, NotNow

log = logging.getLogger(__name__)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def staff_member_for(session: Session, user: Any, roles: frozenset[Role]) -> StaffMember | None:
    """The staff row of a host user with a staff role, created on first use.

    Hosts may map roles with their own hook instead of our staff table; actions
    still need a row to record who did them, so we make one.
    """
    if not (roles & STAFF_ROLES) or user is None or not getattr(user, "is_authenticated", False):
        return None
    user_id = str(user.get_id())
    member = session.scalar(
        sa.select(StaffMember)
        .where(StaffMember.user_id == user_id)
        .options(selectinload(StaffMember.offices))
    )
    if member is None:
        info = user_info_of(user)
        top = max(
            roles & STAFF_ROLES, key=lambda r: ["technician", "operator", "manager", "admin"].index(r.value)
        )
        member = StaffMember(
            user_id=user_id,
            display_name=(info.name or info.email or user_id)[:200],
            email=info.email,
            locale=offered_language(info.locale),
            role=top.value,
        )
        session.add(member)
        session.commit()
    return member if member.active else None


def office_members(session: Session, office: Office) -> list[StaffMember]:
    return list(
        session.scalars(
            sa.select(StaffMember)
            .join(StaffMember.offices)
            .where(Office.id == office.id, StaffMember.active.is_(True))
            .order_by(StaffMember.display_name)
        )
    )


def save_staff_member(
    user_id: str, *, role: str, display_name: str, email: str | None = None, office_codes: Iterable[str] = ()
) -> StaffMember:
    """Create or update the staff row of a host user; raises ``ValueError`` for unknown offices or roles."""

    session = db_session()
    if role not in {r.value for r in STAFF_ROLES}:
        raise ValueError(f"unknown role {role!r}")
    codes = list(dict.fromkeys(office_codes))
    offices = list(session.scalars(sa.select(Office).where(Office.code.in_(codes)))) if codes else []
    missing = set(codes) - {o.code for o in offices}
    if missing:
        raise ValueError(f"unknown office(s): {', '.join(sorted(missing))}")
    member = session.scalar(sa.select(StaffMember).where(StaffMember.user_id == str(user_id)))
    if member is None:
        member = StaffMember(user_id=str(user_id))
        session.add(member)
    member.role, member.display_name, member.email, member.active = role, display_name, email, True
    member.offices = offices
    session.commit()
    return member


def deactivate_staff_member(user_id: str) -> bool:

    session = db_session()
    member = session.scalar(
        sa.select(StaffMember).where(StaffMember.user_id == str(user_id), StaffMember.active.is_(True))
    )
    if member is None:
        return False
    member.active = False
    session.commit()
    return True


# --- Administration of the staff table (admins only) ------------------------------------------------

#: A host user id: what ``get_id()`` gives, at most as long as our column.
MAX_USER_ID = 128
#: All-digit ids must fit a 64-bit integer key, so a host's loader cannot overflow on them.
_MAX_NUMERIC_ID = 2**63 - 1
_ROLE_ORDER = ["technician", "operator", "manager", "admin"]


def clean_user_id(text: str | None) -> str:
    """A host user id from a form; :class:`InvalidInput` if too long, with control characters, or huge."""
    value = (text or "").strip()
    if not value:
        raise InvalidInput(_("Enter the user id of the person in the site."))
    if (
        len(value) > MAX_USER_ID
        or _CONTROL.search(value)
        or (value.isdigit() and (len(value) > 19 or int(value) > _MAX_NUMERIC_ID))
    ):
        raise InvalidInput(_("This is not a valid user id."))
    return value


def _host_user(user_id: str) -> Any:
    """The host's user object for ``user_id`` through its Flask-Login user loader, or ``None``."""
    manager = getattr(current_app, "login_manager", None)
    loader = getattr(manager, "_user_callback", None)
    if loader is None:
        return None
    try:
        return loader(user_id)
    except Exception:  # a host loader that chokes on an odd id: the user is simply not there
        db_session().rollback()
        return None


AUDITED = ("user_id", "display_name", "email", "role", "active")


def _snapshot(member: StaffMember) -> dict[str, Any]:
    return {**audit.snapshot(member, AUDITED), "offices": sorted(o.code for o in member.offices)}


def _record(actor: Actor, member: StaffMember, action: str, before: dict[str, Any] | None) -> None:
    session = db_session()
    session.flush()
    audit.record(session, actor, "staff", member.id, member.display_name, action, before, _snapshot(member))


def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden(_("Only administrators manage the staff."))


def _clean_details(display_name: str | None, email: str | None) -> tuple[str, str | None]:
    name = (display_name or "").strip()
    if not name:
        raise InvalidInput(_("Enter the name shown to colleagues."))
    if len(name) > 200 or _CONTROL.search(name):
        raise InvalidInput(_("The name is too long or holds control characters."))
    mail = (email or "").strip() or None
    if mail is not None and (len(mail) > 254 or _CONTROL.search(mail) or "@" not in mail or " " in mail):
        raise InvalidInput(_("Enter a valid e-mail address, or leave it empty."))
    return name, mail


def _offices_by_code(session: Session, office_codes: Iterable[str]) -> list[Office]:
    codes = list(dict.fromkeys(office_codes))
    offices = list(session.scalars(sa.select(Office).where(Office.code.in_(codes)))) if codes else []
    if set(codes) - {o.code for o in offices}:
        raise InvalidInput(_("Choose offices from the list."))
    return offices


def _check_role(role: str | None) -> str:
    if role not in {r.value for r in STAFF_ROLES}:
        raise InvalidInput(_("Choose a role from the list."))
    return role


def _other_active_admins(session: Session, member: StaffMember) -> int:
    """Active admins besides ``member``, rows locked so two admins cannot both step down at once."""
    ids = session.scalars(
        sa.select(StaffMember.id)
        .where(StaffMember.role == "admin", StaffMember.active.is_(True), StaffMember.id != member.id)
        .with_for_update()
    ).all()
    return len(ids)


def _keeps_an_admin(session: Session, member: StaffMember, *, role: str, active: bool) -> None:
    losing = member.active and member.role == "admin" and not (active and role == "admin")
    if losing and _other_active_admins(session, member) == 0:
        raise NotNow(
            _(
                "%(name)s is the last active administrator: make someone else administrator first.",
                name=member.display_name,
            )
        )


def add_staff_member(
    actor: Actor,
    user_id: str | None,
    *,
    role: str | None,
    display_name: str | None,
    email: str | None = None,
    office_codes: Iterable[str] = (),
) -> StaffMember:
    """Give an existing host user a staff row; raises :class:`ActionRefused` and changes nothing if refused.

    Only users the host already has are linked (we do not make accounts here). When the host maps
    roles itself, the role is what its loader says, not what the form sent.
    """
    _require_admin(actor)
    session = db_session()
    uid = clean_user_id(user_id)
    name, mail = _clean_details(display_name, email)
    offices = _offices_by_code(session, office_codes)
    if not state().host_maps_roles:
        _check_role(role)
    existing = session.scalar(sa.select(StaffMember).where(StaffMember.user_id == uid))
    if existing is not None:
        raise NotNow(
            _("%(name)s is already on the staff list: change them there instead.", name=existing.display_name)
        )
    user = _host_user(uid)
    if user is None:
        raise InvalidInput(_("The site has no user with this id."))
    if state().host_maps_roles:
        staff_roles = state().roles_for(user) & STAFF_ROLES
        if not staff_roles:
            raise InvalidInput(_("The site gives this user no staff role: the site decides roles."))
        role = max((r.value for r in staff_roles), key=_ROLE_ORDER.index)
    member = StaffMember(
        user_id=uid,
        display_name=name,
        email=mail,
        role=_check_role(role),
        locale=offered_language(user_info_of(user).locale),
        offices=offices,
    )
    session.add(member)
    _record(actor, member, "create", None)
    session.commit()
    return member


def _member(session: Session, member_id: int) -> StaffMember:
    member = session.scalar(
        sa.select(StaffMember)
        .where(StaffMember.id == member_id)
        .options(selectinload(StaffMember.offices))
        .with_for_update()
    )
    if member is None:
        raise NotFound(_("There is no such staff member."))
    return member


def update_staff_member(
    actor: Actor,
    member_id: int,
    *,
    role: str | None,
    display_name: str | None,
    email: str | None = None,
    office_codes: Iterable[str] = (),
) -> StaffMember:
    """Change a member's role, offices, name and e-mail; the role is left alone when the host maps roles."""
    _require_admin(actor)
    session = db_session()
    member = _member(session, member_id)
    name, mail = _clean_details(display_name, email)
    offices = _offices_by_code(session, office_codes)
    new_role = member.role if state().host_maps_roles else _check_role(role)
    _keeps_an_admin(session, member, role=new_role, active=member.active)
    before = _snapshot(member)
    member.role, member.display_name, member.email, member.offices = new_role, name, mail, offices
    _record(actor, member, "update", before)
    session.commit()
    return member


def set_staff_member_active(actor: Actor, member_id: int, active: bool) -> StaffMember:
    """Deactivate or reactivate; rows are never deleted, since cases name who did what."""
    _require_admin(actor)
    session = db_session()
    member = _member(session, member_id)
    _keeps_an_admin(session, member, role=member.role, active=active)
    before = _snapshot(member)
    changed = member.active != active
    member.active = active
    if changed:
        _record(actor, member, "activate" if active else "deactivate", before)
    session.commit()
    return member


def can_invite() -> bool:
    """Whether the host registered ``@citizencare.user_factory``, so staff can be invited by e-mail."""
    return state().user_factory is not None


def invite_staff_member(
    actor: Actor,
    *,
    email: str | None,
    display_name: str | None,
    role: str | None,
    office_codes: Iterable[str] = (),
) -> StaffMember:
    """Create the person's account in the host (its ``user_factory``), then their staff row.

    The account gets a random password the person never sees: they choose theirs
    with the site's own password reset. When the host maps roles, the role is the
    one its loader gives the new account; if it gives none, the account stays (it
    is the site's) and the refusal says to give it a staff role there and link it.
    """
    _require_admin(actor)
    factory = state().user_factory
    if factory is None:
        raise NotNow(_("The site does not let us create accounts: link a person who already has one."))
    session = db_session()
    name, mail = _clean_details(display_name, email)
    if mail is None:
        raise InvalidInput(_("Enter the e-mail address of the person to invite."))
    offices = _offices_by_code(session, office_codes)
    if not state().host_maps_roles:
        _check_role(role)
    taken = session.scalar(sa.select(StaffMember).where(sa.func.lower(StaffMember.email) == mail.lower()))
    if taken is not None:
        raise NotNow(
            _(
                "%(name)s is already on the staff list with this address: change them there.",
                name=taken.display_name,
            )
        )
    try:
        uid = clean_user_id(str(factory(mail, name, mail, secrets.token_urlsafe(24))))
    except ActionRefused:
        raise
    except Exception:
        session.rollback()
        log.warning("the host's user_factory refused to create an account", exc_info=True)
        raise InvalidInput(
            _(
                "The site could not create an account for this address (it may already have one): "
                "link the existing user by their id instead."
            )
        ) from None
    if session.scalar(sa.select(StaffMember.id).where(StaffMember.user_id == uid)) is not None:
        session.commit()  # the site's account is the site's business
        raise NotNow(_("This person is already on the staff list: change them there instead."))
    user = _host_user(uid)
    if state().host_maps_roles:
        staff_roles = state().roles_for(user) & STAFF_ROLES if user is not None else frozenset()
        if not staff_roles:
            session.commit()  # the site's account is the site's business
            raise NotNow(
                _(
                    "The account was created in the site (user id %(id)s), but the site gives it no staff "
                    "role: give it one in the site, then link this user id here.",
                    id=uid,
                )
            )
        role = max((r.value for r in staff_roles), key=_ROLE_ORDER.index)
    member = StaffMember(
        user_id=uid,
        display_name=name,
        email=mail,
        role=_check_role(role),
        locale=offered_language(user_info_of(user).locale) if user is not None else None,
        offices=offices,
    )
    session.add(member)
    _record(actor, member, "invite", None)
    session.commit()
    return member
