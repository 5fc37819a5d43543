"""The rating widget's form (AgID model C.SI.2.5/2.6): with JavaScript in place, without it in two steps.

With JavaScript (``Accept: application/json``) one post carries the stars,
the answer and the free text; the answer is JSON, the page says thanks in place.
Without JavaScript the widget is a small form, stars and "Send": this view
answers with the widget again, the chosen stars kept and the matching block
(negative for 1–3 stars, positive for 4–5) open, and stores the rating when
that second form is sent (``step=details``). Either way, one row per rating.
"""

from __future__ import annotations

from flask import jsonify, render_template, request
from flask.typing import ResponseReturnValue
from wtforms import HiddenField, StringField

from ...domain.feedback import RATINGS, FeedbackError, block_of, check_rating
from ...i18n import current_language
from ...i18n import gettext as _
from ...models.feedback import FEEDBACK_TEXT_MAX
from ...services.feedback import record_rating
from ...web.forms import CitizenCareForm
from ..feedback_widget import is_rated_page

DETAILS = "details"


class FeedbackForm(CitizenCareForm):
    page = HiddenField()
    rating = StringField()
    answer = StringField()
    comment = StringField()
    step = HiddenField()


def _messages() -> dict[str, str]:
    return {
        "csrf": _(
            "For your security the form can only be sent from the page that showed it. "
            "Go back, reload the page and send it again: nothing was saved."
        ),
        "page": _("This page cannot be rated."),
        "rating": _("Choose from 1 to 5 stars."),
        "answer": _("Choose one of the answers offered."),
        "comment": _("Write at most %(max)d characters, without control characters.", max=FEEDBACK_TEXT_MAX),
    }


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _refuse(field: str, form: FeedbackForm, rating: int | None) -> ResponseReturnValue:
    message = _messages()[field]
    if _wants_json():
        return jsonify(error=message, field=field), 400
    return (
        render_template(
            "citizencare/public/feedback.html",
            form=form,
            page=form.page.data if field != "page" else None,
            rating=rating,
            error=message,
        ),
        400,
    )


def _rating(raw: str | None) -> int | None:
    try:
        value = int((raw or "").strip())
    except ValueError:
        return None
    return value if value in RATINGS else None


def feedback() -> ResponseReturnValue:
    form = FeedbackForm()
    valid = form.validate()
    rating = _rating(form.rating.data)
    page = form.page.data or ""
    if not is_rated_page(page):
        return _refuse("page", form, rating)
    if not valid:
        if "csrf_token" in form.errors:
            return _refuse("csrf", form, rating)
        field = "comment" if form.comment.errors or form.answer.errors else "rating"
        return _refuse(field, form, rating)
    if rating is None:
        return _refuse("rating", form, None)
    answer = (form.answer.data or "").strip() or None
    comment = form.comment.data or None
    try:
        check_rating(page, rating, answer, comment, FEEDBACK_TEXT_MAX)
    except FeedbackError as error:
        return _refuse(error.field, form, rating)
    if not _wants_json() and form.step.data != DETAILS:
        # No JavaScript, first step: the matching block to complete; nothing stored yet.
        return render_template(
            "citizencare/public/feedback.html", form=form, page=page, rating=rating, block=block_of(rating)
        )
    record_rating(page, rating, answer, comment, current_language())
    thanks = _("Thank you, your feedback will help us improve the service!")
    if _wants_json():
        return jsonify(ok=True, message=thanks), 201
    return render_template("citizencare/public/feedback.html", form=form, page=page, sent=True), 201
