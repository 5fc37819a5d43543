"""deploy/grafana/citizencare.json asks only for metrics the app exposes (it cannot drift from the code)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families

DASHBOARD = Path(__file__).resolve().parent.parent / "deploy" / "grafana" / "citizencare.json"
#: Metric names in a PromQL expression (functions and label names are not prefixed like these).
NAME = re.compile(r"\b(?:citizencare|process|python)_[a-z0-9_]+\b")


def _panels(panels: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found = []
    for panel in panels:
        found.append(panel)
        found.extend(_panels(panel.get("panels", [])))
    return found


def test_every_metric_of_the_dashboard_is_in_the_exposition(client: FlaskClient) -> None:
    assert client.get("/citizencare/healthz").status_code == 200  # the histogram has a series
    text = client.get("/citizencare/metrics").get_data(as_text=True)
    exposed = {sample.name for family in text_string_to_metric_families(text) for sample in family.samples}

    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    used = {
        name
        for panel in _panels(dashboard["panels"])
        for target in panel.get("targets", [])
        for name in NAME.findall(target["expr"])
    }
    assert len(used) >= 10
    assert used - exposed == set()


def test_the_dashboard_asks_for_its_datasource() -> None:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    for panel in _panels(dashboard["panels"]):
        assert panel["datasource"]["uid"] == "${datasource}", panel["title"]
        assert all(t["datasource"]["uid"] == "${datasource}" for t in panel["targets"])
