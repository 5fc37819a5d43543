"""The categories administration screen (managers and admins).

List by group with move up/down, group renaming, create, edit (with the
category's history), deactivate with an optional successor, reactivate, and
delete a category never used. Thin: the rules are in :mod:`...services.categories`.
"""

from __future__ import annotations

import re
from typing import Any

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from wtforms import BooleanField, Field, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, Regexp, ValidationError

from ...context import db_session
from ...domain.keywords import keywords_line, split_keywords
from ...i18n import current_language, language_name, languages, ngettext
from ...i18n import gettext as _
from ...i18n import lazy_gettext as _l
from ...models import Category
from ...parsing import InputError, optional_id
from ...queries.audit import history
from ...queries.categories import category_groups, category_offices, successor_choices
from ...services import categories
from ...services.errors import ActionRefused
from ...web.forms import CitizenCareForm
from .forms import CsrfForm

_CODE_MESSAGE = _l(
    "The code must be at most 64 lowercase letters, digits, hyphens and underscores, "
    "starting with a letter or digit, such as potholes."
)
_NUMBER = re.compile(r"[0-9]{1,9}")


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _whole_number(bounds: tuple[int, int], message: Any) -> Any:
    """A validator: blank, or a whole number within ``bounds``."""

    def validator(form: Any, field: Field) -> None:
        text = (field.data or "").strip()
        if text and not (_NUMBER.fullmatch(text) and bounds[0] <= int(text) <= bounds[1]):
            raise ValidationError(message)

    return validator


def _choice_id(value: object) -> int | None:
    """A chosen id, None for none, ``-1`` (never an id) for anything else, so the field's check names it."""
    try:
        return optional_id(value)
    except InputError:
        return -1


def _number(field: Field) -> int | None:
    text = (field.data or "").strip()
    return int(text) if text else None


def _percentage(field: Field) -> float | None:
    """A percentage typed in the form as the fraction stored (``90`` → 0.9)."""
    number = _number(field)
    return None if number is None else number / 100


