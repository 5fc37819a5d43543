"""The photo pipeline: validate a citizen's upload, make it upright, strip it, size it.

:func:`process_photo` turns the bytes of an uploaded file into a display image
(longest side at most 1600 px) and a thumbnail (400 px), or raises
:class:`PhotoRejected` with a stable ``reason`` code and a translatable message.
It is plain Python and Pillow: no request objects, limits come as arguments.

Decisions:

- **Output is always JPEG** (quality 82, optimised, progressive), with any
  transparency flattened onto white and greyscale kept as greyscale. Photos of
  potholes have no meaningful alpha; one format keeps the store, the pages and
  the Open311 media URLs simple, and JPEG is the smallest for photographs.
- **Recognised by content only.** The client's file name and claimed content
  type are never looked at; ``Image.open(..., formats=[...])`` is the allowlist
  (JPEG, PNG, WebP; HEIF/HEIC too when the optional ``pillow_heif`` package is
  installed). Everything else is refused before any decoding.
- **Limits before decoding.** The byte size is checked while reading, the
  pixel count from the header; Pillow's own decompression-bomb guard stays
  on as a second line, with its warning turned into a refusal locally. No
  global Pillow setting (``MAX_IMAGE_PIXELS``, ``LOAD_TRUNCATED_IMAGES``) is
  changed, so concurrent requests cannot affect each other.
- **Nothing of the original file survives but its pixels**: the output image
  is built afresh from pixel data, so EXIF (GPS, serial numbers), XMP, ICC
  profiles, embedded thumbnails, comments and PNG text chunks are all gone.
- **Large JPEGs decode at reduced scale** (libjpeg DCT scaling through
  ``draft``) to the smallest power-of-two reduction still at least as big as
  the display size, then LANCZOS does the rest.
"""

from __future__ import annotations

import io
import logging
import math
import struct
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import BinaryIO, Final, Literal

from babel.numbers import format_decimal
from flask import has_app_context
from flask_babel.speaklater import LazyString
from PIL import Image, UnidentifiedImageError

from ..i18n import format_locale, lazy_gettext
from . import images

__all__ = ["PhotoRejected", "ProcessedPhoto", "RejectReason", "process_photo"]

log = logging.getLogger(__name__)

RejectReason = Literal[
    "empty",
    "too_large",
    "not_an_image",
    "unsupported_format",
    "too_many_pixels",
    "truncated",
]
#: Every reason code, for callers that map them (API error codes, statistics).
REASONS: Final[tuple[RejectReason, ...]] = (
    "empty",
    "too_large",
    "not_an_image",
    "unsupported_format",
    "too_many_pixels",
    "truncated",
)

MEGABYTE: Final = 1024 * 1024
MEGAPIXEL: Final = 1_000_000

#: Exceptions a hostile or damaged file can make Pillow's plugins raise.
_DECODER_ERRORS: Final = (
    OSError,  # includes UnidentifiedImageError and "image file is truncated"
    ValueError,
    SyntaxError,  # Pillow's plugins signal a malformed header this way
    struct.error,
    EOFError,
    IndexError,
    KeyError,
    TypeError,
    ZeroDivisionError,
    OverflowError,
    RuntimeError,  # how pillow_heif reports libheif's errors: corrupt data, libheif's security limits
)

#: Serialises our short ``warnings.catch_warnings()`` blocks: before Python 3.14 they swap the
#: process-wide filter list, and two overlapping blocks in different threads could otherwise
#: restore each other's state and leave the "error" filter installed for good.
_WARNINGS_LOCK: Final = threading.Lock()


class PhotoRejected(ValueError):
    """The upload is not a photo we accept.

    ``reason`` is a stable machine code (one of :data:`REASONS`) for APIs, logs
    and tests; ``message`` is a lazy, translatable sentence for the citizen
    (render it with ``str()`` inside a request to get the user's language).

    - ``empty``: zero bytes.
    - ``too_large``: more than ``max_bytes`` (checked before any parsing).
    - ``unsupported_format``: an image format we do not take (GIF, BMP, TIFF,
      PSD, EPS, PDF, SVG, AVIF, HEIC without ``pillow_heif`` ...).
    - ``too_many_pixels``: the header claims more than ``max_pixels`` (or than
      Pillow's bomb guard), or decoding ran out of memory.
    - ``truncated``: a JPEG, PNG or WebP cut short, or with a damaged header.
    - ``not_an_image``: anything else we cannot read.
    """

    def __init__(self, reason: RejectReason, message: LazyString | str | None = None) -> None:
        super().__init__(reason)
        self.reason: RejectReason = reason
        self.message: LazyString | str = message if message is not None else _generic_message(reason)

    def __str__(self) -> str:
        return f"{self.reason}: {self.message}"


