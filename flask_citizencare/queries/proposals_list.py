"""The public list of proposals (``/proposals``): four orders, the proposals' filters, keyset pages.

Orders (:data:`SORTS`):

- ``newest``: ``created_at`` then ``id``, newest first (the default);
- ``supported``: ``supports_count`` then ``id``, most first, read backwards
  from the partial index ``ix_cc_reports_proposals_supports``;
- ``answered``: ``answered_at`` then ``id``, newest answer first, proposals
  awaiting an answer after them. The answered part is read backwards from
  the partial index ``ix_cc_reports_proposals_answered`` and the awaiting part
  by ``id``, as two queries: one ``ORDER BY answered_at DESC NULLS LAST``
  would match the index on SQLite (where NULLs sort first) but not on
  PostgreSQL (where they sort last), and would sort every row there;
- ``random``: a shuffle that stays the same for one visitor's pages, so
  paging neither repeats nor skips: each row's place is
  ``(id * seed) % P`` with ``P`` the prime 2^31 - 1, a permutation of the ids
  for every seed in ``1..P-1`` (``P`` prime), the same integer arithmetic on
  both databases (below 2^63 for any id below 2^32). The seed is chosen on the
  first page and travels in the links (and in the cursor's order name, so a
  cursor of one shuffle is no position in another).

Every query carries the public-proposal condition spelt as the partial
indexes spell it (``kind = 'proposal'`` a literal, not a parameter), so the
planners can prove those indexes usable. No private column ever leaves here.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from ..context import db_session, state
from ..database.spatial import BBox, reports_in_box
from ..domain.geo import Area, District
from ..domain.lifecycle import Kind
from ..i18n import gettext as _
from ..models import AnswerState, Category, ProposalAnswer, Report
from . import cursors
from .filters import FALSE_WORDS, MAX_PARAMETER_LENGTH, TRUE_WORDS, FilterError, parse_public_filter
from .reports import public_reports_filter

#: Proposals per page.
PAGE_SIZE = 24
SORTS = ("newest", "supported", "answered", "random")
DEFAULT_SORT = "newest"
#: The shuffle's modulus: the Mersenne prime 2^31 - 1.
SHUFFLE_PRIME = 2_147_483_647
#: Seeds chosen for visitors lie in the middle of ``1..P-1`` (a small multiplier shuffles little).
_SEED_LOW, _SEED_HIGH = 1 << 28, SHUFFLE_PRIME - (1 << 28)
#: The parameters the list reads.
PARAMETERS = ("sort", "seed", "category", "district", "bbox", "state", "answered", "cursor")


@dataclass(frozen=True)
class ProposalFilter:
    """What a visitor asked of the list. Empty tuples and ``None`` mean "no condition"."""

    sort: str = DEFAULT_SORT
    #: The shuffle of the ``random`` order (``None`` for the other orders).
    seed: int | None = None
    categories: tuple[str, ...] = ()
    district: str | None = None
    bbox: BBox | None = None
    #: Codes of answer states: the proposal's current (newest published) answer is in one of them.
    states: tuple[str, ...] = ()
    #: True: answered (a published answer); False: awaiting an answer.
    answered: bool | None = None

    def query_args(self, *, with_sort: bool = True) -> dict[str, str]:
        """The filter as query-string parameters (for links that keep it: next page, other orders)."""
        args: dict[str, str] = {}
        if with_sort and self.sort != DEFAULT_SORT:
            args["sort"] = self.sort
        if with_sort and self.seed is not None:
            args["seed"] = str(self.seed)
        if self.categories:
            args["category"] = ",".join(self.categories)
        if self.district:
            args["district"] = self.district
        if self.bbox is not None:
            args["bbox"] = ",".join(f"{v:.6f}".rstrip("0").rstrip(".") for v in self.bbox)
        if self.states:
            args["state"] = ",".join(self.states)
        if self.answered is not None:
            args["answered"] = "true" if self.answered else "false"
        return args

    def map_args(self) -> dict[str, str]:
        """The filters the public map understands, for the "Map" tab (``kind=proposal`` first)."""
        args = {"kind": Kind.PROPOSAL.value}
        if self.categories:
            args["category"] = ",".join(self.categories)
        if self.bbox is not None:
            args["bbox"] = self.query_args()["bbox"]
        return args

    @property
    def filtered(self) -> bool:
        return bool(self.query_args(with_sort=False))


def new_seed() -> int:
    """A fresh shuffle for a visitor's first page of the ``random`` order."""
    return _SEED_LOW + secrets.randbelow(_SEED_HIGH - _SEED_LOW)