class _BaseCategoryForm(CitizenCareForm):
    code = StringField(
        _l("Code"),
        filters=[lambda v: v.strip().lower() if isinstance(v, str) else v],
        validators=[
            InputRequired(_CODE_MESSAGE),
            Length(max=categories.CODE_MAX, message=_CODE_MESSAGE),
            Regexp(categories.CODE.pattern + "$", message=_CODE_MESSAGE),
        ],
        description=_l(
            "Links to the form (?category=…) and catalogue files name the category by it; "
            "it cannot change once the category is created. For example: potholes."
        ),
    )
    group = StringField(
        _l("Group"),
        filters=[_strip],
        validators=[
            Length(max=categories.GROUP_MAX, message=_l("The group can be at most %(max)d characters long."))
        ],
        description=_l("Categories of the same group are shown together on the form. For example: Roads."),
    )
    keywords = StringField(
        _l("Keywords"),
        filters=[_strip],
        description=_l(
            "Words that apps using the Open311 API search this category by, separated by commas. "
            "For example: pothole, asphalt."
        ),
    )
    kinds = RadioField(
        _l("What it accepts"),
        choices=[
            SelectChoice("issue", _l("Problems only")),
            SelectChoice("proposal", _l("Proposals only")),
            SelectChoice("both", _l("Problems and proposals")),
        ],
        default="both",
        validators=[InputRequired(_l("Choose what the category accepts: problems, proposals or both."))],
    )
    needs_location = BooleanField(
        _l("A place on the map is required"), default=True, description=_l("Untick it for, say, a website.")
    )
    default_office = SelectField(
        _l("Default office"),
        coerce=_choice_id,
        validate_choice=False,
        description=_l("Where its cases go when no routing rule applies. Only active offices can be chosen."),
    )
    duplicate_radius_m = StringField(
        _l("Duplicate radius (metres)"),
        validators=[
            _whole_number(
                categories.RADIUS_RANGE,
                _l("The duplicate radius must be a whole number of metres from 1 to 5000, or blank."),
            )
        ],
    )
    duplicate_age_days = StringField(
        _l("Duplicate age (days)"),
        validators=[
            _whole_number(
                categories.AGE_RANGE,
                _l("The duplicate age must be a whole number of days from 1 to 3650, or blank."),
            )
        ],
    )
    retention_months = StringField(
        _l("Retention of personal data (months)"),
        validators=[
            _whole_number(
                categories.RETENTION_RANGE,
                _l("The retention must be a whole number of months from 1 to 240, or blank."),
            )
        ],
    )
    supports_threshold = StringField(
        _l("Supports threshold (proposals)"),
        validators=[
            _whole_number(
                categories.THRESHOLD_RANGE,
                _l("The supports threshold must be a whole number from 1 to 1000000, or blank."),
            )
        ],
        description=_l("Supports that oblige the municipality to answer a proposal. Blank: none."),
    )
    auto_route_threshold = StringField(
        _l("Route automatically to the suggested office when the suggestion is at least this sure (%)"),
        validators=[
            _whole_number(
                (round(categories.AUTO_ROUTE_RANGE[0] * 100), round(categories.AUTO_ROUTE_RANGE[1] * 100)),
                _l(
                    "The confidence for routing automatically must be a whole percentage "
                    "from 50 to 99, or blank."
                ),
            )
        ],
        description=_l(
            "A percentage from 50 to 99. A new case of this category goes to the office the suggestions "
            "name instead of the routing rules' one when they are at least this sure; each such decision "
            "is in the audit trail. Blank: never (the default)."
        ),
    )
    active = BooleanField(_l("Active (shown on the form)"), default=True)

    def language_fields(self, kind: str) -> list[tuple[str, Field]]:
        return [(code, self[f"{kind}_{code}"]) for code in languages()]

    def validate_default_office(self, field: Field) -> None:
        allowed = {_choice_id(choice.value) for choice in field.choices or ()}
        if field.data not in allowed:
            raise ValidationError(_l("Choose the default office from the list of active offices."))

    def data_for_service(self) -> categories.CategoryInput:
        def texts(kind: str) -> dict[str, str]:
            return {code: f.data or "" for code, f in self.language_fields(kind)}

        return categories.CategoryInput(
            code=self.code.data or "",
            names=texts("name"),
            help_texts=texts("help"),
            urgent_notices=texts("urgent"),
            group=self.group.data or "",
            kinds=self.kinds.data or "",
            needs_location=bool(self.needs_location.data),
            default_office_id=self.default_office.data,
            duplicate_radius_m=_number(self.duplicate_radius_m),
            duplicate_age_days=_number(self.duplicate_age_days),
            retention_months=_number(self.retention_months),
            supports_threshold=_number(self.supports_threshold),
            active=bool(self.active.data),
            keywords=split_keywords(self.keywords.data or ""),
            auto_route_threshold=_percentage(self.auto_route_threshold),
        )


def category_form_class() -> type[_BaseCategoryForm]:
    """The form with a name, help text and urgent notice field per language (the default one required)."""
    fields: dict[str, Field] = {}
    for index, code in enumerate(languages()):
        language = language_name(code)
        name_validators: list[Any] = [
            Length(max=categories.NAME_MAX, message=_l("A name can be at most %(max)d characters long."))
        ]
        if index == 0:
            name_validators.insert(
                0,
                InputRequired(
                    _l("Give the category a name in %(language)s, the default language.", language=language)
                ),
            )
        else:
            name_validators.insert(0, Optional())
        fields[f"name_{code}"] = StringField(
            _l("Name (%(language)s)", language=language), filters=[_strip], validators=name_validators
        )
        fields[f"help_{code}"] = TextAreaField(
            _l("Help text (%(language)s)", language=language),
            filters=[_strip],
            validators=[
                Length(
                    max=categories.HELP_MAX, message=_l("A help text can be at most %(max)d characters long.")
                )
            ],
            description=_l("What the category covers, shown on the form.") if index == 0 else None,
        )
        fields[f"urgent_{code}"] = TextAreaField(
            _l("Urgent notice (%(language)s)", language=language),
            filters=[_strip],
            validators=[
                Length(
                    max=categories.NOTICE_MAX,
                    message=_l("An urgent notice can be at most %(max)d characters long."),
                )
            ],
            description=_l(
                "Shown on the form when this category is chosen. For example: "
                "“Danger to people? Call 112 instead.” Blank: no notice."
            )
            if index == 0
            else None,
        )
    return type("CategoryForm", (_BaseCategoryForm,), fields)


