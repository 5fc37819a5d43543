"""Suggestions for a report: category, office, possible duplicates and replies, from the model in use.

Everything here only reads: the workspace, the queue, the intake form and the
citizens' form show what :func:`suggest` returns, and staff decide
(:mod:`.suggestion_records` keeps what they did). Without a usable model (a
fresh install, a model of another catalogue, suggestions turned off) every
function returns :data:`NOTHING` and the pages are as they were.

Possible duplicates: the spatial index narrows the candidates to open reports
within ``CITIZENCARE_SUGGEST_DUPLICATE_RADIUS_M`` of the point, of any category
(two citizens may choose differently for the same broken light), received in
the last ``CITIZENCARE_SUGGEST_DUPLICATE_DAYS``; the model's representation
then compares their words, and :func:`~..domain.suggest.duplicates.duplicate_score`
combines similarity, distance and age. The public form compares only the
public texts of public reports.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import sqlalchemy as sa
from flask import current_app
from geoalchemy2.shape import to_shape
from sqlalchemy.orm import Session

from ..access import Actor, visible_reports
from ..database.spatial import reports_in_box
from ..domain.lifecycle import OPEN_STATUSES, Status
from ..domain.suggest.duplicates import duplicate_score, worth_showing
from ..domain.suggest.text import report_text
from ..i18n import gettext as _
from ..models import CannedReply, Category, Office, Report
from ..models.base import utcnow
from .duplicates import bounding_box, haversine_m
from .errors import InvalidInput
from .knowledge import public_answers
from .suggestion_models import LoadedModel, load_current

#: Texts longer than this are cut before suggesting: nobody types more, and it bounds the work.
MAX_TEXT = 4000
SHOWN = 3
DEFAULT_DUPLICATE_RADIUS_M = 200.0
DEFAULT_DUPLICATE_DAYS = 60
#: At most this many nearby open reports are compared (the nearest by the index's box first).
MAX_CANDIDATES = 300
#: A category or office is suggested only when at least this likely.
MIN_SCORE = 0.05
#: A category at least this likely is what the case is about, whatever was chosen (office, replies).
SURE = 0.5
OPEN = tuple(sorted(s.value for s in OPEN_STATUSES))
FINISHED = (Status.RESOLVED.value, Status.CLOSED.value)


@dataclass(frozen=True)
class Choice:
    """A suggested category or office, how likely, and the similar past cases that say so."""

    id: int
    code: str
    label: str
    score: float
    like: tuple[str, ...] = ()


@dataclass(frozen=True)
class DuplicateHint:
    report: Report
    distance_m: float | None
    age_days: float
    similarity: float
    score: float


@dataclass(frozen=True)
class ReplyHint:
    """A reply template (``kind="template"``) or a finished case's public answer (``"answer"``)."""

    kind: str
    id: int
    title: str
    body: str
    score: float
    public_id: str | None = None


@dataclass(frozen=True)
class Suggestions:
    version: int | None = None
    categories: tuple[Choice, ...] = ()
    offices: tuple[Choice, ...] = ()
    duplicates: tuple[DuplicateHint, ...] = ()
    replies: tuple[ReplyHint, ...] = ()

    @property
    def available(self) -> bool:
        return self.version is not None

    @property
    def best_category(self) -> Choice | None:
        return self.categories[0] if self.categories else None

    @property
    def best_office(self) -> Choice | None:
        return self.offices[0] if self.offices else None


#: What every function returns without a usable model.
NOTHING = Suggestions()


@dataclass(frozen=True)
class Query:
    """What is known of a report being written or triaged."""

    title: str = ""
    description: str = ""
    kind: str = "issue"
    category_id: int | None = None
    lon: float | None = None
    lat: float | None = None
    exclude_id: int | None = None

    @property
    def text(self) -> str:
        return report_text(_clean(self.title), _clean(self.description))[:MAX_TEXT]


def _clean(value: str | None) -> str:
    return (value or "").replace("\x00", " ")[:MAX_TEXT]


