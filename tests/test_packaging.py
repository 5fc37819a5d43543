"""The wheel carries templates, static files, catalogs and migrations, and the example site runs from it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    (built,) = out.glob("flask_citizencare-*.whl")
    return built


def test_every_package_is_in_the_wheel(wheel: Path) -> None:
    # setup.cfg finds the packages itself (packages = find:): none may be left out of the wheel.
    names = set(zipfile.ZipFile(wheel).namelist())
    packages = {
        path.relative_to(ROOT).as_posix() for path in (ROOT / "flask_citizencare").rglob("__init__.py")
    }
    assert packages <= names, sorted(packages - names)


def test_wheel_contents(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        "flask_citizencare/templates/citizencare/layout.html",
        "flask_citizencare/templates/citizencare/public/index.html",
        "flask_citizencare/static/citizencare/css/citizencare.css",
        "flask_citizencare/migrations/env.py",
        "flask_citizencare/migrations/script.py.mako",
        "flask_citizencare/migrations/versions/0001_initial_schema.py",
        "flask_citizencare/translations/it/LC_MESSAGES/messages.mo",
        "flask_citizencare/translations/ca/LC_MESSAGES/messages.mo",
        "flask_citizencare/translations/en/LC_MESSAGES/messages.mo",
        "flask_citizencare/py.typed",
    }
    assert expected <= names
    # The example site and its layout are not part of the product.
    assert not any(
        n.startswith(("example_site/", "tests/", "flask_citizencare/templates/comune")) for n in names
    )


def test_example_site_starts_from_the_installed_wheel(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    # Without the caller's PYTHONPATH: pip would find the source tree's egg-info (the wheel
    # build leaves it there) on it, take the package as installed and skip the wheel.
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", f"{wheel}[postgres,example]"],
        check=True,
        capture_output=True,
        timeout=900,
        env=clean,
    )

    # The site alone, away from the source tree, so only the installed package can be imported.
    site = tmp_path / "site"
    shutil.copytree(
        ROOT / "example_site", site / "example_site", ignore=shutil.ignore_patterns("__pycache__")
    )
    env = {
        **clean,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'site.sqlite'}",
        "SECRET_KEY": "wheel-test-only-key",
    }
    flask = [str(venv / "bin" / "flask"), "--app", "example_site"]
    upgrade = subprocess.run(
        [*flask, "citizencare", "db", "upgrade"], cwd=site, env=env, capture_output=True, text=True
    )
    assert upgrade.returncode == 0, upgrade.stderr

    check = textwrap.dedent(
        """
        import flask_citizencare, sys
        from example_site import create_app
        assert "site-packages" in flask_citizencare.__file__, flask_citizencare.__file__
        app = create_app()
        response = app.test_client().get("/segnalazioni/map", headers={"Accept-Language": "it"})
        html = response.get_data(as_text=True)
        assert response.status_code == 200, response.status_code
        assert "Mappa delle segnalazioni" in html, html[:2000]
        assert "Comune di Esempio" in html
        with app.test_client().get("/segnalazioni/static/css/citizencare.css") as css:
            assert css.status_code == 200
        print("ok")
        """
    )
    result = subprocess.run(
        [str(python), "-c", check], cwd=site, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr
