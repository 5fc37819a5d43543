"""The public map's layer of current service notices: their areas as GeoJSON, public facts only."""

from __future__ import annotations

import json

from flask import Flask
from flask.testing import FlaskClient
from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon, Polygon, shape

from .factories import create_notice
from .host import host_db

AREAS = "/citizencare/status/areas.geojson"
SQUARE = MultiPolygon([Polygon([(11.34, 44.49), (11.35, 44.49), (11.35, 44.50), (11.34, 44.50)])])


def test_current_areas_only(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        session = host_db.session
        area = from_shape(SQUARE, srid=4326)
        live = create_notice(
            session, title="Lavori in piazza", kind="planned", status="in_progress", area=area
        )
        create_notice(session, title="Senza area")
        create_notice(session, title="Bozza", status="draft", area=from_shape(SQUARE, srid=4326))
        create_notice(
            session, title="Finito", status="completed", kind="planned", area=from_shape(SQUARE, srid=4326)
        )
        session.commit()
        live_id = live.id
    response = client.get(AREAS, headers={"Accept-Language": "en"})
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    assert response.headers["Cache-Control"] == "public, max-age=0, must-revalidate"
    data = json.loads(response.get_data())
    [feature] = data["features"]
    assert shape(feature["geometry"]).equals(SQUARE)
    properties = feature["properties"]
    assert properties["id"] == live_id and properties["state"] == "maintenance"
    assert properties["url"] == f"/citizencare/status/{live_id}" and properties["title"] == "Lavori in piazza"
    assert not {"created_by_id", "published_by_id", "body"} & set(properties)
    assert (
        client.get(
            AREAS, headers={"If-None-Match": response.headers["ETag"], "Accept-Language": "en"}
        ).status_code
        == 304
    )


def test_the_map_page_names_the_layer(client: FlaskClient) -> None:
    html = client.get("/citizencare/map", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '"notices": "/citizencare/status/areas.geojson"' in html
    assert "cc-legend__notice-area" in html and 'href="/citizencare/status"' in html