def _one(args: Mapping[str, Any], name: str) -> str | None:
    """The single value of a parameter (blank: none); twice, or too long, is refused."""
    getlist = getattr(args, "getlist", None)
    values = [v for v in (getlist(name) if getlist is not None else [args.get(name)]) if v not in (None, "")]
    if not values:
        return None
    if len(values) > 1:
        raise FilterError(name, _("Give this parameter once."))
    value = values[0]
    if not isinstance(value, str) or len(value) > MAX_PARAMETER_LENGTH or "\x00" in value:
        raise FilterError(name, _("This value is too long."))
    return value.strip() or None


def _list(args: Mapping[str, Any], name: str) -> tuple[str, ...]:
    text = _one(args, name)
    if text is None:
        return ()
    return tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))


def parse_proposal_filter(
    args: Mapping[str, Any],
    *,
    area: Area,
    districts: Sequence[District],
    category_codes: Iterable[str],
    state_codes: Iterable[str],
    supports_sortable: bool = True,
) -> ProposalFilter:
    """Read the list's query string; raise :class:`FilterError` naming the refused parameter.

    Bbox and category are read by the public filters' parser (the same words and
    refusals as the map and the open data). ``supports_sortable`` is False while
    counts are hidden (``CITIZENCARE_HIDE_SUPPORTS_UNTIL_ANSWERED``): the order
    by supports would show what the hidden counts hide.
    """
    shared: MultiDict[str, str] = MultiDict()
    for name in ("bbox", "category"):
        value = _one(args, name)
        if value is not None:
            shared[name] = value
    public = parse_public_filter(shared, area=area, category_codes=category_codes)

    sorts = [s for s in SORTS if s != "supported" or supports_sortable]
    sort = _one(args, "sort") or DEFAULT_SORT
    if sort not in sorts:
        raise FilterError("sort", _("Unknown order: use %(choices)s.", choices=", ".join(sorts)))
    seed: int | None = None
    seed_text = _one(args, "seed")
    if sort == "random":
        if seed_text is None:
            seed = new_seed()
        else:
            if not (seed_text.isascii() and seed_text.isdigit() and len(seed_text) <= 10):
                raise FilterError("seed", _("This page link is damaged: go back to the first page."))
            seed = int(seed_text)
            if not 1 <= seed < SHUFFLE_PRIME:
                raise FilterError("seed", _("This page link is damaged: go back to the first page."))

    district = _one(args, "district")
    if district is not None and district not in {d.name for d in districts}:
        raise FilterError("district", _("There is no such district."))

    states = _list(args, "state")
    known_states = set(state_codes)
    if any(code not in known_states for code in states):
        raise FilterError(
            "state", _("Unknown answer state: use %(choices)s.", choices=", ".join(sorted(known_states)))
        )

    answered_text = _one(args, "answered")
    answered: bool | None = None
    if answered_text is not None:
        word = answered_text.lower()
        if word not in TRUE_WORDS | FALSE_WORDS:
            raise FilterError("answered", _("Use true or false."))
        answered = word in TRUE_WORDS
    return ProposalFilter(
        sort=sort,
        seed=seed,
        categories=public.categories,
        district=district,
        bbox=public.bbox,
        states=states,
        answered=answered,
    )


@dataclass(frozen=True)
class ListedProposal:
    """One card of the list: public fields only (never the proposer, the supporters or the staff)."""

    id: int
    public_id: str
    title: str
    category_id: int
    created_at: datetime
    supports_count: int
    answered_at: datetime | None
    #: The current answer's state (the newest published answer's); ``None``: awaiting an answer.
    state_id: int | None
    district: str | None
    address: str | None
    lat: float | None = None
    lon: float | None = None


@dataclass
class ProposalPage:
    proposals: list[ListedProposal] = field(default_factory=list)
    next_cursor: str | None = None


def public_proposals_condition() -> sa.ColumnElement[bool]:
    """The public proposals: the public reports' condition, and the kind as the partial indexes spell it."""
    return sa.and_(public_reports_filter(), Report.kind == sa.literal_column(f"'{Kind.PROPOSAL.value}'"))


def current_state_id() -> sa.ScalarSelect[Any]:
    """The state of the proposal's newest published answer (correlated; drafts never count)."""
    return (
        sa.select(ProposalAnswer.state_id)
        .where(ProposalAnswer.report_id == Report.id, ProposalAnswer.published_at.is_not(None))
        .order_by(ProposalAnswer.published_at.desc(), ProposalAnswer.id.desc())
        .limit(1)
        .correlate(Report)
        .scalar_subquery()
    )


