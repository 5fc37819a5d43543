"""Open311 POST requests and tokens/{token}: filing over the API, in both formats."""

from __future__ import annotations

import io
import random
import threading
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from PIL import Image
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from flask_citizencare.models import ApiSubmission, Message, Photo, Report, ReporterContact
from flask_citizencare.models.outbox import OutboxMail
from flask_citizencare.services.api_keys import revoke_key
from tests import images
from tests.factories import create_category
from tests.host import host_db
from tests.open311 import API, assert_in_order, child_names, new_key, xml_root

QUESTIONS = [
    {
        "key": "depth",
        "type": "singlevaluelist",
        "required": True,
        "labels": {"it": "Profondità", "en": "Depth"},
        "choices": [
            {"value": "shallow", "labels": {"it": "Poco", "en": "Shallow"}},
            {"value": "deep", "labels": {"it": "Molto", "en": "Deep"}},
        ],
    },
    {"key": "note", "type": "string", "labels": {"it": "Nota", "en": "Note"}},
]
HERE = {"lat": "44.4949", "long": "11.3426"}
EN = {"Accept-Language": "en"}


@pytest.fixture
def service(app: Flask) -> str:
    with app.app_context():
        category = create_category(
            host_db.session,
            code="potholes",
            name="Buche",
            questions=QUESTIONS,
            urgent_notice="Pericolo? Chiama il 112.",
            urgent_notices={"en": "Danger? Call 112."},
        )
        host_db.session.commit()
        return category.code


def _form(key: str, **fields: Any) -> dict[str, Any]:
    return {
        "api_key": key,
        "service_code": "potholes",
        **HERE,
        "attribute[depth]": "deep",
        "description": "Buca profonda\nDavanti al civico 3, pericolosa.",
        "first_name": "Maria",
        "last_name": "Rossi",
        "email": "maria@example.org",
        "phone": "+39 051 123456",
        "device_id": "device-42",
        "account_id": "account-7",
        **fields,
    }


def _post(client: Any, fmt: str, data: Any, **kwargs: Any) -> Any:
    return client.post(
        f"{API}/requests.{fmt}", data=data, headers={**EN, **kwargs.pop("headers", {})}, **kwargs
    )


def _counts(app: Flask) -> tuple[int, int, int, int]:
    with app.app_context():
        session = host_db.session
        return tuple(  # type: ignore[return-value]
            session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in (Report, ApiSubmission, Photo, ReporterContact)
        )


def test_json_filing_makes_an_api_report_with_its_submission(app: Flask, client: Any, service: str) -> None:
    key = new_key(app)
    response = _post(client, "json", _form(key))
    assert response.status_code == 200, response.data
    body = response.get_json()
    assert isinstance(body, list) and len(body) == 1
    assert list(body[0]) == ["service_request_id", "token", "service_notice", "account_id"]
    assert body[0]["service_notice"] == "Danger? Call 112."
    assert body[0]["account_id"] == "account-7"
    with app.app_context():
        report = host_db.session.scalar(sa.select(Report))
        assert report is not None
        assert report.public_id == body[0]["service_request_id"]
        assert report.channel == "api"
        assert report.title == "Buca profonda"
        assert report.ack_due_at is not None
        assert report.answers == {"depth": "deep"}
        assert report.contact is not None
        assert (report.contact.name, report.contact.email, report.contact.phone) == (
            "Maria Rossi",
            "maria@example.org",
            "+39 051 123456",
        )
        assert report.contact.locale == "en"
        record = host_db.session.scalar(sa.select(ApiSubmission))
        assert record is not None
        assert (record.report_id, record.token, record.device_id, record.account_id) == (
            report.id,
            body[0]["token"],
            "device-42",
            "account-7",
        )
    token = client.get(f"{API}/tokens/{body[0]['token']}.json").get_json()
    assert token == [{"service_request_id": body[0]["service_request_id"], "token": body[0]["token"]}]
    answer = client.get(f"{API}/tokens/{body[0]['token']}.xml")
    root = xml_root(answer.data, "service_requests")
    assert child_names(root) == ["request"]
    assert child_names(root[0]) == ["service_request_id", "token"]