@dataclass(frozen=True, slots=True)
class ProcessedPhoto:
    """The two files to store for one accepted photo, both free of metadata."""

    display: bytes = field(repr=False)
    thumbnail: bytes = field(repr=False)
    width: int
    height: int
    thumb_width: int
    thumb_height: int
    content_type: str = images.OUTPUT_CONTENT_TYPE
    size: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "size", len(self.display))


def process_photo(
    data: bytes | bytearray | memoryview | BinaryIO,
    *,
    max_bytes: int,
    max_pixels: int,
    display_size: int = 1600,
    thumb_size: int = 400,
) -> ProcessedPhoto:
    """Validate and normalise one uploaded photo.

    ``data`` is the file's content, or a binary stream read from its current
    position (at most ``max_bytes + 1`` bytes are read, whatever the stream
    claims). ``max_bytes`` and ``max_pixels`` are usually
    ``CITIZENCARE_PHOTO_MAX_BYTES`` and ``CITIZENCARE_PHOTO_MAX_PIXELS``.
    Pillow's own bomb guard (``Image.MAX_IMAGE_PIXELS``, about 89 MP by default)
    still applies, so a larger ``max_pixels`` has no effect beyond it.

    Raises :class:`PhotoRejected` for anything wrong with the file, and
    ``ValueError``/``TypeError`` only for wrong arguments (a programming error).
    """
    for name, value in (
        ("max_bytes", max_bytes),
        ("max_pixels", max_pixels),
        ("display_size", display_size),
        ("thumb_size", thumb_size),
    ):
        if value < 1:
            raise ValueError(f"{name} must be positive, not {value!r}")
    raw = _read_limited(data, max_bytes)
    try:
        with _open(raw, max_pixels) as opened:
            picture, display_box = _decode(opened, display_size)
            # Resize inside the block: ``picture`` may be ``opened`` itself, unusable once closed.
            display = images.pixels_only(images.resized(picture, display_box))
        thumbnail = images.resized(
            display, images.fit_size(display.size, thumb_size), images.THUMBNAIL_REDUCING_GAP
        )
        display_bytes = images.encode_jpeg(display)
        thumbnail_bytes = images.encode_jpeg(thumbnail)
    except PhotoRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _reject("too_many_pixels", max_pixels=max_pixels, cause=exc) from None
    except MemoryError as exc:
        raise _reject("too_many_pixels", max_pixels=max_pixels, cause=exc) from None
    except UnidentifiedImageError as exc:
        raise _reject(_unidentified_reason(raw), cause=exc) from None
    except EOFError as exc:
        raise _reject("truncated", cause=exc) from None
    except _DECODER_ERRORS as exc:
        reason: RejectReason = "truncated" if "truncated" in str(exc).lower() else "not_an_image"
        raise _reject(reason, cause=exc) from None
    except Exception as exc:
        # House rule: bad input never becomes a 500. Log loudly in case this is our bug.
        log.warning("unexpected error while decoding a photo; refusing it", exc_info=True)
        raise _reject("not_an_image", cause=exc) from None
    return ProcessedPhoto(
        display=display_bytes,
        thumbnail=thumbnail_bytes,
        width=display.width,
        height=display.height,
        thumb_width=thumbnail.width,
        thumb_height=thumbnail.height,
    )


# -- steps ----------------------------------------------------------------------------------


