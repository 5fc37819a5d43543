"""After a bulk load: fresh planner statistics, visibility map and dashboard summary.

A bulk load (the demo data, an import, a restore) writes many rows at once,
and until the database catches up everything that reads them is slow: on
PostgreSQL the planner still believes the tables are empty (no ``ANALYZE``
yet) and index-only scans visit the heap for every row (no visibility map
until ``VACUUM``) — at 10^5 demo reports the whole-city map took 450 ms
instead of 20 ms until autovacuum ran; and the dashboards have no summary
(``flask citizencare stats refresh``) to read. :func:`refresh_after_bulk_load`
is the one thing every bulk load runs when it has committed.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from time import perf_counter
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..domain.geo import District
from . import map_cells
from .statistics import RefreshResult, refresh

log = logging.getLogger(__name__)

#: The tables a bulk load of reports fills (and the map cells rebuilt from them).
BULK_TABLES = (
    "cc_reports",
    "cc_status_events",
    "cc_messages",
    "cc_reporter_contacts",
    "cc_supports",
    "cc_map_cells",
)


@dataclass(frozen=True)
class AfterLoad:
    """What :func:`refresh_after_bulk_load` did."""

    #: Tables vacuumed and analysed (PostgreSQL) or analysed (SQLite).
    tables: tuple[str, ...]
    #: The dashboard summary's full rebuild.
    summary: RefreshResult
    #: Map cells after a rebuild, when one was asked for.
    map_cells: int | None
    seconds: float

    @property
    def as_of(self) -> datetime:
        return self.summary.as_of


def refresh_after_bulk_load(
    session: Session,
    *,
    timezone: ZoneInfo,
    districts: Sequence[District | Mapping[str, Any]],
    tables: Sequence[str] = BULK_TABLES,
    rebuild_map_cells: bool = False,
) -> AfterLoad:
    """Bring statistics, visibility map, map cells and dashboard summary up to date after a bulk load.

    Call it once the load has committed: ``VACUUM`` runs outside any
    transaction (PostgreSQL refuses it inside one, and it would wait for the
    load's locks). Then, in one transaction of ``session`` committed here: the
    map cells are rebuilt if ``rebuild_map_cells`` (a load that bypassed their
    triggers and did not rebuild them itself), and the dashboard summary is
    rebuilt in full — an incremental refresh only finds rows changed after the
    previous one, and loaded rows carry their own, older, timestamps.

    On PostgreSQL a user who does not own a table gets a warning from
    ``VACUUM`` and the table is skipped (autovacuum will do it later); nothing
    fails.
    """
    started = perf_counter()
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("refresh_after_bulk_load runs after the load has been committed")
    session.commit()  # ends a read-only transaction, if any: its snapshot must not hide the load
    names = tuple(tables)
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        _vacuum_analyze(bind, names)
    else:
        for name in names:
            session.execute(sa.text(f'ANALYZE "{name}"'))
    cells = map_cells.rebuild(session.connection()) if rebuild_map_cells else None
    summary = refresh(session, timezone=timezone, districts=districts, full=True)
    session.commit()
    result = AfterLoad(tables=names, summary=summary, map_cells=cells, seconds=perf_counter() - started)
    log.info(
        "after the bulk load: %s analysed, dashboard summary rebuilt (%d rows) in %.1f s",
        ", ".join(names),
        summary.rows,
        result.seconds,
    )
    return result


def _vacuum_analyze(bind: sa.Engine | sa.Connection, tables: Sequence[str]) -> None:
    engine = bind if isinstance(bind, sa.Engine) else bind.engine
    quoted = ", ".join(f'"{name}"' for name in tables)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql(f"VACUUM (ANALYZE) {quoted}")


__all__ = ["BULK_TABLES", "AfterLoad", "refresh_after_bulk_load"]