def suggest(
    session: Session,
    query: Query,
    *,
    actor: Actor | None = None,
    public: bool = False,
    language: str = "it",
    duplicates: bool = True,
    replies: bool = False,
) -> Suggestions:
    """Suggestions for ``query``; :data:`NOTHING` without a usable model or with no words to go on.

    ``public``: for the citizens' form (duplicates among public reports only,
    compared on their public texts). ``actor``: duplicates among the cases that
    staff member may see. Raises :class:`~.errors.InvalidInput` for an invalid point.
    """
    if query.lon is not None or query.lat is not None:
        _check_point(query.lon, query.lat)
    loaded = load_current(session)
    text = query.text
    if loaded is None or not text.strip(". "):
        return NOTHING
    features = loaded.model.features([text])
    near = loaded.model.index_scores(text)  # the past cases' closeness, read by every "like ..."
    categories = _categories(session, loaded, text, query, features, near, language)
    chosen = _category_code(session, query.category_id) or (categories[0].code if categories else None)
    # What the case is about: the suggested category when the model is sure of it, else the chosen one.
    # The office and the replies follow it: a lamp filed under graffiti goes to the lighting office.
    about = categories[0].code if categories and categories[0].score >= SURE else chosen
    offices = _offices(session, loaded, text, about, features, near)
    found = _duplicates(session, loaded, query, features, actor=actor, public=public) if duplicates else ()
    hints = _replies(session, loaded, text, about, language, near) if replies else ()
    return Suggestions(
        version=loaded.version,
        categories=tuple(categories),
        offices=tuple(offices),
        duplicates=tuple(found),
        replies=tuple(hints),
    )


def for_report(session: Session, report: Report, *, actor: Actor, language: str) -> Suggestions:
    """Everything for a case's workspace: category, office, duplicates among what ``actor`` sees, replies."""
    return suggest(session, query_of(report), actor=actor, language=language, replies=True)


def query_of(report: Report) -> Query:
    lon = lat = None
    if report.point is not None:
        point = to_shape(report.point)
        lon, lat = float(point.x), float(point.y)
    return Query(
        title=report.title,
        description=report.description,
        kind=report.kind,
        category_id=report.category_id,
        lon=lon,
        lat=lat,
        exclude_id=report.id,
    )


def for_reports(session: Session, reports: Sequence[Report], *, language: str) -> dict[int, Suggestions]:
    """Category and office suggestions for a page of the queue, in one pass of the model."""
    loaded = load_current(session)
    if loaded is None or not reports:
        return {}
    texts = [report_text(_clean(r.title), _clean(r.description))[:MAX_TEXT] for r in reports]
    features = loaded.model.features(texts)
    ranked = loaded.model.rank_categories(texts, SHOWN, features=features)
    codes = [r.category.code for r in reports]
    offices = loaded.model.rank_offices(texts, codes, SHOWN, features=features)
    labels, kinds = _catalogue(session, language)
    result = {}
    for report, cats, offs in zip(reports, ranked, offices, strict=True):
        result[report.id] = Suggestions(
            version=loaded.version,
            categories=tuple(_category_choices(loaded, cats, report.kind, labels, kinds)),
            offices=tuple(_office_choices(session, loaded, offs)),
        )
    return result


# -- category and office -------------------------------------------------------------------------


def _categories(
    session: Session,
    loaded: LoadedModel,
    text: str,
    query: Query,
    features: Any,
    near: np.ndarray,
    language: str,
) -> list[Choice]:
    ranked = loaded.model.rank_categories([text], len(loaded.model.categories), features=features)[0]
    choices = _category_choices(loaded, ranked, query.kind, *_catalogue(session, language))
    return [
        Choice(c.id, c.code, c.label, c.score, _like(loaded, text, near, category=c.code))
        for c in choices[:SHOWN]
    ]


