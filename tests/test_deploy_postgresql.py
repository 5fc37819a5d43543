"""deploy/postgresql/citizencare.conf: every line names a real setting with a value PostgreSQL accepts.

Checked against the running server's ``pg_settings`` (names, types, units,
ranges, enum values), without changing the server: a setting that only a
restart applies cannot be tried with ``SET``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from .conftest import POSTGRES_ENV

CONF = Path(__file__).resolve().parent.parent / "deploy" / "postgresql" / "citizencare.conf"
LINE = re.compile(r"^(?P<name>[a-z_]+)\s*=\s*(?P<value>'[^']*'|\S+)\s*$")
#: Memory units in kB, time units in ms, as PostgreSQL reads them.
UNITS = {
    "kB": 1,
    "MB": 1024,
    "GB": 1024**2,
    "TB": 1024**3,
    "us": 0.001,
    "ms": 1,
    "s": 1000,
    "min": 60_000,
    "h": 3_600_000,
    "d": 86_400_000,
}
BASE_UNITS = {"8kB": ("kB", 8), "kB": ("kB", 1), "MB": ("kB", 1024), "ms": ("ms", 1), "s": ("ms", 1000)}


def settings() -> dict[str, str]:
    found: dict[str, str] = {}
    for number, raw in enumerate(CONF.read_text().splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        match = LINE.match(line)
        assert match, f"line {number} is not `name = value`: {raw!r}"
        assert match["name"] not in found, f"{match['name']} is set twice"
        found[match["name"]] = match["value"].strip("'")
    return found


def in_base_unit(value: str, unit: str | None) -> float:
    """``value`` (``16MB``, ``60s``, ``100``) in the unit ``pg_settings`` gives its range in."""
    match = re.fullmatch(r"(-?[0-9.]+)\s*([a-zA-Z]*)", value)
    assert match, value
    number, suffix = float(match[1]), match[2]
    if not suffix or unit is None:
        assert not suffix, f"{value}: this setting takes no unit"
        return number
    base, size = BASE_UNITS[unit]
    assert suffix in UNITS, f"{value}: unknown unit"
    memory = suffix in ("kB", "MB", "GB", "TB")
    assert memory == (base == "kB"), f"{value}: a {'memory' if base == 'kB' else 'time'} setting"
    return number * UNITS[suffix] / size


def test_the_file_sets_real_settings_with_accepted_values() -> None:
    if not os.environ.get(POSTGRES_ENV):
        pytest.skip(f"checked against a PostgreSQL server (set {POSTGRES_ENV})")
    wanted = settings()
    assert {"shared_buffers", "max_connections", "random_page_cost", "autovacuum"} <= set(wanted)
    engine = sa.create_engine(os.environ[POSTGRES_ENV])
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text(
                    "SELECT lower(name) AS name, vartype, unit, min_val, max_val, enumvals"
                    " FROM pg_settings WHERE lower(name) = ANY(:names)"  # names ignore case: TimeZone
                ),
                {"names": list(wanted)},
            ).all()
    finally:
        engine.dispose()
    known = {row.name: row for row in rows}
    assert set(wanted) - set(known) == set(), "not PostgreSQL settings"
    for name, value in wanted.items():
        row = known[name]
        if row.vartype == "bool":
            assert value in ("on", "off", "true", "false"), (name, value)
        elif row.vartype == "enum":
            assert value in row.enumvals, (name, value, row.enumvals)
        elif row.vartype in ("integer", "real"):
            number = in_base_unit(value, row.unit)
            assert float(row.min_val) <= number <= float(row.max_val), (name, value, row.min_val, row.max_val)
        else:
            assert value, name


def test_a_wrong_line_is_caught() -> None:
    assert in_base_unit("16MB", "kB") == 16 * 1024
    assert in_base_unit("1GB", "8kB") == 1024**2 / 8
    assert in_base_unit("60s", "ms") == 60_000
    assert in_base_unit("500ms", "ms") == 500
    with pytest.raises(AssertionError):
        in_base_unit("16MB", "ms")  # memory where a time goes
    with pytest.raises(AssertionError):
        in_base_unit("100MB", None)  # a unit where none goes
