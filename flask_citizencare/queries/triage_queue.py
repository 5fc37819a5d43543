"""The triage queue: filters, counts and keyset pages over the cases an actor may see.

Everything is SQL that the indexes on ``cc_reports`` serve: the status/due-time
index for the default order, the spatial index for the area. Pages are keyset
pages (``after`` the last row's sort key), so page 5000 costs what page 1 does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from ..access import Actor, visible_reports
from ..database.spatial import reports_in_box
from ..domain.lifecycle import OPEN_STATUSES, Status
from ..models import Report
from . import cursors

SORTS = ("triage", "due", "age", "priority")
SLA_STATES = ("on_time", "due_soon", "breached", "paused")
#: The proposals filter: ``threshold``, those whose supports reached the threshold and await an answer.
PROPOSAL_FILTERS = ("threshold",)
PRIORITY_RANK = {"urgent": 0, "high": 1, "normal": 2, "low": 3}


@dataclass(frozen=True)
class QueueFilters:
    statuses: frozenset[str] = frozenset(s.value for s in OPEN_STATUSES)
    category_id: int | None = None
    office_id: int | None = None
    level: int | None = None
    priority: str | None = None
    channel: str | None = None
    sla: str | None = None
    #: One of :data:`PROPOSAL_FILTERS`, or None.
    proposals: str | None = None
    #: (min_lon, min_lat, max_lon, max_lat)
    bbox: tuple[float, float, float, float] | None = None
    text: str | None = None
    received_from: date | None = None
    received_to: date | None = None
    sort: str = "triage"


@dataclass
class QueuePage:
    reports: Sequence[Report]
    next_cursor: str | None
    counts: dict[str, int] = field(default_factory=dict)


def _priority_rank() -> sa.ColumnElement[int]:
    return sa.case(PRIORITY_RANK, value=Report.priority, else_=9)


def _order(sort: str) -> tuple[list[Any], list[str]]:
    """Columns to order by (as the indexes store them) and the names of their values in the cursor.

    Due times sort ascending with the cases that have none (paused) last, which
    is how PostgreSQL's B-tree on ``(due_at, id)`` stores them: the first page of
    the default order is an index scan of 50 rows, whatever the table's size.
    """
    if sort == "age":
        return [Report.received_at, Report.id], ["received_at", "id"]
    if sort == "priority":
        return [_priority_rank(), Report.due_at.asc().nulls_last(), Report.id], ["rank", "due", "id"]
    return [Report.due_at.asc().nulls_last(), Report.id], ["due", "id"]


def _after(sort: str, last: list[Any]) -> sa.ColumnElement[bool]:
    """Rows after the cursor's row in the order of :func:`_order` (NULL due times sort last)."""
    if sort == "age":
        received, row_id = last
        return sa.tuple_(Report.received_at, Report.id) > sa.tuple_(sa.literal(received), sa.literal(row_id))
    due, row_id = last[-2], last[-1]
    if due is None:
        after_due = sa.and_(Report.due_at.is_(None), Report.id > row_id)
    else:
        after_due = sa.or_(
            Report.due_at > due, sa.and_(Report.due_at == due, Report.id > row_id), Report.due_at.is_(None)
        )
    if sort == "priority":
        rank = last[0]
        return sa.or_(_priority_rank() > rank, sa.and_(_priority_rank() == rank, after_due))
    return after_due


_FAR = datetime(9999, 1, 1, tzinfo=UTC)


#: The groups of the default ("triage") order, in the order an operator meets them.
TRIAGE_GROUPS = ("acknowledge", "running", "overdue", "paused")


def _triage_group(group: int, now: datetime) -> tuple[sa.ColumnElement[bool], list[Any], bool]:
    """One group of the triage order: its condition, its order, and whether that order is descending.

    Each group is a range of an existing index: ``ix_cc_reports_status_due_at``
    for the acknowledgements, ``ix_cc_reports_due_at_id`` (read forwards, or
    backwards for the overdue ones, or its NULL end for the paused ones) for
    the rest, so every group's page is an index range scan.
    """
    new = Status.NEW.value
    if group == 0:
        return sa.and_(Report.status == new, Report.due_at >= now), [Report.due_at, Report.id], False
    if group == 1:
        return sa.and_(Report.status != new, Report.due_at >= now), [Report.due_at, Report.id], False
    if group == 2:
        return Report.due_at < now, [Report.due_at.desc(), Report.id.desc()], True
    return Report.due_at.is_(None), [Report.id], False


