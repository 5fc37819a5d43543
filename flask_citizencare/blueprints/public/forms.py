"""Forms of the public pages."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from wtforms import (
    BooleanField,
    EmailField,
    Field,
    HiddenField,
    MultipleFileField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    Optional,
    Regexp,
    StopValidation,
    ValidationError,
)
from wtforms.widgets import DateTimeLocalInput

from ...domain.lifecycle import Kind
from ...domain.questions import (
    DATETIME,
    MULTI,
    SINGLE,
    TEXT,
    AnswerError,
    Localized,
    Question,
    on_form,
    parse_answer,
)
from ...i18n import lazy_gettext as _l
from ...models import Category
from ...services.questions import answer_message, default_language, questions_of
from ...services.reports import Submission
from ...web.forms import CitizenCareForm
from .bot_trap import BotTrap
from .submission_tokens import is_own_submission_token, new_submission_token

TITLE_MAX = 150
DESCRIPTION_MAX = 5000
TEXT_MAX = 2000


def own_submission_token(form: Any, field: Field) -> None:
    """The token of a form shown to another browser: a fresh one replaces it, and the form is refused."""
    if not is_own_submission_token(field.data):
        field.data = new_submission_token()
        raise StopValidation(
            _l("This form was opened in another browser session. Check what it says and send it again.")
        )


def parse_coordinate(value: str | None) -> float | None:
    """A decimal number, accepting a comma as decimal separator; NaN and infinities refused."""
    if value is None or not value.strip():
        return None
    try:
        number = float(value.strip().replace(",", "."))
    except ValueError:
        raise ValidationError(_l("Enter a number, such as 44.4949.")) from None
    if not math.isfinite(number):
        raise ValidationError(_l("Enter a number, such as 44.4949."))
    return number


class CoordinateField(StringField):
    """Latitude or longitude typed by hand or filled by the map."""

    def pre_validate(self, form: Any) -> None:
        parse_coordinate(self.data)


def question_field_name(category: Category, key: str) -> str:
    return f"q_{category.id}_{key}"


@dataclass(frozen=True)
class QuestionItem:
    """One extra question as the form shows it: its field (None for a note) and its texts.

    ``label`` and ``help`` tell whether they fell back to the default language (the preview marks it);
    ``choice_labels`` are the list values shown, each as ``(value, Localized)``.
    """

    question: Question
    field_name: str | None
    label: Localized
    help: Localized | None
    choice_labels: tuple[tuple[str, Localized], ...] = ()

    @property
    def fallbacks(self) -> bool:
        return (
            self.label.fallback
            or (self.help is not None and self.help.fallback)
            or any(label.fallback for _value, label in self.choice_labels)
        )


def question_items(category: Category, language: str) -> tuple[QuestionItem, ...]:
    """The category's questions on the form (not retired), in order, in ``language``."""
    default = default_language()
    items = []
    for question in on_form(questions_of(category)):
        items.append(
            QuestionItem(
                question=question,
                field_name=question_field_name(category, question.key) if question.answers else None,
                label=question.label(language, default),
                help=question.help(language, default),
                choice_labels=tuple((c.value, c.label(language, default)) for c in question.active_choices),
            )
        )
    return tuple(items)


class DateTimeLocalText(StringField):
    """A ``datetime-local`` input whose text the domain parses (so the same rules for every browser)."""

    widget = DateTimeLocalInput()


class CheckboxesField(SelectMultipleField):
    """A multi-value list: rendered as checkboxes by the template."""

    def pre_validate(self, form: Any) -> None:
        pass  # the domain checks the values, and only for the chosen category


def _question_field(item: QuestionItem) -> Field:
    question = item.question
    text = item.label.text
    description = item.help.text if item.help is not None else ""
    kind = question.type
    choices = [SelectChoice(value, label.text) for value, label in item.choice_labels]
    if kind == SINGLE:
        return SelectField(
            text,
            choices=[SelectChoice("", _l("Choose…")), *choices],
            description=description,
            validate_choice=False,
        )
    if kind == MULTI:
        return CheckboxesField(text, choices=choices, description=description, validate_choice=False)
    if kind == TEXT:
        return TextAreaField(text, description=description)
    if kind == DATETIME:
        return DateTimeLocalText(text, description=description)
    return StringField(text, description=description)


