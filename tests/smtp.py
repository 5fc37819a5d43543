"""A real SMTP server for tests: aiosmtpd on 127.0.0.1, collecting what it receives.

Fixtures (``tests.smtp`` is in the suite's ``pytest_plugins``): ``smtp`` points the
``app`` fixture's outbox at a fresh server; ``mail_app`` is that app with reply
addresses and a From set (the values the .eml fixtures under ``tests/mail`` are
addressed with). Or use the :func:`running_smtp_server` context manager.
"""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask

#: Reply-address settings of ``mail_app``: the .eml fixtures are addressed with them.
REPLY_SECRET = b"test-secret"
REPLY_DOMAIN = "segnalazioni.comune.example"
REPLY_LOCAL = "risposte"
MAIL_FROM = "Comune di Prova <segnalazioni@example.org>"

#: Recipients whose local part starts with this are refused for good (550).
REFUSED_PREFIX = "nobody"


def text_of(message: EmailMessage) -> str:
    """The plain-text part of a received mail."""
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


def html_of(message: EmailMessage) -> str:
    """The HTML part of a received mail."""
    body = message.get_body(("html",))
    assert body is not None
    return str(body.get_content())


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (right now)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class SmtpSink:
    host: str
    port: int
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def messages(self) -> list[EmailMessage]:
        with self.lock:
            return [item.message for item in self.received]

    # aiosmtpd handler hooks ------------------------------------------------

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if address.lower().startswith(REFUSED_PREFIX):
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


@contextmanager
def running_smtp_server(sink_class: type[SmtpSink] = SmtpSink) -> Iterator[SmtpSink]:
    """An aiosmtpd server on a free loopback port, handled by ``sink_class``, for the ``with`` block."""
    sink = sink_class("127.0.0.1", free_port())
    controller = Controller(sink, hostname=sink.host, port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


@pytest.fixture
def smtp(app: Flask) -> Iterator[SmtpSink]:
    """A fresh SMTP server that the ``app`` fixture's outbox delivers to."""
    with running_smtp_server() as sink:
        app.config.update(CITIZENCARE_SMTP_HOST=sink.host, CITIZENCARE_SMTP_PORT=sink.port)
        yield sink


@pytest.fixture
def mail_app(app: Flask) -> Flask:
    """The ``app`` fixture with reply addresses routed back into threads and a From address."""
    app.config.update(
        CITIZENCARE_REPLY_SECRET=REPLY_SECRET,
        CITIZENCARE_REPLY_DOMAIN=REPLY_DOMAIN,
        CITIZENCARE_REPLY_LOCAL=REPLY_LOCAL,
        CITIZENCARE_MAIL_FROM=MAIL_FROM,
    )
    return app