def _triage_page(
    session: Session, where: list[sa.ColumnElement[bool]], last: list[Any] | None, now: datetime, limit: int
) -> tuple[list[Report], str | None]:
    """The default order of the queue: what a first-level operator has to handle first.

    1. New reports whose acknowledgement level is running, soonest due first:
       the 30-minute acknowledgement of a web report is the only level that an
       operator starting the morning can still meet in the next minutes, and it
       is the first-level operator's own job.
    2. The other running levels (resolution at level 1 or 2), soonest due
       first: still on time, so the next due one is the next that can be saved.
    3. Overdue cases, the most recently breached first: one late by ten minutes
       (a new report's acknowledgement that ran out overnight) still spares the
       citizen a day's wait, while the months-old backlog is a matter for the
       manager's review (the "Overdue" service-level filter lists it, and the
       "Due time" order puts the oldest first).
    4. Paused cases (no due time), by arrival.

    The groups are read one after the other, each a keyset range of an index
    (see :func:`_triage_group`); the cursor holds the group, the due time and
    the id. A case whose level runs out between two pages moves from group 1 or
    2 to group 3 and may show again on a later page: the queue is a moving list,
    and seeing a case twice is better than missing it.
    """
    reports: list[Report] = []
    keys: list[tuple[int, Any, int]] = []
    start = 0 if last is None else int(last[0])
    for group in range(start, len(TRIAGE_GROUPS)):
        condition, order, descending = _triage_group(group, now)
        group_where = [*where, condition]
        if last is not None and group == start:
            due, row_id = last[1], last[2]
            if group == 3 or due is None:
                group_where.append(Report.id > row_id)
            elif descending:
                group_where.append(
                    sa.or_(Report.due_at < due, sa.and_(Report.due_at == due, Report.id < row_id))
                )
            else:
                group_where.append(
                    sa.or_(Report.due_at > due, sa.and_(Report.due_at == due, Report.id > row_id))
                )
        wanted = limit + 1 - len(reports)
        query = (
            sa.select(Report)
            .where(*group_where)
            .options(joinedload(Report.category), joinedload(Report.office), joinedload(Report.assignee))
            .order_by(*order)
            .limit(wanted)
        )
        for report in session.scalars(query).unique():
            reports.append(report)
            keys.append((group, report.due_at, report.id))
        if len(reports) > limit:
            break
    cursor = None
    if len(reports) > limit:
        cursor = cursors.encode(_order_name(_TRIAGE_NAMES), keys[limit - 1])
    return reports[:limit], cursor


_TRIAGE_NAMES = ["group", "due", "id"]


def _conditions(
    actor: Actor, filters: QueueFilters, now: datetime, soon: datetime, session: Session, *, with_status: bool
) -> list[sa.ColumnElement[bool]]:
    where: list[sa.ColumnElement[bool]] = [visible_reports(actor)]
    if with_status and filters.statuses:
        where.append(Report.status.in_(sorted(filters.statuses)))
    if filters.category_id is not None:
        where.append(Report.category_id == filters.category_id)
    if filters.office_id is not None:
        where.append(Report.office_id == filters.office_id)
    if filters.level is not None:
        where.append(Report.level == filters.level)
    if filters.priority:
        where.append(Report.priority == filters.priority)
    if filters.channel:
        where.append(Report.channel == filters.channel)
    if filters.sla == "breached":
        where.append(Report.due_at < now)
    elif filters.sla == "due_soon":
        where.append(sa.and_(Report.due_at >= now, Report.due_at <= soon))
    elif filters.sla == "on_time":
        where.append(Report.due_at > soon)
    elif filters.sla == "paused":
        where.append(Report.due_at.is_(None))
    if filters.proposals == "threshold":
        where.append(sa.and_(Report.threshold_reached_at.is_not(None), Report.answered_at.is_(None)))
    if filters.received_from is not None:
        where.append(Report.received_at >= datetime.combine(filters.received_from, time(), UTC))
    if filters.received_to is not None:
        where.append(
            Report.received_at < datetime.combine(filters.received_to + timedelta(days=1), time(), UTC)
        )
    if filters.text:
        where.append(_text_condition(filters.text))
    if filters.bbox is not None:
        where.append(reports_in_box(session, filters.bbox))
    return where


