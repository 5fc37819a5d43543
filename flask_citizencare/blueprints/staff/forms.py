"""Forms of the staff workspace."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ...context import state
from ...domain.geo import District
from ...domain.lifecycle import Channel, Priority
from ...i18n import lazy_gettext as _l
from ...labels import CHANNELS, staff_status_labels
from ...parsing import optional_id
from ...queries.triage_queue import SLA_STATES, SORTS
from ...web.forms import CitizenCareForm


def _bbox(value: str | None) -> tuple[float, float, float, float] | None:

    if not value:
        return None
    try:
        numbers = [float(part) for part in value.split(",")]
    except ValueError:
        raise ValidationError(_l("Give the area as four numbers: west,south,east,north.")) from None
    if len(numbers) != 4 or not all(math.isfinite(n) for n in numbers):
        raise ValidationError(_l("Give the area as four numbers: west,south,east,north."))
    west, south, east, north = numbers
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise ValidationError(_l("Give the area as four numbers: west,south,east,north."))
    return west, south, east, north


class QueueFilterForm(CitizenCareForm):
    """Filters of the queue, in the query string (GET: no CSRF token needed)."""

    class Meta:
        csrf = False

    #: Rendered as one checkbox per status, each with its own label (``<option>`` elements outside a
    #: ``<select>`` showed the labels twice and no boxes).
    status = SelectMultipleField(
        _l("Status"),
        validators=[Optional()],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    category = SelectField(_l("Category"), coerce=optional_id, validators=[Optional()], validate_choice=False)
    office = SelectField(_l("Office"), coerce=optional_id, validators=[Optional()], validate_choice=False)
    level = SelectField(
        _l("Level"),
        choices=[
            SelectChoice("", _l("Any")),
            SelectChoice("1", _l("First")),
            SelectChoice("2", _l("Second")),
        ],
        validators=[Optional()],
    )
    priority = SelectField(_l("Priority"), validators=[Optional()])
    channel = SelectField(_l("Channel"), validators=[Optional()])
    sla = SelectField(_l("Service level"), validators=[Optional()])
    proposals = SelectField(
        _l("Proposals"),
        choices=[
            SelectChoice("", _l("Any")),
            SelectChoice("threshold", _l("Threshold reached, awaiting an answer")),
        ],
        validators=[Optional()],
    )
    district = SelectField(_l("District"), coerce=str, validators=[Optional()], validate_choice=False)
    area = StringField(_l("Area (west,south,east,north)"), validators=[Optional(), Length(max=200)])
    q = StringField(_l("Search"), validators=[Optional(), Length(max=200)])
    received_from = DateField(_l("Received from"), validators=[Optional()])
    received_to = DateField(_l("Received until"), validators=[Optional()])
    sort = SelectField(_l("Sort by"), validators=[Optional()])
    after = HiddenField(validators=[Optional(), Length(max=400)])

    def validate_area(self, field: Any) -> None:
        _bbox(field.data)

    def bbox(self, districts: Iterable[District] = ()) -> tuple[float, float, float, float] | None:
        """The typed or drawn box; else the chosen district's."""
        typed = _bbox(self.area.data)
        if typed is not None:
            return typed
        for district in districts:
            if district.name == self.district.data:
                return district.bounds
        return None


def fill_queue_choices(
    form: QueueFilterForm, categories: list[Any], offices: list[Any], language: str
) -> None:
    form.status.choices = [SelectChoice(s.value, label) for s, label in staff_status_labels().items()]
    form.category.choices = [SelectChoice("", _l("Any"))] + [
        SelectChoice(str(c.id), c.label(language), optgroup=c.group or None) for c in categories
    ]
    form.office.choices = [SelectChoice("", _l("Any"))] + [SelectChoice(str(o.id), o.name) for o in offices]
    form.priority.choices = [SelectChoice("", _l("Any"))] + [
        SelectChoice(p.value, label) for p, label in priority_labels().items()
    ]
    form.channel.choices = [SelectChoice("", _l("Any"))] + [
        SelectChoice(c.value, label) for c, label in channel_labels().items()
    ]
    form.sla.choices = [SelectChoice("", _l("Any"))] + [SelectChoice(s, sla_labels()[s]) for s in SLA_STATES]
    form.sort.choices = [SelectChoice(s, sort_labels()[s]) for s in SORTS]
    form.district.choices = [SelectChoice("", _l("Any"))] + [
        SelectChoice(d.name, d.name) for d in state().settings.districts
    ]


def priority_labels() -> dict[Priority, Any]:
    return {
        Priority.URGENT: _l("Urgent"),
        Priority.HIGH: _l("High"),
        Priority.NORMAL: _l("Normal"),
        Priority.LOW: _l("Low"),
    }


