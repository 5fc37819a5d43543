"""Canned replies: ready answers operators insert into a reply and then edit.

A reply is general (no category) or belongs to one category, is written in one
of the configured languages, and is deactivated rather than deleted, so the
replies already sent keep making sense in the history.
"""

from __future__ import annotations

import re
from enum import Enum
from typing import Literal

import sqlalchemy as sa
from flask_babel import force_locale
from sqlalchemy.orm import Session

from ..access import Actor
from ..context import db_session, state
from ..formatting import cc_date
from ..i18n import gettext as _
from ..labels import public_status_label
from ..models import CannedReply, Category, Office, Report
from . import audit
from .errors import InvalidInput, NotFound

TITLE_MAX = 200
BODY_MAX = 10_000


class _Unset(Enum):
    UNSET = "unset"


#: "Leave as it is" for :func:`update_canned` (``None`` means "general" for a category).
UNSET = _Unset.UNSET

#: Placeholders :func:`render_canned` fills, in Italian and in English.
PLACEHOLDERS = (
    "numero",
    "number",
    "categoria",
    "category",
    "indirizzo",
    "address",
    "stato",
    "status",
    "ufficio",
    "office",
    "scadenza",
    "due",
)
_PLACEHOLDER = re.compile(r"\{(" + "|".join(PLACEHOLDERS) + r")\}")
#: What looks like a placeholder: a name in braces (``{numero}``, ``{foo.bar}``).
_LOOKS_LIKE_PLACEHOLDER = re.compile(r"\{\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\}")


def unknown_placeholders(body: str) -> list[str]:
    """What looks like a placeholder in ``body`` (``{foo}``, braces included) but is not one we fill."""
    known = set(PLACEHOLDERS)
    found = [m.group(0) for m in _LOOKS_LIKE_PLACEHOLDER.finditer(body) if m.group(0)[1:-1] not in known]
    return list(dict.fromkeys(found))


def list_canned(
    session: Session,
    *,
    category_id: int | None = None,
    language: str | None = None,
    status: str | None = None,
) -> list[CannedReply]:
    """Active replies for a case: the general ones plus the category's, by title.

    With ``status`` (the case's state), the ones matching both the case's category
    and state come first, then the state's, the category's, the general ones, and
    last those of other states; by title within each group.
    """
    where: list[sa.ColumnElement[bool]] = [CannedReply.active.is_(True)]
    if category_id is None:
        where.append(CannedReply.category_id.is_(None))
    else:
        where.append(sa.or_(CannedReply.category_id.is_(None), CannedReply.category_id == category_id))
    if language is not None:
        where.append(CannedReply.language == language)
    order = (sa.func.lower(CannedReply.title), CannedReply.id)
    replies = list(session.scalars(sa.select(CannedReply).where(*where).order_by(*order)))
    if status is None:
        return replies

    def rank(reply: CannedReply) -> int:
        same_category = reply.category_id is not None
        if reply.status == status:
            return 0 if same_category else 1
        if reply.status is None:
            return 2 if same_category else 3
        return 4  # another state's: still there (an answer is written before the case changes state)

    return sorted(replies, key=rank)  # stable: by title within each group


def get_canned(session: Session, reply_id: int) -> CannedReply:
    reply = session.get(CannedReply, reply_id)
    if reply is None:
        raise NotFound(_("There is no such canned reply."))
    return reply


def create_canned(
    session: Session,
    *,
    title: str,
    body: str,
    language: str | None = None,
    category_id: int | None = None,
    active: bool = True,
    actor: Actor | None = None,
) -> CannedReply:
    """A new reply; ``language`` defaults to the first configured language. Commits.

    With ``actor`` (a person on the staff screens), the body may only use known
    placeholders and the change is an entry of the audit trail.
    """
    reply = CannedReply(
        title=_title(title),
        body=_body(body, strict=actor is not None),
        language=_language(language if language is not None else _languages()[0]),
        category_id=_category(session, category_id),
        active=bool(active),
    )
    session.add(reply)
    if actor is not None:
        session.flush()
        audit.record(
            session, actor, "template", reply.id, template_label(reply), "create", None, _snapshot(reply)
        )
    session.commit()
    return reply


