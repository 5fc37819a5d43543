"""The back office of service notices: list, write and edit, publish, post steps, discard a draft.

Operators, managers and administrators write notices and post their steps;
only managers and administrators publish (an operator sees why the button is
not there, and a POST of theirs is a 403). Times are typed in the
municipality's time zone. Thin: the rules are in :mod:`...services.notices`,
whose refusals are shown on the form; the figures come from
:mod:`...queries.notice_admin`.
"""

from __future__ import annotations

import json
from datetime import datetime, tzinfo
from typing import Any

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from geoalchemy2.shape import to_shape
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    Field,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import HiddenInput

from ...context import db_session, state
from ...domain.notices import lifecycle
from ...domain.notices.areas import MAX_GEOJSON, AreaError, check_inside, districts_area, parse_geojson
from ...domain.notices.lifecycle import Impact, NoticeKind
from ...i18n import current_language, language_name, languages
from ...i18n import gettext as _
from ...i18n import lazy_gettext as _l
from ...labels import notice_status_label
from ...models import Category, ServiceNotice
from ...parsing import InputError, optional_id
from ...queries.audit import history
from ...queries.notice_admin import (
    FREQUENCIES,
    TOPICS,
    VIEWS,
    notice_mail_figures,
    staff_notice,
    staff_notices,
    subscriber_figures,
)
from ...queries.reports import active_categories
from ...services import notices as service
from ...services.errors import ActionRefused
from ...web.forms import CitizenCareForm
from .forms import CsrfForm

_TIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
_TIME_MESSAGE = _l("Give the date and time as day, month, year, hours and minutes.")
#: A page number the list accepts (far beyond any real list).
_MAX_PAGE = 10_000


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _zone() -> tzinfo:
    return state().settings.zone


def _choice_id(value: object) -> int | None:
    """A chosen id; ``-1`` (never an id) for anything else, so the field's check names it."""
    try:
        return optional_id(value)
    except InputError:
        return -1


def _from_the_list(message: Any) -> Any:
    def validator(form: Any, field: Field) -> None:
        allowed = {value for value, _label in field.choices or ()}
        if any(value not in allowed for value in field.data or ()):
            raise ValidationError(message)

    return validator


def kind_labels() -> list[SelectChoice]:
    return [
        SelectChoice(NoticeKind.INCIDENT.value, _l("Incident (something stopped working)")),
        SelectChoice(NoticeKind.PLANNED.value, _l("Planned works")),
    ]


def topic_labels() -> dict[str, Any]:
    return {
        "notices": _l("Service notices"),
        "reports": _l("New reports nearby"),
        "proposals": _l("Proposals in a district"),
    }


def frequency_labels() -> dict[str, Any]:
    return {"instant": _l("At once"), "daily": _l("Daily digest"), "weekly": _l("Weekly digest")}


def _area_message(code: str) -> str:
    """The service's words for an area it refuses (the same messages, on the field)."""
    messages = {
        "outside": _("The affected area reaches outside the municipality: draw it inside the boundary."),
        "too_complex": _("The affected area has too many points: draw it more simply."),
    }
    return messages.get(code, _("The affected area could not be read: draw it again."))


