"""What the public may see of a report, on every surface, and how long others may keep it.

One rule per question (:meth:`Photo.public_condition`, ``Report.public_*``,
``StatusEvent.public_note``) serves the report page, the photo address, the
GeoJSON API, the map's list and the open data: these tests look at all of them
after the citizen added photos and text privately (tracking page, reply by
mail) and after moderation hid the report.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from flask_citizencare.domain.lifecycle import Action
from flask_citizencare.models import Photo, Report
from flask_citizencare.services.cases import Moderation, moderate
from flask_citizencare.services.replies import ingest_message

from .conftest import BOLOGNA
from .host import host_db
from .reporting import form_tokens, jpeg, post_report
from .staff import Team, act, actor_for
from .test_ingest import fixture_for

PREFIX = "/citizencare"
CITY = ",".join(map(str, BOLOGNA))
PRIVATE_TEXT = "Abito al civico 7, citofono Brambilla, chiamatemi al 347 000 1122"
#: What the reply by mail (tests/mail/gmail_reply.eml) says: the citizen's words.
MAIL_WORDS = "ancora lì"


def filed(app: Flask, client: FlaskClient, team: Team, **fields: Any) -> Report:
    """A report sent through the form with one photo; returned detached, photos loaded."""
    response = post_report(client, team.potholes.id, photos=[(jpeg(color="green"), "buca.jpg")], **fields)
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    with app.app_context():
        report = host_db.session.scalars(sa.select(Report).order_by(Report.id.desc()).limit(1)).one()
        report.photos  # noqa: B018 (load before the session closes)
        host_db.session.expunge_all()
        return report


def photos_of(app: Flask, report_id: int) -> list[Photo]:
    with app.app_context():
        photos = list(
            host_db.session.scalars(sa.select(Photo).where(Photo.report_id == report_id).order_by(Photo.id))
        )
        host_db.session.expunge_all()
        return photos


def add_information(client: FlaskClient, token: str, text: str) -> None:
    url = f"{PREFIX}/track/{token}"
    response = client.post(
        url,
        data={
            **form_tokens(client, url),
            "text": text,
            "photos": [(io.BytesIO(jpeg(color="red")), "io.jpg")],
        },
        content_type="multipart/form-data",
    )
    response.request.environ["wsgi.input"].close()
    assert response.status_code == 303


def page(client: FlaskClient, url: str, **query: str) -> str:
    response = client.get(url, query_string=query)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def api_thumbnails(client: FlaskClient, public_id: str, **query: str) -> list[str | None]:
    body = client.get(
        f"{PREFIX}/api/reports.geojson", query_string={"bbox": CITY, "cluster": "never", **query}
    )
    assert body.status_code == 200
    return [f["properties"]["thumbnail"] for f in body.get_json()["features"] if f["id"] == public_id]


def keys(photo: Photo) -> tuple[str, str]:
    return photo.storage_key, photo.thumbnail_key


def test_photos_added_on_the_tracking_page_stay_private_everywhere(
    app: Flask, client: FlaskClient, team: Team
) -> None:
    report = filed(app, client, team)
    add_information(client, report.tracking_token, PRIVATE_TEXT)
    public, private = photos_of(app, report.id)
    assert public.message_id is None and private.message_id is not None

    report_page = page(client, f"{PREFIX}/reports/{report.public_id}")
    map_list = page(client, f"{PREFIX}/map")
    for text in (report_page, map_list):
        assert not any(key in text for key in keys(private))
    assert public.thumbnail_key in report_page and public.thumbnail_key in map_list
    assert PRIVATE_TEXT not in report_page
    for key in keys(private):
        assert client.get(f"{PREFIX}/photos/{key}").status_code == 404
        with client.get(f"{PREFIX}/track/{report.tracking_token}/photos/{key}") as own:
            assert own.status_code == 200  # the reporter still sees what they sent
    for key in keys(public):
        with client.get(f"{PREFIX}/photos/{key}") as served:
            assert served.status_code == 200
    [thumbnail] = api_thumbnails(client, report.public_id)
    assert thumbnail is not None and thumbnail.endswith(public.thumbnail_key)

    # Once moderation hides the report's own photo, the one sent privately does not take its place.
    with app.test_request_context():
        current = host_db.session.get(Report, report.id)
        assert current is not None
        moderate(
            actor_for(team, "olga"),
            report.id,
            Moderation(expected_version=current.version, hidden_photo_ids=[public.id]),
        )
    assert api_thumbnails(client, report.public_id) == [None]
    assert api_thumbnails(client, report.public_id, has_photo="true") == []
    report_page = page(client, f"{PREFIX}/reports/{report.public_id}")
    assert not any(key in report_page for photo in (public, private) for key in keys(photo))
    assert all(
        client.get(f"{PREFIX}/photos/{k}").status_code == 404 for p in (public, private) for k in keys(p)
    )


def test_a_photo_sent_by_mail_stays_private(mail_app: Flask, team: Team) -> None:
    client = mail_app.test_client()
    report = filed(mail_app, client, team)
    with mail_app.test_request_context():
        assert ingest_message(fixture_for("iphone_reply.eml", report.id)).status == "posted"
    [_first, by_mail] = photos_of(mail_app, report.id)
    assert by_mail.message_id is not None
    report_page = page(client, f"{PREFIX}/reports/{report.public_id}")
    assert not any(key in report_page for key in keys(by_mail))
    assert all(client.get(f"{PREFIX}/photos/{key}").status_code == 404 for key in keys(by_mail))


def test_a_reply_by_mail_that_reopens_shows_only_reopened(mail_app: Flask, team: Team) -> None:
    client = mail_app.test_client()
    report = filed(mail_app, client, team)
    act(mail_app, team, "olga", report.id, Action.ASSIGN, assignee_id=team.members["tina"].id)
    act(mail_app, team, "tina", report.id, Action.SUSPEND, note="In attesa del gestore del gas.")
    act(mail_app, team, "tina", report.id, Action.RESUME)
    act(mail_app, team, "tina", report.id, Action.RESOLVE, public_reply="Buca chiusa.")
    with mail_app.test_request_context():
        assert ingest_message(fixture_for("gmail_reply.eml", report.id)).status == "reopened"

    public = page(client, f"{PREFIX}/reports/{report.public_id}")
    timeline = public.split('class="cc-timeline"', 1)[1]
    assert "Riaperta" in timeline  # the step is public
    assert MAIL_WORDS not in public and "Buongiorno" not in public  # the citizen's words are not
    # What staff write on a public step stays public (the reason of a suspension, the answer).
    assert "In attesa del gestore del gas." in timeline and "Buca chiusa." in public
    # The reporter reads their own mail in the thread of the tracking page.
    assert MAIL_WORDS in page(client, f"{PREFIX}/track/{report.tracking_token}")


def test_text_the_citizen_adds_never_reaches_the_public_timeline(
    app: Flask, client: FlaskClient, team: Team
) -> None:
    """Also an event note a citizen wrote that is already stored (from before the rule)."""
    report = filed(app, client, team)
    add_information(client, report.tracking_token, PRIVATE_TEXT)
    with app.app_context():
        stored = host_db.session.get(Report, report.id)
        assert stored is not None
        stored.events[0].note = PRIVATE_TEXT  # the citizen's "submit" step, with their words on it
        host_db.session.commit()
    for url in (f"{PREFIX}/reports/{report.public_id}", f"{PREFIX}/map", f"{PREFIX}/opendata/reports.csv"):
        assert PRIVATE_TEXT not in page(client, url), url


# -- caches -------------------------------------------------------------------------------


def directives(response: Any) -> dict[str, str | None]:
    header = response.headers.get("Cache-Control", "")
    found: dict[str, str | None] = {}
    for part in header.split(","):
        name, _eq, value = part.strip().partition("=")
        if name:
            found[name.lower()] = value or None
    return found


def shared_caches_must_ask_again(response: Any) -> bool:
    """No shared cache (proxy, CDN) may answer with this copy without asking us first (RFC 9111)."""
    d = directives(response)
    if "no-store" in d or "private" in d or "no-cache" in d:
        return True
    fresh = d.get("s-maxage", d.get("max-age"))
    return fresh == "0" and ("must-revalidate" in d or "proxy-revalidate" in d)


def hide(app: Flask, team: Team, report_id: int, **changes: Any) -> None:
    with app.test_request_context():
        current = host_db.session.get(Report, report_id)
        assert current is not None
        moderate(actor_for(team, "olga"), report_id, Moderation(expected_version=current.version, **changes))


@pytest.mark.parametrize("change", [{"is_public": False}, {"public_title": "Buca (testo moderato)"}])
def test_moderation_reaches_the_caches_of_the_api(
    app: Flask, client: FlaskClient, team: Team, change: dict[str, Any]
) -> None:
    report = filed(app, client, team, title="Buca con la targa AB123CD")
    query = {"bbox": CITY, "cluster": "never"}
    headers = {"Accept-Encoding": "identity"}
    first = client.get(f"{PREFIX}/api/reports.geojson", query_string=query, headers=headers)
    assert first.status_code == 200 and "AB123CD" in first.get_data(as_text=True)
    assert shared_caches_must_ask_again(first), first.headers["Cache-Control"]

    hide(app, team, report.id, **change)
    again = client.get(
        f"{PREFIX}/api/reports.geojson",
        query_string=query,
        headers={**headers, "If-None-Match": first.headers["ETag"]},
    )
    assert again.status_code == 200 and again.headers["ETag"] != first.headers["ETag"]
    assert "AB123CD" not in again.get_data(as_text=True)


def test_moderation_reaches_the_caches_of_photos_list_and_open_data(
    app: Flask, client: FlaskClient, team: Team
) -> None:
    report = filed(app, client, team)
    [photo] = photos_of(app, report.id)
    photo_url = f"{PREFIX}/photos/{photo.storage_key}"
    urls = {
        "photo": photo_url,
        "thumbnail": f"{PREFIX}/photos/{photo.thumbnail_key}",
        "map list": f"{PREFIX}/map",
        "report page": f"{PREFIX}/reports/{report.public_id}",
        "open data csv": f"{PREFIX}/opendata/reports.csv",
        "open data geojson": f"{PREFIX}/opendata/reports.geojson",
    }
    before = {}
    for what, url in urls.items():
        with client.get(url) as response:
            assert response.status_code == 200, what
            assert shared_caches_must_ask_again(response), (what, response.headers.get("Cache-Control"))
            before[what] = response.headers.get("ETag")
    assert before["photo"] is not None

    hide(app, team, report.id, is_public=False)
    # A cache asking again with what it holds gets no copy of the hidden report.
    with client.get(photo_url, headers={"If-None-Match": before["photo"]}) as revalidated:
        assert revalidated.status_code == 404
    assert client.get(urls["report page"]).status_code == 404
    for what in ("map list", "open data csv", "open data geojson"):
        etag = before[what]
        response = client.get(urls[what], headers={"If-None-Match": etag} if etag else {})
        assert response.status_code == 200 and report.public_id not in response.get_data(as_text=True), what


def test_the_reporters_own_photo_stays_private_to_caches(app: Flask, client: FlaskClient, team: Team) -> None:
    report = filed(app, client, team)
    [photo] = photos_of(app, report.id)
    with client.get(f"{PREFIX}/track/{report.tracking_token}/photos/{photo.storage_key}") as own:
        assert own.status_code == 200 and "private" in directives(own)
