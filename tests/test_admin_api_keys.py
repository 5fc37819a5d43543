"""The API keys screen: admins only, a key shown once and working, revoked then refused, audited."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from flask_citizencare.models import ApiKey, AuditEntry

from .host import host_db
from .open311 import API
from .staff import Team, client_for

URL = "/citizencare/staff/admin/api-keys"
EN = {"Accept-Language": "en"}


def csrf(client: FlaskClient) -> str:
    html = client.get(URL, headers=EN).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def test_only_admins(app: Flask, team: Team) -> None:
    for name in ("olga", "marco", "tina"):
        client = client_for(app, team, name)
        assert client.get(URL).status_code == 403
        assert client.post(URL, data={"name": "x"}).status_code == 403
    admin = client_for(app, team, "ada")
    page = admin.get(URL, headers=EN)
    assert page.status_code == 200
    assert "<h1>API keys</h1>" in page.get_data(as_text=True)
    assert URL in client_for(app, team, "ada").get("/citizencare/staff/", headers=EN).get_data(as_text=True)


def test_create_use_revoke(app: Flask, team: Team) -> None:
    admin = client_for(app, team, "ada")
    token = csrf(admin)
    created = admin.post(
        URL, data={"csrf_token": token, "name": "Bologna app", "can_post": "y", "rate": "120/min"}, headers=EN
    )
    assert created.status_code == 200
    assert created.headers["Cache-Control"] == "no-store"
    html = created.get_data(as_text=True)
    match = re.search(r"<code data-cc-new-key>(cc311_[A-Za-z0-9_-]+)</code>", html)
    assert match, html
    key = match.group(1)
    with app.app_context():
        stored = host_db.session.scalars(sa.select(ApiKey)).one()
        assert (stored.name, stored.can_post, stored.rate) == ("Bologna app", True, "120 per minute")
        key_id = stored.id
    listing = admin.get(URL, headers=EN).get_data(as_text=True)
    assert "Bologna app" in listing and key[:10] in listing and key not in listing

    api = app.test_client()
    assert api.get(f"{API}/discovery.json", query_string={"api_key": key}).status_code == 200
    with app.app_context():
        assert host_db.session.get(ApiKey, key_id).uses == 1  # type: ignore[union-attr]

    revoked = admin.post(f"{URL}/{key_id}/revoke", data={"csrf_token": csrf(admin)})
    assert revoked.status_code == 303
    refused = api.get(f"{API}/discovery.json", query_string={"api_key": key})
    assert refused.status_code == 403
    assert refused.get_json()[0]["code"] == 403
    with app.app_context():
        actions = host_db.session.scalars(
            sa.select(AuditEntry.action).where(AuditEntry.subject_type == "api_key").order_by(AuditEntry.id)
        ).all()
        assert actions == ["create", "revoke"]


def test_revoke_needs_csrf_and_bad_input_is_refused(app: Flask, team: Team) -> None:
    admin = client_for(app, team, "ada")
    token = csrf(admin)
    bad_rate = admin.post(URL, data={"csrf_token": token, "name": "x", "rate": "lots"}, headers=EN)
    assert bad_rate.status_code == 400
    assert "Write the limit as 120/min" in bad_rate.get_data(as_text=True)
    assert admin.post(URL, data={"csrf_token": token, "name": " "}, headers=EN).status_code == 400
    assert admin.post(URL, data={"csrf_token": token, "name": "dup"}).status_code == 200
    taken = admin.post(URL, data={"csrf_token": token, "name": "dup"}, headers=EN)
    assert taken.status_code == 400 and "A key with this name exists" in taken.get_data(as_text=True)
    with app.app_context():
        key_id = host_db.session.scalars(sa.select(ApiKey.id)).one()
    assert admin.post(f"{URL}/{key_id}/revoke").status_code == 400
    with app.app_context():
        assert host_db.session.get(ApiKey, key_id).revoked_at is None  # type: ignore[union-attr]
    assert admin.post(f"{URL}/99999/revoke", data={"csrf_token": token}).status_code == 404


def test_the_page_links_the_developers_page_only_while_open311_is_served(app: Flask, team: Team) -> None:
    admin = client_for(app, team, "ada")
    assert "/citizencare/open311/" in admin.get(URL, headers=EN).get_data(as_text=True)
    app.config["CITIZENCARE_OPEN311_ENABLED"] = False
    page = admin.get(URL, headers=EN)
    assert page.status_code == 200
    assert "/citizencare/open311/" not in page.get_data(as_text=True)
