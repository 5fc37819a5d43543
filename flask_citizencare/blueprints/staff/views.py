"""Staff pages: the triage queue and the case workspace. Thin: parse, call a service, render."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy.orm import selectinload

from ...access import Actor, can_see, is_assigned
from ...context import current_roles, db_session, is_staff, state
from ...domain.lifecycle import FIRST_LINE, Action, Kind, Priority, Status, available
from ...domain.sla import remaining, sla_state
from ...i18n import current_language
from ...i18n import gettext as _
from ...labels import staff_status_labels
from ...models import Office, Photo, Report, StaffMember
from ...models.base import utcnow
from ...parsing import InputError, parse_id
from ...queries.reports import active_categories, public_number_of, report_id_by_number
from ...queries.triage_queue import QueueFilters, queue_counts, queue_page
from ...services import sla
from ...services.canned import list_canned, render_canned
from ...services.cases import Classification, Moderation
from ...services.cases import classify as classify_case
from ...services.cases import moderate as moderate_case
from ...services.conversion import accepts, convert_kind, supports_to_remove
from ...services.duplicates import similar_reports
from ...services.errors import ActionRefused
from ...services.proposal_answers import discard_draft, publish_answer, save_draft
from ...services.questions import shown_answers
from ...services.staff import staff_member_for
from ...services.suggestion_display import shown_for_case
from ...services.suggestions import for_reports
from ...services.threads import post_message
from ...services.triage import ActionInput, apply_action, load_case
from ...web.requests import accepts_photos
from ..public.views import _send_photo
from .answers import AnswerForm, PublishForm, answer_context, first_error
from .forms import (
    ActionForm,
    BulkForm,
    ClassificationForm,
    ConversionForm,
    MessageForm,
    ModerationForm,
    QueueFilterForm,
    SuggestionForm,
    fill_queue_choices,
    priority_labels,
)
from .intake import intake_view


def require_staff() -> ResponseReturnValue | None:
    """Every staff page: a logged-in user with a staff role, known to our staff table."""
    if not current_user or not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()  # type: ignore[attr-defined,no-any-return]
    roles = current_roles()
    member = staff_member_for(db_session(), current_user, roles) if is_staff(roles) else None
    if member is None:
        abort(403)
    g.cc_actor = Actor(member, roles)
    return None


def staff_context() -> dict[str, Any]:
    return {"actor": g.get("cc_actor")}


def actor() -> Actor:
    return g.cc_actor  # type: ignore[no-any-return]


def _offices() -> list[Office]:
    return list(db_session().scalars(sa.select(Office).where(Office.active.is_(True)).order_by(Office.name)))


def _staff_members() -> list[StaffMember]:
    return list(
        db_session().scalars(
            sa.select(StaffMember)
            .where(StaffMember.active.is_(True))
            .options(selectinload(StaffMember.offices))
            .order_by(StaffMember.display_name)
        )
    )


def _valid(field: Any) -> Any:
    """A filter's value, or ``None`` when it was refused (the form says why; the rest still applies)."""
    return None if field.errors else (field.data or None)


def queue() -> ResponseReturnValue:
    categories = list(active_categories())
    offices = _offices()
    form = QueueFilterForm(request.args)
    fill_queue_choices(form, categories, offices, current_language())
    status = 200
    if request.args and not form.validate():
        status = 400
    statuses = frozenset(form.status.data or []) & {s.value for s in Status} if form.status.data else None
    filters = QueueFilters(
        **({"statuses": statuses} if statuses else {}),
        category_id=_valid(form.category),
        office_id=_valid(form.office),
        level=int(form.level.data) if _valid(form.level) in ("1", "2") else None,
        priority=_valid(form.priority),
        channel=_valid(form.channel),
        sla=_valid(form.sla),
        proposals=_valid(form.proposals),
        bbox=None if form.area.errors else form.bbox(state().settings.districts),
        text=(_valid(form.q) or "").strip() or None,
        received_from=_valid(form.received_from),
        received_to=_valid(form.received_to),
        sort=_valid(form.sort) or "triage",
    )
    now = utcnow()
    soon = sla.soon(now)
    session = db_session()
    page = queue_page(
        session,
        actor(),
        filters,
        now=now,
        soon=soon,
        after=_valid(form.after),
        limit=current_app.config["CITIZENCARE_QUEUE_PAGE_SIZE"],
    )
    counts = queue_counts(session, actor(), filters, now=now, soon=soon)
    bulk = BulkForm()
    bulk.office.choices = [("", "—")] + [(str(o.id), o.name) for o in offices]
    bulk.assignee.choices = [("", "—")] + [(str(m.id), m.display_name) for m in _staff_members()]
    bulk.back.data = request.full_path
    return render_template(
        "citizencare/staff/queue.html",
        suggested=for_reports(session, page.reports, language=current_language()),
        suggestion_form=SuggestionForm(),
        form=form,
        page=page,
        counts=counts,
        filters=filters,
        now=now,
        soon=soon,
        bulk=bulk,
        status_labels=staff_status_labels(),
        priority_labels=priority_labels(),
    ), status


