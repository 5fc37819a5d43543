"""The photo pipeline on hostile, damaged and ordinary uploads (pure unit tests, no database)."""

from __future__ import annotations

import io
import random
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from flask_babel import Babel
from flask_babel.speaklater import LazyString
from PIL import Image, ImageFile, JpegImagePlugin

from flask_citizencare.storage import images as photo_images
from flask_citizencare.storage.photos import (
    REASONS,
    PhotoRejected,
    ProcessedPhoto,
    process_photo,
)

from . import images

MB = 1024 * 1024
LIMITS: dict[str, Any] = {"max_bytes": 10 * MB, "max_pixels": 40_000_000}


def process(data: Any, **overrides: Any) -> ProcessedPhoto:
    return process_photo(data, **{**LIMITS, **overrides})


def rejected(data: Any, **overrides: Any) -> PhotoRejected:
    with pytest.raises(PhotoRejected) as caught:
        process(data, **overrides)
    return caught.value


@contextmanager
def opened(data: bytes) -> Iterator[Image.Image]:
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        yield image


def close(colour: Any, expected: Any, tolerance: int = 6) -> bool:
    """JPEG is lossy: compare colours channel by channel within a tolerance."""
    if isinstance(expected, int):
        return isinstance(colour, int) and abs(colour - expected) <= tolerance
    return all(abs(a - b) <= tolerance for a, b in zip(colour, expected, strict=True))


def assert_clean_jpeg(data: bytes) -> None:
    """A baseline JFIF file: no APPn segment but APP0, no comment, no metadata anywhere."""
    markers = images.jpeg_markers(data)
    assert [m for m in markers if 0xE1 <= m <= 0xEF or m == 0xFE] == [], [hex(m) for m in markers]
    for needle in (
        b"Exif",
        b"GPS",
        images.SERIAL.encode(),
        b"CitizenPhone",
        b"http://ns.adobe.com/xap",
        b"ICC_PROFILE",
        b"xmpmeta",
        images.COMMENT,
    ):
        assert needle not in data, needle
    with opened(data) as image:
        assert image.format == "JPEG"
        assert image.mode in ("RGB", "L")
        assert len(image.getexif()) == 0
        for key in ("exif", "icc_profile", "xmp", "comment", "XML:com.adobe.xmp"):
            assert key not in image.info


# -- refused uploads ------------------------------------------------------------------------

REFUSED: list[tuple[str, Callable[[], bytes], str]] = [
    ("bomb PNG header 30000×30000", lambda: images.png_claiming(30_000, 30_000), "too_many_pixels"),
    ("PNG header over our limit only", lambda: images.png_claiming(8000, 6000), "too_many_pixels"),
    ("TIFF named .jpg", images.tiff, "unsupported_format"),
    ("EPS", images.eps, "unsupported_format"),
    ("PSD", images.psd, "unsupported_format"),
    ("PDF", images.pdf, "unsupported_format"),
    ("SVG", images.svg, "unsupported_format"),
    ("GIF", images.gif, "unsupported_format"),
    ("BMP", images.bmp, "unsupported_format"),
    ("truncated JPEG", lambda: images.truncated(images.jpeg((640, 480))), "truncated"),
    (
        "truncated PNG",
        lambda: images.truncated(images.png(images.half_red_half_blue((640, 480)))),
        "truncated",
    ),
    ("JPEG cut inside its header", lambda: images.jpeg_with_metadata()[:40], "truncated"),
    ("random bytes", images.random_bytes, "not_an_image"),
    ("text", lambda: b"hello, this is not a photo\n" * 10, "not_an_image"),
    ("empty", lambda: b"", "empty"),
]


@pytest.mark.parametrize(("data", "reason"), [(f, r) for _, f, r in REFUSED], ids=[n for n, _, _ in REFUSED])
def test_refused(data: Callable[[], bytes], reason: str) -> None:
    error = rejected(data())
    assert error.reason == reason
    assert isinstance(error.message, LazyString)
    assert str(error.message)


def test_a_file_over_max_bytes_is_refused_before_decoding() -> None:
    data = images.jpeg((64, 64))
    error = rejected(data, max_bytes=len(data) - 1)
    assert error.reason == "too_large"
    assert process(data, max_bytes=len(data)).width == 64


def test_a_stream_is_read_no_further_than_the_limit() -> None:
    class Endless(io.RawIOBase):
        """A stream that never ends, as a hostile client would send."""

        served = 0

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: Any) -> int:
            size = len(buffer)
            buffer[:] = b"\xff" * size
            self.served += size
            return size

    stream = Endless()
    assert rejected(stream, max_bytes=MB).reason == "too_large"
    assert stream.served <= MB + 1
    assert process(io.BytesIO(images.jpeg((64, 32)))).size > 0


