"""A proposal's supports counter, and moving supports when proposals are merged.

``Report.supports_count`` is a stored copy of the number of ``cc_supports``
rows of the proposal, so the public list sorts on it. Whatever changes the
rows in bulk (a merge, a conversion to a report) calls
:func:`recount_supports` in the same transaction, so the counter is never
off by the rows it moved.

Neither function commits, and neither bumps ``Report.version``: a support is
not a change of the case staff work on, so it must not make a staff member's
form "changed meanwhile". (The merge itself does bump both cases' versions.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from ..models import Report, Support

__all__ = ["SupportsMoved", "move_supports", "recount_supports"]


def recount_supports(session: Session, report_id: int) -> int:
    """Set ``supports_count`` of the report to its number of supports, and return it.

    One ``UPDATE ... SET supports_count = (SELECT count(*) ...)``: exact
    whatever the counter said before. The report loaded in the session (if
    it is) gets the new value as its committed one, so a later flush neither
    overwrites it nor counts it as a change.
    """
    count = sa.select(sa.func.count(Support.id)).where(Support.report_id == report_id).scalar_subquery()
    table = cast(sa.Table, Report.__table__)
    value = int(
        session.execute(
            sa.update(table)
            .where(table.c.id == report_id)
            .values(supports_count=count, updated_at=table.c.updated_at)  # not a change of the case
            .returning(table.c.supports_count),
            execution_options={"synchronize_session": False},
        ).scalar_one()
    )
    loaded = session.identity_map.get(session.identity_key(Report, report_id))
    if loaded is not None:
        set_committed_value(loaded, "supports_count", value)
    return value


@dataclass(frozen=True)
class SupportsMoved:
    """What a merge did to the supports."""

    #: Supporters the master gained.
    moved: int
    #: The duplicate's supporters who supported the master already (counted once, on the master).
    already: int
    #: The master's supports after the move.
    master_count: int


def move_supports(session: Session, duplicate_id: int, master_id: int) -> SupportsMoved:
    """The duplicate's supporters become the master's, each person once; the duplicate keeps none.

    One ``INSERT ... SELECT`` copies the duplicate's supports whose supporter
    (``u:<user id>`` or ``e:<keyed hash of the address>``) does not support
    the master yet, keeping when, where to mail and in which language; the
    unique constraint's ``ON CONFLICT DO NOTHING`` covers a support given to
    the master at the same instant. Then the duplicate's supports are deleted:
    a merged proposal has no supports of its own (it is no longer open, so
    nobody can support it), and a person is never counted twice nor held
    twice against the per-person limit of open supports. Both counters are
    recounted. Not committed: the caller's transaction is the merge's.
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        # Both proposals' rows, in id order (no deadlock with another merge of the same pair).
        session.execute(
            sa.select(Report.id)
            .where(Report.id.in_((duplicate_id, master_id)))
            .order_by(Report.id)
            .with_for_update()
        )
    mine = sa.select(Support).where(Support.report_id == duplicate_id).subquery("mine")
    theirs = sa.select(Support.id).where(
        Support.report_id == master_id, Support.supporter == mine.c.supporter
    )
    table = cast(sa.Table, Support.__table__)
    insert = (postgresql_insert if dialect == "postgresql" else sqlite_insert)(table)
    statement = insert.from_select(
        ["report_id", "supporter", "email", "locale", "created_at"],
        sa.select(sa.literal(master_id), mine.c.supporter, mine.c.email, mine.c.locale, mine.c.created_at)
        .where(~theirs.exists())
        .order_by(mine.c.id),
    ).on_conflict_do_nothing(index_elements=["report_id", "supporter"])
    # Counted from RETURNING: a driver's rowcount of INSERT ... SELECT is not reliable (psycopg: -1).
    moved = len(session.execute(statement.returning(table.c.id)).all())
    deleted = len(
        session.execute(
            sa.delete(table).where(table.c.report_id == duplicate_id).returning(table.c.id),
            execution_options={"synchronize_session": False},
        ).all()
    )
    master_count = recount_supports(session, master_id)
    recount_supports(session, duplicate_id)
    return SupportsMoved(int(moved), int(deleted) - int(moved), master_count)
