"""The fuzzing harnesses of ``fuzz/`` kept working, and the defects they found kept fixed.

The harnesses' ``check`` runs here over the seed corpora and over every input
a fuzzer ever crashed on (``tests/fuzz_crashes``), without atheris. The
regression tests below name what each crash meant and fail on the code
before its fix.
"""

from __future__ import annotations

import email
import logging
import struct
import sys
import warnings
from dataclasses import replace
from pathlib import Path

import pytest
from flask import Flask
from PIL import Image

from flask_citizencare.domain import mail
from flask_citizencare.services.replies import ingest_message
from flask_citizencare.storage import images as photo_images
from flask_citizencare.storage.photos import PhotoRejected, ProcessedPhoto, process_photo
from fuzz import mail_parser, photo_pipeline

from . import images
from .staff import Team
from .test_ingest import fixture_for, load, new_report
from .test_mail_parsing import ADDRESS, parse

ROOT = Path(__file__).resolve().parent.parent
CRASHES = Path(__file__).parent / "fuzz_crashes"
PHOTO_INPUTS = sorted([*(ROOT / "fuzz" / "seeds" / "photos").iterdir(), *(CRASHES / "photos").iterdir()])
MAIL_INPUTS = sorted([*(ROOT / "tests" / "mail").glob("*.eml"), *(CRASHES / "mail").iterdir()])


# --------------------------------------------------------------------------- the harnesses


def test_the_harnesses_do_not_need_atheris() -> None:
    assert "atheris" not in sys.modules


