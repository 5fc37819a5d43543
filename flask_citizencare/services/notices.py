"""Service notices: write a draft, publish it, post its steps until it is over.

Operators (and those above them) write drafts and post the steps of a
published notice; only managers and administrators publish. Each function is
one transaction and checks everything before it writes, so a refusal
(:class:`~.errors.ActionRefused`) leaves the database as it was; each change
writes its audit entry (subject type ``notice``) in that transaction, and the
mails it causes go into the outbox in the same transaction
(:mod:`.notice_mails`).

Texts: ``titles``/``bodies`` by language code, the default language (the
first of ``CITIZENCARE_LANGUAGES``) stored in ``title``/``body``. A draft may
lack its body; publishing needs it in the default language.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon
from shapely.ops import unary_union
from sqlalchemy.orm import Session

from ..access import Actor
from ..context import db_session, state
from ..domain.notices import lifecycle
from ..domain.notices.areas import (
    AreaError,
    as_multipolygon,
    check_inside,
    districts_area,
    parse_geojson,
)
from ..domain.notices.lifecycle import Impact, NoticeKind, NoticeStatus
from ..i18n import gettext as _
from ..i18n import language_name, languages
from ..models import Category, NoticeUpdate, ServiceNotice
from ..models.base import utcnow
from ..parsing import InputError, check_text
from . import audit, notice_mails
from .errors import ChangedMeanwhile, Forbidden, InvalidInput, NotFound, NotNow
from .service_names import SERVICE_MAX, SERVICES_MAX, NameProblem, ServiceNamesError, service_names
from .transactions import one_transaction

SUBJECT = "notice"
AUDITED = (
    "kind",
    "status",
    "impact",
    "title",
    "titles",
    "body",
    "bodies",
    "services",
    "districts",
    "starts_at",
    "ends_at",
    "category_ids",
)
TITLE_MAX = 200
BODY_MAX = 20_000

__all__ = [
    "NoticeInput",
    "StepInput",
    "create_notice",
    "discard_draft",
    "post_step",
    "publish_notice",
    "update_notice",
]


@dataclass(frozen=True)
class NoticeInput:
    """A notice as the form (or a caller) gives it; texts by language code."""

    kind: str
    titles: Mapping[str, str]
    bodies: Mapping[str, str]
    starts_at: datetime
    ends_at: datetime | None = None
    impact: str = Impact.DEGRADED.value
    category_ids: Sequence[int] = ()
    services: Sequence[str] = ()
    districts: Sequence[str] = ()
    #: A drawn area as GeoJSON (Polygon/MultiPolygon), joined with the districts' shapes.
    area_geojson: str | None = None


@dataclass(frozen=True)
class StepInput:
    """One step: the status from now on, what to tell (by language), whether to mail subscribers."""

    status: str
    bodies: Mapping[str, str] = field(default_factory=dict)
    notify: bool = False


@dataclass(frozen=True)
class _Clean:
    kind: NoticeKind
    title: str
    titles: dict[str, str]
    body: str
    bodies: dict[str, str]
    impact: Impact
    starts_at: datetime
    ends_at: datetime | None
    categories: list[Category]
    services: list[str]
    districts: list[str]
    area: MultiPolygon | None


# -- checking ------------------------------------------------------------------


def _require_staff(actor: Actor) -> None:
    if not actor.registers_requests:
        raise Forbidden(_("Only the URP's operators, managers and administrators write service notices."))


def _require_publisher(actor: Actor) -> None:
    if not actor.supervises:
        raise Forbidden(_("Only managers and administrators publish service notices."))


def _texts(given: Mapping[str, str], *, multiline: bool, limit: int) -> dict[str, str]:
    offered = languages()
    if set(given) - set(offered):
        raise InvalidInput(_("Give the texts only in the languages offered."))
    cleaned: dict[str, str] = {}
    for language in offered:
        value = given.get(language) or ""
        if not isinstance(value, str):
            raise InvalidInput(_("Give the texts only in the languages offered."))
        text = value.strip()
        try:
            check_text(text, multiline=multiline)
        except InputError:
            raise InvalidInput(_("Remove the control characters from this text.")) from None
        if len(text) > limit:
            raise InvalidInput(_("A text can be at most %(max)d characters long.", max=limit))
        cleaned[language] = text
    return cleaned


def _split(cleaned: dict[str, str]) -> tuple[str, dict[str, str]]:
    """The default language's text and the others (empty ones left out)."""
    default = languages()[0]
    return cleaned[default], {code: text for code, text in cleaned.items() if code != default and text}


def _aware(value: object, message: str) -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise InvalidInput(message)
    return value


def _area_message(code: str) -> str:
    messages = {
        "outside": _("The affected area reaches outside the municipality: draw it inside the boundary."),
        "unknown_district": _("Choose the districts from the list."),
        "too_complex": _("The affected area has too many points: draw it more simply."),
    }
    return messages.get(code, _("The affected area could not be read: draw it again."))


