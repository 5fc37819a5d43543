"""The example site under gunicorn with deploy/gunicorn.conf.py: two instances side by side.

Since gunicorn 25.1 each master opens a control socket at one path per user by
default; the config gives each instance its own (named after its bind address),
so two masters on one machine keep a socket each.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "deploy" / "gunicorn.conf.py"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def fetch(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 90) -> str:
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited with {process.returncode}\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (127.0.0.1)
                assert response.status == 200
                return str(response.read().decode("utf-8"))
        except OSError:
            if time.monotonic() > deadline:
                pytest.fail(f"{url} did not answer\n{log.read_text()}")
            time.sleep(0.3)


def test_two_gunicorn_instances_from_one_config_serve_side_by_side(tmp_path: Path) -> None:
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent))
    if gunicorn is None:
        pytest.skip("gunicorn is not installed (pip install 'flask-citizencare[server]')")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CITIZENCARE_")},
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'comune.sqlite'}",
        "SECRET_KEY": secrets.token_hex(32),
        "CITIZENCARE_PHOTO_DIR": str(tmp_path / "photos"),
        "RUNTIME_DIRECTORY": str(tmp_path),
        "GUNICORN_WORKERS": "1",
    }
    upgrade = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "example_site", "citizencare", "db", "upgrade"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert upgrade.returncode == 0, upgrade.stderr

    servers = []
    try:
        for name in ("a", "b"):
            port = free_port()
            log = tmp_path / f"{name}.log"
            with log.open("w") as out:
                process = subprocess.Popen(
                    [gunicorn, "-c", str(CONFIG)],
                    cwd=ROOT, env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}"}, stdout=out, stderr=out,
                )  # fmt: skip
            servers.append((port, process, log))
            page = fetch(f"http://127.0.0.1:{port}/segnalazioni/", process, log)
            assert "Comune di Esempio" in page
        # Both still serve, each with its own control socket.
        for port, process, log in servers:
            assert "Comune di Esempio" in fetch(f"http://127.0.0.1:{port}/segnalazioni/", process, log)
            assert (tmp_path / f"citizencare-127-0-0-1-{port}.ctl").exists(), log.read_text()
    finally:
        for _, process, _ in servers:
            process.send_signal(signal.SIGTERM)
        for _, process, _ in servers:
            process.wait(timeout=60)
    for _, process, log in servers:
        assert process.returncode == 0, log.read_text()
        assert "Traceback" not in log.read_text()