def _require_supervisor() -> None:
    if not g.cc_actor.supervises:
        abort(403)


def _category_or_404(category_id: int) -> Category:
    return db_session().get(Category, category_id) or abort(404)


def _fill(form: _BaseCategoryForm, category: Category) -> None:
    offered = languages()
    form.code.data, form.group.data, form.kinds.data = category.code, category.group, category.kinds
    form.needs_location.data, form.active.data = category.needs_location, category.active
    form.default_office.data = category.default_office_id
    form.keywords.data = keywords_line(category.keywords)
    for name in ("duplicate_radius_m", "duplicate_age_days", "retention_months", "supports_threshold"):
        value = getattr(category, name)
        form[name].data = "" if value is None else str(value)
    threshold = category.auto_route_threshold
    form.auto_route_threshold.data = "" if threshold is None else str(round(threshold * 100))
    for kind, default, others in (
        ("name", category.name, category.names),
        ("help", category.help_text, category.help_texts),
        ("urgent", category.urgent_notice, category.urgent_notices),
    ):
        for code, f in form.language_fields(kind):
            f.data = default if code == offered[0] else (others or {}).get(code, "")


def _form(category: Category | None) -> _BaseCategoryForm:
    form = category_form_class()()
    offices = category_offices(category.default_office_id if category is not None else None)
    form.default_office.choices = [SelectChoice("", _("None"))] + [
        SelectChoice(o.id, o.name if o.active else _("%(name)s (inactive)", name=o.name)) for o in offices
    ]
    config = current_app.config
    form.duplicate_radius_m.description = _(
        "Open reports this close are offered as possible duplicates. Blank: the default, %(metres)s m.",
        metres=config.get("CITIZENCARE_DUPLICATE_RADIUS_M"),
    )
    form.duplicate_age_days.description = _(
        "Only reports received within this many days. Blank: the default, %(days)s days.",
        days=config.get("CITIZENCARE_DUPLICATE_MAX_AGE_DAYS"),
    )
    form.retention_months.description = _(
        "Months a finished case keeps the reporter's contact data. Blank: the default, %(months)s months.",
        months=config.get("CITIZENCARE_RETENTION_MONTHS"),
    )
    if request.method == "GET" and category is not None:
        _fill(form, category)
    return form


def _list_page(error: str | None = None, status: int = 200) -> ResponseReturnValue:
    return render_template(
        "citizencare/staff/admin/categories.html", groups=category_groups(), csrf=CsrfForm(), error=error
    ), status


def category_list() -> ResponseReturnValue:
    _require_supervisor()
    return _list_page()


def category_edit(category_id: int | None = None) -> ResponseReturnValue:
    """``category_id`` ``None``: a new category."""
    _require_supervisor()
    category = _category_or_404(category_id) if category_id is not None else None
    form = _form(category)
    if category is not None:
        form.code.data = category.code  # fixed once created, whatever is sent
    error, status = None, 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                if category_id is None:
                    saved = categories.create_category(g.cc_actor, form.data_for_service())
                else:
                    saved = categories.update_category(g.cc_actor, category_id, form.data_for_service())
            except ActionRefused as refusal:
                error, status = refusal.message, refusal.status_code
            else:
                flash(_("Category %(name)s saved.", name=saved.name), "success")
                return redirect(url_for(".category_list"), code=303)
        else:
            if form.csrf_token.errors:
                raise CSRFError(_("The form has expired"))
            status = 400
    return render_template(
        "citizencare/staff/admin/category_form.html",
        form=form,
        category=category,
        error=error,
        entries=history(categories.SUBJECT, category_id) if category_id is not None else [],
        language_name=language_name,
    ), status