def update_canned(
    session: Session,
    reply: CannedReply | int,
    *,
    title: str | Literal[_Unset.UNSET] = UNSET,
    body: str | Literal[_Unset.UNSET] = UNSET,
    language: str | Literal[_Unset.UNSET] = UNSET,
    category_id: int | Literal[_Unset.UNSET] | None = UNSET,
    active: bool | Literal[_Unset.UNSET] = UNSET,
    actor: Actor | None = None,
) -> CannedReply:
    """Change the given fields (the others stay); everything is checked before anything changes. Commits.

    ``actor``: as for :func:`create_canned`.
    """
    if not isinstance(reply, CannedReply):
        reply = get_canned(session, reply)
    changes: dict[str, object] = {}
    if title is not UNSET:
        changes["title"] = _title(title)
    if body is not UNSET:
        changes["body"] = _body(body, strict=actor is not None)
    if language is not UNSET:
        changes["language"] = _language(language)
    if category_id is not UNSET:
        changes["category_id"] = _category(session, category_id)
    if active is not UNSET:
        changes["active"] = bool(active)
    before = _snapshot(reply)
    for name, value in changes.items():
        setattr(reply, name, value)
    if actor is not None:
        action = "deactivate" if before["active"] and active is False else "update"
        audit.record(
            session, actor, "template", reply.id, template_label(reply), action, before, _snapshot(reply)
        )
    session.commit()
    return reply


def deactivate_canned(
    session: Session, reply: CannedReply | int, *, actor: Actor | None = None
) -> CannedReply:
    """Hide a reply from operators; it stays for the record. Commits."""
    return update_canned(session, reply, active=False, actor=actor)


#: The fields of a template the audit trail follows.
AUDITED = ("code", "title", "body", "language", "category_id", "status", "auto_send", "active")


def _snapshot(reply: CannedReply) -> dict[str, object]:
    return audit.snapshot(reply, AUDITED)


def template_label(reply: CannedReply) -> str:
    return f"{reply.title} ({reply.code})" if reply.code else reply.title


def render_canned(reply: CannedReply, report: Report, *, language: str | None = None) -> str:
    return render_text(reply.body, report, language=language or reply.language)


def render_text(body: str, report: Report, *, language: str) -> str:
    """The reply's body with the case's details in place of its placeholders.

    ``{numero}``/``{number}`` → the case's public id, ``{categoria}``/``{category}``
    → the category's name in ``language`` (the reply's by default),
    ``{indirizzo}``/``{address}`` → the address, or nothing. Only these exact
    keys are replaced, in one pass: other braces stay as written, and the
    values put in are never read for placeholders again. (``str.format``
    would let a reply's text reach into the objects' attributes.)
    ``{stato}``/``{status}`` → the case's state as citizens read it,
    ``{ufficio}``/``{office}`` → the office in charge, or nothing,
    ``{scadenza}``/``{due}`` → the date the case is due, or nothing; all in ``language``.
    """
    # By key: a service that just set ``office_id`` (an assignment) has not refreshed the relationship.
    session = db_session()
    category = session.get(Category, report.category_id) if report.category_id is not None else None
    office_row = session.get(Office, report.office_id) if report.office_id is not None else None
    with force_locale(language):
        status = str(public_status_label(report.status))
        due = cc_date(report.due_at, "long") if report.due_at is not None else ""
    office = office_row.name if office_row is not None else ""
    values = {
        "numero": report.public_id,
        "number": report.public_id,
        "categoria": category.label(language) if category is not None else "",
        "category": category.label(language) if category is not None else "",
        "indirizzo": report.address or "",
        "address": report.address or "",
        "stato": status,
        "status": status,
        "ufficio": office,
        "office": office,
        "scadenza": due,
        "due": due,
    }
    return _PLACEHOLDER.sub(lambda match: values[match.group(1)], body)


# -- Checks -------------------------------------------------------------------------------------


def _title(value: object) -> str:
    title = value.strip() if isinstance(value, str) else ""
    if not 1 <= len(title) <= TITLE_MAX:
        raise InvalidInput(_("The title must be 1 to %(most)d characters long.", most=TITLE_MAX))
    return title


def _body(value: object, *, strict: bool = False) -> str:
    """The text; ``strict``: only known placeholders."""
    body = value.strip() if isinstance(value, str) else ""
    if not 1 <= len(body) <= BODY_MAX:
        raise InvalidInput(_("The text must be 1 to %(most)d characters long.", most=BODY_MAX))
    unknown = unknown_placeholders(body) if strict else []
    if unknown:
        raise InvalidInput(unknown_placeholder_message(unknown[0]))
    return body


def unknown_placeholder_message(name: str) -> str:
    return _(
        "The text uses the unknown placeholder %(name)s. The known ones are: %(known)s.",
        name=name,
        known=", ".join("{" + p + "}" for p in PLACEHOLDERS),
    )


def _languages() -> tuple[str, ...]:
    return state().settings.languages


def _language(value: object) -> str:
    offered = _languages()
    if not isinstance(value, str) or value not in offered:
        raise InvalidInput(
            _("Choose one of the languages offered: %(languages)s.", languages=", ".join(offered))
        )
    return value


def _category(session: Session, category_id: object) -> int | None:
    if category_id is None:
        return None
    if (
        isinstance(category_id, bool)
        or not isinstance(category_id, int)
        or session.get(Category, category_id) is None
    ):
        raise InvalidInput(_("There is no such category."))
    return category_id
