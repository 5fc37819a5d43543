"""Fuzz the photo pipeline: :func:`flask_citizencare.storage.photos.process_photo` on any bytes.

The contract checked for every input:

- the pipeline either returns a :class:`ProcessedPhoto` or raises
  :class:`PhotoRejected` with one of the documented reasons; any other
  exception is a crash;
- it never reaches its last-resort ``except Exception`` (which refuses the file
  but logs "unexpected error": that is a bug of ours or Pillow's hidden from the
  citizen) and lets no warning out to the host;
- an accepted photo's display image and thumbnail are baseline-decodable
  JPEGs of the sizes it reports, within the display, thumbnail and pixel
  limits, carrying no metadata: no EXIF (GPS), XMP, ICC profile, comment or
  APPn segment other than JFIF's APP0.

Run: ``python -m fuzz.photo_pipeline CORPUS_DIR fuzz/seeds/photos -max_total_time=60``.
"""

from __future__ import annotations

import io
import logging
import warnings

from fuzz.runner import fuzz, instrumented_imports

with instrumented_imports(__name__, ["flask_citizencare.storage", "PIL"]):
    from PIL import Image

    from flask_citizencare.storage import images
    from flask_citizencare.storage.photos import REASONS, PhotoRejected, ProcessedPhoto, process_photo

    Image.init()  # Pillow imports its format plugins lazily: load them while instrumenting
    images.heif_supported()

#: Small limits keep each run fast; the code paths are those of the defaults.
MAX_BYTES = 2 * 1024 * 1024
MAX_PIXELS = 4_000_000
DISPLAY_SIZE = 1600
THUMB_SIZE = 400

#: What Pillow reports in ``info`` for a bare JFIF file of ours; anything else is metadata left over.
_ALLOWED_INFO = frozenset(
    {"jfif", "jfif_version", "jfif_unit", "jfif_density", "dpi", "progressive", "progression"}
)


class _Unexpected(logging.Handler):
    """Remembers the pipeline's "unexpected error" warnings (its last-resort branch)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


_unexpected = _Unexpected()
_photos_log = logging.getLogger("flask_citizencare.storage.photos")
_photos_log.addHandler(_unexpected)
_photos_log.propagate = False  # the fuzzer's output stays readable; the handler still sees them


def check(data: bytes) -> None:
    """Feed ``data`` to the pipeline; raise if it breaks its contract."""
    _unexpected.records.clear()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            photo = process_photo(
                data,
                max_bytes=MAX_BYTES,
                max_pixels=MAX_PIXELS,
                display_size=DISPLAY_SIZE,
                thumb_size=THUMB_SIZE,
            )
        except PhotoRejected as rejected:
            if rejected.reason not in REASONS:
                raise AssertionError(f"undocumented reason {rejected.reason!r}") from None
            photo = None
    if _unexpected.records:
        record = _unexpected.records[0]
        cause = record.exc_info[1] if record.exc_info else None
        raise AssertionError(f"the pipeline's last-resort branch refused the file: {cause!r}") from cause
    if caught:
        raise AssertionError(
            f"a warning escaped the pipeline: {caught[0].category.__name__}: {caught[0].message}"
        )
    if photo is not None:
        _check_accepted(photo)


def _check_accepted(photo: ProcessedPhoto) -> None:
    if photo.content_type != "image/jpeg" or photo.size != len(photo.display):
        raise AssertionError(f"bad content type or size: {photo.content_type} {photo.size}")
    if photo.width * photo.height > MAX_PIXELS or max(photo.width, photo.height) > DISPLAY_SIZE:
        raise AssertionError(f"display {photo.width}x{photo.height} beyond the limits")
    if max(photo.thumb_width, photo.thumb_height) > THUMB_SIZE:
        raise AssertionError(f"thumbnail {photo.thumb_width}x{photo.thumb_height} beyond {THUMB_SIZE}")
    _check_clean_jpeg(photo.display, (photo.width, photo.height))
    _check_clean_jpeg(photo.thumbnail, (photo.thumb_width, photo.thumb_height))


def _check_clean_jpeg(data: bytes, size: tuple[int, int]) -> None:
    """``data`` decodes as a JPEG of ``size`` in RGB or L, with nothing but pixels and JFIF in it."""
    with Image.open(io.BytesIO(data), formats=["JPEG"]) as image:
        image.load()
        if image.size != size or image.mode not in ("RGB", "L"):
            raise AssertionError(f"output is {image.mode} {image.size}, reported {size}")
        extra = set(image.info) - _ALLOWED_INFO
        if extra:
            raise AssertionError(f"metadata left in the output: {sorted(extra)}")
        segments = [marker for marker, _content in image.applist]  # type: ignore[attr-defined]
        if segments not in ([], ["APP0"]):
            raise AssertionError(f"APPn/COM segments left in the output: {segments}")
        if len(image.getexif()):
            raise AssertionError("EXIF left in the output")


if __name__ == "__main__":
    fuzz(check)
