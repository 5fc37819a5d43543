"""CITIZENCARE_PHOTO_SENDFILE: the app checks access, then nginx or Apache sends the file."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from flask_citizencare.models import Category, Report

from .host import host_db
from .reporting import jpeg, post_report, submitted


def test_sendfile_headers_name_the_file_and_private_photos_stay_private(
    app: Flask, client: FlaskClient, category: Category
) -> None:
    post_report(client, category.id, photos=[(jpeg(), "a.jpg")])
    report = submitted(app)
    key = report.photos[0].storage_key
    url = f"/citizencare/photos/{key}"

    with client.get(url) as streamed:  # default: the app streams, no header
        assert streamed.status_code == 200 and streamed.get_data()
        assert "X-Accel-Redirect" not in streamed.headers and "X-Sendfile" not in streamed.headers

    app.config["CITIZENCARE_PHOTO_SENDFILE"] = "x-accel-redirect"
    with client.get(url) as accel:
        assert accel.status_code == 200
        assert accel.get_data() == b""
        assert accel.headers["X-Accel-Redirect"] == f"/_citizencare_photos/{key[:2]}/{key}"
        assert accel.mimetype == report.photos[0].content_type
        assert "max-age" in accel.headers["Cache-Control"]
        assert accel.headers["X-Content-Type-Options"] == "nosniff"
    with client.get(url, headers={"If-None-Match": f'"{key}"'}) as cached:
        assert cached.status_code == 304 and "X-Accel-Redirect" not in cached.headers

    app.config["CITIZENCARE_PHOTO_SENDFILE"] = "x-sendfile"
    with client.get(url) as sendfile:
        path = Path(sendfile.headers["X-Sendfile"])
        assert sendfile.get_data() == b""
        assert path.is_absolute() and path.is_file()
        assert path.parent.parent == Path(app.config["CITIZENCARE_PHOTO_DIR"]).resolve()

    # Path tricks never reach a header.
    for bad in ("..%2F..%2Fetc%2Fpasswd", "not-a-real-key-at-all", f"{key}%0A"):
        with client.get(f"/citizencare/photos/{bad}") as refused:
            assert refused.status_code == 404
            assert "X-Sendfile" not in refused.headers

    with app.app_context():
        host_db.session.get(Report, report.id).is_public = False  # type: ignore[union-attr]
        host_db.session.commit()
    with client.get(url) as private:
        assert private.status_code == 404
        assert "X-Sendfile" not in private.headers