def test_messages_are_lazy_english_sources_with_the_limits() -> None:
    too_large = rejected(b"x" * (3 * MB), max_bytes=int(2.5 * MB))
    assert str(too_large.message) == "The photo is larger than 2.5 MB."
    pixels = rejected(images.png_claiming(8000, 6000))
    assert str(pixels.message) == "The photo has too many pixels: at most 40 megapixels are accepted."
    assert str(rejected(b"").message) == "The file is empty."
    assert "JPEG, PNG, WebP" in str(rejected(images.gif()).message)
    assert str(rejected(images.gif())).startswith("unsupported_format: ")


def test_numbers_in_messages_follow_the_users_locale() -> None:
    error = rejected(b"x" * (3 * MB), max_bytes=int(2.5 * MB))
    app = Flask(__name__)
    Babel(app, locale_selector=lambda: "it")
    with app.test_request_context():
        assert "2,5" in str(error.message)


def test_reason_codes_are_the_documented_set() -> None:
    assert set(REASONS) == {
        "empty",
        "too_large",
        "not_an_image",
        "unsupported_format",
        "too_many_pixels",
        "truncated",
    }
    assert PhotoRejected("empty").message == "The file is empty."
    assert isinstance(PhotoRejected("truncated"), ValueError)


def test_heic_is_unsupported_without_pillow_heif(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(photo_images, "accepted_formats", lambda: photo_images.BASE_FORMATS)
    assert rejected(images.heic_header()).reason == "unsupported_format"


# -- the decompression-bomb guard, Pillow's globals and threads ------------------------------


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_pillows_warning_band_is_refused_even_where_the_host_ignores_the_warning() -> None:
    """Between MAX_IMAGE_PIXELS and twice that Pillow only warns; we refuse anyway."""
    limit = Image.MAX_IMAGE_PIXELS
    assert limit is not None
    side = int((1.5 * limit) ** 0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        error = rejected(images.png_claiming(side, side), max_pixels=10 * limit)
    assert error.reason == "too_many_pixels"
    # The message names the limit that applied: Pillow's, lower than the one we were given.
    assert f"at most {int(limit / 1e6 * 10) / 10:g} megapixels" in str(error.message)


def test_no_global_state_is_changed() -> None:
    max_pixels, truncated, filters = (
        Image.MAX_IMAGE_PIXELS,
        ImageFile.LOAD_TRUNCATED_IMAGES,
        list(warnings.filters),
    )
    for data in (
        images.png_claiming(30_000, 30_000),
        images.truncated(images.jpeg((640, 480))),
        images.jpeg(),
    ):
        try:
            process(data)
        except PhotoRejected:
            pass
    assert (Image.MAX_IMAGE_PIXELS, ImageFile.LOAD_TRUNCATED_IMAGES) == (max_pixels, truncated)
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
    assert warnings.filters == filters


def test_concurrent_uploads_do_not_disturb_each_other() -> None:
    filters = list(warnings.filters)
    uploads = [
        images.png_claiming(30_000, 30_000),
        images.jpeg_with_metadata(),
        images.gif(),
        images.png_rgba(),
    ]
    expected = ["too_many_pixels", (200, 400), "unsupported_format", (64, 32)]

    def outcome(data: bytes) -> object:
        try:
            photo = process(data)
        except PhotoRejected as error:
            return error.reason
        return (photo.width, photo.height)

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(outcome, uploads * 8))
    assert results == expected * 8
    assert warnings.filters == filters


def test_damaged_files_are_refused_never_crash() -> None:
    """Bytes flipped at random in good files: every outcome is a photo or a PhotoRejected."""
    rng = random.Random(7)
    sources = [images.jpeg_with_metadata(), images.png_with_metadata(), images.webp(), images.apng()]
    outcomes: set[str] = set()
    for source in sources:
        for _ in range(25):
            data = bytearray(source)
            for _ in range(rng.randint(1, 8)):
                data[rng.randrange(len(data))] = rng.randrange(256)
            try:
                photo = process(bytes(data))
            except PhotoRejected as error:
                outcomes.add(error.reason)
            else:
                assert_clean_jpeg(photo.display)
                outcomes.add("accepted")
    assert outcomes <= {*REASONS, "accepted"}


def test_a_corrupt_exif_block_does_not_cost_the_photo() -> None:
    broken_exif = b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\x00\x05\x01\x12\x00\x03\xff\xff\xff\xff\x00\x06"
    photo = process(images.jpeg((64, 32), exif=broken_exif))
    assert (photo.width, photo.height) == (64, 32)
    assert_clean_jpeg(photo.display)


# -- accepted uploads -----------------------------------------------------------------------


def test_camera_jpeg_is_turned_upright_and_stripped_of_every_metadata_block() -> None:
    photo = process(images.jpeg_with_metadata(orientation=6))
    # 400×200 stored with orientation 6 (turn 90° clockwise): 200×400, the red top is now on the right.
    assert (photo.width, photo.height) == (200, 400)
    assert (photo.thumb_width, photo.thumb_height) == (200, 400)
    assert photo.content_type == "image/jpeg"
    assert photo.size == len(photo.display)
    with opened(photo.display) as image:
        assert image.size == (200, 400)
        assert close(image.getpixel((170, 200)), images.RED)
        assert close(image.getpixel((30, 200)), images.BLUE)
    assert_clean_jpeg(photo.display)
    assert_clean_jpeg(photo.thumbnail)


@pytest.mark.parametrize(
    ("orientation", "size", "red_at"),
    [(1, (400, 200), (200, 30)), (3, (400, 200), (200, 170)), (8, (200, 400), (30, 200))],
)
def test_other_orientations(orientation: int, size: tuple[int, int], red_at: tuple[int, int]) -> None:
    photo = process(images.jpeg_with_metadata(orientation=orientation))
    with opened(photo.display) as image:
        assert image.size == size
        assert close(image.getpixel(red_at), images.RED)


@pytest.mark.parametrize("make", [images.png_with_metadata, images.webp_with_metadata], ids=["PNG", "WebP"])
def test_png_and_webp_metadata_is_dropped(make: Callable[[], bytes]) -> None:
    photo = process(make())
    assert (photo.width, photo.height) == (120, 80)
    assert_clean_jpeg(photo.display)
    with opened(photo.display) as image:
        assert close(image.getpixel((60, 10)), images.RED, tolerance=10)
        assert close(image.getpixel((60, 70)), images.BLUE, tolerance=10)


MODES: list[tuple[str, Callable[[], bytes], str, Any, Any]] = [
    # name, file, output mode, colour of the left half, colour of the right half
    ("CMYK JPEG", images.cmyk_jpeg, "RGB", images.WHITE, images.RED),
    ("16-bit PNG", images.png_16bit, "L", 255, 127),
    ("palette PNG with transparency", images.png_palette_transparent, "RGB", images.WHITE, images.BLUE),
    ("RGBA PNG", images.png_rgba, "RGB", images.WHITE, images.GREEN),
    ("LA PNG", images.png_la, "L", 255, 0),
    ("1-bit PNG", images.png_1bit, "L", 0, 255),
    ("WebP", lambda: images.webp(images.left_right(images.BLUE, images.RED)), "RGB", images.BLUE, images.RED),
]


@pytest.mark.parametrize(("data", "mode", "left", "right"), [m[1:] for m in MODES], ids=[m[0] for m in MODES])
def test_every_mode_becomes_rgb_or_grey_with_alpha_on_white(
    data: Callable[[], bytes], mode: str, left: Any, right: Any
) -> None:
    photo = process(data())
    with opened(photo.display) as image:
        assert image.mode == mode
        height = image.height // 2
        assert close(image.getpixel((4, height)), left, tolerance=10)
        assert close(image.getpixel((image.width - 5, height)), right, tolerance=10)


@pytest.mark.parametrize("make", [images.animated_webp, images.apng], ids=["WebP", "APNG"])
def test_animations_keep_their_first_frame(make: Callable[[], bytes]) -> None:
    photo = process(make())
    with opened(photo.display) as image:
        assert getattr(image, "n_frames", 1) == 1
        assert close(image.getpixel((24, 16)), images.RED)


def test_a_big_jpeg_is_decoded_at_reduced_scale_and_downsized(monkeypatch: pytest.MonkeyPatch) -> None:
    drafted: list[tuple[int, int]] = []
    original = JpegImagePlugin.JpegImageFile.draft

    def spy(self: JpegImagePlugin.JpegImageFile, mode: str | None, size: tuple[int, int] | None) -> Any:
        result = original(self, mode, size)
        drafted.append(self.size)
        return result

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", spy)
    photo = process(images.jpeg((5000, 3000), quality=70))
    assert drafted == [(2500, 1500)]  # libjpeg's 1/2 scale: the smallest at least 1600×960
    assert (photo.width, photo.height) == (1600, 960)
    assert (photo.thumb_width, photo.thumb_height) == (400, 240)
    assert photo.size == len(photo.display) and len(photo.thumbnail) < photo.size
    with opened(photo.display) as display, opened(photo.thumbnail) as thumbnail:
        assert display.size == (1600, 960) and thumbnail.size == (400, 240)
        assert close(display.getpixel((800, 480)), images.RED)


def test_draft_happens_before_the_rotation() -> None:
    """A 3200×1600 JPEG stored sideways (orientation 6): drafted to 1600×800, then turned upright."""
    big = images.half_red_half_blue((3200, 1600))
    photo = process(images.save(big, "JPEG", exif=images.camera_exif(6)))
    assert (photo.width, photo.height) == (800, 1600)
    assert (photo.thumb_width, photo.thumb_height) == (200, 400)
    with opened(photo.display) as image:
        assert close(image.getpixel((700, 800)), images.RED)
        assert close(image.getpixel((100, 800)), images.BLUE)


@pytest.mark.parametrize(
    ("size", "display", "thumbnail"),
    [
        ((300, 200), (300, 200), (300, 200)),  # never enlarged
        ((1000, 500), (1000, 500), (400, 200)),
        ((1200, 2000), (960, 1600), (240, 400)),  # portrait
        ((1600, 1600), (1600, 1600), (400, 400)),
        ((4000, 3), (1600, 1), (400, 1)),  # a sliver keeps at least one pixel
    ],
)
def test_sizes(size: tuple[int, int], display: tuple[int, int], thumbnail: tuple[int, int]) -> None:
    photo = process(images.jpeg(size))
    assert (photo.width, photo.height) == display
    assert (photo.thumb_width, photo.thumb_height) == thumbnail


def test_display_and_thumbnail_sizes_are_arguments() -> None:
    photo = process(images.png(images.half_red_half_blue((1000, 800))), display_size=500, thumb_size=100)
    assert (photo.width, photo.height, photo.thumb_width, photo.thumb_height) == (500, 400, 100, 80)


def test_wrong_arguments_are_programming_errors() -> None:
    with pytest.raises(ValueError, match="max_bytes"):
        process(images.jpeg(), max_bytes=0)
    with pytest.raises(TypeError, match="binary"):
        process(io.StringIO("text"))


def test_heic_when_pillow_heif_is_installed() -> None:
    """HEIC (iPhones) is accepted only with the optional ``pillow_heif`` package."""
    pillow_heif = pytest.importorskip("pillow_heif")
    pillow_heif.register_heif_opener()
    # Given EXIF bytes with orientation 6, pillow_heif writes a rotation box (irot) as phones do.
    exif = images.camera_exif(6).tobytes()
    heic = images.save(images.half_red_half_blue((400, 200)), "HEIF", quality=90, exif=exif)
    photo = process(heic)
    # libheif applies irot and pillow_heif resets the EXIF tag to 1: turned exactly once.
    assert (photo.width, photo.height) == (200, 400)
    with opened(photo.display) as image:
        assert close(image.getpixel((170, 200)), images.RED, tolerance=12)
    assert_clean_jpeg(photo.display)


# -- the Pillow helpers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "value", "out_mode", "out"),
    [
        ("I", 40_000, "L", 156),  # 16-bit range scaled, not clipped to white
        ("I;16", 65_535, "L", 255),
        ("F", 100.4, "L", 100),
        ("La", (10, 128), "L", 137),  # premultiplied, half transparent, on white
        ("CMYK", (0, 0, 0, 0), "RGB", (255, 255, 255)),
        ("YCbCr", (128, 128, 128), "RGB", (128, 128, 128)),
        ("RGBX", (1, 2, 3, 4), "RGB", (1, 2, 3)),
        ("P", 0, "RGB", (0, 0, 0)),
        ("1", 1, "L", 255),
        ("RGBA", (0, 0, 0, 0), "RGB", (255, 255, 255)),
    ],
)
def test_to_output_mode(mode: str, value: Any, out_mode: str, out: Any) -> None:
    converted = photo_images.to_output_mode(Image.new(mode, (4, 4), value))
    assert converted.mode == out_mode
    assert close(converted.getpixel((0, 0)), out, tolerance=1)


def test_pixels_only_keeps_nothing_but_pixels() -> None:
    with opened(images.jpeg_with_metadata()) as original:
        assert {"exif", "icc_profile", "xmp", "comment"} <= set(original.info)
        clean = photo_images.pixels_only(original)
    assert clean.info == {} and len(clean.getexif()) == 0
    assert clean.size == (400, 200)


@pytest.mark.parametrize(
    ("head", "name"),
    [
        (images.tiff(), "TIFF"),
        (images.eps(), "EPS"),
        (images.psd(), "PSD"),
        (images.pdf(), "PDF"),
        (images.svg(), "SVG"),
        (images.gif(), "GIF"),
        (images.bmp(), "BMP"),
        (images.heic_header(), "HEIF"),
        (images.jpeg(), None),
        (images.random_bytes(), None),
    ],
)
def test_sniff_other_format(head: bytes, name: str | None) -> None:
    assert photo_images.sniff_other_format(head[:1024]) == name
