"""Filing a report and adding to it: the citizen's side of the lifecycle."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
from geoalchemy2.shape import from_shape
from shapely.geometry import Point
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from .. import signals
from ..access import Actor
from ..context import app_object, db_session, state
from ..domain.geo import check_point
from ..domain.intake import received_at_problem
from ..domain.lifecycle import Channel, Kind, Priority, Status
from ..i18n import gettext as _
from ..models import Category, Counter, Message, Photo, Report, ReporterContact, StaffMember, StatusEvent
from ..models.base import utcnow
from ..models.drafts import ReportDraft
from ..storage.photos import ProcessedPhoto
from . import auto_routing
from .errors import Forbidden
from .mail import notify
from .photos import discard, publish, staged_photos
from .routing import office_for
from .sla import recompute_due_times


class SubmissionRefused(ValueError):
    """The submission breaks a rule the form should have caught; ``field`` names it."""

    def __init__(self, field: str, code: str) -> None:
        super().__init__(f"{field}: {code}")
        self.field = field
        self.code = code


@dataclass(frozen=True)
class Submission:
    """What a citizen (or an operator on their behalf) sends; already parsed, not yet checked."""

    kind: Kind
    category_id: int
    title: str
    description: str
    submission_token: str
    lat: float | None = None
    lon: float | None = None
    address: str | None = None
    answers: dict[str, Any] = field(default_factory=dict)
    contact_name: str | None = None
    contact_email: str | None = None
    contact_phone: str | None = None
    locale: str | None = None
    user_id: str | None = None
    channel: Channel = Channel.WEB
    received_at: datetime | None = None


def next_public_id(session: Session, year: int) -> str:
    """``2026-000123``: a per-year sequence, atomic on both databases (upsert ... RETURNING)."""
    return next_public_ids(session, year, 1)[0]


def next_public_ids(session: Session, year: int, count: int) -> list[str]:
    """``count`` consecutive numbers of ``year`` in one upsert (an import numbers its rows at once).

    One statement for many numbers, not one per number: on PostgreSQL each
    update of the counter's row within one transaction leaves a row version
    the next must step over, so thousands of updates in one transaction slow
    down quadratically.
    """
    if count < 1:
        return []
    table = Counter.__table__
    name = f"public_id:{year}"
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(table)  # type: ignore[arg-type]
        .values(name=name, value=count)
        .on_conflict_do_update(index_elements=[table.c.name], set_={"value": table.c.value + count})
        .returning(table.c.value)
    )
    last = int(session.execute(statement).scalar_one())
    return [f"{year}-{value:06d}" for value in range(last - count + 1, last + 1)]


def _category(session: Session, submission: Submission) -> Category:
    category = session.get(Category, submission.category_id)
    if category is None or not category.active:
        raise SubmissionRefused("category", "unknown")
    if category.kinds not in ("both", submission.kind.value):
        raise SubmissionRefused("category", "wrong_kind")
    return category


def _point(submission: Submission, category: Category) -> Any:
    if submission.lat is None or submission.lon is None:
        if category.needs_location and not submission.address:
            raise SubmissionRefused("location", "missing")
        return None
    area = state().settings.area
    lat, lon = check_point(submission.lat, submission.lon, area)
    return from_shape(Point(lon, lat), srid=4326)


def existing_submission(session: Session, token: str) -> Report | None:
    return session.scalar(sa.select(Report).where(Report.submission_token == token))


def submit_report(
    submission: Submission,
    photos: Sequence[ProcessedPhoto] = (),
    *,
    registered_by: StaffMember | None = None,
    draft: ReportDraft | None = None,
    before_commit: Callable[[Session, Report], None] | None = None,
) -> Report:
    """File a report with its photos, its first status event and the reporter's contact.

    Idempotent on ``submission_token``: a double click or a phone's retry gets
    the report the first request created, and its photos are not kept twice.
    ``registered_by`` is the operator who registers a request received by
    phone, e-mail, letter or at the counter (its channel and time are in the
    submission, and the service levels count from them).
    ``draft`` is the three-step form's draft being filed: its photos, already
    processed and stored, become the report's without being processed again,
    and the draft is deleted in the same transaction.
    ``before_commit`` adds rows of the caller's to the same transaction (the
    Open311 client's record of what it filed); it is not called for a report
    filed earlier under the same token.
    """
    cc = state()
    session = db_session()
    earlier = existing_submission(session, submission.submission_token)
    if earlier is not None:
        return earlier
    now = utcnow()

    with staged_photos(cc.photo_store) as staged:
        report = new_report(session, submission, registered_by=registered_by, now=now)
        if draft is not None:
            report.photos.extend(_draft_photos(draft))
            session.delete(draft)
        report.photos.extend(staged.add_all(photos))
        try:
            if before_commit is not None:
                before_commit(session, report)
            notify.queue_received(session, report)
            auto_routing.record(session)
            session.commit()
        except sa.exc.IntegrityError:
            session.rollback()
            auto_routing.forget(session)
            discard(staged)
            earlier = existing_submission(session, submission.submission_token)
            if earlier is None:
                raise
            return earlier  # the same form was committed by a concurrent request
    publish(staged)
    signals.report_submitted.send(app_object(), report=report, event=report.events[0], actor=None)
    auto_routing.announce(session)
    return report


def new_report(
    session: Session,
    submission: Submission,
    *,
    registered_by: StaffMember | None,
    now: datetime,
    public_id: str | None = None,
) -> Report:
    """The report of ``submission``: numbered, routed, with its contact, first event and due times.

    Routed by the rules (:func:`~.routing.office_for`), or by the suggestions
    where a manager allowed it for the category (:mod:`.auto_routing`: the
    caller calls its ``record`` before committing and ``announce`` after).

    Added to the session, neither committed nor mailed: :func:`submit_report`
    adds photos, the "received" mail and commits; the import of paper
    proposals files many in one transaction. ``SubmissionRefused`` (category,
    location) and ``LocationError`` change nothing. ``public_id``: a number
    reserved beforehand (:func:`next_public_ids`), else the next one.
    """
    category = _category(session, submission)
    point = _point(submission, category)
    received = submission.received_at or now
    office = office_for(session, category, submission.lon, submission.lat)
    automatic = auto_routing.decide(
        session,
        category,
        office,
        title=submission.title,
        description=submission.description,
        kind=submission.kind.value,
        lon=submission.lon,
        lat=submission.lat,
    )
    report = Report(
        public_id=public_id or next_public_id(session, received.year),
        tracking_token=secrets.token_urlsafe(24),
        submission_token=submission.submission_token,
        kind=submission.kind.value,
        category=category,
        office=automatic.office if automatic is not None else office,
        title=submission.title,
        description=submission.description,
        point=point,
        address=submission.address,
        answers=submission.answers,
        channel=submission.channel.value,
        status=Status.NEW.value,
        level=1,
        priority=Priority.NORMAL.value,
        received_at=received,
        created_at=now,
    )
    report.contact = ReporterContact(
        user_id=submission.user_id,
        name=submission.contact_name,
        email=submission.contact_email,
        phone=submission.contact_phone,
        locale=submission.locale,
        consent_at=now,
    )
    report.events.append(
        StatusEvent(
            action="submit",
            to_status=Status.NEW.value,
            actor_kind="staff" if registered_by is not None else "citizen",
            actor_id=registered_by.id if registered_by is not None else None,
            data={"channel": submission.channel.value},
            at=received if registered_by is not None else now,
        )
    )
    recompute_due_times(report, now=now)
    session.add(report)
    if automatic is not None:
        auto_routing.hold(session, report, automatic)
    return report


def _draft_photos(draft: ReportDraft) -> list[Photo]:
    return [
        Photo(
            storage_key=item["key"],
            thumbnail_key=item["thumbnail"],
            content_type=item["content_type"],
            width=item["width"],
            height=item["height"],
            size=item["size"],
            position=position,
        )
        for position, item in enumerate(draft.photos or [])
    ]


def register_request(actor: Actor, submission: Submission, photos: Sequence[ProcessedPhoto] = ()) -> Report:
    """Staff register a request that arrived by phone, e-mail, letter or at the counter.

    Only the roles of :data:`~..domain.lifecycle.INTAKE_ROLES` may
    (``Forbidden`` for the others), and the arrival time must be one the intake
    takes (:func:`~..domain.intake.received_at_problem`; ``SubmissionRefused``
    on ``received_at`` otherwise). Then it is :func:`submit_report` on the
    submission's channel and time, recorded as the operator's.
    """
    check_registration(actor, submission)
    return submit_report(submission, photos, registered_by=actor.staff)


def check_registration(actor: Actor, submission: Submission) -> None:
    """What the intake checks before filing a request staff register (see :func:`register_request`)."""
    if not actor.registers_requests:
        raise Forbidden(_("Your role does not allow registering requests."))
    if submission.received_at is None:
        raise SubmissionRefused("received_at", "missing")
    problem = received_at_problem(
        submission.received_at, utcnow(), int(current_app.config["CITIZENCARE_INTAKE_BACKDATE_DAYS"])
    )
    if problem is not None:
        raise SubmissionRefused("received_at", problem.value)


def add_reporter_information(
    report: Report,
    text: str,
    photos: Sequence[ProcessedPhoto] = (),
    *,
    source: str = "web",
    email_message_id: str | None = None,
) -> Message:
    """The reporter adds text and photos from the tracking page: a private message in the thread.

    ``source`` is ``"email"`` for a reply by mail, whose Message-ID goes in
    ``email_message_id`` (unique: a redelivery fails with ``IntegrityError``).
    """
    cc = state()
    session = db_session()
    with staged_photos(cc.photo_store) as staged:
        message = Message(
            report=report,
            visibility="private",
            author_kind="reporter",
            body=text,
            source=source,
            email_message_id=email_message_id,
        )
        start = len(report.photos)
        for offset, photo in enumerate(staged.add_all(photos)):
            photo.position = start + offset
            photo.message = message
            report.photos.append(photo)
        session.add(message)
        notify.queue_staff_reply(session, report, message)
        session.commit()
    publish(staged)
    signals.message_posted.send(app_object(), report=report, message=message, actor=None)
    return message
