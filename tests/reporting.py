"""Helpers for driving the report form like a browser would (tokens from the page, multipart posts)."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image

from flask_citizencare.models import Category, Message, Photo, Report, ReporterContact, StatusEvent

from .factories import create_category, create_office
from .host import host_db

NEW = "/citizencare/new"


def hidden_value(html: str, name: str) -> str:
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html) or re.search(
        rf'value="([^"]*)"[^>]*name="{name}"', html
    )
    assert match, f"no hidden {name} in the page"
    return match.group(1)


def page_tokens(html: str) -> dict[str, str]:
    """The hidden fields a browser would send back: CSRF, submission token, the form's signed time."""
    tokens = {"csrf_token": hidden_value(html, "csrf_token")}
    for name in ("submission_token", "form_time"):
        if f'name="{name}"' in html:
            tokens[name] = hidden_value(html, name)
    return tokens


def form_tokens(client: FlaskClient, url: str = NEW) -> dict[str, str]:
    return page_tokens(client.get(url).get_data(as_text=True))


def jpeg(width: int = 640, height: int = 480, color: str = "orange") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, "JPEG", quality=85)
    return out.getvalue()


def report_fields(category_id: int, **overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "kind": "issue",
        "category": str(category_id),
        "title": "Buca profonda in via Saragozza",
        "description": "Una buca di mezzo metro davanti al civico 12, pericolosa per le bici.",
        "lat": "44.4936",
        "lon": "11.3301",
        "address": "",
        "name": "Giulia Verdi",
        "email": "giulia.verdi@example.org",
        "phone": "+39 333 123 4567",
        "consent": "y",
    }
    fields.update(overrides)
    return {k: v for k, v in fields.items() if v is not None}


def post_report(
    client: FlaskClient,
    category_id: int,
    photos: list[tuple[bytes, str]] = (),  # type: ignore[assignment]
    tokens: dict[str, str] | None = None,
    **overrides: Any,
):  # type: ignore[no-untyped-def]
    data = {
        **(tokens if tokens is not None else form_tokens(client)),
        **report_fields(category_id, **overrides),
    }
    if photos:
        data["photos"] = [(io.BytesIO(content), name) for content, name in photos]
    response = client.post(NEW, data=data, content_type="multipart/form-data")
    # The test client spools large bodies to a temporary file that it never closes.
    response.request.environ["wsgi.input"].close()
    return response


def counts(app: Flask) -> dict[str, int]:
    """Rows that a submission writes, and files in the photo folder (staged ones included)."""
    db = app.extensions["citizencare"].db
    with app.app_context():
        rows = {
            model.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in (Report, ReporterContact, StatusEvent, Photo, Message)
        }
    folder = Path(app.config["CITIZENCARE_PHOTO_DIR"])
    rows["files"] = sum(1 for p in folder.rglob("*") if p.is_file()) if folder.exists() else 0
    return rows


@pytest.fixture
def category(app: Flask) -> Category:
    with app.app_context():
        office = create_office(host_db.session, code="strade", name="Manutenzione strade")
        category = create_category(
            host_db.session,
            code="buche",
            name="Buche stradali",
            group="Strade",
            names={"en": "Potholes", "ca": "Sots"},
            help_text="Buche, avvallamenti e dissesti della carreggiata.",
            default_office_id=office.id,
            questions=[
                {
                    "key": "lane",
                    "label": {"it": "Corsia", "en": "Lane"},
                    "type": "choice",
                    "choices": [
                        {"value": "road", "label": {"it": "Carreggiata", "en": "Road"}},
                        {"value": "bike", "label": {"it": "Pista ciclabile", "en": "Bike lane"}},
                    ],
                },
                {"key": "depth", "label": {"it": "Profondità (cm)", "en": "Depth (cm)"}, "type": "text"},
            ],
        )
        host_db.session.commit()
        host_db.session.refresh(category)
        host_db.session.expunge_all()
        return category


def submitted(app: Flask) -> Report:
    with app.app_context():
        report = host_db.session.scalars(sa.select(Report)).one()
        report.contact, report.events, report.photos, report.answers  # noqa: B018 (load before the session closes)
        host_db.session.expunge_all()
        return report
