"""Write the photo seed corpus of the fuzzer (``fuzz/seeds/photos``): small real files, a few KB each.

The files come from the generators the photo tests use (``tests/images.py``):
camera-like JPEG, PNG, WebP and (with ``pillow_heif``) HEIC files carrying
EXIF with a GPS position, XMP and an ICC profile, the colour modes the pipeline
converts, animations, a JPEG wide enough for reduced-scale decoding, and a few
files it must refuse (other formats, a cut-off JPEG, a bomb's header). The
seeds are committed; run this again only to change them:
``python -m fuzz.make_seeds``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path

from PIL import Image

from tests import images

SEEDS = Path(__file__).parent / "seeds" / "photos"


def heic_with_metadata() -> bytes | None:
    """A small HEIC photo with EXIF (GPS, orientation) when ``pillow_heif`` can encode, else None."""
    try:
        pillow_heif = importlib.import_module("pillow_heif")
    except ImportError:
        return None
    pillow_heif.register_heif_opener()
    return images.save(
        images.half_red_half_blue((64, 32)), "HEIF", quality=50, exif=images.camera_exif(6), xmp=images.XMP
    )


GENERATORS: dict[str, Callable[[], bytes | None]] = {
    "camera.jpg": lambda: images.jpeg_with_metadata(orientation=6),
    "camera-upright.jpg": lambda: images.jpeg_with_metadata(orientation=1),
    "progressive.jpg": lambda: images.jpeg((64, 48), progressive=True, exif=images.camera_exif(3)),
    "wide.jpg": lambda: images.jpeg((2400, 60), quality=60),
    "cmyk.jpg": images.cmyk_jpeg,
    "grey.jpg": lambda: images.save(images.half_red_half_blue((64, 32), "L"), "JPEG"),
    "metadata.png": images.png_with_metadata,
    "16bit.png": images.png_16bit,
    "palette-transparent.png": images.png_palette_transparent,
    "rgba.png": images.png_rgba,
    "la.png": images.png_la,
    "1bit.png": images.png_1bit,
    "interlaced.png": lambda: images.png(
        Image.new("RGB", (40, 30), images.GREEN), optimize=True, interlace=1
    ),
    "animated.png": images.apng,
    "metadata.webp": images.webp_with_metadata,
    "lossless.webp": lambda: images.webp(images.left_right(images.RED, images.BLUE), lossless=True),
    "animated.webp": images.animated_webp,
    "camera.heic": heic_with_metadata,
    "cut-off.jpg": lambda: images.truncated(images.jpeg_with_metadata()),
    "bomb-header.png": lambda: images.png_claiming(30_000, 30_000),
    "refused.gif": images.gif,
    "refused.tiff": images.tiff,
}


def main() -> None:
    SEEDS.mkdir(parents=True, exist_ok=True)
    for name, generate in GENERATORS.items():
        data = generate()
        if data is not None:
            (SEEDS / name).write_bytes(data)
            print(f"{name}: {len(data)} bytes")


if __name__ == "__main__":
    main()
