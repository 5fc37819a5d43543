"""``mail ingest`` refuses a message over CITIZENCARE_MAIL_MAX_BYTES without reading it whole.

The large message is left where it is, unread; from stdin the command exits 65
(the MTA returns it to its sender). The next message of the same run is handled.
"""

from __future__ import annotations

import io
import mailbox
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from .imap import ImapServer
from .staff import Team
from .test_imap_ingest import INGEST, imap_settings
from .test_imap_ingest import counts as imap_counts
from .test_imap_ingest import new_report as imap_report
from .test_ingest import fixture_for, load, new_report, rows

LIMIT = 64 * 1024
MB = 1024 * 1024


def padded(raw: bytes, size: int) -> bytes:
    """``raw`` with a text part padded past ``size`` bytes (still a well-formed reply)."""
    head, sep, body = raw.partition(b"\r\n\r\n") if b"\r\n\r\n" in raw else raw.partition(b"\n\n")
    return head + sep + body + b"\n" + (b"x" * 76 + b"\n") * (size // 77 + 1)


class CountingStream(io.RawIOBase):
    """A stdin of ``size`` bytes made on the fly, counting what was read of it."""

    def __init__(self, start: bytes, size: int) -> None:
        super().__init__()
        self.start, self.size, self.read_bytes = start, size, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = min(len(buffer), self.size - self.read_bytes)
        out = self.start[self.read_bytes : self.read_bytes + n]
        out += b"x" * (n - len(out))
        buffer[:n] = out
        self.read_bytes += n
        return n


def test_stdin_over_the_limit_is_refused_after_reading_the_limit(mail_app: Flask, team: Team) -> None:
    mail_app.config["CITIZENCARE_MAIL_MAX_BYTES"] = LIMIT
    with mail_app.app_context():
        report_id = new_report(team)
        before = rows()
    stream = CountingStream(fixture_for("gmail_reply.eml", report_id), 200 * MB)
    result = mail_app.test_cli_runner().invoke(args=["citizencare", "mail", "ingest"], input=stream)
    assert result.exit_code == 65, result.output
    assert f"stdin: refused: more than {LIMIT} bytes, over CITIZENCARE_MAIL_MAX_BYTES" in result.output
    assert stream.read_bytes <= LIMIT + 1
    with mail_app.app_context():
        assert rows() == before


def test_stdin_under_the_limit_still_goes_in(mail_app: Flask, team: Team) -> None:
    mail_app.config["CITIZENCARE_MAIL_MAX_BYTES"] = LIMIT
    with mail_app.app_context():
        report_id = new_report(team)
    raw = padded(fixture_for("gmail_reply.eml", report_id), LIMIT // 2)
    result = mail_app.test_cli_runner().invoke(args=["citizencare", "mail", "ingest"], input=raw)
    assert result.exit_code == 0 and result.output == f"stdin: posted report {report_id}\n"


def test_maildir_leaves_a_large_message_unread_and_handles_the_others(
    mail_app: Flask, team: Team, tmp_path: Path
) -> None:
    mail_app.config["CITIZENCARE_MAIL_MAX_BYTES"] = LIMIT
    with mail_app.app_context():
        report_id = new_report(team)
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    large = box.add(padded(fixture_for("gmail_reply.eml", report_id, "<large@example.org>"), 2 * LIMIT))
    small = box.add(fixture_for("iphone_reply.eml", report_id))
    runner = mail_app.test_cli_runner()
    result = runner.invoke(args=["citizencare", "mail", "ingest", "--maildir", str(tmp_path / "Maildir")])
    assert result.exit_code == 65, result.output
    assert f"{large}: refused: " in result.output and "left unread where it is" in result.output
    assert f"{small}: posted report {report_id}" in result.output
    box = mailbox.Maildir(tmp_path / "Maildir", create=False)
    assert box.get_message(large).get_subdir() == "new" and not box.get_message(large).get_flags()
    assert "S" in box.get_message(small).get_flags()
    with mail_app.app_context():
        assert len(load(report_id).messages) == 1


def test_mbox_reads_at_most_the_limit_of_a_message(mail_app: Flask, team: Team, tmp_path: Path) -> None:
    mail_app.config["CITIZENCARE_MAIL_MAX_BYTES"] = LIMIT
    with mail_app.app_context():
        report_id = new_report(team)
    box = mailbox.mbox(tmp_path / "replies.mbox", create=True)
    box.add(padded(fixture_for("gmail_reply.eml", report_id), 3 * LIMIT))
    box.add(fixture_for("iphone_reply.eml", report_id))
    box.flush()
    box.close()
    size = (tmp_path / "replies.mbox").stat().st_size
    result = mail_app.test_cli_runner().invoke(
        args=["citizencare", "mail", "ingest", "--mbox", str(tmp_path / "replies.mbox")]
    )
    assert result.exit_code == 65, result.output
    assert "0: refused: " in result.output and f"1: posted report {report_id}" in result.output
    assert (tmp_path / "replies.mbox").stat().st_size == size


@pytest.mark.slow
def test_imap_checks_the_size_before_fetching_and_leaves_the_message(
    app: Flask, imap_server: ImapServer
) -> None:
    app.config.update(imap_settings(imap_server, CITIZENCARE_MAIL_MAX_BYTES=LIMIT))
    first = imap_report(app)
    large = padded(fixture_for("gmail_reply.eml", first, "<large@example.org>"), 4 * LIMIT)
    imap_server.append(large)
    imap_server.append(fixture_for("iphone_reply.eml", first))
    messages, events = imap_counts(app)
    result = app.test_cli_runner().invoke(args=INGEST)
    assert result.exit_code == 65, result.output
    assert "refused: " in result.output and "bytes, over CITIZENCARE_MAIL_MAX_BYTES" in result.output
    assert f"posted report {first}" in result.output
    assert imap_counts(app) == (messages + 1, events)
    # The large one is still there, unread (no \\Seen: nobody fetched its body).
    assert imap_server.count() == 1
    imap = imap_server.connect()
    imap.select("INBOX")
    typ, data = imap.fetch("1", "(FLAGS)")
    imap.logout()
    assert typ == "OK" and b"\\Seen" not in data[0]
