"""Response templates as managers and admins keep them: create, edit, deactivate, reactivate.

A template is a :class:`~..models.CannedReply` with a code (catalogue files name
it), optionally a category and a lifecycle state, and optionally ``auto_send``:
posted by itself when a case enters its state (:mod:`.auto_replies`). Each
function is one transaction, checks everything before it writes and records
its audit entry in the same transaction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa

from ..access import Actor
from ..context import db_session, state
from ..domain.lifecycle import Status
from ..i18n import gettext as _
from ..models import CannedReply, Category
from . import audit
from .canned import AUDITED, BODY_MAX, TITLE_MAX, unknown_placeholder_message, unknown_placeholders
from .canned import template_label as canned_label
from .errors import Forbidden, InvalidInput, NotFound
from .transactions import one_transaction

#: A code as catalogue files name a template: lowercase letters, digits, hyphens and underscores.
CODE = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+)*")
CODE_MAX = 64
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class TemplateInput:
    code: str
    title: str
    body: str
    language: str
    category_id: int | None = None
    status: str | None = None
    auto_send: bool = False


def _invalid(field: str, message: str) -> InvalidInput:
    """The refusal, naming the form field to fix (``field``) so the page's summary links to it."""
    error = InvalidInput(message)
    error.field = field  # type: ignore[attr-defined]
    return error


def _require_supervisor(actor: Actor) -> None:
    if not actor.supervises:
        raise Forbidden(_("Only managers and administrators change the response templates."))


def _template(template_id: int) -> CannedReply:
    template = db_session().get(CannedReply, template_id)
    if template is None:
        raise NotFound(_("There is no such response template."))
    return template


def _clean(data: TemplateInput, current: CannedReply | None) -> TemplateInput:
    code = (data.code or "").strip().lower()
    if not code or len(code) > CODE_MAX or not CODE.fullmatch(code):
        raise _invalid(
            "code",
            _(
                "The code must be at most 64 lowercase letters, digits, hyphens and underscores, "
                "such as taken-in-charge."
            ),
        )
    title = (data.title or "").strip()
    if not 1 <= len(title) <= TITLE_MAX or _CONTROL.search(title) or "\n" in title:
        raise _invalid("title", _("The title must be 1 to %(most)d characters long.", most=TITLE_MAX))
    body = (data.body or "").strip()
    if not 1 <= len(body) <= BODY_MAX:
        raise _invalid("body", _("The text must be 1 to %(most)d characters long.", most=BODY_MAX))
    if _CONTROL.search(body):
        raise _invalid("body", _("The text holds control characters: remove them."))
    unknown = unknown_placeholders(body)
    if unknown:
        raise _invalid("body", unknown_placeholder_message(unknown[0]))
    offered = state().settings.languages
    if data.language not in offered:
        raise _invalid(
            "language", _("Choose one of the languages offered: %(languages)s.", languages=", ".join(offered))
        )
    if data.category_id is not None:
        category = db_session().get(Category, data.category_id)
        unchanged = current is not None and current.category_id == data.category_id
        if category is None or (not category.active and not unchanged):
            raise _invalid("category", _("Choose an active category, or none for every category."))
    if data.status is not None and data.status not in {s.value for s in Status}:
        raise _invalid("status", _("Choose a state from the list, or none for every state."))
    if data.auto_send and data.status is None:
        raise _invalid("auto_send", _("A template sent automatically needs the state that sends it."))
    return TemplateInput(
        code, title, body, data.language, data.category_id, data.status, bool(data.auto_send)
    )


def _check_code_free(code: str, template_id: int | None) -> None:
    query = sa.select(CannedReply.id).where(sa.func.lower(CannedReply.code) == code)
    if template_id is not None:
        query = query.where(CannedReply.id != template_id)
    if db_session().scalar(query) is not None:
        raise _invalid("code", _("Another response template already has the code %(code)s.", code=code))


def label(template: CannedReply) -> str:
    return canned_label(template)


def create_template(actor: Actor, data: TemplateInput) -> CannedReply:
    _require_supervisor(actor)
    session = db_session()
    with one_transaction(session):
        clean = _clean(data, None)
        _check_code_free(clean.code, None)
        template = CannedReply(
            code=clean.code,
            title=clean.title,
            body=clean.body,
            language=clean.language,
            category_id=clean.category_id,
            status=clean.status,
            auto_send=clean.auto_send,
            active=True,
        )
        session.add(template)
        session.flush()
        audit.record(
            session, actor, "template", template.id, label(template), "create", None, _snapshot(template)
        )
    return template


def update_template(actor: Actor, template_id: int, data: TemplateInput) -> CannedReply:
    _require_supervisor(actor)
    session = db_session()
    with one_transaction(session):
        template = _template(template_id)
        clean = _clean(data, template)
        _check_code_free(clean.code, template.id)
        before = _snapshot(template)
        template.code, template.title, template.body, template.language = (
            clean.code,
            clean.title,
            clean.body,
            clean.language,
        )
        template.category_id, template.status, template.auto_send = (
            clean.category_id,
            clean.status,
            clean.auto_send,
        )
        audit.record(
            session, actor, "template", template.id, label(template), "update", before, _snapshot(template)
        )
    return template


def set_template_active(actor: Actor, template_id: int, active: bool) -> CannedReply:
    """Deactivate (operators no longer see it, it is no longer sent) or reactivate; never deleted."""
    _require_supervisor(actor)
    session = db_session()
    with one_transaction(session):
        template = _template(template_id)
        if template.active != active:
            before = _snapshot(template)
            template.active = active
            action = "activate" if active else "deactivate"
            audit.record(
                session, actor, "template", template.id, label(template), action, before, _snapshot(template)
            )
    return template


def _snapshot(template: CannedReply) -> dict[str, object]:
    return audit.snapshot(template, AUDITED)
