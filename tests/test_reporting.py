"""Citizens file reports: the form, confirmation, tracking, public page and photos."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image

from flask_citizencare import state
from flask_citizencare.models import Category, Photo, Report
from flask_citizencare.services import reports as report_service

from .host import HostUser, host_db
from .reporting import NEW, counts, form_tokens, jpeg, post_report, submitted


def test_form_has_a_label_for_every_control(client: FlaskClient, category: Category) -> None:
    html = client.get(NEW, headers={"Accept-Language": "it"}).get_data(as_text=True)
    assert "<h1>Segnala un problema o proponi un miglioramento</h1>" in html
    controls = re.findall(r"<(?:input|select|textarea)\b([^>]*)>", html)
    labelled = set(re.findall(r'<label[^>]*for="([^"]+)"', html))
    for attributes in controls:
        if 'type="hidden"' in attributes or 'type="radio"' in attributes:
            continue
        control_id = re.search(r'id="([^"]+)"', attributes)
        assert control_id and control_id.group(1) in labelled, attributes
    assert '<optgroup label="Strade">' in html
    assert "Buche, avvallamenti e dissesti della carreggiata." in html
    assert "Carreggiata" in html and "Profondità (cm)" in html


def test_report_without_javascript_is_filed_and_tracked(
    app: Flask, client: FlaskClient, category: Category
) -> None:
    response = post_report(client, category.id, address="Via Saragozza 12")
    assert response.status_code == 303, response.get_data(as_text=True)
    report = submitted(app)
    assert response.headers["Location"] == f"/citizencare/sent/{report.tracking_token}"
    assert re.fullmatch(r"\d{4}-\d{6}", report.public_id)
    assert len(report.tracking_token) >= 32
    assert report.status == "new" and report.channel == "web" and report.office_id is not None
    assert [e.to_status for e in report.events] == ["new"]
    assert report.contact.email == "giulia.verdi@example.org"
    assert report.contact.consent_at is not None

    confirmation = client.get(response.headers["Location"]).get_data(as_text=True)
    assert report.public_id in confirmation
    assert f"/citizencare/track/{report.tracking_token}" in confirmation

    tracking = client.get(f"/citizencare/track/{report.tracking_token}").get_data(as_text=True)
    assert "Buca profonda in via Saragozza" in tracking and "Ricevuta" in tracking


def test_extra_answers_are_kept(app: Flask, client: FlaskClient, category: Category) -> None:
    with app.app_context():
        cid = category.id
    response = post_report(client, cid, **{f"q_{cid}_lane": "bike", f"q_{cid}_depth": "20"})
    assert response.status_code == 303
    assert submitted(app).answers == {"lane": "bike", "depth": "20"}


def test_public_ids_follow_each_other(app: Flask, client: FlaskClient, category: Category) -> None:
    for _ in range(3):
        assert post_report(client, category.id).status_code == 303
    with app.app_context():
        ids = sorted(host_db.session.scalars(sa.select(Report.public_id)))
    numbers = [int(i.split("-")[1]) for i in ids]
    assert numbers == [numbers[0], numbers[0] + 1, numbers[0] + 2]


def test_public_page_never_shows_the_reporter(app: Flask, client: FlaskClient, category: Category) -> None:
    post_report(client, category.id, photos=[(jpeg(), "buca.jpg")])
    report = submitted(app)
    html = client.get(f"/citizencare/reports/{report.public_id}").get_data(as_text=True)
    assert "Buca profonda in via Saragozza" in html
    for private in ("Giulia", "Verdi", "giulia.verdi@example.org", "333 123 4567", report.tracking_token):
        assert private not in html
    listing = client.get("/citizencare/reports").get_data(as_text=True)
    assert "Giulia" not in listing and report.public_id in listing


def test_photos_are_stored_processed_and_served_safely(
    app: Flask, client: FlaskClient, category: Category
) -> None:
    response = post_report(
        client, category.id, photos=[(jpeg(3000, 2000), "IMG_0001.JPG"), (jpeg(), "b.jpg")]
    )
    assert response.status_code == 303
    report = submitted(app)
    assert len(report.photos) == 2
    first = report.photos[0]
    assert (first.width, first.height) == (1600, 1067)
    store = state(app).photo_store
    assert all(store.exists(k) for p in report.photos for k in (p.storage_key, p.thumbnail_key))
    assert not list(Path(app.config["CITIZENCARE_PHOTO_DIR"], ".staging").glob("*"))

    with client.get(f"/citizencare/photos/{first.storage_key}") as served:
        assert served.status_code == 200
        assert served.mimetype == first.content_type
        assert served.headers["X-Content-Type-Options"] == "nosniff"
        assert "max-age" in served.headers["Cache-Control"]
        assert Image.open(__import__("io").BytesIO(served.get_data())).size == (1600, 1067)
    with client.get(f"/citizencare/photos/{first.thumbnail_key}") as thumb:
        assert thumb.status_code == 200
    assert client.get("/citizencare/photos/not-a-real-key-at-all").status_code == 404


def test_photos_of_hidden_reports_and_hidden_photos_are_not_served(
    app: Flask, client: FlaskClient, category: Category
) -> None:
    post_report(client, category.id, photos=[(jpeg(), "a.jpg"), (jpeg(), "b.jpg")])
    report = submitted(app)
    first, second = report.photos
    with app.app_context():
        host_db.session.get(Photo, second.id).hidden = True  # type: ignore[union-attr]
        host_db.session.commit()
    assert client.get(f"/citizencare/photos/{second.storage_key}").status_code == 404
    with client.get(f"/citizencare/photos/{first.storage_key}") as ok:
        assert ok.status_code == 200
    with app.app_context():
        host_db.session.get(Report, report.id).is_public = False  # type: ignore[union-attr]
        host_db.session.commit()
    assert client.get(f"/citizencare/photos/{first.storage_key}").status_code == 404
    assert client.get(f"/citizencare/reports/{report.public_id}").status_code == 404
    # The reporter still sees their own report and photo.
    with client.get(f"/citizencare/track/{report.tracking_token}/photos/{first.storage_key}") as own:
        assert own.status_code == 200
        assert "private" in own.headers["Cache-Control"]


def test_double_submission_creates_one_report(app: Flask, client: FlaskClient, category: Category) -> None:
    tokens = form_tokens(client)
    first = post_report(client, category.id, photos=[(jpeg(), "a.jpg")], tokens=tokens)
    before = counts(app)
    again = post_report(client, category.id, photos=[(jpeg(), "a.jpg")], tokens=tokens)
    assert first.status_code == again.status_code == 303
    assert first.headers["Location"] == again.headers["Location"]
    assert counts(app) == before
    assert before["cc_reports"] == 1


def test_concurrent_double_submission_keeps_the_first(
    app: Flask, category: Category, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two requests race past the early check: the unique token lets one commit; the other gets it."""
    submission = report_service.Submission(
        kind=report_service.Kind.ISSUE,
        category_id=category.id,
        title="Doppio",
        description="Doppio click",
        submission_token="race-token-0123456789",
        lat=44.49,
        lon=11.34,
    )
    real = report_service.existing_submission
    calls: list[str] = []

    def misses_the_first_time(session, token):  # type: ignore[no-untyped-def]
        calls.append(token)
        return None if len(calls) == 1 else real(session, token)

    with app.test_request_context():
        first = report_service.submit_report(submission)
        monkeypatch.setattr(report_service, "existing_submission", misses_the_first_time)
        second = report_service.submit_report(submission)
        assert second.id == first.id
        assert len(calls) == 2  # it did try to insert, and fell back on the committed one
    assert counts(app)["cc_reports"] == 1