def _safe_back(target: str | None) -> str:
    parts = urlsplit(target or "")
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and not parts.netloc
        and not parts.scheme
    ):
        return target
    return url_for(".queue")


def bulk() -> ResponseReturnValue:
    form = BulkForm()
    if not form.validate():
        abort(400)
    action = Action(form.action.data)
    done, refused = [], []
    for item in request.form.getlist("report"):
        report_id, _sep, version = item.partition(":")
        try:
            rid, ver = parse_id(report_id), parse_id(version)
        except InputError:
            abort(400)
        data = ActionInput(expected_version=ver, office_id=form.office.data, assignee_id=form.assignee.data)
        try:
            done.append(apply_action(actor(), rid, action, data).public_id)
        except ActionRefused as refusal:
            refused.append(f"{rid}: {refusal.message}")
    if done:
        flash(
            _("Done on %(count)d case(s): %(numbers)s", count=len(done), numbers=", ".join(done)), "success"
        )
    for message in refused:
        flash(message, "error")
    return redirect(_safe_back(form.back.data), code=303)


def _case_context(report: Report) -> dict[str, Any]:
    me = actor()
    session = db_session()
    actions = [
        t
        for t in available(Status(report.status), report.level, me.roles)
        if not t.assigned_only or is_assigned(me, report)
    ]
    now = utcnow()
    calendar = sla.calendar()

    due = report.due_at
    canned = [
        (reply, render_canned(reply, report))
        for reply in list_canned(
            session, category_id=report.category_id, language=current_language(), status=report.status
        )
    ]
    shown = shown_for_case(session, me, report, language=current_language())
    return {
        "suggested": shown.suggestions,
        "openable": shown.openable,
        "suggestion_form": SuggestionForm(),
        "canned": canned,
        "report": report,
        "answers": shown_answers(report, current_language()),
        "actions": actions,
        "needs": {t.action.value: {n.value for n in t.needs} for t in actions},
        "offices": _offices(),
        "staff_members": _staff_members(),
        "categories": list(active_categories()),
        "sla_state": sla_state(due, now, calendar) if Status(report.status).is_open else None,
        "remaining": remaining(due, now, calendar) if due is not None else None,
        "nearby": similar_reports(session, report, actor=me),
        "status_labels": staff_status_labels(),
        "priority_labels": priority_labels(),
        "priorities": list(Priority),
        "action_form": ActionForm(),
        "moderation_form": ModerationForm(),
        "classification_form": ClassificationForm(),
        "message_form": MessageForm(),
        "may_moderate": bool(me.roles & {"operator", "manager", "admin"}),
        **answer_context(me, report),
        **_conversion_context(report, me),
    }


def _conversion_context(report: Report, me: Actor) -> dict[str, Any]:
    """The "turn into a proposal / a report" form: the kind it would become, where, what it removes."""
    if not me.roles & FIRST_LINE or report.duplicate_of_id is not None:
        return {"conversion": None}
    target = Kind.ISSUE if report.kind == Kind.PROPOSAL.value else Kind.PROPOSAL
    return {
        "conversion": {
            "target": target.value,
            "categories": [c for c in active_categories() if accepts(c, target)],
            "keeps_category": accepts(report.category, target),
            "supports": supports_to_remove(report),
            "answered": report.answered_at is not None,
        },
        "conversion_form": ConversionForm(),
    }