class _BaseNoticeForm(CitizenCareForm):
    version = IntegerField(widget=HiddenInput(), validators=[Optional(), NumberRange(min=1)])
    kind = RadioField(
        _l("Kind of notice"),
        validators=[InputRequired(_l("Choose whether the notice is about an incident or planned works."))],
        validate_choice=True,
    )
    impact = RadioField(
        _l("Effect on the services (incidents)"),
        default=Impact.DEGRADED.value,
        validators=[InputRequired(_l("Choose how the incident affects the services."))],
        validate_choice=True,
    )
    starts_at = DateTimeLocalField(
        _l("Start"),
        format=_TIME_FORMATS,
        tz=_zone,
        invalid_value_message=_TIME_MESSAGE,
        validators=[InputRequired(_l("Give the start as a date and time."))],
    )
    ends_at = DateTimeLocalField(
        _l("End"),
        format=_TIME_FORMATS,
        tz=_zone,
        invalid_value_message=_TIME_MESSAGE,
        validators=[Optional()],
    )
    categories = SelectMultipleField(
        _l("Categories concerned"),
        coerce=_choice_id,
        validate_choice=False,
        validators=[_from_the_list(_l("Choose the categories from the list."))],
        description=_l("Their pages on the report form show the notice while it is current."),
    )
    districts = SelectMultipleField(
        _l("Districts concerned"),
        coerce=str,
        validate_choice=False,
        validators=[_from_the_list(_l("Choose the districts from the list."))],
    )
    area = TextAreaField(
        _l("Area (GeoJSON)"),
        validators=[Optional(), Length(max=MAX_GEOJSON, message=_l("The area is too large a text."))],
        description=_l(
            "Click the points of the area on the map, or paste a GeoJSON Polygon or MultiPolygon "
            "(longitude, latitude in WGS84), for example from geojson.io."
        ),
    )
    services = TextAreaField(
        _l("Online services concerned"),
        validators=[Optional(), Length(max=5000, message=_l("The list of services is too long."))],
        description=_l("One per line, as the public knows them. For example: PagoPA payments."),
    )

    def language_fields(self, kind: str) -> list[tuple[str, Field]]:
        return [(code, self[f"{kind}_{code}"]) for code in languages()]

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        start, end = self.starts_at.data, self.ends_at.data
        if self.ends_at.errors:
            return valid
        if end is None and self.kind.data == NoticeKind.PLANNED.value:
            self.ends_at.errors = [_("Give the planned end of the works.")]
            return False
        if isinstance(start, datetime) and isinstance(end, datetime) and end < start:
            self.ends_at.errors = [_("The end must come after the start.")]
            return False
        return valid

    def validate_area(self, field: Field) -> None:
        text = (field.data or "").strip()
        if not text:
            return
        try:
            check_inside(parse_geojson(text), state().settings.area)
        except AreaError as exc:
            raise ValidationError(_area_message(exc.code)) from None

    def data_for_service(self) -> service.NoticeInput:
        def texts(kind: str) -> dict[str, str]:
            return {code: f.data or "" for code, f in self.language_fields(kind)}

        assert self.starts_at.data is not None  # validated
        return service.NoticeInput(
            kind=self.kind.data or "",
            titles=texts("title"),
            bodies=texts("body"),
            starts_at=self.starts_at.data,
            ends_at=self.ends_at.data,
            impact=self.impact.data or Impact.DEGRADED.value,
            category_ids=[i for i in self.categories.data or () if i is not None],
            services=(self.services.data or "").splitlines(),
            districts=list(self.districts.data or ()),
            area_geojson=(self.area.data or "").strip() or None,
        )


def notice_form_class() -> type[_BaseNoticeForm]:
    """The form with a title and a text per language (the default language's title required)."""
    fields: dict[str, Field] = {}
    for index, code in enumerate(languages()):
        language = language_name(code)
        title_validators: list[Any] = [
            Length(max=service.TITLE_MAX, message=_l("A title can be at most %(max)d characters long."))
        ]
        title_validators.insert(
            0,
            InputRequired(
                _l("Give the notice a title in %(language)s, the default language.", language=language)
            )
            if index == 0
            else Optional(),
        )
        fields[f"title_{code}"] = StringField(
            _l("Title (%(language)s)", language=language), filters=[_strip], validators=title_validators
        )
        fields[f"body_{code}"] = TextAreaField(
            _l("What the notice says (%(language)s)", language=language),
            filters=[_strip],
            validators=[
                Length(max=service.BODY_MAX, message=_l("A text can be at most %(max)d characters long."))
            ],
            description=_l(
                "What happens, what to do meanwhile, when the next news comes. Needed in this language "
                "before the notice is published."
            )
            if index == 0
            else None,
        )
    return type("NoticeForm", (_BaseNoticeForm,), fields)