def channel_labels() -> dict[Channel, Any]:
    return {channel: CHANNELS[channel.value] for channel in Channel}


def sla_labels() -> dict[str, Any]:
    return {
        "on_time": _l("On time"),
        "due_soon": _l("Due within the hour"),
        "breached": _l("Overdue"),
        "paused": _l("No due time (paused or finished)"),
    }


def sort_labels() -> dict[str, Any]:
    return {
        "triage": _l("What to handle first"),
        "due": _l("Due time"),
        "age": _l("Age"),
        "priority": _l("Priority"),
    }


class ActionForm(CitizenCareForm):
    """One form for every lifecycle action; the action decides which fields it needs."""

    version = IntegerField(validators=[InputRequired(), NumberRange(min=1)])
    note = TextAreaField(_l("Reason or note"), validators=[Optional(), Length(max=2000)])
    public_reply = TextAreaField(_l("Answer to the citizen"), validators=[Optional(), Length(max=10000)])
    office = SelectField(_l("Office"), coerce=optional_id, validators=[Optional()], validate_choice=False)
    assignee = SelectField(
        _l("Staff member"), coerce=optional_id, validators=[Optional()], validate_choice=False
    )
    master = StringField(_l("Number of the report it duplicates"), validators=[Optional(), Length(max=20)])


class MessageForm(CitizenCareForm):
    """A message in the case's thread; the service checks the text and the visibility."""

    version = IntegerField(validators=[InputRequired(), NumberRange(min=1)])
    visibility = SelectField(
        _l("Who can read it"),
        choices=[
            SelectChoice("public", _l("Everyone (public answer)")),
            SelectChoice("private", _l("Only the reporter")),
            SelectChoice("internal", _l("Only staff (internal note)")),
        ],
        default="private",
        validators=[InputRequired()],
        validate_choice=False,
    )
    body = TextAreaField(_l("Message"), validators=[Optional()])


class BulkForm(CitizenCareForm):
    action = SelectField(
        _l("With the selected cases"),
        choices=[SelectChoice("acknowledge", _l("Take in charge")), SelectChoice("assign", _l("Assign"))],
        validators=[InputRequired()],
    )
    office = SelectField(_l("Office"), coerce=optional_id, validators=[Optional()], validate_choice=False)
    assignee = SelectField(
        _l("Staff member"), coerce=optional_id, validators=[Optional()], validate_choice=False
    )
    back = HiddenField(validators=[Optional(), Length(max=2000)])


class ModerationForm(CitizenCareForm):
    version = IntegerField(validators=[InputRequired(), NumberRange(min=1)])
    is_public = BooleanField(_l("Shown to the public"))
    public_title = StringField(_l("Title shown to the public"), validators=[Optional(), Length(max=200)])
    public_description = TextAreaField(
        _l("Description shown to the public"), validators=[Optional(), Length(max=5000)]
    )
    hidden_photos = SelectMultipleField(
        _l("Hidden photos"), coerce=optional_id, validators=[Optional()], validate_choice=False
    )


class ClassificationForm(CitizenCareForm):
    version = IntegerField(validators=[InputRequired(), NumberRange(min=1)])
    category = SelectField(
        _l("Category"), coerce=optional_id, validators=[InputRequired()], validate_choice=False
    )
    priority = SelectField(_l("Priority"), validators=[InputRequired()])


class ConversionForm(CitizenCareForm):
    """Turn a report into a proposal or back; the service checks the category and the supports."""

    version = IntegerField(validators=[InputRequired(), NumberRange(min=1)])
    kind = SelectField(
        _l("Turn into"),
        choices=[SelectChoice("proposal", _l("a proposal")), SelectChoice("issue", _l("a report"))],
        validators=[InputRequired()],
    )
    category = SelectField(_l("Category"), coerce=optional_id, validators=[Optional()], validate_choice=False)
    #: The number of supports the page said would be removed, sent back by the confirmation box.
    confirm_supports = IntegerField(validators=[Optional(), NumberRange(min=0, max=10**9)])


class CsrfForm(CitizenCareForm):
    """Only the CSRF token, for small forms whose fields the service validates."""


#: Ids and versions fit a 32-bit column: anything larger is refused before the service sees it.
MAX_ID = 2**31 - 1


class SuggestionForm(CitizenCareForm):
    """Apply or dismiss a suggested category or office; the service checks it is the one suggested."""

    version = IntegerField(validators=[InputRequired(), NumberRange(min=1, max=MAX_ID)])
    value = IntegerField(validators=[Optional(), NumberRange(min=1, max=MAX_ID)])
    back = HiddenField(validators=[Optional(), Length(max=2000)])