def _category_choices(
    loaded: LoadedModel,
    ranked: Sequence[tuple[str, float]],
    kind: str,
    labels: dict[int, str],
    kinds: dict[int, str],
) -> list[Choice]:
    choices = []
    for code, score in ranked:
        category_id = loaded.category_ids.get(code)
        if category_id is None or score < MIN_SCORE or kinds.get(category_id) not in ("both", kind):
            continue
        choices.append(Choice(category_id, code, labels.get(category_id, code), round(score, 4)))
    return choices[:SHOWN]


def _offices(
    session: Session, loaded: LoadedModel, text: str, category: str | None, features: Any, near: np.ndarray
) -> list[Choice]:
    ranked = loaded.model.rank_offices([text], [category], SHOWN, features=features)[0]
    return [
        Choice(c.id, c.code, c.label, c.score, _like(loaded, text, near, office=c.code))
        for c in _office_choices(session, loaded, ranked)
    ]


def _office_choices(
    session: Session, loaded: LoadedModel, ranked: Sequence[tuple[str, float]]
) -> list[Choice]:
    names = _office_names(session)
    return [
        Choice(loaded.office_ids[code], code, names.get(loaded.office_ids[code], code), round(score, 4))
        for code, score in ranked
        if code in loaded.office_ids and score >= MIN_SCORE
    ]


def _like(
    loaded: LoadedModel,
    text: str,
    near: np.ndarray,
    *,
    category: str | None = None,
    office: str | None = None,
) -> tuple[str, ...]:
    found = loaded.model.neighbours(text, 2, category=category, office=office, scores=near)
    return tuple(n.public_id for n in found if n.public_id)


def _catalogue(session: Session, language: str) -> tuple[dict[int, str], dict[int, str]]:
    """The active categories' labels in ``language`` and the kinds of report they take, by id."""
    rows = session.execute(
        sa.select(Category.id, Category.name, Category.names, Category.kinds).where(Category.active)
    ).all()
    labels = {cid: (names or {}).get(language) or name for cid, name, names, _kinds in rows}
    return labels, {cid: kinds for cid, _name, _names, kinds in rows}


def _office_names(session: Session) -> dict[int, str]:
    return dict(session.execute(sa.select(Office.id, Office.name).where(Office.active)).all())


def _category_code(session: Session, category_id: int | None) -> str | None:
    if category_id is None:
        return None
    return session.scalar(sa.select(Category.code).where(Category.id == category_id))


# -- duplicates ----------------------------------------------------------------------------------


def _setting(name: str, default: Any) -> Any:
    return current_app.config.get(name, default)


def _check_point(lon: Any, lat: Any) -> None:
    ok = all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in (lon, lat))
    if not ok or not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        raise InvalidInput(_("The position is not valid."))