class _BaseStepForm(CitizenCareForm):
    version = IntegerField(widget=HiddenInput(), validators=[InputRequired(), NumberRange(min=1)])
    status = SelectField(
        _l("Step"),
        validators=[InputRequired(_l("Choose the notice's next step from the list."))],
        validate_choice=False,
    )
    notify = BooleanField(_l("Send this step to the subscribers by e-mail"))

    def language_fields(self) -> list[tuple[str, Field]]:
        return [(code, self[f"body_{code}"]) for code in languages()]

    def step(self, *, notify: bool | None = None) -> service.StepInput:
        return service.StepInput(
            status=self.status.data or "",
            bodies={code: f.data or "" for code, f in self.language_fields()},
            notify=bool(self.notify.data) if notify is None else notify,
        )


def step_form_class(prefix: str) -> type[_BaseStepForm]:
    fields: dict[str, Field] = {}
    for code in languages():
        fields[f"body_{code}"] = TextAreaField(
            _l("News (%(language)s)", language=language_name(code)),
            filters=[_strip],
            validators=[
                Length(max=service.BODY_MAX, message=_l("A text can be at most %(max)d characters long."))
            ],
        )
    return type(f"{prefix.title()}StepForm", (_BaseStepForm,), fields)


# -- helpers -------------------------------------------------------------------


def _require_writer() -> None:
    if not g.cc_actor.registers_requests:
        abort(403)


def _notice_or_404(notice_id: int) -> ServiceNotice:
    return staff_notice(db_session(), notice_id) or abort(404)


def _category_choices(notice: ServiceNotice | None) -> list[tuple[int, str]]:
    language = current_language()
    chosen: list[Category] = list(notice.categories) if notice is not None else []
    offered = list(active_categories())
    offered_ids = {c.id for c in offered}
    choices = [(c.id, c.label(language)) for c in offered]
    # A category chosen before it was deactivated stays offered, so saving does not drop it unseen.
    choices += [
        (c.id, _("%(name)s (inactive)", name=c.label(language))) for c in chosen if c.id not in offered_ids
    ]
    return choices


def _local(value: datetime | None) -> datetime | None:
    return value.astimezone(_zone()) if value is not None else None


def _drawn_part(notice: ServiceNotice) -> BaseGeometry | None:
    """The stored area to show in the GeoJSON field: none when it is just the chosen districts (their
    boxes come from the settings), the whole area when something was drawn too (the districts' part of
    it changes nothing when they are joined again)."""
    if notice.area is None:
        return None
    area = to_shape(notice.area)
    if not notice.districts:
        return area
    try:
        chosen = districts_area(list(notice.districts), state().settings.districts)
    except AreaError:
        return area  # a district no longer configured: keep its shape as drawn
    if chosen is not None and area.symmetric_difference(chosen).area < 1e-12:
        return None
    return area


def _fill(form: _BaseNoticeForm, notice: ServiceNotice) -> None:
    offered = languages()
    form.version.data = notice.version
    form.kind.data, form.impact.data = notice.kind, notice.impact
    form.starts_at.data, form.ends_at.data = _local(notice.starts_at), _local(notice.ends_at)
    form.categories.data = [c.id for c in notice.categories]
    form.districts.data = list(notice.districts)
    form.services.data = "\n".join(notice.services)
    drawn = _drawn_part(notice)
    if drawn is not None:
        form.area.data = json.dumps(mapping(drawn))
    for kind, default, others in (
        ("title", notice.title, notice.titles),
        ("body", notice.body, notice.bodies),
    ):
        for code, f in form.language_fields(kind):
            f.data = default if code == offered[0] else (others or {}).get(code, "")


