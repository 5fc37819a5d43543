"""The staff's library: the knowledge base of resolved cases and the canned replies."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError

from ...context import db_session
from ...domain.lifecycle import Role
from ...i18n import gettext as _
from ...parsing import InputError, optional_id
from ...queries.reports import active_categories
from ...services.canned import UNSET, create_canned, deactivate_canned, list_canned, update_canned
from ...services.errors import ActionRefused
from ...services.knowledge import search_resolved
from .forms import CsrfForm

EDITORS = frozenset({Role.OPERATOR, Role.MANAGER, Role.ADMIN})


def _int(value: str | None) -> int | None:
    """An id from the query string or the raw form; a value that is not one is a 400."""
    try:
        return optional_id(value)
    except InputError:
        abort(400)


def knowledge() -> ResponseReturnValue:
    query = (request.args.get("q") or "").strip()[:500]
    category_id = _int(request.args.get("category"))
    hits = search_resolved(db_session(), query, category_id=category_id, actor=g.cc_actor) if query else []
    return render_template(
        "citizencare/staff/knowledge.html",
        query=query,
        hits=hits,
        categories=active_categories(),
        category_id=category_id,
    )


def canned() -> ResponseReturnValue:
    session = db_session()
    editor = bool(g.cc_actor.roles & EDITORS)
    error, status = None, 200
    csrf = CsrfForm()
    if request.method == "POST":
        if not editor:
            abort(403)
        if not csrf.validate():
            raise CSRFError(_("The form has expired"))
        form = request.form
        try:
            reply_id = _int(form.get("id"))
            if form.get("deactivate") and reply_id is not None:
                deactivate_canned(session, reply_id, actor=g.cc_actor)
                flash(_("Canned reply removed."), "success")
            elif reply_id is not None:
                update_canned(
                    session,
                    reply_id,
                    title=form.get("title", ""),
                    body=form.get("body", ""),
                    language=form.get("language") or UNSET,
                    category_id=_int(form.get("category")),
                    actor=g.cc_actor,
                )
                flash(_("Canned reply saved."), "success")
            else:
                create_canned(
                    session,
                    title=form.get("title", ""),
                    body=form.get("body", ""),
                    language=form.get("language") or None,
                    category_id=_int(form.get("category")),
                    actor=g.cc_actor,
                )
                flash(_("Canned reply saved."), "success")
            return redirect(url_for(".canned"), code=303)
        except ActionRefused as refusal:
            session.rollback()
            error, status = refusal.message, refusal.status_code
    return render_template(
        "citizencare/staff/canned.html",
        replies=list_canned(session),
        categories=active_categories(),
        editor=editor,
        error=error,
        csrf=csrf,
    ), status