def test_reporter_adds_information_privately(app: Flask, client: FlaskClient, category: Category) -> None:
    post_report(client, category.id)
    report = submitted(app)
    url = f"/citizencare/track/{report.tracking_token}"
    tokens = form_tokens(client, url)
    response = client.post(
        url,
        data={
            **tokens,
            "text": "La buca si è allargata dopo la pioggia.",
            "photos": [(__import__("io").BytesIO(jpeg()), "x.jpg")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    assert "La buca si è allargata" in client.get(url).get_data(as_text=True)
    assert "La buca si è allargata" not in client.get(f"/citizencare/reports/{report.public_id}").get_data(
        as_text=True
    )
    assert counts(app)["cc_photos"] == 1


def test_unknown_tracking_token_is_404(client: FlaskClient) -> None:
    assert client.get("/citizencare/track/" + "A" * 32).status_code == 404
    assert client.get("/citizencare/sent/" + "A" * 32).status_code == 404


def test_logged_in_user_is_prefilled(app: Flask, category: Category) -> None:
    from flask_login import FlaskLoginClient

    with app.app_context():
        user = HostUser(email="mario.rossi@example.org")
        host_db.session.add(user)
        host_db.session.commit()
        app.test_client_class = FlaskLoginClient
        html = app.test_client(user=user).get(NEW).get_data(as_text=True)
    assert 'value="mario.rossi@example.org"' in html


def test_html_in_every_text_field_is_shown_escaped(
    app: Flask, client: FlaskClient, category: Category
) -> None:
    attack = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    response = post_report(
        client, category.id, title=attack[:150], description=attack, address=attack, name=attack
    )
    assert response.status_code == 303
    report = submitted(app)
    for url in (
        f"/citizencare/reports/{report.public_id}",
        f"/citizencare/track/{report.tracking_token}",
        "/citizencare/",
        response.headers["Location"],
    ):
        html = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in client.get(f"/citizencare/reports/{report.public_id}").get_data(as_text=True)


def test_storage_sweep_removes_orphans_and_reports_missing_files(
    app: Flask, client: FlaskClient, category: Category
) -> None:
    post_report(client, category.id, photos=[(jpeg(), "a.jpg")])
    report = submitted(app)
    store = state(app).photo_store
    store.stage("orphanstagedkey00000000", b"x", "image/jpeg")
    store.stage("orphanpublishedkey000000", b"x", "image/jpeg")
    store.publish("orphanpublishedkey000000")
    store.delete(report.photos[0].thumbnail_key)

    result = app.test_cli_runner().invoke(args=["citizencare", "storage", "sweep", "--staged-age", "0"])
    assert result.exit_code == 1
    assert "removed 1 orphan file(s), 1 stale upload(s)" in result.output
    assert f"missing file {report.photos[0].thumbnail_key}" in result.output
    assert not store.exists("orphanpublishedkey000000")
    assert store.exists(report.photos[0].storage_key)


def test_a_photo_whose_publication_failed_after_the_commit_is_published_by_the_sweep(
    app: Flask, client: FlaskClient, category: Category, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The report is committed, then the store fails to publish: the photo waits staged, not lost."""
    store = state(app).photo_store

    def down(key: str) -> None:
        raise OSError("object store unavailable")

    monkeypatch.setattr(store, "publish", down)
    assert post_report(client, category.id, photos=[(jpeg(), "a.jpg")]).status_code == 303
    monkeypatch.undo()
    photo = submitted(app).photos[0]
    assert not store.exists(photo.storage_key)

    result = app.test_cli_runner().invoke(args=["citizencare", "storage", "sweep", "--staged-age", "0"])
    assert result.exit_code == 0, result.output
    assert "published 2 committed photo file(s)" in result.output
    assert "removed 0 orphan file(s), 0 stale upload(s)" in result.output
    assert store.exists(photo.storage_key) and store.exists(photo.thumbnail_key)


def test_geocoding_hooks_fill_the_point_and_the_address(
    app: Flask, client: FlaskClient, category: Category
) -> None:
    extension = state(app).hooks
    asked: list[object] = []

    @extension.geocoder
    def geocode(address: str) -> tuple[float, float] | None:
        asked.append(address)
        return (44.4939, 11.3428) if "Maggiore" in address else None

    @extension.reverse_geocoder
    def reverse(lat: float, lon: float) -> str | None:
        asked.append((lat, lon))
        return "Via Saragozza 12, Bologna"

    try:
        assert (
            post_report(client, category.id, lat="", lon="", address="Piazza Maggiore 1").status_code == 303
        )
        assert post_report(client, category.id, address="").status_code == 303
    finally:
        extension._geocoder = extension._reverse_geocoder = None
    with app.app_context():
        rows = host_db.session.execute(
            sa.select(Report.address, sa.func.ST_Y(Report.point), sa.func.ST_X(Report.point)).order_by(
                Report.id
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        ("Piazza Maggiore 1", 44.4939, 11.3428),
        ("Via Saragozza 12, Bologna", 44.4936, 11.3301),
    ]
    assert asked == ["Piazza Maggiore 1", (44.4936, 11.3301)]


def test_an_address_alone_is_enough_without_a_geocoder(
    app: Flask, client: FlaskClient, category: Category
) -> None:
    assert post_report(client, category.id, lat="", lon="", address="Via Indipendenza 8").status_code == 303
    report = submitted(app)
    assert report.point is None and report.address == "Via Indipendenza 8"


def test_nearby_lookup_offers_open_public_reports_only(
    app: Flask, client: FlaskClient, category: Category
) -> None:
    post_report(client, category.id, title="Buca vicina", lat="44.49361", lon="11.33012")
    post_report(client, category.id, title="Buca nascosta", lat="44.49362", lon="11.33013")
    with app.app_context():
        hidden = host_db.session.scalars(sa.select(Report).where(Report.title == "Buca nascosta")).one()
        hidden.is_public = False
        host_db.session.commit()
    data = client.get(
        "/citizencare/nearby", query_string={"category": category.id, "lat": "44.4936", "lon": "11.3301"}
    ).get_json()
    assert [r["title"] for r in data["reports"]] == ["Buca vicina"]
    assert set(data["reports"][0]) == {"id", "title", "status", "distance_m", "url"}
    for bad in (
        {"category": "x", "lat": "1", "lon": "1"},
        {"category": category.id, "lat": "nan", "lon": "1"},
        {"category": category.id},
        {"category": category.id, "lat": "91", "lon": "11"},
    ):
        response = client.get("/citizencare/nearby", query_string=bad)
        assert response.status_code == 400 and "error" in response.get_json()