def _notice_form(notice: ServiceNotice | None) -> _BaseNoticeForm:
    form = notice_form_class()()
    form.kind.choices = kind_labels()
    form.impact.choices = [
        SelectChoice(Impact.DEGRADED.value, _l("Degraded: works, but slowly or in part")),
        SelectChoice(Impact.INTERRUPTED.value, _l("Interrupted: does not work")),
    ]
    form.categories.choices = _category_choices(notice)
    form.districts.choices = [(d.name, d.name) for d in state().settings.districts]
    if notice is not None and lifecycle.is_published(notice.status):
        form.kind.description = _("A published notice keeps its kind.")
    if request.method == "GET" and notice is not None:
        _fill(form, notice)
    return form


def _step_choices(notice: ServiceNotice) -> list[SelectChoice]:
    choices = []
    if lifecycle.may_move(notice.kind, notice.status, notice.status):
        choices.append(
            SelectChoice(
                notice.status,
                _("Still %(status)s: only news", status=notice_status_label(notice.status).lower()),
            )
        )
    choices += [
        SelectChoice(s.value, notice_status_label(s.value))
        for s in lifecycle.next_statuses(notice.kind, notice.status)
    ]
    return choices


def _publish_form(notice: ServiceNotice) -> _BaseStepForm:
    form = step_form_class("publish")(prefix="publish")
    form.status.label.text = _("Publish as")
    form.status.choices = [
        SelectChoice(s.value, notice_status_label(s.value))
        for s in lifecycle.next_statuses(notice.kind, notice.status)
    ]
    if request.method == "GET":
        form.version.data = notice.version
    return form


def _step_form(notice: ServiceNotice) -> _BaseStepForm:
    form = step_form_class("step")(prefix="step")
    form.status.choices = _step_choices(notice)
    form.notify.description = _("The final step (resolved, completed, cancelled) is always sent.")
    if request.method == "GET":
        form.version.data = notice.version
    return form


