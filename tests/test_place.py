"""B5: a place given only by a pin is described on every page (coordinates, and the host's
reverse-geocoded address, stored once at filing)."""

from __future__ import annotations

import logging

import pytest
from flask import Flask
from flask.testing import FlaskClient

from flask_citizencare.context import state
from flask_citizencare.formatting import Place

from .reporting import post_report, submitted
from .staff import Team, client_for

EN = {"Accept-Language": "en"}


def pages(app: Flask, team: Team, client: FlaskClient) -> dict[str, str]:
    """The public page, the tracking page and the staff case page of the last report filed."""
    report = submitted(app)
    return {
        "public": client.get(f"/citizencare/reports/{report.public_id}", headers=EN).get_data(as_text=True),
        "track": client.get(f"/citizencare/track/{report.tracking_token}", headers=EN).get_data(as_text=True),
        "staff": client_for(app, team, "olga")
        .get(f"/citizencare/staff/cases/{report.public_id}", headers=EN)
        .get_data(as_text=True),
    }


def test_a_pin_only_report_shows_its_coordinates_everywhere(
    app: Flask, team: Team, client: FlaskClient
) -> None:
    assert (
        post_report(client, team.potholes.id, lat="44.49123", lon="11.34261", address="").status_code == 303
    )
    assert submitted(app).address is None
    for name, html in pages(app, team, client).items():
        assert "Coordinates: 44.49123, 11.34261" in html, name
        assert 'href="geo:44.491230,11.342610"' in html, name


def test_a_place_without_point_or_address_is_empty() -> None:

    place = Place(None, 44.49123, 11.34261)
    assert place and place.has_point and not Place(None, None, None)
    assert place.geo_uri == "geo:44.491230,11.342610"


def test_coordinates_in_italian_use_the_decimal_comma(app: Flask, team: Team, client: FlaskClient) -> None:
    assert (
        post_report(client, team.potholes.id, lat="44.49123", lon="11.34261", address="").status_code == 303
    )
    number = submitted(app).public_id
    html = client.get(f"/citizencare/reports/{number}", headers={"Accept-Language": "it"}).get_data(
        as_text=True
    )
    assert "44,49123; 11,34261" in html


def test_the_hooks_address_is_stored_once_and_shown(app: Flask, team: Team, client: FlaskClient) -> None:
    hooks = state(app).hooks
    calls: list[tuple[float, float]] = []

    @hooks.reverse_geocoder
    def reverse(lat: float, lon: float) -> str | None:
        calls.append((lat, lon))
        return "  Via dell'Indipendenza 8, Bologna  "

    try:
        assert post_report(client, team.potholes.id, address="").status_code == 303
        shown = pages(app, team, client)
    finally:
        hooks._reverse_geocoder = None
    assert submitted(app).address == "Via dell'Indipendenza 8, Bologna"
    assert calls == [(44.4936, 11.3301)], "looked up at filing only, never on a page view"
    for name, html in shown.items():
        assert "Via dell&#39;Indipendenza 8, Bologna" in html, name
        assert "Coordinates: 44.49360, 11.33010" in html, name


def test_a_failing_hook_does_not_block_filing(
    app: Flask, team: Team, client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    hooks = state(app).hooks

    @hooks.reverse_geocoder
    def reverse(lat: float, lon: float) -> str | None:
        raise TimeoutError("geocoding service down")

    try:
        with caplog.at_level(logging.ERROR):
            assert post_report(client, team.potholes.id, address="").status_code == 303
    finally:
        hooks._reverse_geocoder = None
    report = submitted(app)
    assert report.address is None and report.point is not None
    assert any("reverse_geocoder hook failed" in r.getMessage() for r in caplog.records)
    assert "Coordinates: 44.49360, 11.33010" in pages(app, team, client)["track"]


def test_a_typed_address_is_kept_and_the_hook_not_asked(app: Flask, team: Team, client: FlaskClient) -> None:
    hooks = state(app).hooks

    @hooks.reverse_geocoder
    def reverse(lat: float, lon: float) -> str | None:
        raise AssertionError("not asked when the reporter typed the address")

    try:
        assert post_report(client, team.potholes.id, address="Piazza Maggiore 1").status_code == 303
    finally:
        hooks._reverse_geocoder = None
    html = pages(app, team, client)["public"]
    assert "Piazza Maggiore 1" in html and "Coordinates: 44.49360, 11.33010" in html
