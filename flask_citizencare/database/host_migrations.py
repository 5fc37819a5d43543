"""Keep the host's own Alembic autogenerate away from our tables and the spatial system tables.

Our tables live on the extension's own metadata, so a host's ``flask db migrate``
(or ``db check``) would see every ``cc_`` table, our version table and the
spatial database's own tables as "removed" and propose to drop them. These
filters hide them. With Flask-Migrate they are added to
``app.extensions["migrate"].configure_args``, which its stock ``env.py`` passes to
``context.configure``; a hand-written ``env.py`` passes :func:`alembic_filters`.

``include_name`` runs before reflection (Alembic 1.5+), so SpatiaLite's virtual
tables (``ElementaryGeometries``, ``KNN``, ...) are never reflected: reflecting
them fails on a connection without SpatiaLite ("no such module: VirtualElementary").
"""

from __future__ import annotations

import configparser
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask
from flask.signals import appcontext_pushed

from .migrate import VERSION_TABLE

#: Our tables (``cc_``, FTS5 shadow tables included) and SpatiaLite's R*Tree spatial indexes of
#: them with their shadow tables (``idx_cc_reports_point``, ``..._node``, ``..._parent``, ``..._rowid``).
OUR_PREFIXES = ("cc_", "idx_cc_")
#: What SpatiaLite's ``InitSpatialMetaData`` creates (tables and views), and what later versions
#: or the "full" initialisation add (styling, ISO metadata, topologies, networks, coverages, WMS).
SPATIALITE_TABLES = frozenset(
    {
        "data_licenses",
        "ElementaryGeometries",
        "geom_cols_ref_sys",
        "ISO_metadata",
        "ISO_metadata_reference",
        "ISO_metadata_view",
        "KNN",
        "KNN2",
        "networks",
        "raster_coverages",
        "raster_coverages_keyword",
        "raster_coverages_ref_sys",
        "raster_coverages_srid",
        "rl2map_configurations",
        "rl2map_configurations_view",
        "spatial_ref_sys",
        "spatialite_history",
        "SpatialIndex",
        "sql_statements_log",
        "topologies",
        "vector_coverages",
        "vector_coverages_keyword",
        "vector_coverages_ref_sys",
        "vector_coverages_srid",
        "wms_getcapabilities",
        "wms_getmap",
        "wms_ref_sys",
        "wms_settings",
    }
)
#: Families of SpatiaLite tables and views (``geometry_columns_auth``, ``SE_fonts``, ...).
SPATIALITE_PREFIXES = (
    "geometry_columns",
    "SE_",
    "spatial_ref_sys_",
    "vector_layers",
    "views_geometry_columns",
    "virts_geometry_columns",
)
#: PostGIS's table in the schema it is installed in, and the schemas of its optional extensions.
POSTGIS_TABLES = frozenset({"spatial_ref_sys"})
POSTGIS_SCHEMAS = frozenset({"topology", "tiger", "tiger_data"})

NameFilter = Callable[[str | None, str, dict[str, Any]], bool]
ObjectFilter = Callable[[Any, str | None, str, bool, Any], bool]


def is_hidden_table(name: str | None) -> bool:
    """A table (or view) that the host's migrations must neither create nor drop."""
    if not name:
        return False
    return (
        name == VERSION_TABLE
        or name.startswith(OUR_PREFIXES)
        or name in SPATIALITE_TABLES
        or name in POSTGIS_TABLES
        or name.startswith(SPATIALITE_PREFIXES)
    )


def include_name(name: str | None, type_: str, parent_names: dict[str, Any]) -> bool:
    """Alembic's ``include_name`` hook: skip our tables, the spatial system tables and schemas."""
    if type_ == "schema":
        return name not in POSTGIS_SCHEMAS
    if type_ == "table":
        return not is_hidden_table(name)
    return True


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Alembic's ``include_object`` hook: the same tables, also when they come from a metadata."""
    if type_ == "table":
        return not is_hidden_table(name) and getattr(obj, "schema", None) not in POSTGIS_SCHEMAS
    return True


