"""The systemd units in deploy/systemd/: systemd itself accepts them, each runs a command that
exists, and every periodic command of the README's cron advice has its timer."""

from __future__ import annotations

import configparser
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask

ROOT = Path(__file__).resolve().parent.parent
UNITS = ROOT / "deploy" / "systemd"
#: What the units assume on the server, and what stands for it on this machine.
SERVER_BIN = "/opt/citizencare/venv/bin"

#: The commands the README tells to run from cron or as services.
PERIODIC = {"sla sweep", "stats refresh", "notices sweep", "alerts send", "alerts digest", "retention run",
            "storage sweep", "suggest train"}  # fmt: skip
WORKERS = {"outbox send --loop", "mail ingest --imap --loop"}


def _unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # systemd keys are case-sensitive
    parser.read_string(path.read_text())
    return parser


def _flask_commands() -> dict[str, str]:
    """``{unit file name: the citizencare command it runs}`` of every unit running ``flask``."""
    found = {}
    for path in sorted(UNITS.glob("*.service")):
        exec_start = shlex.split(_unit(path)["Service"]["ExecStart"])
        if Path(exec_start[0]).name == "flask":
            assert exec_start[0] == f"{SERVER_BIN}/flask", path.name
            assert exec_start[1] == "citizencare", path.name
            found[path.name] = " ".join(exec_start[2:])
    return found


def test_systemd_accepts_the_units(tmp_path: Path) -> None:
    """``systemd-analyze verify``: unknown keys, bad values, missing programs and timers without
    their service are all reported (on a copy whose paths point at this checkout)."""
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (Debian's systemd package has it)")
    env = tmp_path / "env"
    env.write_text("FLASK_APP=example_site:create_app\n")
    bin_dir = str(Path(sys.executable).parent)
    for path in UNITS.iterdir():
        text = (
            path.read_text()
            .replace(SERVER_BIN, bin_dir)
            .replace("/opt/citizencare/deploy", str(ROOT / "deploy"))
            .replace("WorkingDirectory=/opt/citizencare", f"WorkingDirectory={ROOT}")
            .replace("/etc/citizencare/env", str(env))
        )
        (tmp_path / path.name).write_text(text)
    copies = sorted(str(p) for p in tmp_path.iterdir() if p.suffix in {".service", ".timer"})
    assert len(copies) == len(list(UNITS.iterdir()))
    done = subprocess.run(
        [analyze, "verify", "--man=no", *copies], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    ours = [line for line in (done.stdout + done.stderr).splitlines() if "citizencare" in line]
    assert done.returncode == 0, done.stdout + done.stderr
    assert ours == []


def test_every_unit_runs_a_real_command(app: Flask) -> None:
    runner = app.test_cli_runner()
    commands = _flask_commands()
    for name, command in commands.items():
        result = runner.invoke(args=["citizencare", *command.split(), "--help"])
        assert result.exit_code == 0, (name, result.output)
    assert set(commands.values()) == PERIODIC | WORKERS


def test_each_periodic_command_has_a_timer_and_the_workers_restart() -> None:
    for name, command in _flask_commands().items():
        service = _unit(UNITS / name)["Service"]
        assert service["KillSignal"] == "SIGTERM", name
        assert service["EnvironmentFile"] == "/etc/citizencare/env", name
        assert service["ProtectSystem"] == "strict", name
        if command in WORKERS:
            assert service["Type"] == "exec" and service["Restart"] == "always", name
            assert not (UNITS / name.replace(".service", ".timer")).exists(), name
        else:
            assert service["Type"] == "oneshot", name
            timer = _unit(UNITS / name.replace(".service", ".timer"))["Timer"]
            assert timer["Unit"] == name
            assert timer["OnCalendar"]
            assert timer["Persistent"] == "yes"
    web = _unit(UNITS / "citizencare-web.service")["Service"]
    assert "/opt/citizencare/deploy/gunicorn.conf.py" in web["ExecStart"]
    # gunicorn's control socket (deploy/gunicorn.conf.py) goes in the unit's own runtime folder.
    assert web["RuntimeDirectory"] == "citizencare-web"
    assert "RUNTIME_DIRECTORY" in (ROOT / "deploy" / "gunicorn.conf.py").read_text()