def _load(report_id: int) -> Report:
    try:
        return load_case(db_session(), actor(), report_id)
    except ActionRefused:
        abort(404)


def _case_id(public_id: str) -> int:
    """The internal id of the case a staff URL names by its public number; 404 for anything else."""
    report_id = report_id_by_number(db_session(), public_id)
    if report_id is None:
        abort(404)
    return report_id


def old_case_address(report_id: int, rest: str = "") -> ResponseReturnValue:
    """Staff URLs used to carry the internal id: links in mails already sent keep working.

    The case page answers 301 (permanent: bookmarks and mail links move to the
    number); its forms answer 308, which keeps the method and the posted form.
    """
    public_id = public_number_of(db_session(), report_id)
    if public_id is None:
        abort(404)
    target = url_for(".case", public_id=public_id) + ("/" + rest if rest else "")
    if request.query_string:
        target += "?" + request.query_string.decode("latin-1")
    return redirect(target, code=301 if request.method in ("GET", "HEAD") else 308)


def case(public_id: str) -> ResponseReturnValue:
    report = _load(_case_id(public_id))
    return render_template("citizencare/staff/case.html", **_case_context(report))


def _refused(report_id: int, refusal: ActionRefused, answer_form: Any = None) -> ResponseReturnValue:
    """The case page again with the refusal; ``answer_form``: the draft answer as typed, to keep it."""
    if refusal.status_code == 404:
        abort(404)
    db_session().expire_all()
    report = _load(report_id)
    context = _case_context(report)
    if answer_form is not None:
        context.update(answer_context(actor(), report, answer_form))
    return render_template(
        "citizencare/staff/case.html", error=refusal.message, **context
    ), refusal.status_code


def _submit_case_form(
    report_id: int, form: Any, change: Callable[[], str], *, anchor: str | None = None
) -> ResponseReturnValue:
    """The shape every case form shares: validate, call the service, re-render on refusal, else redirect.

    ``change`` runs the service with the validated form and returns the message to flash.
    """
    if not form.validate():
        return _refused(
            report_id, ActionRefused(_("The form was not complete: reload the case and try again."))
        )
    try:
        done = change()
    except ActionRefused as refusal:
        return _refused(report_id, refusal)
    flash(done, "success")
    public_id = public_number_of(db_session(), report_id)
    return redirect(url_for(".case", public_id=public_id, _anchor=anchor), code=303)


def act(public_id: str, action: str) -> ResponseReturnValue:
    report_id = _case_id(public_id)
    if action not in {a.value for a in Action}:
        abort(404)
    form = ActionForm()

    def change() -> str:
        data = ActionInput(
            expected_version=form.version.data,
            note=form.note.data,
            public_reply=form.public_reply.data,
            office_id=form.office.data,
            assignee_id=form.assignee.data,
            master_number=form.master.data or None,
        )
        report = apply_action(actor(), report_id, Action(action), data)
        status = staff_status_labels()[Status(report.status)]
        return str(_("Done: %(number)s is now %(status)s.", number=report.public_id, status=status))

    return _submit_case_form(report_id, form, change)


def convert(public_id: str) -> ResponseReturnValue:
    """Turn the case into a proposal or a report; supports go only with the confirmed number."""
    report_id = _case_id(public_id)
    form = ConversionForm()

    def change() -> str:
        report = _load(report_id)
        category = None
        if form.category.data is not None:
            category = next((c for c in active_categories() if c.id == form.category.data), None)
            if category is None:
                raise ActionRefused(_("Choose a category from the list."))
        converted = convert_kind(
            report,
            actor(),
            Kind(form.kind.data),
            category,
            expected_version=form.version.data,
            confirmed_removal=form.confirm_supports.data,
        )
        if converted.kind == Kind.PROPOSAL.value:
            return str(_("%(number)s is now a proposal.", number=converted.public_id))
        return str(_("%(number)s is now a report.", number=converted.public_id))

    return _submit_case_form(report_id, form, change, anchor=None)