def _notice_page(
    notice_id: int,
    *,
    publish_form: _BaseStepForm | None = None,
    step_form: _BaseStepForm | None = None,
    publish_error: str | None = None,
    step_error: str | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    session = db_session()
    notice = _notice_or_404(notice_id)
    published = lifecycle.is_published(notice.status)
    final = lifecycle.is_final(notice.status)
    if publish_form is None and not published:
        publish_form = _publish_form(notice)
    if step_form is None and published and not final:
        step_form = _step_form(notice)
    for form in (publish_form, step_form):
        if form is not None:
            # The next try is against what the page shows.
            form.version.data, form.version.raw_data = notice.version, None
    # A refusal of a form the notice no longer offers (it was published or ended meanwhile) is said on top.
    page_error = (publish_error if published else None) or (step_error if not published or final else None)
    return render_template(
        "citizencare/staff/notices/notice.html",
        notice=notice,
        language=current_language(),
        published=published,
        final=final,
        publish_form=publish_form if not published else None,
        step_form=step_form if published and not final else None,
        publish_error=publish_error,
        step_error=step_error,
        page_error=page_error,
        csrf=CsrfForm(),
        mails=notice_mail_figures(session, notice.id),
        entries=history(service.SUBJECT, notice.id),
    ), status


# -- views ---------------------------------------------------------------------


def notice_list() -> ResponseReturnValue:
    _require_writer()
    error: str | None = None
    view = request.args.get("view", "")
    kind = request.args.get("kind", "")
    page_text = request.args.get("page", "1")
    if view not in ("", *VIEWS):
        error, view = _("Choose which notices to show from the list."), ""
    if kind not in ("", *(k.value for k in NoticeKind)):
        error, kind = _("Choose the kind of notice from the list."), ""
    page = int(page_text) if page_text.isascii() and page_text.isdigit() and len(page_text) <= 5 else 0
    if not 1 <= page <= _MAX_PAGE:
        error, page = _("There is no such page of notices."), 1
    session = db_session()
    found = staff_notices(session, view=view or None, kind=kind or None, page=page)
    return render_template(
        "citizencare/staff/notices/list.html",
        found=found,
        view=view,
        kind=kind,
        page=page,
        views=VIEWS,
        kinds=kind_labels(),
        error=error,
        subscribers=subscriber_figures(session),
        topics=TOPICS,
        frequencies=FREQUENCIES,
        topic_labels=topic_labels(),
        frequency_labels=frequency_labels(),
        language=current_language(),
    ), (400 if error else 200)


def notice_edit(notice_id: int | None = None) -> ResponseReturnValue:
    """``notice_id`` ``None``: a new draft."""
    _require_writer()
    notice = _notice_or_404(notice_id) if notice_id is not None else None
    if notice is not None and lifecycle.is_final(notice.status) and request.method == "GET":
        flash(_("This notice is over: it can no longer be changed."), "error")
        return redirect(url_for(".notice_page", notice_id=notice.id), code=303)
    form = _notice_form(notice)
    if notice is not None and lifecycle.is_published(notice.status):
        form.kind.data = notice.kind  # fixed once published, whatever is sent
    error, status = None, 200
    if request.method == "POST":
        if notice is not None and form.version.data is None:
            form.validate_on_submit()
            form.version.errors = [_("The form has expired: send it again. Nothing was saved.")]
            valid = False
        else:
            valid = form.validate_on_submit()
        if valid:
            try:
                if notice is None:
                    saved = service.create_notice(g.cc_actor, form.data_for_service())
                else:
                    saved = service.update_notice(
                        g.cc_actor, notice.id, form.data_for_service(), version=form.version.data
                    )
            except ActionRefused as refusal:
                error, status = refusal.message, refusal.status_code
            else:
                flash(_("Notice %(title)s saved.", title=saved.title), "success")
                return redirect(url_for(".notice_page", notice_id=saved.id), code=303)
        else:
            if form.csrf_token.errors:
                raise CSRFError(_("The form has expired"))
            status = 400
    return render_template(
        "citizencare/staff/notices/form.html",
        form=form,
        notice=notice,
        error=error,
        time_zone=str(_zone()),
    ), status


def notice_page(notice_id: int) -> ResponseReturnValue:
    _require_writer()
    return _notice_page(notice_id)


def notice_publish(notice_id: int) -> ResponseReturnValue:
    _require_writer()
    if not g.cc_actor.supervises:
        abort(403)
    notice = _notice_or_404(notice_id)
    form = _publish_form(notice)
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            raise CSRFError(_("The form has expired"))
        return _notice_page(notice_id, publish_form=form, status=400)
    try:
        service.publish_notice(g.cc_actor, notice_id, form.step(notify=True), version=form.version.data)
    except ActionRefused as refusal:
        return _notice_page(
            notice_id, publish_form=form, publish_error=refusal.message, status=refusal.status_code
        )
    flash(_("The notice is published."), "success")
    return redirect(url_for(".notice_page", notice_id=notice_id), code=303)


def notice_step(notice_id: int) -> ResponseReturnValue:
    _require_writer()
    notice = _notice_or_404(notice_id)
    form = _step_form(notice)
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            raise CSRFError(_("The form has expired"))
        return _notice_page(notice_id, step_form=form, status=400)
    try:
        service.post_step(g.cc_actor, notice_id, form.step(), version=form.version.data)
    except ActionRefused as refusal:
        return _notice_page(notice_id, step_form=form, step_error=refusal.message, status=refusal.status_code)
    flash(_("The step is posted."), "success")
    return redirect(url_for(".notice_page", notice_id=notice_id, _anchor="cc-notice-timeline"), code=303)


def notice_discard(notice_id: int) -> ResponseReturnValue:
    _require_writer()
    if not CsrfForm().validate():
        raise CSRFError(_("The form has expired"))
    try:
        service.discard_draft(g.cc_actor, notice_id)
    except ActionRefused as refusal:
        if refusal.status_code == 404:
            abort(404)
        flash(refusal.message, "error")
        return _notice_page(notice_id, status=refusal.status_code)
    flash(_("The draft is deleted."), "success")
    return redirect(url_for(".notice_list"), code=303)