def test_xml_filing_answers_service_requests(app: Flask, client: Any, service: str) -> None:
    key = new_key(app)
    response = _post(client, "xml", _form(key, media_url="https://example.org/p.jpg", account_id=""))
    assert response.status_code == 200, response.data
    root = xml_root(response.data, "service_requests")
    assert child_names(root) == ["request"]
    assert_in_order(root[0], ["service_request_id", "token", "service_notice", "account_id"])
    assert root[0].findtext("account_id") == ""
    with app.app_context():
        record = host_db.session.scalar(sa.select(ApiSubmission))
        assert record is not None and record.media_url == "https://example.org/p.jpg"


def test_the_contact_is_not_on_any_answer(app: Flask, client: Any, service: str) -> None:
    key = new_key(app)
    body = _post(client, "json", _form(key)).get_json()
    for path in (f"/tokens/{body[0]['token']}.json", f"/tokens/{body[0]['token']}.xml"):
        text = client.get(API + path).data.decode()
        for private in ("Maria", "Rossi", "maria@example.org", "123456", "device-42", "account-7"):
            assert private not in text


def test_a_photo_goes_through_the_pipeline(app: Flask, client: Any, service: str) -> None:
    key = new_key(app)
    data = _form(key)
    data["media"] = (io.BytesIO(images.jpeg_with_metadata()), "p.jpg", "image/jpeg")
    response = _post(client, "json", data, content_type="multipart/form-data")
    assert response.status_code == 200, response.data
    with app.app_context():
        photo = host_db.session.scalar(sa.select(Photo))
        assert photo is not None
        with app.extensions["citizencare"].photo_store.open(photo.storage_key) as handle:
            stored = handle.read()
    assert images.SERIAL.encode() not in stored
    assert not Image.open(io.BytesIO(stored)).getexif()