def shuffle_key(seed: int) -> sa.ColumnElement[int]:
    """A row's place in the shuffle of ``seed``: ``(id * seed) % P``, exact in 64-bit integers on both."""
    return (
        sa.cast(Report.id, sa.BigInteger)
        * sa.literal(seed, sa.BigInteger)
        % sa.literal(SHUFFLE_PRIME, sa.BigInteger)
    )


def district_at(districts: Sequence[District], lon: float | None, lat: float | None) -> District | None:
    """The first district whose box holds the point (the dashboard's rule); None elsewhere."""
    if lon is None or lat is None:
        return None
    for district in districts:
        min_lon, min_lat, max_lon, max_lat = district.bounds
        if min_lon <= lon <= max_lon and min_lat <= lat <= max_lat:
            return district
    return None


def filter_conditions(
    session: Session, proposal_filter: ProposalFilter, districts: Sequence[District]
) -> list[sa.ColumnElement[bool]]:
    """SQL conditions of the filter; the public-proposal condition always first."""
    f = proposal_filter
    where = [public_proposals_condition()]
    if f.categories:
        where.append(Report.category_id.in_(sa.select(Category.id).where(Category.code.in_(f.categories))))
    if f.district is not None:
        district = next(d for d in districts if d.name == f.district)
        where.append(reports_in_box(session, district.bounds))
    if f.bbox is not None:
        where.append(reports_in_box(session, f.bbox))
    if f.answered is True:
        where.append(Report.answered_at.is_not(None))
    elif f.answered is False:
        where.append(Report.answered_at.is_(None))
    if f.states:
        where.append(current_state_id().in_(sa.select(AnswerState.id).where(AnswerState.code.in_(f.states))))
    return where


def _columns() -> list[Any]:
    return [
        Report.id,
        Report.public_id,
        sa.func.coalesce(Report.public_title, Report.title).label("title"),
        Report.category_id,
        Report.created_at,
        Report.supports_count,
        Report.answered_at,
        Report.address,
        sa.func.ST_X(Report.point).label("lon"),
        sa.func.ST_Y(Report.point).label("lat"),
        current_state_id().label("state_id"),
    ]


#: What each order's cursor holds (the random order's also carries its seed in the order's name).
_KEYS: dict[str, tuple[cursors.Field, ...]] = {
    "newest": (cursors.Field.MOMENT, cursors.Field.INTEGER),
    "supported": (cursors.Field.INTEGER, cursors.Field.INTEGER),
    "answered": (cursors.Field.MOMENT_OR_NONE, cursors.Field.INTEGER),
    "random": (cursors.Field.INTEGER, cursors.Field.INTEGER),
}


def _order_name(f: ProposalFilter) -> str:
    return f"proposals {f.sort}" + (f" {f.seed}" if f.sort == "random" else "")


def decode_cursor(text: str | None, proposal_filter: ProposalFilter) -> tuple[Any, ...] | None:
    """The position a cursor of this order (and shuffle) carries; raises :class:`FilterError`."""
    if not text:
        return None
    try:
        return cursors.decode(text, _order_name(proposal_filter), _KEYS[proposal_filter.sort])
    except cursors.BadCursor:
        raise FilterError("cursor", _("This page link is damaged: go back to the first page.")) from None


