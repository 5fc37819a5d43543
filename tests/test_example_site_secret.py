"""The example site's SECRET_KEY: refused start without one, the instance file ``make demo`` writes.

The site runs from a copy in a temporary folder, so its instance folder (Flask's,
beside the package) is a fresh one; the commands are the real ``flask`` CLI.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRINT_KEY = "from example_site import create_app; print(create_app().secret_key)"

pytestmark = pytest.mark.slow


@pytest.fixture
def site(tmp_path: Path) -> Path:
    folder = tmp_path / "site"
    shutil.copytree(
        ROOT / "example_site", folder / "example_site", ignore=shutil.ignore_patterns("__pycache__")
    )
    return folder


def run(site: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "FLASK_DEBUG", "FLASK_APP")}
    environ.update(PYTHONPATH=str(ROOT), DATABASE_URL=f"sqlite:///{site / 'site.sqlite'}", **env)
    return subprocess.run(
        [sys.executable, *args], cwd=site, env=environ, capture_output=True, text=True, timeout=120
    )


def test_the_site_refuses_to_start_without_a_key_in_one_line(site: Path) -> None:
    for command in (["citizencare", "settings"], ["run", "--port", "1"]):
        result = run(site, "-m", "flask", "--app", "example_site", *command)
        assert result.returncode != 0
        assert "Traceback" not in result.stderr, result.stderr
        [line] = result.stderr.strip().splitlines()
        assert line.startswith("Error: SECRET_KEY is not set") and "secret_key" in line, line


def test_debug_mode_uses_the_development_key(site: Path) -> None:
    from example_site.config import DEV_SECRET_KEY

    result = run(site, "-c", PRINT_KEY, FLASK_DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == DEV_SECRET_KEY
    assert "public development key" in result.stderr


def test_the_demo_writes_a_key_once_and_the_site_reads_it(site: Path) -> None:
    make = ["make", "-s", "-C", str(site), "-f", str(ROOT / "Makefile"), "instance/secret_key"]
    subprocess.run(make, check=True, capture_output=True, timeout=60)
    key_file = site / "instance" / "secret_key"
    key = key_file.read_text().strip()
    assert re.fullmatch(r"[0-9a-f]{64}", key)
    assert stat.S_IMODE(key_file.stat().st_mode) & 0o077 == 0  # only its owner reads it
    subprocess.run(make, check=True, capture_output=True, timeout=60)
    assert key_file.read_text().strip() == key  # kept, not regenerated

    result = run(site, "-c", PRINT_KEY)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == key
    # The environment wins over the file.
    other = "0123456789abcdef" * 2
    assert run(site, "-c", PRINT_KEY, SECRET_KEY=other).stdout.strip() == other


def test_the_public_development_key_stops_the_site_outside_debug(site: Path) -> None:
    from example_site.config import DEV_SECRET_KEY

    flask = ["-m", "flask", "--app", "example_site"]
    result = run(site, *flask, "citizencare", "settings", SECRET_KEY=DEV_SECRET_KEY)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "SECRET_KEY cannot be used outside debug mode" in result.stderr