def _area(data: NoticeInput) -> MultiPolygon | None:
    settings = state().settings
    try:
        shapes = []
        if data.area_geojson and data.area_geojson.strip():
            drawn = parse_geojson(data.area_geojson)
            check_inside(drawn, settings.area)
            shapes.append(drawn)
        chosen = districts_area(list(data.districts), settings.districts)
        if chosen is not None:
            shapes.append(chosen)
    except AreaError as exc:
        raise InvalidInput(_area_message(exc.code)) from None
    if not shapes:
        return None
    return as_multipolygon(unary_union(shapes)) if len(shapes) > 1 else shapes[0]


def _services(given: Sequence[str]) -> list[str]:
    try:
        return service_names(given)
    except ServiceNamesError as error:
        messages = {
            NameProblem.NOT_TEXT: _("Write each affected service on its own line."),
            NameProblem.CONTROL: _("Remove the control characters from this text."),
            NameProblem.TOO_LONG: _(
                "A service's name can be at most %(max)d characters long.", max=SERVICE_MAX
            ),
            NameProblem.TOO_MANY: _("Name at most %(max)d affected services.", max=SERVICES_MAX),
        }
        raise InvalidInput(messages[error.problem]) from None


def _categories(session: Session, ids: Sequence[int]) -> list[Category]:
    wanted = set()
    for value in ids:
        if not isinstance(value, int) or isinstance(value, bool):
            raise InvalidInput(_("Choose the categories from the list."))
        wanted.add(value)
    if not wanted:
        return []
    found = list(session.scalars(sa.select(Category).where(Category.id.in_(wanted))))
    if len(found) != len(wanted):
        raise InvalidInput(_("Choose the categories from the list."))
    return found


def clean(session: Session, data: NoticeInput) -> _Clean:
    """``data`` checked and normalised; raises :class:`InvalidInput`."""
    try:
        kind = NoticeKind(data.kind)
    except ValueError:
        raise InvalidInput(_("Choose whether the notice is about an incident or planned works.")) from None
    try:
        impact = Impact(data.impact)
    except ValueError:
        raise InvalidInput(_("Choose how the incident affects the services.")) from None
    title, titles = _split(_texts(data.titles, multiline=False, limit=TITLE_MAX))
    if not title:
        raise InvalidInput(
            _(
                "Give the notice a title in %(language)s, the default language.",
                language=language_name(languages()[0]),
            )
        )
    body, bodies = _split(_texts(data.bodies, multiline=True, limit=BODY_MAX))
    starts_at = _aware(data.starts_at, _("Give the start as a date and time."))
    ends_at = (
        _aware(data.ends_at, _("Give the end as a date and time.")) if data.ends_at is not None else None
    )
    if kind is NoticeKind.PLANNED and ends_at is None:
        raise InvalidInput(_("Give the planned end of the works."))
    if ends_at is not None and ends_at < starts_at:
        raise InvalidInput(_("The end must come after the start."))
    districts = list(dict.fromkeys(d for d in data.districts if isinstance(d, str)))
    return _Clean(
        kind=kind,
        title=title,
        titles=titles,
        body=body,
        bodies=bodies,
        impact=impact,
        starts_at=starts_at,
        ends_at=ends_at,
        categories=_categories(session, data.category_ids),
        services=_services(data.services),
        districts=districts,
        area=_area(data),
    )


def _step_texts(step: StepInput) -> tuple[str, dict[str, str]]:
    return _split(_texts(step.bodies, multiline=True, limit=BODY_MAX))


# -- writing -------------------------------------------------------------------


def _snapshot(notice: ServiceNotice) -> dict[str, object]:
    values = audit.snapshot(notice, [name for name in AUDITED if name != "category_ids"])
    values["category_ids"] = sorted(c.id for c in notice.categories)
    return values


def _label(notice: ServiceNotice) -> str:
    return f"{notice.title} (#{notice.id})"


def _apply(notice: ServiceNotice, cleaned: _Clean) -> None:
    notice.kind = cleaned.kind.value
    notice.title, notice.titles = cleaned.title, cleaned.titles
    notice.body, notice.bodies = cleaned.body, cleaned.bodies
    notice.impact = cleaned.impact.value
    notice.starts_at, notice.ends_at = cleaned.starts_at, cleaned.ends_at
    notice.categories = cleaned.categories
    notice.services, notice.districts = cleaned.services, cleaned.districts
    notice.area = from_shape(cleaned.area, srid=4326) if cleaned.area is not None else None


def _notice(session: Session, notice_id: int, version: int | None = None) -> ServiceNotice:
    notice = session.get(ServiceNotice, notice_id)
    if notice is None:
        raise NotFound(_("There is no such notice."))
    if version is not None and notice.version != version:
        raise ChangedMeanwhile(_("Someone else changed this notice meanwhile: look at it again."))
    return notice


def create_notice(actor: Actor, data: NoticeInput) -> ServiceNotice:
    """A new draft (only staff see it until a manager publishes it)."""
    _require_staff(actor)
    session = db_session()
    with one_transaction(session):
        cleaned = clean(session, data)
        notice = ServiceNotice(status=NoticeStatus.DRAFT.value, created_by_id=actor.staff.id)
        _apply(notice, cleaned)
        session.add(notice)
        session.flush()
        audit.record(session, actor, SUBJECT, notice.id, _label(notice), "create", None, _snapshot(notice))
    return notice


