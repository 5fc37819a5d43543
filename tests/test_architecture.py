"""The import contracts of setup.cfg (import-linter) hold, and they do catch a bad import.

The contracts are the package map of docs/architecture.md: layers from the
extension down to the domain, a domain without Flask or SQLAlchemy, and no
cycle between the modules of any package. Each deliberate violation below is
written into a copy of the package; the same contracts must then fail, naming
the contract that broke.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(root: Path) -> tuple[int, str]:
    """Run ``lint-imports`` with our contracts on the package in ``root``: exit code, report.

    The report's words are joined by single spaces (import-linter wraps long
    lines, and how depends on its version).
    """
    result = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],  # the contracts: root's setup.cfg
        cwd=root,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    return result.returncode, " ".join((result.stdout + result.stderr).split())


def test_the_package_keeps_its_import_contracts() -> None:
    code, report = lint_imports(ROOT)
    assert code == 0, report
    assert "Contracts: 3 kept, 0 broken." in report


VIOLATIONS = {
    # A rule that asks Flask for something: the domain must stay plain Python.
    "domain imports Flask": (
        "domain/geo.py",
        "from flask import current_app  # noqa\n",
        "The domain rules import neither Flask nor SQLAlchemy BROKEN",
        "flask_citizencare.domain.geo -> flask (l.",
        "Contracts: 2 kept, 1 broken.",
    ),
    # A service that reaches up into a view.
    "a service imports a blueprint": (
        "services/threads.py",
        "from ..blueprints.staff import views  # noqa\n",
        "Layers: extension > cli, blueprints > demo > queries, services > database > context > "
        "foundations > models > domain BROKEN",
        "flask_citizencare.services.threads -> flask_citizencare.blueprints.staff.views (l.",
        "Contracts: 1 kept, 2 broken.",  # and the blueprints import services: a cycle too
    ),
    # The read side calling the write side (they sit side by side, independent).
    "a query imports a service": (
        "queries/listing.py",
        "from ..services import triage  # noqa\n",
        "Layers: extension > cli, blueprints > demo > queries, services > database > context > "
        "foundations > models > domain BROKEN",
        "flask_citizencare.queries.listing -> flask_citizencare.services.triage (l.",
        "Contracts: 2 kept, 1 broken.",
    ),
    # Two modules of one package importing each other.
    "a cycle inside services": (
        "services/locking.py",
        "from . import triage  # noqa\n",
        "No import cycles between the modules of any package BROKEN",
        "No cycles are allowed in flask_citizencare.services.",
        "Contracts: 2 kept, 1 broken.",
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("violation", list(VIOLATIONS))
def test_a_deliberate_bad_import_breaks_a_contract(tmp_path: Path, violation: str) -> None:
    module, line, broken, culprit, summary = VIOLATIONS[violation]
    package = tmp_path / "flask_citizencare"
    shutil.copytree(
        ROOT / "flask_citizencare",
        package,
        ignore=shutil.ignore_patterns("__pycache__", "static", "templates", "translations", "migrations"),
    )
    shutil.copy(ROOT / "setup.cfg", tmp_path / "setup.cfg")
    target = package / module
    target.write_text(target.read_text() + "\n" + line)

    code, report = lint_imports(tmp_path)
    assert code != 0
    assert broken in report, report
    assert culprit in report, report
    assert summary in report, report
