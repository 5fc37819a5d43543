"""The load test's visitors: citizens on the map, report pages, dashboard and report form; operators on the queue.

Run by ``bench/load_test.py``, which starts the example site under gunicorn and
hands this file what it needs in ``$LOAD_TEST_DATA`` (a JSON file): the URL
prefix, public ids of public reports, the categories a report of kind "issue"
may take, the operator's credentials, how long a citizen takes to fill the
form and how often a photo goes with it. Every answer that is not the
expected status counts as a failure named ``HTTP <status>``, so the summary
tells 5xx from the rest.
"""

from __future__ import annotations

import io
import json
import os
import random
from html.parser import HTMLParser
from typing import Any

import gevent
from locust import HttpUser, between, task

DATA: dict[str, Any] = (
    json.loads(open(os.environ["LOAD_TEST_DATA"]).read()) if "LOAD_TEST_DATA" in os.environ else {}
)
PREFIX = DATA.get("prefix", "/segnalazioni")
CITY = (11.23, 44.42, 11.43, 44.56)
#: The dense centre, where neighbourhood views are drawn from.
CENTRE = (11.30, 44.47, 11.38, 44.52)


class HiddenInputs(HTMLParser):
    """The hidden fields of a page's forms (CSRF token, submission token, whatever else the form signs)."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "input" and values.get("type") == "hidden" and values.get("name"):
            self.fields[str(values["name"])] = values.get("value") or ""


def hidden_fields(html: str) -> dict[str, str]:
    parser = HiddenInputs()
    parser.feed(html)
    return parser.fields


def make_photo() -> bytes:
    """A camera-like JPEG (about 150 KB): gradients and noise, so it compresses like a photo."""
    from PIL import Image, ImageFilter

    noise = Image.effect_noise((1280, 960), 60).convert("RGB")
    gradient = Image.linear_gradient("L").resize((1280, 960)).convert("RGB")
    image = Image.blend(noise.filter(ImageFilter.GaussianBlur(1)), gradient, 0.5)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


PHOTO = make_photo() if DATA.get("photo_share", 0) > 0 else b""


def expect(response: Any, *statuses: int) -> None:
    if response.status_code not in statuses:
        response.failure(f"HTTP {response.status_code}")
    else:
        response.success()


class Citizen(HttpUser):
    """Looks at the map, reads reports and the dashboard, now and then files a report."""

    weight = 10
    wait_time = between(0.5, 1.5)

    def get(self, path: str, name: str, *statuses: int) -> Any:
        with self.client.get(path, name=name, catch_response=True, allow_redirects=False) as response:
            expect(response, *(statuses or (200,)))
            return response

    @task(3)
    def map_city(self) -> None:
        self.get(f"{PREFIX}/api/reports.geojson?bbox={','.join(map(str, CITY))}", "GeoJSON, whole city")

    @task(4)
    def map_neighbourhood(self) -> None:
        west = random.uniform(CENTRE[0], CENTRE[2] - 0.01)
        south = random.uniform(CENTRE[1], CENTRE[3] - 0.008)
        box = f"{west:.4f},{south:.4f},{west + 0.01:.4f},{south + 0.008:.4f}"
        self.get(f"{PREFIX}/api/reports.geojson?bbox={box}", "GeoJSON, neighbourhood")

    @task(2)
    def map_page(self) -> None:
        self.get(f"{PREFIX}/map", "/map page")

    @task(4)
    def report_page(self) -> None:
        public_id = random.choice(DATA["public_ids"])
        self.get(f"{PREFIX}/reports/{public_id}", "report page")

    @task(1)
    def dashboard(self) -> None:
        self.get(f"{PREFIX}/dashboard", "dashboard")

    @task(1)
    def file_report(self) -> None:
        form = self.get(f"{PREFIX}/new", "report form (GET)")
        if form.status_code != 200:
            return
        fields = hidden_fields(form.text)
        gevent.sleep(DATA.get("fill_seconds", 5))  # a person filling the form (and any minimum fill time)
        west, south, east, north = CENTRE
        fields.update(
            {
                "kind": "issue",
                "category": str(random.choice(DATA["categories"])),
                "title": "Lampione spento all'incrocio",
                "description": "Il lampione all'angolo è spento da tre sere, la strada è buia.",
                "lat": f"{random.uniform(south, north):.6f}",
                "lon": f"{random.uniform(west, east):.6f}",
                "name": "Carla Bianchi",
                "email": "carla.bianchi@example.org",
                "consent": "y",
            }
        )
        with_photo = random.random() < DATA.get("photo_share", 0)
        files = {"photos": ("lampione.jpg", PHOTO, "image/jpeg")} if with_photo else {"photos": ("", b"", "")}
        name = "report form (POST, photo)" if with_photo else "report form (POST)"
        with self.client.post(
            f"{PREFIX}/new", data=fields, files=files, name=name, catch_response=True, allow_redirects=False
        ) as response:
            expect(response, 303)


class Operator(HttpUser):
    """A first-level operator logged in on the site, going through the triage queue."""

    fixed_count = 2
    wait_time = between(1, 3)

    def on_start(self) -> None:
        page = self.client.get("/accedi", name="login (GET)")
        username, password = DATA.get("operator", ("operatore", "demo-operatore"))
        fields = {**hidden_fields(page.text), "username": username, "password": password}
        with self.client.post(
            "/accedi", data=fields, name="login (POST)", catch_response=True, allow_redirects=False
        ) as response:
            expect(response, 302, 303)

    @task(3)
    def queue(self) -> None:
        with self.client.get(
            f"{PREFIX}/staff/", name="staff queue", catch_response=True, allow_redirects=False
        ) as response:
            expect(response, 200)

    @task(1)
    def overdue(self) -> None:
        with self.client.get(
            f"{PREFIX}/staff/?sla=breached",
            name="staff queue, overdue",
            catch_response=True,
            allow_redirects=False,
        ) as response:
            expect(response, 200)