def _duplicates(
    session: Session,
    loaded: LoadedModel,
    query: Query,
    features: Any,
    *,
    actor: Actor | None,
    public: bool,
    now: datetime | None = None,
) -> list[DuplicateHint]:
    radius = float(_setting("CITIZENCARE_SUGGEST_DUPLICATE_RADIUS_M", DEFAULT_DUPLICATE_RADIUS_M))
    days = int(_setting("CITIZENCARE_SUGGEST_DUPLICATE_DAYS", DEFAULT_DUPLICATE_DAYS))
    now = now or utcnow()
    where: list[sa.ColumnElement[bool]] = [
        Report.status.in_(OPEN),
        Report.received_at >= now - timedelta(days=days),
        Report.duplicate_of_id.is_(None),
        Report.kind == query.kind,
    ]
    located = query.lon is not None and query.lat is not None
    if located:
        assert query.lon is not None and query.lat is not None
        where.append(reports_in_box(session, bounding_box(query.lon, query.lat, radius)))
    elif query.category_id is not None:
        where.append(Report.category_id == query.category_id)
    else:
        return []
    if query.exclude_id is not None:
        where.append(Report.id != query.exclude_id)
    if public:
        where.append(Report.is_public.is_(True))
    if actor is not None:
        where.append(visible_reports(actor))
    # On the public form only what the public sees of a report is compared.
    title: Any = sa.func.coalesce(Report.public_title, Report.title) if public else Report.title
    description: Any = (
        sa.func.coalesce(Report.public_description, Report.description) if public else Report.description
    )
    rows = session.execute(
        sa.select(
            Report.id,
            title.label("title"),
            description.label("description"),
            Report.category_id,
            Report.received_at,
            sa.func.ST_X(Report.point).label("x"),
            sa.func.ST_Y(Report.point).label("y"),
        )
        .where(*where)
        .order_by(Report.received_at.desc(), Report.id.desc())
        .limit(MAX_CANDIDATES)
    ).all()
    candidates = []
    for row in rows:
        distance = None
        if located and row.x is not None and row.y is not None:
            assert query.lon is not None and query.lat is not None
            distance = haversine_m(query.lon, query.lat, float(row.x), float(row.y))
            if distance > radius:
                continue
        candidates.append((row, distance))
    if not candidates:
        return []
    texts = [report_text(row.title, row.description) for row, _distance in candidates]
    # The open reports' profiles are kept between suggestions: the same ones come back at each keystroke.
    own = loaded.model.profiles_of(features)
    similarities = loaded.model.compare(own, loaded.profiles.profiles(texts))
    scored = []
    for (row, distance), similarity in zip(candidates, similarities, strict=True):
        age = max(0.0, (now - row.received_at).total_seconds() / 86400)
        score = duplicate_score(
            similarity=similarity,
            distance_m=distance,
            radius_m=radius,
            age_days=age,
            max_age_days=days,
            same_category=row.category_id == query.category_id,
        )
        if worth_showing(score, similarity):
            scored.append((score, row.id, distance, round(age, 1), round(similarity, 4)))
    scored.sort(key=lambda hint: (-hint[0], -hint[1]))
    best = scored[:5]
    if not best:
        return []
    reports = {r.id: r for r in session.scalars(sa.select(Report).where(Report.id.in_([h[1] for h in best])))}
    return [
        DuplicateHint(reports[rid], distance, age, similarity, score)
        for score, rid, distance, age, similarity in best
        if rid in reports
    ]


# -- replies -------------------------------------------------------------------------------------


def _replies(
    session: Session, loaded: LoadedModel, text: str, category: str | None, language: str, near: np.ndarray
) -> list[ReplyHint]:
    category_id = loaded.category_ids.get(category or "")
    templates = session.scalars(
        sa.select(CannedReply)
        .where(
            CannedReply.active.is_(True),
            CannedReply.language == language,
            sa.or_(CannedReply.category_id.is_(None), CannedReply.category_id == category_id),
        )
        .order_by(CannedReply.id)
        .limit(200)
    ).all()
    hints = []
    if templates:
        similarities = loaded.model.similarities(text, [f"{t.title}. {t.body}" for t in templates])
        for template, similarity in zip(templates, similarities, strict=True):
            own = template.category_id is not None and template.category_id == category_id
            score = round(min(1.0, similarity + (0.15 if own else 0.0)), 4)
            hints.append(ReplyHint("template", template.id, template.title, template.body, score))
    found = loaded.model.neighbours(text, 5, category=category, scores=near)
    neighbours = [n for n in found if n.report_id is not None]
    ids = [n.report_id for n in neighbours if n.report_id is not None]
    finished = set(
        session.scalars(sa.select(Report.id).where(Report.id.in_(ids), Report.status.in_(FINISHED))).all()
    )
    answers = public_answers(session, finished)
    for neighbour in neighbours:
        body = answers.get(neighbour.report_id or 0)
        if body:
            title = _("The answer to %(number)s", number=neighbour.public_id or "")
            hints.append(
                ReplyHint(
                    "answer",
                    neighbour.report_id or 0,
                    title,
                    body,
                    round(neighbour.similarity, 4),
                    neighbour.public_id,
                )
            )
    hints.sort(key=lambda hint: (-hint.score, hint.kind, hint.id))
    return [hint for hint in hints if hint.score > 0.05][:SHOWN]
