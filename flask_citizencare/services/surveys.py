"""The satisfaction survey (reference 003): signed one-use links and the answers.

Once a case is resolved or closed the reporter gets a link to three 0–10
questions. The link is signed (:mod:`~flask_citizencare.tokens`), expires after
``CITIZENCARE_SURVEY_DAYS`` days and names the report together with the start
of its tracking token, so a link for one report cannot be edited into a link
for another; it dies with the reporter's personal data (retention, erasure).
Each report takes one answer: the unique ``report_id`` of
:class:`~flask_citizencare.models.SurveyResponse` settles races.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import current_app, url_for
from sqlalchemy.exc import IntegrityError

from .. import signals
from ..context import app_object, db_session
from ..domain.lifecycle import Status
from ..domain.satisfaction import check_score, is_unresolved
from ..models import Report, SurveyResponse
from ..tokens import ExpiredToken, InvalidToken, Purpose, same, sign, verify

#: How long a survey link works when ``CITIZENCARE_SURVEY_DAYS`` is not set.
DEFAULT_SURVEY_DAYS = 30
#: Characters of the tracking token the link carries (enough to bind it, too few to track).
TOKEN_PREFIX = 8
COMMENT_MAX = 2000
#: Only finished cases are surveyed.
SURVEYABLE = frozenset({Status.RESOLVED.value, Status.CLOSED.value})


class SurveyLinkError(Exception):
    """The survey link cannot be used; ``expired`` tells a genuine but old link apart."""

    def __init__(self, expired: bool = False) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


class AlreadyAnswered(Exception):
    """The report's survey was answered before (one answer per report)."""


class NotSurveyable(Exception):
    """The case is not resolved or closed, so it cannot be rated."""


def survey_days() -> float:
    return float(current_app.config.get("CITIZENCARE_SURVEY_DAYS", DEFAULT_SURVEY_DAYS))


def survey_token(report: Report) -> str:
    """The signed token of ``report``'s survey link."""
    return sign(Purpose.SURVEY, {"r": report.id, "t": report.tracking_token[:TOKEN_PREFIX]})


def survey_url(report: Report) -> str:
    """The full address of ``report``'s survey, to put in the e-mail to the reporter."""
    return url_for("citizencare.public.survey", token=survey_token(report), _external=True)


def report_for_token(token: str) -> Report:
    """The report a survey token was made for; ``SurveyLinkError`` if tampered, expired or unknown."""
    try:
        payload: Any = verify(Purpose.SURVEY, token, max_age=survey_days() * 86400, max_length=200)
    except ExpiredToken:
        raise SurveyLinkError(expired=True) from None
    except InvalidToken:
        raise SurveyLinkError() from None
    if not isinstance(payload, dict):
        raise SurveyLinkError()
    report_id, prefix = payload.get("r"), payload.get("t")
    if isinstance(report_id, bool) or not isinstance(report_id, int) or not isinstance(prefix, str):
        raise SurveyLinkError()
    report = db_session().get(Report, report_id)
    if report is None or report.contact_erased or not same(report.tracking_token[:TOKEN_PREFIX], prefix):
        raise SurveyLinkError()
    return report


def response_of(report: Report) -> SurveyResponse | None:
    """The answer already given for ``report``, if any."""
    return db_session().scalar(sa.select(SurveyResponse).where(SurveyResponse.report_id == report.id))


def can_be_surveyed(report: Report) -> bool:
    return report.status in SURVEYABLE


def answer_survey(
    report: Report, recommend: int, knowledge: int, resolved: int, comment: str | None
) -> SurveyResponse:
    """Store the reporter's answers in one transaction and send ``survey_answered``.

    A low "was your request resolved" (0–4) flags the answer for the office's
    manager. Raises ``NotSurveyable`` for a case that is not finished,
    ``AlreadyAnswered`` when the report has an answer already (also when two
    answers race) and ``ValueError`` for scores outside 0–10 or a comment too long.
    """
    for score in (recommend, knowledge, resolved):
        check_score(score)
    text = (comment or "").strip() or None
    if text is not None and len(text) > COMMENT_MAX:
        raise ValueError(f"the comment is longer than {COMMENT_MAX} characters")
    if not can_be_surveyed(report):
        raise NotSurveyable()
    session = db_session()
    response = SurveyResponse(
        report_id=report.id,
        recommend=recommend,
        knowledge=knowledge,
        resolved=resolved,
        comment=text,
        office_id=report.office_id,
        category_id=report.category_id,
        flagged=is_unresolved(resolved),
    )
    session.add(response)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise AlreadyAnswered() from None
    signals.survey_answered.send(app_object(), report=report, response=response, actor=None)
    return response
