"""The floors setup.cfg declares are the versions `make test-min` tests: constraints-min.txt pins them."""

from __future__ import annotations

import configparser
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent

# The dependencies whose lowest versions CI tests (the host application shares them with us).
PINNED = {
    canonicalize_name(name)
    for name in (
        "Flask",
        "Werkzeug",
        "Flask-SQLAlchemy",
        "SQLAlchemy",
        "GeoAlchemy2",
        "alembic",
        "Flask-Babel",
        "Flask-WTF",
        "WTForms",
        "Flask-Login",
    )
}


def install_requires() -> dict[str, Requirement]:
    config = configparser.ConfigParser(interpolation=None)
    config.read(ROOT / "setup.cfg")
    lines = config["options"]["install_requires"].splitlines()
    requirements = [Requirement(line) for line in lines if line.strip()]
    return {canonicalize_name(r.name): r for r in requirements}


def constraints_min() -> dict[str, Version]:
    pins: dict[str, Version] = {}
    for line in (ROOT / "constraints-min.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")
            pins[canonicalize_name(name)] = Version(version)
    return pins


def floor(requirement: Requirement) -> Version:
    (spec,) = requirement.specifier  # a floor and nothing else: the minimum run could not test a cap
    assert spec.operator == ">=", requirement
    return Version(spec.version)


def test_constraints_pin_exactly_the_main_dependencies() -> None:
    assert set(constraints_min()) == PINNED


def test_every_pinned_floor_in_setup_cfg_equals_its_pin() -> None:
    declared = install_requires()
    assert PINNED <= set(declared), "declare every pinned package in install_requires"
    floors = {name: floor(declared[name]) for name in PINNED}
    assert floors == constraints_min(), "setup.cfg's floors and constraints-min.txt must move together"


def test_ci_runs_the_minimum_versions_after_the_suite() -> None:
    lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert lines.index("make test") < lines.index("make test-min")
    makefile = (ROOT / "Makefile").read_text()
    assert "\ntest-min:" in makefile and "-c constraints-min.txt" in makefile
