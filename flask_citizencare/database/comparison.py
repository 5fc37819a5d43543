"""What Alembic needs to compare our models with a spatial database.

Shared by ``migrations/env.py`` and the schema check, so a migration written
by autogenerate and the "models match the database" test see the same things.
"""

from __future__ import annotations

from typing import Any

from geoalchemy2 import alembic_helpers

from ..models import TABLE_PREFIX

#: Full-text search objects that migration 0003 creates beside the models, not in them:
#: SQLite's FTS5 table ``cc_reports_fts`` and the shadow tables FTS5 keeps its index in.
FTS_TABLES = frozenset(
    {"cc_reports_fts"}
    | {f"cc_reports_fts_{shadow}" for shadow in ("data", "idx", "content", "docsize", "config")}
)
#: PostgreSQL's GIN index on the Italian ``to_tsvector`` of a report's text (migration 0003).
#: It indexes an expression, which the models cannot declare portably (SQLite has no
#: ``to_tsvector``); Alembic reflects it and, without this, reports a ``remove_index`` for it.
#: Likewise the trigram index over proposals' text (migration 0011, ``pg_trgm``).
FTS_INDEXES = frozenset({"ix_cc_reports_fts_italian", "ix_cc_reports_proposals_trgm"})
#: The triggers (and, on PostgreSQL, functions) that keep ``cc_map_cells`` exact (migration 0006,
#: :mod:`flask_citizencare.queries.map_cells`) are not in the models either; Alembic does not reflect
#: triggers or functions, so they need no exclusion here. The table itself is a model.


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Only our ``cc_`` tables; the host's tables and SpatiaLite's own are not ours."""
    if type_ == "table":
        return bool(name and name.startswith(TABLE_PREFIX) and name not in FTS_TABLES)
    if type_ == "index" and name in FTS_INDEXES:
        return False
    return bool(alembic_helpers.include_object(obj, name, type_, reflected, compare_to))  # type: ignore[no-untyped-call]


def configure_comparison(opts: dict[str, Any]) -> dict[str, Any]:
    return {
        **opts,
        "include_object": include_object,
        "render_item": alembic_helpers.render_item,
        "compare_type": True,
        "compare_server_default": False,
        "render_as_batch": False,
    }