@pytest.mark.parametrize("path", PHOTO_INPUTS, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_photo_harness_holds_on_its_corpus(path: Path) -> None:
    photo_pipeline.check(path.read_bytes())


@pytest.mark.parametrize("path", MAIL_INPUTS, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_mail_harness_holds_on_its_corpus(path: Path) -> None:
    mail_parser.check(path.read_bytes())


def test_photo_harness_sees_metadata_left_in_the_output(monkeypatch: pytest.MonkeyPatch) -> None:
    """A pipeline that passed the citizen's file through would be caught (GPS, ICC, XMP, comment)."""
    original = images.jpeg_with_metadata(orientation=1)

    def leaky(data: bytes, **limits: object) -> ProcessedPhoto:
        return ProcessedPhoto(
            display=original, thumbnail=original, width=400, height=200, thumb_width=400, thumb_height=200
        )

    monkeypatch.setattr(photo_pipeline, "process_photo", leaky)
    with pytest.raises(AssertionError, match="metadata left in the output"):
        photo_pipeline.check(b"anything")


def test_photo_harness_sees_the_last_resort_branch(monkeypatch: pytest.MonkeyPatch) -> None:
    """An exception the pipeline did not expect is refused quietly for the citizen, loudly here."""

    def broken(image: Image.Image) -> Image.Image:
        raise AttributeError("a bug of ours")

    monkeypatch.setattr(photo_images, "to_output_mode", broken)
    with pytest.raises(AssertionError, match="last-resort"):
        photo_pipeline.check(images.png_rgba())


def test_mail_harness_sees_text_the_database_refuses(monkeypatch: pytest.MonkeyPatch) -> None:
    real = mail.parse_incoming
    monkeypatch.setattr(mail, "parse_incoming", lambda raw, **kw: replace(real(raw, **kw), text="a\x00b"))
    with pytest.raises(AssertionError, match="text contains NUL"):
        mail_parser.check((ROOT / "tests" / "mail" / "gmail_reply.eml").read_bytes())


def test_mail_harness_sees_the_last_resort_branch(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(message: object) -> str:
        raise AttributeError("a bug of ours")

    monkeypatch.setattr("flask_citizencare.domain.mail.incoming.reply_text", broken)
    with pytest.raises(AssertionError, match="last-resort"):
        mail_parser.check((ROOT / "tests" / "mail" / "gmail_reply.eml").read_bytes())


# --------------------------------------------------------------------------- photo pipeline findings


def exif_with_gps_pointer_past_the_end(orientation: int) -> bytes:
    """Camera EXIF whose GPSInfo entry claims 129 values: more data than the block holds.

    The fuzzer found it by flipping one bit of a HEIC's EXIF
    (``fuzz_crashes/photos/heic-gps-pointer-past-exif.heic``); Pillow skips the
    tag with a ``UserWarning`` when the EXIF block is first read.
    """
    exif = images.camera_exif(orientation).tobytes()
    entry = struct.pack(">HHI", 0x8825, 4, 1)  # tag GPSInfo, type LONG, one value
    assert exif.count(entry) == 1
    return exif.replace(entry, struct.pack(">HHI", 0x8825, 4, 129))


def damaged_exif_photo(fmt: str) -> bytes:
    if fmt == "HEIF":
        return (CRASHES / "photos" / "heic-gps-pointer-past-exif.heic").read_bytes()
    exif = exif_with_gps_pointer_past_the_end(orientation=6)
    return images.save(images.half_red_half_blue((64, 32)), fmt, exif=exif)


@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "HEIF"])
def test_damaged_exif_read_after_opening_warns_nobody(fmt: str) -> None:
    """PNG, WebP and HEIC parse EXIF lazily, after opening: its warnings were not silenced there."""
    assert photo_images.heif_supported()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        process_photo(damaged_exif_photo(fmt), max_bytes=1_000_000, max_pixels=1_000_000)
    assert [str(warning.message) for warning in caught] == []


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_damaged_exif_keeps_the_orientation_whatever_the_warning_filters(fmt: str) -> None:
    """Under ``-W error`` (as in this suite) the warning became an exception and the photo lost its
    EXIF orientation: stored 64×32 with orientation 6, it came out sideways instead of 32×64."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        photo = process_photo(damaged_exif_photo(fmt), max_bytes=1_000_000, max_pixels=1_000_000)
    assert (photo.width, photo.height) == (32, 64)


def test_libheif_errors_are_a_refusal_not_an_unexpected_error(caplog: pytest.LogCaptureFixture) -> None:
    """libheif refusing a HEIC (here: an image extent past its own security limit, one bit flipped
    by the fuzzer) reached the pipeline's last resort, with a warning and traceback in the host's log."""
    assert photo_images.heif_supported()
    data = (CRASHES / "photos" / "heic-extent-beyond-libheif-limit.heic").read_bytes()
    with caplog.at_level(logging.INFO, logger="flask_citizencare.storage.photos"):
        with pytest.raises(PhotoRejected) as caught:
            process_photo(data, max_bytes=1_000_000, max_pixels=1_000_000)
    assert caught.value.reason == "not_an_image"
    assert [record.levelname for record in caplog.records] == ["INFO"]
    assert "Security limit exceeded" in caplog.records[0].getMessage()


# --------------------------------------------------------------------------- mail parser findings

MAIL_WITH_NUL = (
    b"From: Mario Rossi <mario.rossi@example.org>\r\n"
    b"To: " + ADDRESS.encode() + b"\r\n"
    b"Subject: Re: Segnalazione\x00 2026-000123\r\n"
    b"Message-ID: <nul.\x001@example.org>\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"\r\n"
    b"La buca \xc3\xa8 ancora\x00 l\xc3\xac.\r\n"
)


def test_text_from_the_mail_never_holds_nul() -> None:
    """PostgreSQL refuses NUL in text: the reply was accepted here and then failed at the insert."""
    incoming = parse(MAIL_WITH_NUL)
    assert incoming.report_id == 123
    assert incoming.text == "La buca è ancora lì."
    assert incoming.subject == "Re: Segnalazione 2026-000123"
    assert incoming.message_id == "<nul.1@example.org>"


def test_text_from_the_mail_never_holds_lone_surrogates() -> None:
    """UTF-7 and ``unicode_escape`` decode to lone surrogates, which no database driver encodes."""
    for charset, body in (("utf-7", b"Grazie +2D0- mille"), ("unicode_escape", b"Grazie \\ud834 mille")):
        raw = MAIL_WITH_NUL.replace(b"charset=utf-8", b"charset=" + charset.encode())
        raw = raw.split(b"\r\n\r\n")[0] + b"\r\n\r\n" + body + b"\r\n"
        incoming = parse(raw)
        assert incoming.report_id == 123
        assert incoming.text == "Grazie \ufffd mille", charset
        incoming.text.encode("utf-8")


@pytest.mark.parametrize("charset", ["utf\x008", "idna", "punycode", "undefined"])
def test_a_charset_python_cannot_decode_with_falls_back_to_utf8(charset: str) -> None:
    """These names pass the codec lookup (or fail it with ValueError, not LookupError) and then
    raised: the whole reply was dropped as ``unreadable``."""
    raw = (CRASHES / "mail" / "charset-with-nul.eml").read_bytes().replace(b"utf\x008", charset.encode())
    incoming = parse(raw)
    assert (incoming.ignored_reason, incoming.report_id) == (None, 123)
    assert incoming.text == "La buca è ancora lì."
    assert mail.reply_text(email.message_from_bytes(raw)) == "La buca è ancora lì."


def test_attachment_types_never_hold_nul() -> None:
    raw = (CRASHES / "mail" / "nul-in-attachment-type.eml").read_bytes()
    [attachment] = parse(raw).attachments
    assert (attachment.content_type, attachment.filename) == ("image/jpeg", "foto.jpg")


def test_a_reply_with_nul_bytes_is_posted(mail_app: Flask, team: Team) -> None:
    """On PostgreSQL the insert failed ("text fields cannot contain NUL"); SQLite stored the NUL."""
    with mail_app.test_request_context():
        report_id = new_report(team)
        raw = fixture_for("gmail_reply.eml", report_id).replace(b"\nBuongiorno,", b"\nBuon\x00giorno,")
        raw = raw.replace(b"Message-ID: <", b"Message-ID: <\x00")
        assert raw.count(b"\x00") == 2
        result = ingest_message(raw)
        assert result.status == "posted"
        [message] = load(report_id).messages
        assert message.body.startswith("Buongiorno,\nla buca in via Rizzoli")
        assert message.email_message_id == "<CAJx8d0G7u2kq=Zr1nA0b5pQ@mail.gmail.example>"