def test_a_photo_larger_than_a_form_is_taken(app: Flask, client: Any, service: str) -> None:
    """The view has the upload body limit (accepts_photos), not the 1 MB of a plain form."""
    key = new_key(app)
    noise = Image.frombytes("RGB", (1600, 1200), random.Random(7).randbytes(1600 * 1200 * 3))
    data = _form(key)
    photo = images.save(noise, "JPEG", quality=95)
    assert len(photo) > 1024 * 1024
    data["media"] = FileStorage(io.BytesIO(photo), "big.jpg", content_type="image/jpeg")
    # Encoded in memory: the test client would spool a large body to a file it never closes.
    boundary, body = encode_multipart(MultiDict(data))
    response = _post(client, "json", body, content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 200, response.data
    assert _counts(app)[2] == 1


def test_no_location_is_fine_for_a_service_that_needs_none(app: Flask, client: Any) -> None:
    with app.app_context():
        create_category(host_db.session, code="noise", name="Rumore", needs_location=False)
        host_db.session.commit()
    key = new_key(app)
    response = _post(client, "json", {"api_key": key, "service_code": "noise"})
    assert response.status_code == 200, response.data
    with app.app_context():
        report = host_db.session.scalar(sa.select(Report))
        assert report is not None and report.title == "Rumore" and report.point is None


BAD = [
    ({"service_code": "nothing"}, 404, "service_code"),
    ({"lat": "", "long": ""}, 400, "missing location"),
    ({"lat": "91"}, 400, "lat"),
    ({"long": "NaN"}, 400, "long"),
    ({"lat": "45.4642", "long": "9.19"}, 400, "outside"),
    ({"address_id": "123"}, 400, "address_id"),
    ({"attribute[depth]": ""}, 400, "attribute[depth]"),
    ({"attribute[depth]": "bottomless"}, 400, "attribute[depth]"),
    ({"attribute[colour]": "red"}, 400, "attribute[colour]"),
    ({"description": "x" * 5000}, 400, "description"),
    ({"email": "not an address"}, 400, "email"),
    ({"media_url": "javascript:alert(1)"}, 400, "media_url"),
    ({"long": "12.0"}, 400, "lat"),  # the place is inside the world, outside Bologna
]


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(("change", "status", "named"), BAD)
def test_bad_input_is_refused_and_writes_nothing(
    app: Flask, client: Any, service: str, fmt: str, change: dict[str, str], status: int, named: str
) -> None:
    key = new_key(app)
    before = _counts(app)
    response = _post(client, fmt, _form(key, **change))
    assert response.status_code == status, response.data
    if fmt == "json":
        errors = response.get_json()
        assert errors[0]["code"] == status
        assert named in errors[0]["description"]
    else:
        root = xml_root(response.data, "errors")
        assert child_names(root[0]) == ["code", "description"]
        assert named in (root[0].findtext("description") or "")
    assert _counts(app) == before


def test_a_bad_image_is_refused(app: Flask, client: Any, service: str) -> None:
    key = new_key(app)
    data = _form(key)
    data["media"] = (io.BytesIO(b"GIF89a not really an image"), "p.jpg", "image/jpeg")
    before = _counts(app)
    response = _post(client, "json", data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert response.get_json()[0]["description"].startswith("media:")
    assert _counts(app) == before


def test_keys_are_checked(app: Flask, client: Any, service: str) -> None:
    read_only = new_key(app, "reader", can_post=False)
    revoked = new_key(app, "gone")
    with app.app_context():
        revoke_key(host_db.session, "gone")
    before = _counts(app)
    for key in ("", "cc311_wrong", revoked, read_only):
        response = _post(client, "json", _form(key))
        assert response.status_code == 403, (key, response.data)
        assert response.get_json()[0]["code"] == 403
    assert _counts(app) == before


def test_idempotency_key_gets_the_first_answer(app: Flask, client: Any, service: str) -> None:
    key = new_key(app)
    first = _post(client, "json", _form(key), headers={"Idempotency-Key": "abc-1"})
    second = _post(client, "json", _form(key), headers={"Idempotency-Key": "abc-1"})
    assert first.status_code == second.status_code == 200
    assert first.get_json() == second.get_json()
    assert _counts(app)[:2] == (1, 1)
    other = _post(client, "json", _form(key), headers={"Idempotency-Key": "abc-2"})
    assert other.get_json()[0]["service_request_id"] != first.get_json()[0]["service_request_id"]
    # Another client's same key is its own.
    theirs = _post(client, "json", _form(new_key(app, "other")), headers={"Idempotency-Key": "abc-1"})
    assert theirs.get_json()[0]["service_request_id"] != first.get_json()[0]["service_request_id"]
    assert _counts(app)[:2] == (3, 3)
    too_long = _post(client, "json", _form(key), headers={"Idempotency-Key": "k" * 201})
    assert too_long.status_code == 400
    assert _counts(app)[:2] == (3, 3)


def test_two_identical_requests_at_once_file_one_report(app: Flask, service: str, backend: str) -> None:
    key = new_key(app)
    answers: list[Any] = []
    start = threading.Barrier(2)

    def post() -> None:
        with app.test_client() as client:
            start.wait()
            response = _post(client, "json", _form(key), headers={"Idempotency-Key": "same"})
            answers.append((response.status_code, response.get_json()))

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert [status for status, _ in answers] == [200, 200], answers
    assert answers[0][1] == answers[1][1]
    assert _counts(app)[:2] == (1, 1)


def test_the_received_mail_is_queued(app: Flask, client: Any, service: str) -> None:
    key = new_key(app)
    assert _post(client, "json", _form(key)).status_code == 200
    with app.app_context():
        recipients = host_db.session.scalars(sa.select(OutboxMail.recipient)).all()
    assert "maria@example.org" in recipients


def test_unknown_tokens(app: Flask, client: Any) -> None:
    for token in ("nope", "x" * 65):
        for fmt in ("json", "xml"):
            response = client.get(f"{API}/tokens/{token}.{fmt}")
            assert response.status_code == 404


def test_messages_are_not_touched(app: Flask, client: Any, service: str) -> None:
    key = new_key(app)
    _post(client, "json", _form(key))
    with app.app_context():
        assert host_db.session.scalar(sa.select(sa.func.count()).select_from(Message)) == 0