def _text_condition(text: str) -> sa.ColumnElement[bool]:
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return sa.or_(
        Report.public_id == text.strip(),
        Report.title.ilike(pattern, escape="\\"),
        Report.description.ilike(pattern, escape="\\"),
        Report.address.ilike(pattern, escape="\\"),
    )


#: What each value of a queue cursor holds, by the names :func:`_order` gives them.
_FIELDS = {
    "due": cursors.Field.MOMENT_OR_NONE,
    "received_at": cursors.Field.MOMENT,
    "rank": cursors.Field.INTEGER,
    "group": cursors.Field.INTEGER,
    "id": cursors.Field.INTEGER,
}


def _order_name(names: list[str]) -> str:
    """The order a cursor is for: a cursor of another sort starts the queue over."""
    return "queue " + ",".join(names)


def decode_cursor(cursor: str, names: list[str]) -> list[Any] | None:
    """The sort key of the last row seen; ``None`` for a cursor that does not fit (start over)."""
    try:
        return list(cursors.decode(cursor, _order_name(names), [_FIELDS[name] for name in names]))
    except cursors.BadCursor:
        return None


def queue_page(
    session: Session,
    actor: Actor,
    filters: QueueFilters,
    *,
    now: datetime,
    soon: datetime,
    after: str | None = None,
    limit: int = 50,
) -> QueuePage:
    where = _conditions(actor, filters, now, soon, session, with_status=True)
    if filters.sort == "triage":
        last_seen = decode_cursor(after, _TRIAGE_NAMES) if after else None
        if last_seen is not None and not 0 <= int(last_seen[0]) < len(TRIAGE_GROUPS):
            last_seen = None
        reports, next_cursor = _triage_page(session, where, last_seen, now, limit)
        return QueuePage(reports=reports, next_cursor=next_cursor)
    columns, names = _order(filters.sort)
    if after:
        last = decode_cursor(after, names)
        if last is not None:
            where.append(_after(filters.sort, last))
    keys = (
        [_priority_rank(), Report.due_at, Report.id]
        if filters.sort == "priority"
        else ([Report.received_at, Report.id] if filters.sort == "age" else [Report.due_at, Report.id])
    )
    query = (
        sa.select(Report, *keys)
        .where(*where)
        .options(joinedload(Report.category), joinedload(Report.office), joinedload(Report.assignee))
        .order_by(*columns)
        .limit(limit + 1)
    )
    rows = session.execute(query).all()
    reports = [row[0] for row in rows[:limit]]
    cursor = None
    if len(rows) > limit:
        key = rows[limit - 1][1:]
        cursor = cursors.encode(_order_name(names), key)
    return QueuePage(reports=reports, next_cursor=cursor)


#: Finished cases pile up by the hundred thousand; their tabs count up to here and show "10,000+".
COUNT_CAP = 10_000


@dataclass(frozen=True)
class StatusCount:
    count: int
    capped: bool = False


def queue_counts(
    session: Session, actor: Actor, filters: QueueFilters, *, now: datetime, soon: datetime
) -> dict[str, StatusCount]:
    """Cases per status under the other filters (so each status tab shows what it would hold).

    Open statuses are counted exactly; finished ones up to :data:`COUNT_CAP`, so
    the counts cost a few index range scans, not a scan of the whole table.
    """
    where = _conditions(actor, filters, now, soon, session, with_status=False)
    open_values = sorted(s.value for s in OPEN_STATUSES)
    per_status = sa.select(Report.status, sa.func.count()).where(*where, Report.status.in_(open_values))
    rows = session.execute(per_status.group_by(Report.status))
    counts = {s.value: StatusCount(0) for s in Status}
    counts.update({status: StatusCount(count) for status, count in rows})
    for status in sorted(s.value for s in Status if s not in OPEN_STATUSES):
        limited = sa.select(Report.id).where(*where, Report.status == status).limit(COUNT_CAP + 1).subquery()
        count = session.scalar(sa.select(sa.func.count()).select_from(limited)) or 0
        counts[status] = StatusCount(min(count, COUNT_CAP), capped=count > COUNT_CAP)
    return counts
