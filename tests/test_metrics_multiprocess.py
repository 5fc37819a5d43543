"""Under gunicorn with several workers the scrape adds up every worker (PROMETHEUS_MULTIPROC_DIR)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .test_metrics import samples, value

ROOT = Path(__file__).resolve().parent.parent

#: One "worker": a separate process that answers some requests, then (maybe) the scrape.
WORKER = """
import sys
from tests.conftest import dispose
from tests.host import make_host_app

app = make_host_app(sys.argv[1])
client = app.test_client()
for _ in range(int(sys.argv[2])):
    assert client.get("/citizencare/healthz").status_code == 200
if sys.argv[3] == "scrape":
    response = client.get("/citizencare/metrics")
    assert response.status_code == 200, response.status_code
    sys.stdout.write(response.get_data(as_text=True))
dispose(app)
"""


def _worker(folder: Path, database_url: str, requests: int, scrape: bool) -> str:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(folder), "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", WORKER, database_url, str(requests), "scrape" if scrape else "-"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.slow
def test_the_scrape_adds_up_the_requests_of_every_process(database_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "prometheus"
    folder.mkdir()
    _worker(folder, database_url, 2, scrape=False)
    _worker(folder, database_url, 3, scrape=False)
    text = _worker(folder, database_url, 0, scrape=True)

    found = samples(text)
    labels = {"endpoint": "citizencare.health.healthz", "method": "GET", "status": "2xx"}
    assert value(found, "citizencare_request_duration_seconds_count", **labels) == 5
    assert value(found, "citizencare_database_up") == 1
    assert value(found, "citizencare_outbox_pending") == 0
    assert len(list(folder.glob("histogram_*.db"))) == 3
