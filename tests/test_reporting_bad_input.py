"""Hostile and broken submissions: a clear 4xx answer in the user's language, and nothing written.

Every case checks the status, the message, and that no row and no file appeared.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from flask_citizencare.models import Category

from . import images
from .factories import create_category
from .host import host_db
from .reporting import NEW, counts, form_tokens, post_report, report_fields, submitted

ENGLISH = {"Accept-Language": "en"}
ITALIAN = {"Accept-Language": "it"}

PHOTO_CASES: dict[str, tuple[Callable[[], bytes], str, str]] = {
    # name: (content, file name, expected message)
    "decompression bomb": (lambda: images.png_claiming(30000, 30000), "bomb.png", "too many pixels"),
    "tiff renamed jpg": (images.tiff, "photo.jpg", "JPEG, PNG, WebP"),
    "eps renamed jpg": (images.eps, "photo.jpg", "JPEG, PNG, WebP"),
    "psd renamed jpg": (images.psd, "photo.jpg", "JPEG, PNG, WebP"),
    "pdf renamed jpg": (images.pdf, "photo.jpg", "JPEG, PNG, WebP"),
    "svg renamed jpg": (images.svg, "photo.jpg", "JPEG, PNG, WebP"),
    "truncated jpeg": (lambda: images.truncated(images.jpeg((800, 600))), "cut.jpg", "incomplete"),
    "random bytes": (images.random_bytes, "noise.jpg", "not a photo we can read"),
    "zero-size file": (lambda: b"", "empty.jpg", "empty"),
    "php with a path name": (lambda: b"<?php system($_GET['c']); ?>", "../../x.php", "x.php"),
    "rtl name": (images.random_bytes, "photo\u202egpj.exe", "photogpj.exe"),
}


def assert_refused(app: Flask, before: dict[str, int], response, status: int, message: str) -> None:  # type: ignore[no-untyped-def]
    html = response.get_data(as_text=True)
    assert response.status_code == status, html[:500]
    assert message in html
    assert counts(app) == before


@pytest.mark.parametrize("case", list(PHOTO_CASES))
def test_hostile_photos_are_refused(app: Flask, client: FlaskClient, category: Category, case: str) -> None:
    content, name, message = PHOTO_CASES[case]
    before = counts(app)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = post_report(client, category.id, photos=[(content(), name)])
    assert_refused(app, before, response, 400, message)
    assert not list(Path(app.root_path).parent.parent.rglob("x.php"))
    assert "\u202e" not in response.get_data(as_text=True)


def test_six_photos_are_refused(app: Flask, client: FlaskClient, category: Category) -> None:
    before = counts(app)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = post_report(client, category.id, photos=[(images.jpeg(), f"{i}.jpg") for i in range(6)])
    assert_refused(app, before, response, 400, "You can attach at most 5 photos.")


def test_one_bad_photo_among_good_ones_saves_nothing(
    app: Flask, client: FlaskClient, category: Category
) -> None:
    before = counts(app)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = post_report(client, category.id, photos=[(images.jpeg(), "a.jpg"), (images.tiff(), "b.jpg")])
    assert_refused(app, before, response, 400, "Photo 2 (b.jpg)")


def test_photo_over_the_size_limit(app: Flask, client: FlaskClient, category: Category) -> None:
    app.config["CITIZENCARE_PHOTO_MAX_BYTES"] = 2 * 1024 * 1024
    big = images.jpeg((3000, 3000), quality=100, subsampling=0)
    padded = big + b"\0" * (2 * 1024 * 1024 + 10 - len(big)) if len(big) < 2 * 1024 * 1024 else big
    before = counts(app)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = post_report(client, category.id, photos=[(padded, "big.jpg")])
    assert_refused(app, before, response, 400, "larger than 2 MB")


def test_request_over_the_total_limit_is_413(app: Flask, client: FlaskClient, category: Category) -> None:
    app.config["CITIZENCARE_PHOTO_MAX_BYTES"] = 100 * 1024
    app.config["CITIZENCARE_MAX_PHOTOS"] = 1
    before = counts(app)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = post_report(client, category.id, photos=[(b"\xff" * (2 * 1024 * 1024), "huge.jpg")])
    assert_refused(app, before, response, 413, "too large")


@pytest.mark.parametrize(
    ("lat", "lon", "message"),
    [
        ("91", "11.34", "Latitude goes from -90 to 90"),
        ("44.49", "-181", "Latitude goes from -90 to 90"),
        ("nan", "11.34", "Enter a number"),
        ("44.49", "Infinity", "Enter a number"),
        ("-inf", "11.34", "Enter a number"),
        ("abc", "11.34", "Enter a number"),
        ("45.4642", "9.19", "outside the municipality"),  # Milan
        ("44.49", "", "Enter both latitude and longitude"),
        ("", "", "Place the pin on the map, or enter an address"),
    ],
)
def test_bad_coordinates_are_refused(
    app: Flask, client: FlaskClient, category: Category, lat: str, lon: str, message: str
) -> None:
    before = counts(app)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = post_report(client, category.id, lat=lat, lon=lon, address="")
    assert_refused(app, before, response, 400, message)


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("title", "Write a short title."),
        ("description", "Describe the problem or the proposal."),
        ("category", "Choose a category."),
        ("consent", "We need your consent to handle the report."),
        ("email", "Enter your e-mail address"),
        ("submission_token", "The request could not be understood"),
    ],
)
def test_missing_required_fields(
    app: Flask, client: FlaskClient, category: Category, missing: str, message: str
) -> None:
    before = counts(app)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    tokens = form_tokens(client)
    if missing in tokens:
        del tokens[missing]
        response = post_report(client, category.id, tokens=tokens)
    else:
        response = post_report(client, category.id, **{missing: None})
    assert response.status_code == 400
    if missing == "submission_token":
        message = "problem to fix"
    assert_refused(app, before, response, 400, message)


def test_errors_are_summarised_and_tied_to_their_fields(client: FlaskClient, category: Category) -> None:
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    html = post_report(client, category.id, title=None, lat="nan").get_data(as_text=True)
    assert 'id="cc-error-summary"' in html and 'role="alert"' in html
    assert '<a href="#title">Write a short title.</a>' in html
    assert 'aria-describedby="title-hint title-error"' in html and 'aria-invalid="true"' in html
    assert html.startswith("<!doctype html>") and "<title>Error: " in html


def test_a_one_megabyte_description_is_refused(app: Flask, client: FlaskClient, category: Category) -> None:
    before = counts(app)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = post_report(client, category.id, description="a" * 1024 * 1024)
    assert response.status_code in (400, 413)
    assert counts(app) == before
    assert "too large" in response.get_data(as_text=True) or "at most 5000 characters" in response.get_data(
        as_text=True
    )


def test_a_long_description_gets_a_field_error(app: Flask, client: FlaskClient, category: Category) -> None:
    before = counts(app)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = post_report(client, category.id, description="a" * 6000)
    assert_refused(app, before, response, 400, "at most 5000 characters")


def test_form_without_csrf_token_is_refused(app: Flask, client: FlaskClient, category: Category) -> None:
    before = counts(app)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    tokens = form_tokens(client)
    del tokens["csrf_token"]
    response = post_report(client, category.id, tokens=tokens)
    assert_refused(app, before, response, 400, "The form has expired")


@pytest.mark.parametrize("which", ["unknown", "disabled", "wrong kind", "not a number"])
def test_bad_categories_are_refused(app: Flask, client: FlaskClient, category: Category, which: str) -> None:
    with app.app_context():
        disabled = create_category(host_db.session, active=False)
        proposals_only = create_category(host_db.session, kinds="proposal")
        host_db.session.commit()
        chosen = {
            "unknown": "999999",
            "disabled": str(disabled.id),
            "wrong kind": str(proposals_only.id),
            "not a number": "1 OR 1=1",
        }[which]
    before = counts(app)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    data = {**form_tokens(client), **report_fields(category.id), "category": chosen}
    response = client.post(NEW, data=data)
    message = "does not accept this kind" if which == "wrong kind" else "Choose a category from the list."
    assert_refused(app, before, response, 400, message)


def test_unknown_kind_is_refused(app: Flask, client: FlaskClient, category: Category) -> None:
    before = counts(app)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = post_report(client, category.id, kind="complaint")
    assert_refused(app, before, response, 400, "Not a valid choice")


def test_messages_follow_the_users_language(app: Flask, client: FlaskClient, category: Category) -> None:
    before = counts(app)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "it"
    response = post_report(client, category.id, lat="45.4642", lon="9.19", photos=[(images.tiff(), "a.jpg")])
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "fuori dal territorio comunale" in html
    assert "JPEG, PNG, WebP" in html
    assert counts(app) == before


def test_tracking_page_refuses_bad_additions(app: Flask, client: FlaskClient, category: Category) -> None:
    assert post_report(client, category.id).status_code == 303
    report = submitted(app)
    url = f"/citizencare/track/{report.tracking_token}"
    before = counts(app)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    tokens = form_tokens(client, url)
    response = client.post(
        url,
        data={**tokens, "text": "", "photos": [(io.BytesIO(images.svg()), "x.jpg")]},
        content_type="multipart/form-data",
    )
    assert_refused(app, before, response, 400, "Write something to add.")
    response = client.post(url, data={"text": "no token"})
    assert_refused(app, before, response, 400, "The form has expired")