def proposals_rows(
    session: Session,
    proposal_filter: ProposalFilter,
    after: tuple[Any, ...] | None,
    limit: int,
    districts: Sequence[District] = (),
) -> list[sa.Row[Any]]:
    """Up to ``limit + 1`` rows of the order after ``after`` (one more shows that a next page exists)."""
    f = proposal_filter
    where = filter_conditions(session, f, districts)
    base = sa.select(*_columns()).where(*where)
    # Core rows on the session's connection: the ORM's execution path adds nothing here but time.
    connection = session.connection()
    if f.sort == "newest":
        if after is not None:
            where_after = sa.tuple_(Report.created_at, Report.id) < sa.tuple_(
                sa.literal(after[0], Report.created_at.type), sa.literal(after[1])
            )
            base = base.where(where_after)
        query = base.order_by(Report.created_at.desc(), Report.id.desc()).limit(limit + 1)
        return list(connection.execute(query).all())
    if f.sort == "supported":
        if after is not None:
            base = base.where(sa.tuple_(Report.supports_count, Report.id) < sa.tuple_(after[0], after[1]))
        query = base.order_by(Report.supports_count.desc(), Report.id.desc()).limit(limit + 1)
        return list(connection.execute(query).all())
    if f.sort == "random":
        assert f.seed is not None
        key = shuffle_key(f.seed)
        query = base.add_columns(key.label("shuffle"))
        if after is not None:
            query = query.where(sa.tuple_(key, Report.id) > sa.tuple_(after[0], after[1]))
        return list(connection.execute(query.order_by(key, Report.id).limit(limit + 1)).all())
    # answered: the answered ones by newest answer, then the awaiting ones by id.
    rows: list[sa.Row[Any]] = []
    if after is None or after[0] is not None:
        answered = base.where(Report.answered_at.is_not(None))
        if after is not None:
            answered = answered.where(
                sa.tuple_(Report.answered_at, Report.id)
                < sa.tuple_(sa.literal(after[0], Report.answered_at.type), sa.literal(after[1]))
            )
        query = answered.order_by(Report.answered_at.desc(), Report.id.desc()).limit(limit + 1)
        rows = list(connection.execute(query).all())
    if len(rows) <= limit:
        awaiting = base.where(Report.answered_at.is_(None))
        if after is not None and after[0] is None:
            awaiting = awaiting.where(Report.id < after[1])
        query = awaiting.order_by(Report.id.desc()).limit(limit + 1 - len(rows))
        rows += list(connection.execute(query).all())
    return rows


def _position(f: ProposalFilter, row: sa.Row[Any]) -> list[cursors.CursorValue]:
    if f.sort == "newest":
        return [row.created_at, row.id]
    if f.sort == "supported":
        return [row.supports_count, row.id]
    if f.sort == "random":
        return [int(row.shuffle), row.id]
    return [row.answered_at, row.id]


def list_proposals(
    proposal_filter: ProposalFilter,
    after: tuple[Any, ...] | None = None,
    *,
    limit: int | None = None,
    session: Session | None = None,
    districts: Sequence[District] | None = None,
) -> ProposalPage:
    """A page of the list (:data:`PAGE_SIZE` cards unless ``limit``) and the next page's cursor (or None)."""
    limit = PAGE_SIZE if limit is None else limit
    session = session or db_session()
    districts = state().settings.districts if districts is None else districts
    rows = proposals_rows(session, proposal_filter, after, limit, districts)
    page = ProposalPage()
    for row in rows[:limit]:
        lon = float(row.lon) if row.lon is not None else None
        lat = float(row.lat) if row.lat is not None else None
        found = district_at(districts, lon, lat)
        page.proposals.append(
            ListedProposal(
                id=row.id,
                public_id=row.public_id,
                title=row.title,
                category_id=row.category_id,
                created_at=row.created_at,
                supports_count=row.supports_count,
                answered_at=row.answered_at,
                state_id=row.state_id,
                district=found.name if found else None,
                address=row.address,
                lat=lat,
                lon=lon,
            )
        )
    if len(rows) > limit:
        page.next_cursor = cursors.encode(
            _order_name(proposal_filter), _position(proposal_filter, rows[limit - 1])
        )
    return page


def proposal_categories() -> list[Category]:
    """The categories that take proposals (retired ones too: their proposals stay listed), in order."""
    query = (
        sa.select(Category)
        .where(Category.kinds.in_([Kind.PROPOSAL.value, "both"]))
        .order_by(Category.group, Category.position, Category.name)
    )
    return list(db_session().scalars(query))


def answer_states(*, active_only: bool = False) -> list[AnswerState]:
    """The municipality's answer states in their order (the filter offers the active ones)."""
    query = sa.select(AnswerState).order_by(AnswerState.position, AnswerState.id)
    if active_only:
        query = query.where(AnswerState.active.is_(True))
    return list(db_session().scalars(query))


def with_sort(proposal_filter: ProposalFilter, sort: str) -> ProposalFilter:
    """The same filter in another order. The ``random`` order's link carries no seed: the page
    chooses one on arrival, so the links of a page are the same at every visit (a crawler
    following them meets a finite set of addresses, not a new shuffle each time)."""
    return replace(proposal_filter, sort=sort, seed=None)


__all__ = [
    "DEFAULT_SORT",
    "PAGE_SIZE",
    "SORTS",
    "ListedProposal",
    "ProposalFilter",
    "ProposalPage",
    "answer_states",
    "current_state_id",
    "decode_cursor",
    "district_at",
    "filter_conditions",
    "list_proposals",
    "parse_proposal_filter",
    "proposal_categories",
    "proposals_rows",
    "public_proposals_condition",
    "shuffle_key",
    "with_sort",
]