def moderate(public_id: str) -> ResponseReturnValue:
    report_id = _case_id(public_id)
    form = ModerationForm()

    def change() -> str:
        hidden = [i for i in form.hidden_photos.data or [] if i is not None]
        data = Moderation(
            expected_version=form.version.data,
            is_public=form.is_public.data,
            public_title=form.public_title.data,
            public_description=form.public_description.data,
            hidden_photo_ids=hidden,
        )
        moderate_case(actor(), report_id, data)
        return str(_("Moderation saved."))

    return _submit_case_form(report_id, form, change)


def classify(public_id: str) -> ResponseReturnValue:
    report_id = _case_id(public_id)
    form = ClassificationForm()
    form.priority.choices = [p.value for p in Priority]

    def change() -> str:
        data = Classification(
            expected_version=form.version.data,
            category_id=form.category.data,
            priority=form.priority.data,
        )
        classify_case(actor(), report_id, data)
        return str(_("Classification saved."))

    return _submit_case_form(report_id, form, change)


def reply(public_id: str) -> ResponseReturnValue:
    """A message in the case's thread: a public answer, a private one to the reporter, an internal note."""
    report_id = _case_id(public_id)
    form = MessageForm()

    def change() -> str:
        post_message(
            actor(),
            report_id,
            expected_version=form.version.data,
            visibility=form.visibility.data,
            body=form.body.data,
        )
        return str(_("Message sent."))

    return _submit_case_form(report_id, form, change, anchor="thread")


def answer_save(public_id: str) -> ResponseReturnValue:
    """Save the draft of a proposal's official answer (staff only see it; nobody is mailed)."""
    report_id = _case_id(public_id)
    form = AnswerForm()
    if not form.validate():
        message = first_error(form) or _("The form was not complete: reload the case and try again.")
        return _refused(report_id, ActionRefused(message), answer_form=form)
    try:
        save_draft(report_id, actor(), form.data_for_service())
    except ActionRefused as refusal:
        return _refused(report_id, refusal, answer_form=form)
    flash(_("Draft answer saved. Only staff see it until you publish it."), "success")
    return redirect(url_for(".case", public_id=public_id, _anchor="answer"), code=303)


def answer_publish(public_id: str) -> ResponseReturnValue:
    """Publish the saved draft: the second, confirmed step; the mails are queued now."""
    report_id = _case_id(public_id)
    form = PublishForm()
    if not form.validate():
        return _refused(
            report_id, ActionRefused(_("The form was not complete: reload the case and try again."))
        )
    if not form.confirm.data:
        return _refused(report_id, ActionRefused(_("Tick the confirmation to publish the answer.")))
    try:
        publish_answer(report_id, actor(), expected_version=form.version.data)
    except ActionRefused as refusal:
        return _refused(report_id, refusal)
    flash(_("Answer published: the public page shows it and the mails are on their way."), "success")
    return redirect(url_for(".case", public_id=public_id, _anchor="answer"), code=303)


def answer_discard(public_id: str) -> ResponseReturnValue:
    """Throw the draft answer away (staff only ever saw it)."""
    report_id = _case_id(public_id)
    form = PublishForm()
    if not form.validate():
        return _refused(
            report_id, ActionRefused(_("The form was not complete: reload the case and try again."))
        )
    try:
        discard_draft(report_id, actor(), form.version.data or 0)
    except ActionRefused as refusal:
        return _refused(report_id, refusal)
    flash(_("Draft answer discarded."), "success")
    return redirect(url_for(".case", public_id=public_id, _anchor="answer"), code=303)


def photo(key: str) -> ResponseReturnValue:
    """Any photo of a case the staff member may see, hidden ones included."""
    found = (
        db_session().scalar(
            sa.select(Photo).where(sa.or_(Photo.storage_key == key, Photo.thumbnail_key == key))
        )
        if len(key) <= 80
        else None
    )
    if found is None or not can_see(actor(), found.report):
        abort(404)
    return _send_photo(found, key, "private, no-store")


@accepts_photos
def intake() -> ResponseReturnValue:

    return intake_view()
