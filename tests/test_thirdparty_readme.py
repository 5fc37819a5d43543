"""The README's embedding section, followed line by line on the third-party host (:mod:`tests.thirdparty`)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from flask_citizencare.models import StaffMember

from .reporting import hidden_value
from .thirdparty import add_user, create_app
from .thirdparty.fixtures import TEST_CONFIG, dispose_engines

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
HOST = (ROOT / "tests" / "thirdparty" / "__init__.py").read_text(encoding="utf-8")
#: Lines of the README's snippet that stand for what the host has already (its own versions of them).
CONTEXT = {"...", "def create_app():", "db.init_app(app)", "migrate.init_app(app, db)"}


def embedding_section() -> str:
    return README.split("## Embedding it in your Flask site", 1)[1].split("\n## ", 1)[0]


def step_two_snippet() -> list[str]:
    step = embedding_section().split("2. **Initialise it**", 1)[1].split("3. **", 1)[0]
    code = re.search(r"```python\n(.*?)```", step, re.S)
    assert code is not None
    return [line.strip() for line in code.group(1).splitlines() if line.strip()]


def hosts_block() -> list[str]:
    block = HOST.split("# -- flask-citizencare (README", 1)[1].split("# -- end of flask-citizencare", 1)[0]
    lines = [line.strip() for line in block.splitlines()[1:]]
    return [line for line in lines if line and not line.endswith("# tests only: a test's own settings")]


def test_the_hosts_lines_are_the_readmes_step_two() -> None:
    readme = step_two_snippet()
    assert hosts_block() == [
        line for line in readme if line not in CONTEXT and not line.startswith(("from ", "citizencare = "))
    ]
    for line in readme:
        if line not in CONTEXT:
            assert line in HOST, f"the README's line {line!r} is not in the third-party host"


def test_every_setting_the_checklist_names_is_in_the_snippet() -> None:
    table = embedding_section().split("| setting | why you set it |", 1)[1].split("\n\n", 1)[0]
    named = re.findall(r"^\s*\| `(CITIZENCARE_[A-Z_]+)`", table, re.M)
    assert len(named) == 6
    snippet = "\n".join(step_two_snippet())
    assert all(f"{name}=" in snippet for name in named)


def flask(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TEST_DATABASE_URL": url, "TEST_CONFIG": json.dumps(TEST_CONFIG)}
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "tests.thirdparty.factory", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def commands_of_steps_three_and_four() -> list[list[str]]:
    steps = embedding_section().split("3. **Create our tables**", 1)[1].split("\nThe pages are then", 1)[0]
    commands = [c.split() for c in re.findall(r"`(flask [^`]+)`", steps)]
    return [c[1:] for c in commands if "USER_ID" not in c]


@pytest.mark.slow
def test_steps_three_and_four_set_up_a_working_site(new_database: str, tmp_path: Path) -> None:
    commands = commands_of_steps_three_and_four()
    assert [c[:3] for c in commands] == [
        ["db", "upgrade"],
        ["citizencare", "db", "upgrade"],
        ["citizencare", "catalogue", "import"],
        ["citizencare", "doctor"],
    ]
    for command in commands[:3]:
        done = flask(new_database, *command)
        assert done.returncode == 0, (command, done.stdout, done.stderr)
    config = {**TEST_CONFIG, "CITIZENCARE_REPORT_FLOW": "steps"}  # the README's host: the default flow
    app = create_app(new_database, CITIZENCARE_PHOTO_DIR=str(tmp_path / "photos"), **config)
    try:
        user_id = add_user(app, "giulia", "giulia@comune.example.org")
        staff = flask(new_database, "citizencare", "staff", "add", str(user_id), "--role", "operator",
                      "--name", "Giulia", "--office", "urp")  # fmt: skip
        assert staff.returncode == 0, staff.stderr
        doctor = flask(new_database, *commands[3])
        assert doctor.returncode == 0, doctor.stdout + doctor.stderr
        assert "PROBLEM" not in doctor.stdout and "layout" in doctor.stdout

        citizen = app.test_client()
        # The model's first step (conditions), then the form of the second, in the host's layout.
        conditions = citizen.get("/segnalazioni/new").get_data(as_text=True)
        assert 'id="consent"' in conditions and 'id="host-navbar"' in conditions
        accepted = citizen.post(
            "/segnalazioni/new", data={"csrf_token": hidden_value(conditions, "csrf_token"), "consent": "y"}
        )
        assert accepted.status_code == 303 and accepted.headers["Location"].endswith("/new/data")
        form = citizen.get("/segnalazioni/new/data").get_data(as_text=True)
        assert "Potholes and damaged roads" in form and 'id="host-navbar"' in form
        operator = app.test_client()
        operator.get("/login/giulia")
        assert operator.get("/segnalazioni/staff/").status_code == 200
        with app.app_context():
            member = app.extensions["sqlalchemy"].session.scalar(sa.select(StaffMember))
            assert member is not None and member.user_id == str(user_id)
    finally:
        dispose_engines(app)
