"""The public map's cluster cells: public reports counted per grid cell, kept exact by triggers.

Clustering a whole city live reads every public report (seconds at 10^6).
``cc_map_cells`` holds, for each stored zoom level of :data:`LEVELS`, the
number of public reports (and the sums of their coordinates) per cell,
category, kind and status. Database triggers on ``cc_reports`` (PL/pgSQL on
PostgreSQL, plain SQLite triggers on SpatiaLite) subtract a row's old
contribution and add its new one on every insert, delete and change of the
columns that matter, in the same transaction: the cells are never stale, in
any process. :func:`rebuild` recomputes them from scratch (migration, demo
loader, ``flask citizencare map rebuild``).

A report counts when the public map would show it: published, not a merged
duplicate, with a point. The cell of a point at level ``z`` is
``(floor((lon + 180) / cell), floor((lat + 90) / cell))`` with
``cell = geojson.cell_size(z) = 90 / 2**z``: indexes are never negative and
the cell size is a power-of-two fraction of 90, so a coarser level's index is
exactly the finer one's integer division by a power of two; a view at a zoom
between stored levels is summed up from the next finer one.

Changing :data:`LEVELS` needs a migration that recreates the triggers and
rebuilds (the triggers name the levels).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..database.spatial import BBox
from ..models import MapCell
from . import filter_sql
from .filters import PublicFilter
from .geojson import Cluster, cell_size

#: Zoom levels stored; the whole city is about 12 on a desktop, 11 on a phone.
LEVELS = tuple(range(8, 16))
#: Reports the triggers follow: what the public map shows.
COUNTED = ("is_public", "duplicate_of_id", "point")
#: Columns whose change moves a report between cells (or in/out of them).
TRACKED = ("point", "status", "category_id", "kind", "is_public", "duplicate_of_id")
TRIGGERS_SQLITE = ("cc_map_cells_insert", "cc_map_cells_update", "cc_map_cells_delete")
TRIGGER_PG = "cc_map_cells_track"
FUNCTIONS_PG = ("cc_map_cells_track()", "cc_map_cells_add(geometry, integer, varchar, varchar, integer)")


def _cell_literal(level: int) -> str:
    return repr(cell_size(level))


def _index_sql(postgres: bool, coordinate: str, offset: int, level: int) -> str:
    """``floor((coordinate + offset) / cell)`` as an integer; the value is never negative."""
    if postgres:
        return f"floor(({coordinate} + {offset}) / {_cell_literal(level)})::integer"
    # CAST truncates towards zero, which is floor for the non-negative values here.
    return f"CAST(({coordinate} + {offset}) / {_cell_literal(level)} AS INTEGER)"


def _counted(row: str) -> str:
    return f"{row}.is_public AND {row}.duplicate_of_id IS NULL AND {row}.point IS NOT NULL"


def _postgres_statements(levels: Sequence[int]) -> list[str]:
    level_array = f"ARRAY[{', '.join(map(str, levels))}]::smallint[]"
    cell_array = f"ARRAY[{', '.join(_cell_literal(level) for level in levels)}]::float8[]"
    cells = f"unnest({level_array}, {cell_array}) AS l(level, cell)"
    return [
        # sign = 1 adds a report to its cell at every level, -1 takes it out (deleting emptied cells).
        "CREATE FUNCTION cc_map_cells_add(p geometry, cat integer, k varchar, st varchar, sign integer)"  # noqa: S608 (our constants)
        " RETURNS void LANGUAGE plpgsql AS $$\n"
        "DECLARE x float8 := ST_X(p); y float8 := ST_Y(p);\n"
        "BEGIN\n"
        "  INSERT INTO cc_map_cells AS c (level, cx, cy, category_id, kind, status, n, sum_x, sum_y)\n"
        "  SELECT l.level, floor((x + 180) / l.cell)::integer, floor((y + 90) / l.cell)::integer,\n"
        f"         cat, k, st, sign, sign * x, sign * y FROM {cells}\n"
        "  ON CONFLICT (level, cx, cy, category_id, kind, status) DO UPDATE\n"
        "  SET n = c.n + excluded.n, sum_x = c.sum_x + excluded.sum_x, sum_y = c.sum_y + excluded.sum_y;\n"
        "  IF sign < 0 THEN\n"
        f"    DELETE FROM cc_map_cells c USING {cells}\n"
        "    WHERE c.level = l.level AND c.cx = floor((x + 180) / l.cell)::integer\n"
        "      AND c.cy = floor((y + 90) / l.cell)::integer AND c.category_id = cat AND c.kind = k\n"
        "      AND c.status = st AND c.n <= 0;\n"
        "  END IF;\n"
        "END $$",
        "CREATE FUNCTION cc_map_cells_track() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        "BEGIN\n"
        "  IF TG_OP <> 'INSERT' THEN\n"
        f"    IF {_counted('OLD')} THEN\n"
        "      PERFORM cc_map_cells_add(OLD.point, OLD.category_id, OLD.kind, OLD.status, -1);\n"
        "    END IF;\n"
        "  END IF;\n"
        "  IF TG_OP <> 'DELETE' THEN\n"
        f"    IF {_counted('NEW')} THEN\n"
        "      PERFORM cc_map_cells_add(NEW.point, NEW.category_id, NEW.kind, NEW.status, 1);\n"
        "    END IF;\n"
        "  END IF;\n"
        "  RETURN NULL;\n"
        "END $$",
        f"CREATE TRIGGER {TRIGGER_PG} AFTER INSERT OR UPDATE OF {', '.join(TRACKED)} OR DELETE"
        " ON cc_reports FOR EACH ROW EXECUTE FUNCTION cc_map_cells_track()",
    ]


def _sqlite_change(row: str, levels: Sequence[int], sign: int) -> str:
    """The statements of a SQLite trigger body adding (``sign`` 1) or removing (-1) ``row``."""
    statements = []
    x, y = f"ST_X({row}.point)", f"ST_Y({row}.point)"
    for level in levels:
        cx, cy = _index_sql(False, x, 180, level), _index_sql(False, y, 90, level)
        statements.append(
            "INSERT INTO cc_map_cells (level, cx, cy, category_id, kind, status, n, sum_x, sum_y) "
            f"SELECT {level}, {cx}, {cy}, {row}.category_id, {row}.kind, {row}.status, "
            f"{sign}, {sign} * {x}, {sign} * {y} WHERE {_counted(row)} "
            "ON CONFLICT (level, cx, cy, category_id, kind, status) DO UPDATE "
            "SET n = n + excluded.n, sum_x = sum_x + excluded.sum_x, sum_y = sum_y + excluded.sum_y;"
        )
        if sign < 0:
            statements.append(
                f"DELETE FROM cc_map_cells WHERE level = {level} AND cx = {cx} AND cy = {cy} "  # noqa: S608 (our constants)
                f"AND category_id = {row}.category_id AND kind = {row}.kind AND status = {row}.status "
                "AND n <= 0;"
            )
    return " ".join(statements)


def _sqlite_statements(levels: Sequence[int]) -> list[str]:
    insert, delete, update = TRIGGERS_SQLITE
    return [
        f"CREATE TRIGGER {insert} AFTER INSERT ON cc_reports BEGIN {_sqlite_change('new', levels, 1)} END",
        f"CREATE TRIGGER {delete} AFTER DELETE ON cc_reports BEGIN {_sqlite_change('old', levels, -1)} END",
        f"CREATE TRIGGER {update} AFTER UPDATE OF {', '.join(TRACKED)} ON cc_reports BEGIN "
        f"{_sqlite_change('old', levels, -1)} {_sqlite_change('new', levels, 1)} END",
    ]


def create_triggers(connection: sa.Connection, levels: Sequence[int] = LEVELS) -> None:
    """The triggers that keep ``cc_map_cells`` exact (the table must exist)."""
    postgres = connection.dialect.name == "postgresql"
    for statement in _postgres_statements(levels) if postgres else _sqlite_statements(levels):
        connection.exec_driver_sql(statement)


def drop_triggers(connection: sa.Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {TRIGGER_PG} ON cc_reports")
        for function in FUNCTIONS_PG:
            connection.exec_driver_sql(f"DROP FUNCTION IF EXISTS {function}")
    else:
        for trigger in TRIGGERS_SQLITE:
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {trigger}")


def rebuild(connection: sa.Connection, levels: Sequence[int] = LEVELS) -> int:
    """Recompute every cell from ``cc_reports``; returns the number of cells.

    The finest level is grouped from the reports, each coarser one from the
    finest level's cells (integer division), which reads far fewer rows.
    A few seconds for 10^6 reports on PostgreSQL.
    """
    postgres = connection.dialect.name == "postgresql"
    finest = max(levels)
    if postgres:
        # Writes wait until the rebuild commits: a report saved meanwhile would be counted twice or
        # not at all (its trigger and this snapshot disagree). Reading the map goes on.
        connection.exec_driver_sql("LOCK TABLE cc_reports IN SHARE MODE")
    connection.exec_driver_sql("DELETE FROM cc_map_cells")
    x, y = ("ST_X(point)", "ST_Y(point)")
    connection.exec_driver_sql(
        "INSERT INTO cc_map_cells (level, cx, cy, category_id, kind, status, n, sum_x, sum_y) "  # noqa: S608 (our constants)
        f"SELECT {finest}, {_index_sql(postgres, x, 180, finest)}, {_index_sql(postgres, y, 90, finest)}, "
        f"category_id, kind, status, count(*), sum({x}), sum({y}) FROM cc_reports "
        f"WHERE {_counted('cc_reports')} GROUP BY 2, 3, 4, 5, 6"
    )
    for level in sorted(set(levels) - {finest}, reverse=True):
        factor = 2 ** (finest - level)
        connection.exec_driver_sql(
            "INSERT INTO cc_map_cells (level, cx, cy, category_id, kind, status, n, sum_x, sum_y) "  # noqa: S608 (our constants)
            f"SELECT {level}, cx / {factor}, cy / {factor}, category_id, kind, status, "
            f"sum(n), sum(sum_x), sum(sum_y) FROM cc_map_cells WHERE level = {finest} "
            "GROUP BY 2, 3, 4, 5, 6"
        )
    return int(connection.exec_driver_sql("SELECT count(*) FROM cc_map_cells").scalar_one())


def pause_triggers(connection: sa.Connection) -> bool:
    """Before a bulk load: stop following ``cc_reports``, in this transaction; :func:`resume_triggers` after.

    A bulk ``COPY`` would otherwise run the row triggers for every report;
    one :func:`rebuild` afterwards is much cheaper. Returns False (and changes
    nothing) when the database user may not do that: the triggers then keep
    the cells exact, only slower.
    """
    if connection.dialect.name == "postgresql":
        try:
            with connection.begin_nested():
                connection.exec_driver_sql(f"ALTER TABLE cc_reports DISABLE TRIGGER {TRIGGER_PG}")
        except sa.exc.DBAPIError:
            return False
        return True
    # SQLite cannot disable a trigger; its DDL is transactional, so drop and recreate.
    drop_triggers(connection)
    return True


def resume_triggers(connection: sa.Connection, *, rebuild_cells: bool = True) -> int:
    """After a bulk load paused by :func:`pause_triggers`: follow again, and rebuild; returns cells.

    ``rebuild_cells=False`` (a load in many transactions, each pausing and
    resuming, that rebuilds once at the end) leaves the cells as they are and
    returns -1.
    """
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"ALTER TABLE cc_reports ENABLE TRIGGER {TRIGGER_PG}")
    else:
        create_triggers(connection)
    return rebuild(connection) if rebuild_cells else -1


Range = tuple[int, int]


def cell_range(low: float, high: float, offset: int, zoom: int) -> Range:
    """The indexes of the cells of ``zoom`` that ``[low, high]`` touches."""
    cell = cell_size(zoom)
    return math.floor((low + offset) / cell), math.floor((high + offset) / cell)


def _level(zoom: int) -> int:
    """The stored level a view at ``zoom`` is summed up from: the same, or the next finer one."""
    return min(stored for stored in LEVELS if stored >= zoom)


def _view_cells(bbox: BBox, zoom: int) -> tuple[Range, Range]:
    """The cells of ``zoom`` that ``bbox`` touches, ``((x0, x1), (y0, y1))``."""
    west, south, east, north = bbox
    return cell_range(west, east, 180, zoom), cell_range(south, north, 90, zoom)


def filter_columns(zoom: int) -> filter_sql.FilterColumns:
    """The public filters' columns on ``cc_map_cells``, for a view at ``zoom``: no dates, no photos."""
    level = _level(zoom)
    factor = 2 ** (level - zoom)

    def in_box(bbox: BBox) -> sa.ColumnElement[bool]:
        (x0, x1), (y0, y1) = _view_cells(bbox, zoom)
        return sa.and_(
            MapCell.cx.between(x0 * factor, (x1 + 1) * factor - 1),
            MapCell.cy.between(y0 * factor, (y1 + 1) * factor - 1),
        )

    return filter_sql.FilterColumns(
        kind=MapCell.kind,
        category_id=MapCell.category_id,
        status=MapCell.status,
        in_box=in_box,
        always=(MapCell.level == level,),
    )