class ReportForm(CitizenCareForm):
    kind = RadioField(
        _l("What do you want to send?"),
        choices=[
            SelectChoice(Kind.ISSUE.value, _l("A problem to fix")),
            SelectChoice(Kind.PROPOSAL.value, _l("An improvement proposal")),
        ],
        default=Kind.ISSUE.value,
        validators=[InputRequired(_l("Choose a problem or a proposal."))],
    )
    category = SelectField(
        _l("Category"),
        coerce=str,
        validators=[InputRequired(_l("Choose a category."))],
        validate_choice=False,
    )
    title = StringField(
        _l("Title"),
        validators=[
            DataRequired(_l("Write a short title.")),
            Length(max=TITLE_MAX, message=_l("The title can be at most %(max)d characters long.")),
        ],
        description=_l("In a few words, e.g. “Deep pothole in front of number 12”."),
    )
    description = TextAreaField(
        _l("Description"),
        validators=[
            DataRequired(_l("Describe the problem or the proposal.")),
            Length(
                max=DESCRIPTION_MAX, message=_l("The description can be at most %(max)d characters long.")
            ),
        ],
        description=_l("What is wrong, since when, and anything that helps to find it."),
    )
    address = StringField(
        _l("Address or place"),
        validators=[
            Optional(),
            Length(max=300, message=_l("The address can be at most %(max)d characters long.")),
        ],
        description=_l("Street and house number, or a landmark."),
    )
    lat = CoordinateField(
        _l("Latitude"), description=_l("Decimal degrees with a point, e.g. %(example)s", example="44.4949")
    )
    lon = CoordinateField(
        _l("Longitude"), description=_l("Decimal degrees with a point, e.g. %(example)s", example="11.3426")
    )
    photos = MultipleFileField(_l("Photos"))
    name = StringField(
        _l("Your name"),
        validators=[
            Optional(),
            Length(max=200, message=_l("The name can be at most %(max)d characters long.")),
        ],
    )
    email = EmailField(
        _l("Your e-mail address"),
        validators=[
            Optional(),
            Length(max=254, message=_l("The e-mail address is too long.")),
            Email(_l("Enter a valid e-mail address, such as name@example.org.")),
        ],
        description=_l("We write to you when something happens to your report. It is never published."),
    )
    phone = TelField(
        _l("Your phone number"),
        validators=[
            Optional(),
            Regexp(
                r"^\+?[0-9 ().-]{6,25}$",
                message=_l("Enter a phone number with digits only, e.g. +39 051 123456."),
            ),
        ],
    )
    consent = BooleanField(
        _l("I have read the privacy notice and agree that my data is used to handle this report."),
        validators=[DataRequired(_l("We need your consent to handle the report."))],
    )
    submission_token = HiddenField(
        validators=[DataRequired(), Regexp(r"^[A-Za-z0-9_-]{16,64}$"), own_submission_token]
    )

    def set_categories(self, categories: Sequence[Category], language: str) -> None:
        """Grouped choices for the select; ``categories`` are the active ones."""
        choices = [SelectChoice("", _l("Choose…"))]
        for category in categories:
            choices.append(
                SelectChoice(str(category.id), category.label(language), optgroup=category.group or None)
            )
        self.category.choices = choices
        self._categories = {str(c.id): c for c in categories}

    def offers(self, category_id: int) -> bool:
        """The form lists the category (it is active)."""
        return str(category_id) in self._categories

    def chosen_category(self) -> Category | None:
        return self._categories.get(self.category.data or "")

    def submission(
        self,
        *,
        location: tuple[float | None, float | None, str | None],
        answers: dict[str, Any],
        locale: str,
        **extra: Any,
    ) -> Submission:
        """The validated form as the service's input; ``extra`` adds channel, time or user."""
        lat, lon, address = location
        return Submission(
            kind=Kind(self.kind.data),
            category_id=int(self.category.data),
            title=self.title.data.strip(),
            description=self.description.data.strip(),
            submission_token=self.submission_token.data,
            lat=lat,
            lon=lon,
            address=address,
            answers=answers,
            contact_name=(self.name.data or "").strip() or None,
            contact_email=(self.email.data or "").strip().lower() or None,
            contact_phone=(self.phone.data or "").strip() or None,
            locale=locale,
            **extra,
        )

    def validate_category(self, field: Field) -> None:
        category = self.chosen_category()
        if category is None:
            raise ValidationError(_l("Choose a category from the list."))
        if category.kinds not in ("both", self.kind.data):
            raise ValidationError(_l("This category does not accept this kind of report."))


class CitizenReportForm(BotTrap, ReportForm):
    """The report form as citizens get it: with the bot trap (the staff intake has none)."""

    trap_purpose = "report"


def report_form_class(
    categories: Sequence[Category], language: str, base: type[ReportForm] = ReportForm
) -> type[ReportForm]:
    """The form (``base``) with each category's extra questions as fields of their own.

    The class keeps each category's :class:`QuestionItem` list in ``question_items`` (by category id).
    """
    items = {category.id: question_items(category, language) for category in categories}
    fields: dict[str, Any] = {
        item.field_name: _question_field(item)
        for category_items in items.values()
        for item in category_items
        if item.field_name is not None
    }
    fields["question_items"] = items
    return type("CategoryReportForm", (base,), fields)


def answer_field_errors(form: ReportForm, category: Category) -> dict[str, Any]:
    """The chosen category's answers by key; refused answers put their message on their field."""
    answers: dict[str, Any] = {}
    items: dict[int, tuple[QuestionItem, ...]] = getattr(form, "question_items", {})
    for item in items.get(category.id, ()):
        if item.field_name is None:
            continue
        field = form[item.field_name]
        if field.errors:
            continue  # the guards of every field said it already (control characters...)
        raw = [v for v in (field.raw_data or []) if isinstance(v, str)]
        try:
            value = parse_answer(item.question, raw)
        except AnswerError as error:
            field.errors = [*field.errors, answer_message(error)]
            continue
        if value is not None:
            answers[item.question.key] = value
    return answers


