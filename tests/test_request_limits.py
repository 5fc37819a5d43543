"""Request bodies are bounded before anything reads them, CSRFProtect or not, whatever the transport.

The bodies are real and large (400 MB) but never held in memory: a stream
makes them on the fly, with a ``Content-Length`` or chunked without one. They
go through the test client and through a real server on loopback, to the
example site (which sets up Flask-WTF's ``CSRFProtect`` before the extension:
its ``before_request`` parses the form).
"""

from __future__ import annotations

import secrets
import select
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_citizencare.models import Follower, Message, OutboxMail, Photo, Report

from .browser import LiveServer, migrated_example_app
from .factories import create_category, create_report
from .reporting import page_tokens, report_fields

MB = 1024 * 1024
HUGE = 400 * MB
PREFIX = "/segnalazioni"


class GeneratedBody:
    """A multipart body made while it is read: the fields, then a file part of ``size`` bytes."""

    def __init__(self, fields: dict[str, str], size: int, part: str = "junk") -> None:
        self.boundary = "cc" + secrets.token_hex(8)
        head = "".join(
            f'--{self.boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
            for k, v in fields.items()
        )
        head += (
            f'--{self.boundary}\r\nContent-Disposition: form-data; name="{part}"; filename="x.bin"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        )
        self.head, self.tail = head.encode(), f"\r\n--{self.boundary}--\r\n".encode()
        self.size = size
        self.length = len(self.head) + size + len(self.tail)
        self.sent = 0
        self._chunks = self._generate()
        self._buffer = b""

    @property
    def content_type(self) -> str:
        return f"multipart/form-data; boundary={self.boundary}"

    def _generate(self) -> Iterator[bytes]:
        yield self.head
        left = self.size
        block = b"x" * MB
        while left > 0:
            yield block[: min(left, MB)]
            left -= MB
        yield self.tail

    def read(self, n: int = -1) -> bytes:
        while n < 0 or len(self._buffer) < n:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._buffer += chunk
        if n < 0:
            n = len(self._buffer)
        out, self._buffer = self._buffer[:n], self._buffer[n:]
        self.sent += len(out)
        return out

    # The test client measures the stream with seek/tell before it is read.
    _at_end = False

    def tell(self) -> int:
        return self.length if self._at_end else self.sent

    def seek(self, offset: int, whence: int = 0) -> int:
        self._at_end = whence == 2
        assert self._at_end or offset == self.sent, "the body can only be measured, not rewound"
        return self.tell()

    def chunks(self) -> Iterator[bytes]:
        while chunk := self.read(MB):
            yield chunk


def csrf_and_token(client: Any, url: str) -> dict[str, str]:
    return page_tokens(client.get(url).get_data(as_text=True))


def rows(app: Flask) -> dict[str, int]:
    db = app.extensions["citizencare"].db
    with app.app_context():
        return {
            model.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in (Report, Photo, Message, OutboxMail, Follower)
        }


@pytest.fixture
def site(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    with migrated_example_app(database_url, tmp_path) as app:
        db = app.extensions["citizencare"].db
        with app.app_context():
            category = create_category(db.session, code="buche", name="Buche")
            report = create_report(db.session, category=category, is_public=True)
            db.session.commit()
            app.config["TEST_CATEGORY_ID"] = category.id
            app.config["TEST_TRACKING"] = report.tracking_token
            app.config["TEST_PUBLIC_ID"] = report.public_id
        app.config["CITIZENCARE_REPORT_FLOW"] = "single"  # posts the one-page form's fields
        yield app


def _fields(app: Flask, client: Any, form: str) -> tuple[str, dict[str, str]]:
    if form == "new":
        url = f"{PREFIX}/new"
        fields = {**csrf_and_token(client, url), **report_fields(app.config["TEST_CATEGORY_ID"])}
        return url, fields
    if form == "track":
        url = f"{PREFIX}/track/{app.config['TEST_TRACKING']}"
        return url, {**csrf_and_token(client, url), "text": "Ancora lì."}
    page = f"{PREFIX}/reports/{app.config['TEST_PUBLIC_ID']}"
    return page + "/follow", {**csrf_and_token(client, page), "email": "anna@example.org"}


FORMS = {"new": "What you sent is too large", "track": "photos", "follow": "cannot take that much"}


@pytest.mark.parametrize("form", list(FORMS))
def test_a_small_extra_part_goes_through(site: Flask, form: str) -> None:
    """The bodies below are valid but for their size: the same with 1 KB of junk is accepted."""
    client = site.test_client()
    url, fields = _fields(site, client, form)
    before = rows(site)
    body = GeneratedBody(fields, 1024)
    response = client.post(url, input_stream=body, content_type=body.content_type)
    assert response.status_code == 303, response.get_data(as_text=True)[:800]
    assert rows(site) != before


#: Werkzeug leaves the spool file of a part it was parsing when the limit stopped it to the garbage
#: collector (it closes it); only a chunked body, without a Content-Length to refuse up front, gets that far.
SPOOL_LEFT_TO_GC = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


@SPOOL_LEFT_TO_GC
@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
@pytest.mark.parametrize("form", list(FORMS))
def test_a_huge_body_is_413_through_the_test_client(site: Flask, form: str, chunked: bool) -> None:
    client = site.test_client()
    url, fields = _fields(site, client, form)
    before = rows(site)
    body = GeneratedBody(fields, HUGE)
    extra: dict[str, Any] = (
        {"environ_overrides": {"wsgi.input_terminated": True}, "headers": {"Transfer-Encoding": "chunked"}}
        if chunked
        else {"headers": {}}
    )
    extra["headers"]["Accept-Language"] = "en"
    response = client.post(url, input_stream=body, content_type=body.content_type, **extra)
    html = response.get_data(as_text=True)
    assert response.status_code == 413, html[:800]
    assert "What you sent is too large" in html and FORMS[form] in html
    assert rows(site) == before
    # Never more than the limit (plus one read) came off the stream.
    assert body.sent <= 52 * MB


def _raw_post(url: str, path: str, body: GeneratedBody, cookie: str, *, chunked: bool) -> tuple[int, str]:
    """POST over a socket, sending until the server answers; the status line and the answer."""
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)))
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {body.length}"
    sock.sendall(
        (
            f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: {body.content_type}\r\n{framing}\r\n"
            f"Cookie: {cookie}\r\nAccept-Language: it\r\n\r\n"
        ).encode()
    )
    answer = b""
    try:
        for chunk in body.chunks():
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                break
            data = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n" if chunked else chunk
            sock.sendall(data)
        else:
            if chunked:
                sock.sendall(b"0\r\n\r\n")
        # The server answered before the end: say we are done, so its drain of the rest ends.
        sock.shutdown(socket.SHUT_WR)
    except (BrokenPipeError, ConnectionResetError):
        pass
    sock.settimeout(30)
    try:
        while chunk := sock.recv(65536):
            answer += chunk
    except (ConnectionResetError, TimeoutError):
        pass
    sock.close()
    status = int(answer.split(b" ", 2)[1])
    return status, answer.decode("utf-8", "replace")


@SPOOL_LEFT_TO_GC
@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
@pytest.mark.parametrize("form", ["new", "follow"])
def test_a_huge_body_is_413_through_a_real_server(site: Flask, form: str, chunked: bool) -> None:
    site.config["TESTING"] = False
    with LiveServer(site) as server:
        client = site.test_client()
        url, fields = _fields(site, client, form)
        cookie = "; ".join(f"{c.key}={c.value}" for c in client._cookies.values())
        before = rows(site)
        body = GeneratedBody(fields, HUGE)
        status, answer = _raw_post(server.url, url, body, cookie, chunked=chunked)
    assert status == 413, answer[:800]
    assert "Quello che hai inviato è troppo grande" in answer  # the error page, in Italian
    assert rows(site) == before
    assert body.sent < HUGE


def test_the_example_site_bounds_its_own_pages(site: Flask) -> None:
    assert site.config["MAX_CONTENT_LENGTH"] is not None
    client = site.test_client()
    body = GeneratedBody({}, 40 * MB)
    response = client.post("/accedi", input_stream=body, content_type=body.content_type)
    assert response.status_code == 413