def usable(public_filter: PublicFilter, zoom: int) -> bool:
    """Whether the cells can answer: no date or photo condition, and a zoom no finer than stored."""
    return zoom <= max(LEVELS) and filter_sql.answers(public_filter, filter_columns(zoom))


@dataclass
class CellClusters:
    """The clusters of a view read from the cells."""

    clusters: list[Cluster]
    #: Reports of the cells wholly inside the bbox: a lower bound of the matches, enough to know
    #: that a view holds too many for points without counting them.
    surely_inside: int
    #: The view's cells of its zoom, ``((x0, x1), (y0, y1))``; ``None``: the whole map.
    ranges: tuple[Range, Range] | None


def clusters(session: Session, public_filter: PublicFilter, *, zoom: int) -> CellClusters:
    """The cells of ``zoom`` that the view touches, summed from the stored level at or just finer."""
    factor = 2 ** (_level(zoom) - zoom)
    ranges = _view_cells(public_filter.bbox, zoom) if public_filter.bbox is not None else None
    conditions = filter_sql.conditions(public_filter, filter_columns(zoom), timezone=None)
    gx = (MapCell.cx // factor if factor > 1 else MapCell.cx).label("gx")
    gy = (MapCell.cy // factor if factor > 1 else MapCell.cy).label("gy")
    query = (
        sa.select(
            gx,
            gy,
            MapCell.status,
            sa.func.sum(MapCell.n),
            sa.func.sum(MapCell.sum_x),
            sa.func.sum(MapCell.sum_y),
        )
        .where(*conditions)
        .group_by(gx, gy, MapCell.status)
    )
    found: dict[tuple[int, int], Cluster] = {}
    for x, y, status, n, sum_x, sum_y in session.execute(query):
        n = int(n)
        if n <= 0:
            continue
        cluster = found.get((x, y))
        if cluster is None:
            cluster = found[(x, y)] = Cluster(int(x), int(y))
        cluster.count += n
        cluster.sum_x += float(sum_x)
        cluster.sum_y += float(sum_y)
        cluster.statuses[status] = cluster.statuses.get(status, 0) + n
    result = sorted(found.values(), key=lambda c: (c.gx, c.gy))
    if ranges is None:
        inside = sum(c.count for c in result)
    else:
        (x0, x1), (y0, y1) = ranges
        # A cell is wholly inside when its neighbours on both sides are still in range.
        inside = sum(c.count for c in result if x0 < c.gx < x1 and y0 < c.gy < y1)
    return CellClusters(result, inside, ranges)
