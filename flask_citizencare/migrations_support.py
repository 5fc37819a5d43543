"""What Alembic needs to compare our models with a spatial database.

Shared by ``migrations/env.py`` and the schema check, so a migration written
by autogenerate and the "models match the database" test see the same things.
"""

from __future__ import annotations

from typing import Any

from geoalchemy2 import alembic_helpers

from .models import TABLE_PREFIX


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Only our ``cc_`` tables; the host's tables and SpatiaLite's own are not ours."""
    if type_ == "table":
        return bool(name and name.startswith(TABLE_PREFIX))
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
