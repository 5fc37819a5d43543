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
from sqlalchemy.orm import Session

from ..context import state
from ..i18n import gettext as _
from ..models import CannedReply, Category, Report
from .errors import InvalidInput, NotFound

TITLE_MAX = 200
BODY_MAX = 10_000


class _Unset(Enum):
    UNSET = "unset"


#: "Leave as it is" for :func:`update_canned` (``None`` means "general" for a category).
UNSET = _Unset.UNSET

#: Placeholders :func:`render_canned` fills, in Italian and in English.
PLACEHOLDERS = ("numero", "number", "categoria", "category", "indirizzo", "address")
_PLACEHOLDER = re.compile(r"\{(" + "|".join(PLACEHOLDERS) + r")\}")


def list_canned(
    session: Session, *, category_id: int | None = None, language: str | None = None
) -> list[CannedReply]:
    """Active replies for a case: the general ones plus the category's, by title."""
    where: list[sa.ColumnElement[bool]] = [CannedReply.active.is_(True)]
    if category_id is None:
        where.append(CannedReply.category_id.is_(None))
    else:
        where.append(sa.or_(CannedReply.category_id.is_(None), CannedReply.category_id == category_id))
    if language is not None:
        where.append(CannedReply.language == language)
    order = (sa.func.lower(CannedReply.title), CannedReply.id)
    return list(session.scalars(sa.select(CannedReply).where(*where).order_by(*order)))


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
) -> CannedReply:
    """A new reply; ``language`` defaults to the first configured language. Commits."""
    reply = CannedReply(
        title=_title(title),
        body=_body(body),
        language=_language(language if language is not None else _languages()[0]),
        category_id=_category(session, category_id),
        active=bool(active),
    )
    session.add(reply)
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
) -> CannedReply:
    """Change the given fields (the others stay); everything is checked before anything changes. Commits."""
    if not isinstance(reply, CannedReply):
        reply = get_canned(session, reply)
    changes: dict[str, object] = {}
    if title is not UNSET:
        changes["title"] = _title(title)
    if body is not UNSET:
        changes["body"] = _body(body)
    if language is not UNSET:
        changes["language"] = _language(language)
    if category_id is not UNSET:
        changes["category_id"] = _category(session, category_id)
    if active is not UNSET:
        changes["active"] = bool(active)
    for name, value in changes.items():
        setattr(reply, name, value)
    session.commit()
    return reply


def deactivate_canned(session: Session, reply: CannedReply | int) -> CannedReply:
    """Hide a reply from operators; it stays for the record. Commits."""
    return update_canned(session, reply, active=False)


def render_canned(reply: CannedReply, report: Report, *, language: str | None = None) -> str:
    """The reply's body with the case's details in place of its placeholders.

    ``{numero}``/``{number}`` → the case's public id, ``{categoria}``/``{category}``
    → the category's name in ``language`` (the reply's by default),
    ``{indirizzo}``/``{address}`` → the address, or nothing. Only these exact
    keys are replaced, in one pass: other braces stay as written, and the
    values put in are never read for placeholders again. (``str.format``
    would let a reply's text reach into the objects' attributes.)
    """
    category = report.category
    values = {
        "numero": report.public_id,
        "number": report.public_id,
        "categoria": category.label(language or reply.language) if category is not None else "",
        "category": category.label(language or reply.language) if category is not None else "",
        "indirizzo": report.address or "",
        "address": report.address or "",
    }
    return _PLACEHOLDER.sub(lambda match: values[match.group(1)], reply.body)


# -- Checks -------------------------------------------------------------------------------------


def _title(value: object) -> str:
    title = value.strip() if isinstance(value, str) else ""
    if not 1 <= len(title) <= TITLE_MAX:
        raise InvalidInput(_("The title must be 1 to %(most)d characters long.", most=TITLE_MAX))
    return title


def _body(value: object) -> str:
    body = value.strip() if isinstance(value, str) else ""
    if not 1 <= len(body) <= BODY_MAX:
        raise InvalidInput(_("The text must be 1 to %(most)d characters long.", most=BODY_MAX))
    return body


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
