"""The "Official answer" block of a proposal's case page: its forms and what the page shows.

The views (save the draft, publish it) are in :mod:`.views` with the other
case forms; the rules are in :mod:`...services.proposal_answers`.
Publishing is a second step after saving: the saved draft is shown as staff
will publish it, and the publish form asks for a ticked confirmation (no
JavaScript needed).
"""

from __future__ import annotations

from typing import Any

from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from ...access import Actor
from ...domain.answers import BODY_MAX, LINK_MAX, REASON_MAX
from ...i18n import current_language
from ...i18n import lazy_gettext as _l
from ...models import Report
from ...parsing import optional_id
from ...queries.proposal_answers import answer_states, published_answers, staff_draft
from ...services.proposal_answers import AnswerInput, may_answer
from ...web.forms import CitizenCareForm
from ..answers import shown


class AnswerForm(CitizenCareForm):
    """The draft answer; the service checks what the state needs."""

    version = IntegerField(validators=[InputRequired(), NumberRange(min=1)])
    state = SelectField(
        _l("State of the answer"),
        coerce=optional_id,
        validators=[InputRequired(_l("Choose the state of the answer."))],
        validate_choice=False,
    )
    body = TextAreaField(
        _l("Answer (public)"),
        validators=[
            Optional(),
            Length(max=BODY_MAX, message=_l("The answer can be at most %(max)d characters long.")),
        ],
        description=_l(
            'You can use **bold**, *italic*, lists starting with "- " and links like [text](https://...).'
        ),
    )
    reason = TextAreaField(
        _l("Reason (required for states that need one, such as not accepted)"),
        validators=[
            Optional(),
            Length(max=REASON_MAX, message=_l("The reason can be at most %(max)d characters long.")),
        ],
    )
    implemented_on = DateField(
        _l("Date the work was done (required for implemented)"),
        validators=[Optional()],
        format="%Y-%m-%d",
    )
    link = StringField(
        _l("Link to the work or the resolution act (optional, https://)"),
        validators=[
            Optional(),
            Length(max=LINK_MAX, message=_l("The link can be at most %(max)d characters long.")),
        ],
    )

    def data_for_service(self) -> AnswerInput:
        return AnswerInput(
            expected_version=self.version.data or 0,
            state_id=self.state.data,
            body=self.body.data or "",
            reason=self.reason.data or None,
            implemented_on=self.implemented_on.data,
            link=self.link.data or None,
        )


class PublishForm(CitizenCareForm):
    version = IntegerField(validators=[InputRequired(), NumberRange(min=1)])
    confirm = BooleanField(
        _l("I have checked the draft: publish it and mail the reporter, the followers and the supporters")
    )


def first_error(form: CitizenCareForm) -> str | None:
    """The first error message of ``form``'s fields (in field order), for the case page's summary."""
    for field in form:
        if field.errors:
            return str(next(iter(field.errors)))
    return None


def answer_context(actor: Actor, report: Report, form: AnswerForm | None = None) -> dict[str, Any]:
    """What the case page's "Official answer" block needs; nothing for a report that is not a proposal."""
    if report.kind != "proposal":
        return {}
    language = current_language()
    draft = staff_draft(report)
    states = [s for s in answer_states() if s.active or (draft is not None and s.id == draft.state_id)]
    if form is None:
        form = AnswerForm(formdata=None)
        if draft is not None:
            form.state.data = draft.state_id
            form.body.data = draft.body
            form.reason.data = draft.reason
            form.implemented_on.data = draft.implemented_on
            form.link.data = draft.link
    form.state.choices = [("", "—")] + [(s.id, s.label(language)) for s in states]
    return {
        "answer_form": form,
        "publish_form": PublishForm(formdata=None),
        "answer_draft": shown(draft, language) if draft is not None else None,
        "answers_published": [shown(a, language) for a in published_answers(report)],
        "answer_states_choice": states,
        "may_answer": may_answer(actor, report),
    }