class AddInformationForm(BotTrap):
    trap_purpose = "add-information"

    text = TextAreaField(
        _l("Add information"),
        validators=[
            DataRequired(_l("Write something to add.")),
            Length(max=DESCRIPTION_MAX, message=_l("The text can be at most %(max)d characters long.")),
        ],
    )
    photos = MultipleFileField(_l("Photos"))


SCORES = range(11)


class ScoreField(RadioField):
    """A 0–10 answer as eleven radios; ``low`` and ``high`` name the two ends of the scale.

    Anything but a whole number from 0 to 10 (missing, ``11``, ``-1``, ``abc``)
    leaves ``data`` as ``None`` and fails with a message naming the question.
    """

    def __init__(self, label: Any, *, low: Any, high: Any, missing: Any, **kwargs: Any) -> None:
        super().__init__(
            label,
            choices=[SelectChoice(n, str(n)) for n in SCORES],
            coerce=int,
            validate_choice=False,
            **kwargs,
        )
        self.low, self.high, self.missing = low, high, missing
        self.flags.required = True

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = None
        if valuelist and isinstance(valuelist[0], str) and re.fullmatch(r"[0-9]{1,2}", valuelist[0]):
            number = int(valuelist[0])
            if number in SCORES:
                self.data = number

    def pre_validate(self, form: Any) -> None:
        if self.data is None:
            raise StopValidation(
                self.missing
                if not self.raw_data or not str(self.raw_data[0]).strip()
                else _l("Choose a whole number from 0 to 10.")
            )


class SurveyForm(CitizenCareForm):
    """The three questions of the satisfaction survey and an optional comment."""

    recommend = ScoreField(
        _l("How likely are you to recommend the municipality's citizen care service to a friend?"),
        low=_l("Not at all likely"),
        high=_l("Extremely likely"),
        missing=_l("Choose how likely you are to recommend the service."),
    )
    knowledge = ScoreField(
        _l("How do you rate the knowledge of the person who handled your report?"),
        low=_l("Very poor"),
        high=_l("Excellent"),
        missing=_l("Choose how you rate the knowledge of the person who handled your report."),
    )
    resolved = ScoreField(
        _l("Do you consider your request resolved?"),
        low=_l("Not at all"),
        high=_l("Completely"),
        missing=_l("Choose how far your request was resolved."),
    )
    comment = TextAreaField(
        _l("Anything else you want to tell us?"),
        validators=[
            Optional(),
            Length(max=TEXT_MAX, message=_l("The comment can be at most %(max)d characters long.")),
        ],
        description=_l("Optional. Do not write personal data: the office in charge reads it."),
    )

    def scores(self) -> tuple[int, int, int]:
        """The three answers of a validated form: recommend, knowledge, resolved."""
        recommend, knowledge, resolved = self.recommend.data, self.knowledge.data, self.resolved.data
        if recommend is None or knowledge is None or resolved is None:
            raise ValueError("the survey form is not valid")
        return recommend, knowledge, resolved


def _trim_spaces(value: Any) -> Any:
    """Spaces around a pasted address go; line breaks stay, for :func:`_single_line` to refuse."""
    return value.strip(" \t") if isinstance(value, str) else value


def _single_line(form: Any, field: Field) -> None:
    """No line breaks or other control characters: the address ends up in a mail header."""
    if field.data and any(ord(c) < 32 or ord(c) == 127 for c in str(field.data)):
        raise StopValidation(_l("Enter a valid e-mail address, such as name@example.org."))


class FollowForm(BotTrap):
    """ "Follow this report by e-mail" on the public page of a report."""

    trap_purpose = "follow"

    email = EmailField(
        _l("Your e-mail address"),
        validators=[
            DataRequired(_l("Enter your e-mail address.")),
            _single_line,
            Length(max=254, message=_l("The e-mail address is too long.")),
            Email(_l("Enter a valid e-mail address, such as name@example.org.")),
        ],
        description=_l("We send you a link to confirm. The address is never published."),
        filters=[_trim_spaces],
    )


class SupportForm(CitizenCareForm):
    """The one-click support (and withdraw) button of a proposal: nothing but the CSRF token."""


class SupportEmailForm(BotTrap):
    """An anonymous citizen supports a proposal with an e-mail address (double opt-in).

    The fields keep the names the bot trap and the rate limit read (``email``,
    ``website``, ``form_time``) but ids of their own: the page also has the
    follow form.
    """

    trap_purpose = "support"

    email = EmailField(
        _l("Your e-mail address"),
        id="support-email",
        validators=[
            DataRequired(_l("Enter your e-mail address.")),
            _single_line,
            Length(max=254, message=_l("The e-mail address is too long.")),
            Email(_l("Enter a valid e-mail address, such as name@example.org.")),
        ],
        description=_l(
            "We send you a link to confirm your support. The address is never published: it is used "
            "only to send you the municipality's answer."
        ),
        filters=[_trim_spaces],
    )
    website = StringField(_l("Leave this field empty"), id="support-website")
    form_time = HiddenField(id="support-form-time")
