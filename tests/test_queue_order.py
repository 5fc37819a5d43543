"""The staff queue's default order (what a first-level operator handles first) and its status filter."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from flask_citizencare.models import Report
from flask_citizencare.models.base import utcnow

from .host import host_db
from .reporting import post_report
from .staff import Team, client_for

EN = {"Accept-Language": "en"}


def test_new_reports_come_before_the_overdue_backlog(app: Flask, team: Team, client: FlaskClient) -> None:
    for i in range(4):
        post_report(client, team.potholes.id, title=f"Vecchia {i}")
    for i in range(2):
        post_report(client, team.potholes.id, title=f"Nuova {i}")
    post_report(client, team.potholes.id, title="In lavorazione")
    post_report(client, team.potholes.id, title="Appena scaduta")
    post_report(client, team.potholes.id, title="Sospesa")
    now = utcnow()
    with app.app_context():
        by_title = {r.title: r for r in host_db.session.scalars(sa.select(Report))}
        for i in range(4):
            old = by_title[f"Vecchia {i}"]
            old.status, old.due_at = "in_progress", now - timedelta(days=90 + i)
            old.acknowledged_at = now - timedelta(days=120)
        by_title["Nuova 0"].due_at = now + timedelta(minutes=20)
        by_title["Nuova 1"].due_at = now + timedelta(minutes=5)
        by_title["In lavorazione"].status = "in_progress"
        by_title["In lavorazione"].due_at = now + timedelta(hours=3)
        by_title["In lavorazione"].acknowledged_at = now - timedelta(hours=1)
        by_title["Appena scaduta"].due_at = now - timedelta(minutes=10)
        by_title["Sospesa"].status, by_title["Sospesa"].due_at = "suspended", None
        by_title["Sospesa"].acknowledged_at = now - timedelta(days=2)
        by_title["Sospesa"].suspended_at = now - timedelta(days=1)
        host_db.session.commit()
        ids = {title: report.id for title, report in by_title.items()}
        host_db.session.remove()
    app.config["CITIZENCARE_QUEUE_PAGE_SIZE"] = 4
    olga = client_for(app, team, "olga")
    seen: list[int] = []
    url = "/citizencare/staff/"
    pages = []
    for _ in range(6):
        html = olga.get(url, headers=EN).get_data(as_text=True)
        page = [int(i) for i in re.findall(r'name="report" value="(\d+):', html)]
        pages.append(page)
        seen += page
        nxt = re.search(r'href="([^"]+)" rel="next"', html)
        if not nxt:
            break
        url = nxt.group(1).replace("&amp;", "&")
    order = [
        "Nuova 1",
        "Nuova 0",
        "In lavorazione",
        "Appena scaduta",
        *(f"Vecchia {i}" for i in range(4)),
        "Sospesa",
    ]
    assert seen == [ids[title] for title in order]
    # Page 1: the acknowledgements running, then the next due level — no months-old case.
    assert not {ids[f"Vecchia {i}"] for i in range(4)} & set(pages[0])


def test_status_filter_is_one_labelled_checkbox_per_status(app: Flask, team: Team) -> None:
    olga = client_for(app, team, "olga")
    html = olga.get("/citizencare/staff/", headers=EN).get_data(as_text=True)
    boxes = re.findall(r'<input[^>]*type="checkbox"[^>]*name="status"[^>]*>', html) or re.findall(
        r'<input[^>]*name="status"[^>]*type="checkbox"[^>]*>', html
    )
    assert len(boxes) == 7, boxes
    assert "<option" not in html.split("<legend>Status</legend>")[1].split("</fieldset>")[0]
    for box in boxes:
        box_id = re.search(r'id="([^"]+)"', box)
        assert box_id
        assert len(re.findall(rf'<label[^>]*for="{box_id.group(1)}"', html)) == 1
    checked = [re.search(r'value="([^"]+)"', b).group(1) for b in boxes if "checked" in b]  # type: ignore[union-attr]
    assert set(checked) == {"new", "acknowledged", "in_progress", "suspended"}

    html = olga.get("/citizencare/staff/?status=resolved&status=new", headers=EN).get_data(as_text=True)
    boxes = re.findall(r'<input[^>]*name="status"[^>]*>', html)
    checked = [re.search(r'value="([^"]+)"', b).group(1) for b in boxes if "checked" in b]  # type: ignore[union-attr]
    assert set(checked) == {"new", "resolved"}