def update_notice(
    actor: Actor, notice_id: int, data: NoticeInput, *, version: int | None = None
) -> ServiceNotice:
    """Change what a notice says and covers, while it is not over; its kind is fixed once published."""
    _require_staff(actor)
    session = db_session()
    with one_transaction(session):
        notice = _notice(session, notice_id, version)
        if lifecycle.is_final(notice.status):
            raise NotNow(_("This notice is over: it can no longer be changed."))
        cleaned = clean(session, data)
        if lifecycle.is_published(notice.status):
            if cleaned.kind.value != notice.kind:
                raise NotNow(_("A published notice keeps its kind."))
            if not cleaned.body:
                raise InvalidInput(_default_body_message())
        before = _snapshot(notice)
        _apply(notice, cleaned)
        audit.record(session, actor, SUBJECT, notice.id, _label(notice), "update", before, _snapshot(notice))
        if lifecycle.is_published(notice.status):  # a start moved into the first mail's window
            session.flush()
            notice_mails.queue_notice_mails(session, notice)
    return notice


def _default_body_message() -> str:
    return _(
        "Write what the notice says in %(language)s, the default language, before publishing it.",
        language=language_name(languages()[0]),
    )


def publish_notice(
    actor: Actor, notice_id: int, step: StepInput, *, version: int | None = None, now: datetime | None = None
) -> ServiceNotice:
    """Publish a draft as its first step (incident: investigating/identified/monitoring; planned
    works: scheduled, or in progress when they have begun). Subscribers are mailed about it."""
    _require_publisher(actor)
    now = now or utcnow()
    session = db_session()
    with one_transaction(session):
        notice = _notice(session, notice_id, version)
        if lifecycle.is_published(notice.status):
            raise NotNow(_("This notice is already published."))
        if step.status not in {s.value for s in lifecycle.next_statuses(notice.kind, notice.status)}:
            raise InvalidInput(_("Choose the step the notice is published as."))
        if not notice.body:
            raise InvalidInput(_default_body_message())
        body, bodies = _step_texts(step)
        before = _snapshot(notice)
        notice.status = step.status
        notice.published_at, notice.published_by_id = now, actor.staff.id
        update = NoticeUpdate(
            status=step.status, body=body, bodies=bodies, notify=True, author_id=actor.staff.id, at=now
        )
        notice.updates.append(update)
        session.flush()
        audit.record(session, actor, SUBJECT, notice.id, _label(notice), "publish", before, _snapshot(notice))
        notice_mails.queue_notice_mails(session, notice, now)
    return notice


def post_step(
    actor: Actor, notice_id: int, step: StepInput, *, version: int | None = None, now: datetime | None = None
) -> NoticeUpdate:
    """A new step of a published notice: its status from now on (the same status adds news) and its
    text; final steps (resolved, completed, cancelled) end the notice and always mail subscribers."""
    _require_staff(actor)
    now = now or utcnow()
    session = db_session()
    with one_transaction(session):
        notice = _notice(session, notice_id, version)
        if not lifecycle.is_published(notice.status):
            raise NotNow(_("Publish the notice before posting its steps."))
        if lifecycle.is_final(notice.status):
            raise NotNow(_("This notice is over: it can no longer be changed."))
        try:
            target = NoticeStatus(step.status)
        except ValueError:
            raise InvalidInput(_("Choose the notice's next step from the list.")) from None
        if not lifecycle.may_move(notice.kind, notice.status, target):
            raise InvalidInput(_("Choose the notice's next step from the list."))
        body, bodies = _step_texts(step)
        final = lifecycle.is_final(target)
        if not body and target.value == notice.status:
            raise InvalidInput(_default_step_message())
        before = _snapshot(notice)
        notice.status = target.value
        if final:
            notice.ended_at = now
        update = NoticeUpdate(
            status=target.value,
            body=body,
            bodies=bodies,
            notify=bool(step.notify) or final,
            author_id=actor.staff.id,
            at=now,
        )
        notice.updates.append(update)
        session.flush()
        audit.record(session, actor, SUBJECT, notice.id, _label(notice), "step", before, _snapshot(notice))
        notice_mails.queue_notice_mails(session, notice, now)
    return update


def _default_step_message() -> str:
    return _("Write the news in %(language)s, the default language.", language=language_name(languages()[0]))


def discard_draft(actor: Actor, notice_id: int) -> None:
    """Delete a notice that was never published."""
    _require_staff(actor)
    session = db_session()
    with one_transaction(session):
        notice = _notice(session, notice_id)
        if lifecycle.is_published(notice.status):
            raise NotNow(_("A published notice cannot be deleted: post its final step instead."))
        audit.record(session, actor, SUBJECT, notice.id, _label(notice), "delete", _snapshot(notice), None)
        session.delete(notice)