def _read_limited(data: bytes | bytearray | memoryview | BinaryIO, max_bytes: int) -> bytes:
    """The file's bytes, refusing empty and oversized files before anything parses them."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        if memoryview(data).nbytes > max_bytes:
            raise _reject("too_large", max_bytes=max_bytes)
        raw = bytes(data)
    else:
        raw = data.read(max_bytes + 1)
        if not isinstance(raw, bytes):
            raise TypeError("the photo stream must be opened in binary mode")
        if len(raw) > max_bytes:
            raise _reject("too_large", max_bytes=max_bytes)
    if not raw:
        raise _reject("empty")
    return raw


def _open(raw: bytes, max_pixels: int) -> Image.Image:
    """Identify the file among the accepted formats and check its pixel count from the header.

    Pillow warns (instead of raising) for images between ``MAX_IMAGE_PIXELS``
    and twice that; inside this block the warning is an error. Its plugins also
    warn while opening about damaged metadata (a corrupt EXIF block, broken APNG
    chunks) that we discard anyway: those are silenced, so that hostile uploads
    do not fill the host's logs and the outcome does not depend on the host's
    warning filters (under ``-W error`` the photo would otherwise be refused).
    """
    with _pillow_warnings():
        image = Image.open(io.BytesIO(raw), formats=list(images.accepted_formats()))
    width, height = image.size
    if width * height > max_pixels:
        image.close()
        raise _reject("too_many_pixels", max_pixels=max_pixels)
    return image


@contextmanager
def _pillow_warnings() -> Iterator[None]:
    """Pillow's warnings about damaged metadata silenced, its decompression-bomb warning an error.

    Applies to the steps that parse headers and metadata (opening, reading
    EXIF), which are quick: the lock around them does not serialise decoding.
    """
    with _WARNINGS_LOCK, warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=UserWarning, module=r"PIL\.")
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        yield


def _decode(image: Image.Image, display_size: int) -> tuple[Image.Image, tuple[int, int]]:
    """Decode the first frame (at reduced scale for big JPEGs), upright, in RGB or L.

    Returns the picture and the display size, computed from the header's size
    (not the drafted one, whose rounding could differ by a pixel).

    ``draft`` must run before ``load`` and before the orientation is applied:
    it works on the stored (unrotated) size, so the target passed to it is the
    stored size fitted to the display box. Draft only picks a power-of-two
    scale that keeps both sides at least that large, so the final resize is
    always a reduction (or nothing).
    """
    stored_target = images.fit_size(image.size, display_size)
    if image.format in ("JPEG", "MPO") and stored_target != image.size:
        image.draft("RGB", stored_target)
    if image.format == "PNG":
        # A PNG's trailing chunks (APNG control chunks) are parsed while loading and may
        # warn about damage; PNGs are rare from phones, so holding the lock costs little.
        with _pillow_warnings():
            image.load()
    else:
        image.load()  # animated WebP and MPO: the first frame is the current one
    with _pillow_warnings():  # EXIF is parsed here, lazily: a damaged block warns like one at opening
        orientation = images.exif_orientation(image)
    picture = images.to_output_mode(images.upright(image, orientation))
    return picture, images.upright_size(stored_target, orientation)


def _unidentified_reason(raw: bytes) -> RejectReason:
    """Tell a known but refused format from a damaged accepted one and from garbage."""
    head = raw[:1024]
    if (other := images.sniff_other_format(head)) is not None:
        log.info("refused a photo in %s format", other)
        return "unsupported_format"
    if images.looks_like_accepted(head):
        return "truncated"
    return "not_an_image"


# -- messages -------------------------------------------------------------------------------


def _number(value: float) -> LazyString:
    """A number formatted for the user's locale when the message is rendered (``2,5`` in Italian).

    Outside an app the message is its English source, and so is the number.
    """
    return LazyString(lambda: format_decimal(value, locale=format_locale() if has_app_context() else "en"))


def _reject(
    reason: RejectReason,
    *,
    max_bytes: int | None = None,
    max_pixels: int | None = None,
    cause: BaseException | None = None,
) -> PhotoRejected:
    if cause is not None:
        log.info("photo rejected (%s): %s: %s", reason, type(cause).__name__, cause)
    message: LazyString | None = None
    if reason == "too_large" and max_bytes is not None:
        # Round down: the message must not promise more than the limit allows.
        limit = math.floor(max_bytes / MEGABYTE * 10) / 10
        message = lazy_gettext("The photo is larger than %(limit)s MB.", limit=_number(limit))
    elif reason == "too_many_pixels" and max_pixels is not None:
        limit = math.floor(_effective_pixel_limit(max_pixels) / MEGAPIXEL * 10) / 10
        message = lazy_gettext(
            "The photo has too many pixels: at most %(limit)s megapixels are accepted.",
            limit=_number(limit),
        )
    return PhotoRejected(reason, message)


def _effective_pixel_limit(max_pixels: int) -> int:
    """Our limit, or Pillow's bomb guard where that is lower (it is read, never changed)."""
    pillow_limit = Image.MAX_IMAGE_PIXELS
    return max_pixels if pillow_limit is None else min(max_pixels, pillow_limit)


def _generic_message(reason: RejectReason) -> LazyString:
    if reason == "empty":
        return lazy_gettext("The file is empty.")
    if reason == "too_large":
        return lazy_gettext("The photo is too large.")
    if reason == "too_many_pixels":
        return lazy_gettext("The photo has too many pixels.")
    if reason == "truncated":
        return lazy_gettext("The photo arrived incomplete or damaged. Please try sending it again.")
    if reason == "unsupported_format":
        formats = "JPEG, PNG, WebP, HEIC" if images.heif_supported() else "JPEG, PNG, WebP"
        return lazy_gettext(
            "This file type is not accepted. Please send a photo in one of these formats: %(formats)s.",
            formats=formats,
        )
    return lazy_gettext("The file is not a photo we can read.")