def _csrf() -> None:
    _require_supervisor()
    if not CsrfForm().validate():
        raise CSRFError(_("The form has expired"))


def category_move(category_id: int) -> ResponseReturnValue:
    _csrf()
    try:
        categories.move_category(g.cc_actor, category_id, request.form.get("direction", ""))
    except ActionRefused as refusal:
        return _list_page(refusal.message, refusal.status_code)
    return redirect(url_for(".category_list", _anchor=f"category-{category_id}"), code=303)


def category_group() -> ResponseReturnValue:
    _csrf()
    try:
        moved = categories.rename_group(
            g.cc_actor, request.form.get("group", ""), request.form.get("new_group", "")
        )
    except ActionRefused as refusal:
        return _list_page(refusal.message, refusal.status_code)
    if moved:
        flash(
            ngettext("%(num)d category moved to the group.", "%(num)d categories moved to the group.", moved)
        )
    return redirect(url_for(".category_list"), code=303)


class SuccessorForm(CitizenCareForm):
    successor = SelectField(
        _l("Successor on the form"),
        coerce=_choice_id,
        validate_choice=False,
        description=_l(
            "A citizen who follows an old link to this category is offered the successor instead. "
            "Leave it blank for none."
        ),
    )

    def validate_successor(self, field: Field) -> None:
        allowed = {_choice_id(choice.value) for choice in field.choices or ()}
        if field.data not in allowed:
            raise ValidationError(_l("Choose the successor from the list of active categories."))


def category_deactivate(category_id: int) -> ResponseReturnValue:
    """GET: the page to choose a successor; POST: deactivate (or, if inactive, change the successor)."""
    _require_supervisor()
    category = _category_or_404(category_id)
    form = SuccessorForm()
    form.successor.choices = [SelectChoice("", _("None"))] + [
        SelectChoice(c.id, c.label(current_language()), optgroup=c.group or None)
        for c in successor_choices(category.id)
    ]
    if request.method == "GET":
        form.successor.data = category.successor_id
    error, status = None, 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                was_active = category.active
                categories.deactivate_category(g.cc_actor, category_id, form.successor.data)
            except ActionRefused as refusal:
                error, status = refusal.message, refusal.status_code
            else:
                flash(
                    _("Category %(name)s deactivated.", name=category.name)
                    if was_active
                    else _("Successor of %(name)s saved.", name=category.name),
                    "success",
                )
                return redirect(url_for(".category_list"), code=303)
        else:
            if form.csrf_token.errors:
                raise CSRFError(_("The form has expired"))
            status = 400
    return render_template(
        "citizencare/staff/admin/category_deactivate.html", form=form, category=category, error=error
    ), status


def category_activate(category_id: int) -> ResponseReturnValue:
    _csrf()
    try:
        category = categories.activate_category(g.cc_actor, category_id)
    except ActionRefused as refusal:
        return _list_page(refusal.message, refusal.status_code)
    flash(_("Category %(name)s is active again.", name=category.name), "success")
    return redirect(url_for(".category_list"), code=303)


def category_delete(category_id: int) -> ResponseReturnValue:
    _csrf()
    try:
        name = categories.delete_category(g.cc_actor, category_id)
    except ActionRefused as refusal:
        return _list_page(refusal.message, refusal.status_code)
    flash(_("Category %(name)s deleted.", name=name), "success")
    return redirect(url_for(".category_list"), code=303)