def alembic_filters() -> dict[str, Any]:
    """``context.configure(..., **alembic_filters())`` in a hand-written Alembic ``env.py``."""
    return {"include_name": include_name, "include_object": include_object}


def _mark(function: Callable[..., bool]) -> Callable[..., bool]:
    function._citizencare_filter = True  # type: ignore[attr-defined]
    return function


_mark(include_name)
_mark(include_object)


def _is_ours(function: object) -> bool:
    return bool(getattr(function, "_citizencare_filter", False))


def has_filters(configure_args: dict[str, Any]) -> bool:
    """Whether ``configure_args`` (Flask-Migrate's) carry our two filters."""
    return all(_is_ours(configure_args.get(key)) for key in alembic_filters())


def _chained(ours: Callable[..., bool], theirs: Callable[..., bool] | None) -> Callable[..., bool]:
    """Ours and then the host's own filter: an object is compared only if both include it."""
    if theirs is None:
        return ours
    if _is_ours(theirs):
        return theirs  # installed already (a second app context push, or by the host itself)

    def both(*args: Any, **kwargs: Any) -> bool:
        return bool(ours(*args, **kwargs)) and bool(theirs(*args, **kwargs))

    return _mark(both)


def install_filters(app: Flask) -> bool:
    """Add our filters to Flask-Migrate's ``configure_args`` on ``app``; False if it has no Flask-Migrate."""
    migrate = app.extensions.get("migrate")
    args = getattr(migrate, "configure_args", None)
    if not isinstance(args, dict):
        return False
    for key, ours in alembic_filters().items():
        args[key] = _chained(ours, args.get(key))
    return True


def install_when_ready(app: Flask) -> None:
    """Install now if Flask-Migrate is initialised, else on an app context push once it is.

    A host may call ``Migrate.init_app`` before or after ours; its ``flask db ...``
    commands always push an app context before running ``env.py``.
    """
    if not install_filters(app):
        appcontext_pushed.connect(_install_on_push, sender=app)


def _install_on_push(app: Flask, **extra: Any) -> None:
    if install_filters(app):
        appcontext_pushed.disconnect(_install_on_push, sender=app)


def host_env_problem(app: Flask) -> str | None:
    """Why the host's Alembic environment would see our tables, or None when it would not.

    With Flask-Migrate: its ``env.py`` must pass ``configure_args`` (the stock one
    does) and they must carry our filters, or it must use :func:`alembic_filters`.
    Without it: an ``alembic.ini``'s ``env.py`` in the working folder must use them.
    """
    migrate = app.extensions.get("migrate")
    if migrate is not None:
        env = Path(getattr(migrate, "directory", "migrations")) / "env.py"
        source = _read(env)
        if source is None:
            return None  # `flask db init` has not run: nothing to see yet
        if "flask_citizencare" in source:
            return None
        if "configure_args" not in source:
            return (
                f"{env} does not pass Flask-Migrate's configure_args to context.configure: "
                "add `**flask_citizencare.alembic_filters()` there"
            )
        if not has_filters(getattr(migrate, "configure_args", {}) or {}):
            return (
                "Flask-Migrate's configure_args lack flask-citizencare's filters, so `flask db migrate` "
                "would drop our tables: set them with `**flask_citizencare.alembic_filters()`"
            )
        return None
    alembic_env = _alembic_ini_env(Path.cwd() / "alembic.ini")
    if alembic_env is not None:
        source = _read(alembic_env)
        if source is not None and "flask_citizencare" not in source:
            return (
                f"{alembic_env} does not use flask_citizencare.alembic_filters(), so autogenerate would "
                "drop our tables: add `**flask_citizencare.alembic_filters()` to context.configure"
            )
    return None


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return None


def _alembic_ini_env(ini: Path) -> Path | None:

    if not ini.is_file():
        return None
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(ini, encoding="utf-8")
        location = parser.get("alembic", "script_location")
    except (configparser.Error, UnicodeDecodeError):
        return None
    location = location.replace("%(here)s", str(ini.parent))
    if ":" in location and not Path(location).exists():
        return None  # a package resource ("package:folder"): not ours to read
    return (ini.parent / location / "env.py").resolve()
