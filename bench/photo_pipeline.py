"""Time the photo pipeline against bare Pillow on camera-sized JPEGs.

Usage::

    .venv/bin/python bench/photo_pipeline.py [--repeat N] [--warmup N] [--seed S]

    --repeat  timed runs of each variant per photo (default 20)
    --warmup  untimed runs first (default 2)
    --seed    seed of the generated photos (default 1)

Photos are generated in memory: 5 MP (2592×1944) and 12 MP (4000×3000),
smooth colour fields plus texture and sensor-like noise, saved at JPEG quality
90 with camera EXIF, which compresses like a photograph (a few MB). The 12 MP
one is also timed with EXIF orientation 6 (a phone held upright).

For each photo the script times, interleaved:

- pipeline: ``process_photo`` (validation, draft decode, orientation, mode
  normalisation, metadata stripping, LANCZOS display and thumbnail, two
  encodes);
- baseline: bare Pillow, twice: open + ``draft("RGB", (1600, 1600))`` +
  ``thumbnail((1600, 1600))`` + save, then the same for 400 px, with the same
  encoder settings as the pipeline (quality 82, optimised, progressive), so
  the ratio measures the pipeline's own work, not a choice of quality.

It prints p50 and p95 in milliseconds, the ratio pipeline/baseline, and the
output sizes. numpy is used to generate the photos when installed (faster);
otherwise Pillow's noise and gradient generators are used.
"""

from __future__ import annotations

import argparse
import io
import platform
import random
import statistics
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import PIL
from PIL import ExifTags, Image, ImageDraw, ImageFilter, features

from flask_citizencare.storage.photos import process_photo

MB = 1024 * 1024
MAX_BYTES = 20 * MB
MAX_PIXELS = 40_000_000
QUALITY = 82


@dataclass
class Case:
    name: str
    size: tuple[int, int]
    orientation: int = 1


CASES = (
    Case("5 MP", (2592, 1944)),
    Case("12 MP", (4000, 3000)),
    Case("12 MP, orientation 6", (4000, 3000), orientation=6),
)


# -- photo-like content -----------------------------------------------------------------------


def _upscaled_noise(size: tuple[int, int], cell: int, seed: int, mode: str = "RGB") -> Image.Image:
    """Random values on a coarse grid, upscaled smoothly: structure at the scale of ``cell``."""
    width, height = size
    small = (max(2, width // cell), max(2, height // cell))
    rng = random.Random(seed)
    bands = len(mode)
    image = Image.frombytes(mode, small, rng.randbytes(small[0] * small[1] * bands))
    return image.resize(size, Image.Resampling.BICUBIC)


def _shapes(image: Image.Image, seed: int) -> None:
    """Hard edges (facades, kerbs, signs), which JPEG spends bits on."""
    rng = random.Random(seed)
    draw = ImageDraw.Draw(image)
    width, height = image.size
    for _ in range(60):
        x, y = rng.randrange(width), rng.randrange(height)
        w, h = rng.randrange(20, width // 4), rng.randrange(20, height // 4)
        colour = tuple(rng.randrange(256) for _ in range(3))
        if rng.random() < 0.5:
            draw.rectangle((x, y, x + w, y + h), fill=colour)
        else:
            draw.line((x, y, x + w, y + h), fill=colour, width=rng.randrange(2, 12))


def photo_like(size: tuple[int, int], seed: int) -> Image.Image:
    """Large smooth areas with hard-edged shapes, luminance texture and sensor noise."""
    width, height = size
    broad = _upscaled_noise(size, 400, seed)  # sky, walls, road
    _shapes(broad, seed)
    broad = broad.filter(ImageFilter.GaussianBlur(1.5))  # lens softness
    texture = _upscaled_noise(size, 5, seed + 1, "L")  # asphalt, foliage: mostly luminance
    try:
        import numpy as np
    except ImportError:
        grain = Image.effect_noise(size, 8).convert("RGB")
        image = Image.blend(broad, texture.convert("RGB"), 0.3)
        return Image.blend(image, grain, 0.1)
    rng = np.random.default_rng(seed)
    pixels = np.asarray(broad, dtype=np.float32) * 0.8
    pixels += (np.asarray(texture, dtype=np.float32)[:, :, None] - 128) * 0.6
    pixels += np.linspace(30, -20, height, dtype=np.float32)[:, None, None]  # light from above
    pixels += rng.normal(0, 3.5, size=(height, width, 1)).astype(np.float32)  # sensor noise
    return Image.fromarray(np.clip(pixels + 30, 0, 255).astype(np.uint8), "RGB")


def camera_jpeg(case: Case, seed: int) -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = case.orientation
    exif[ExifTags.Base.Make] = "BenchPhone"
    exif[ExifTags.Base.Model] = "BP-12"
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.BodySerialNumber] = "SN0000001"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (44.0, 29.0, 41.0)
    buffer = io.BytesIO()
    photo_like(case.size, seed).save(buffer, "JPEG", quality=90, exif=exif)
    return buffer.getvalue()


# -- the two contenders -----------------------------------------------------------------------


def baseline(data: bytes) -> tuple[bytes, bytes]:
    """Bare Pillow: what a first version without validation or stripping would do."""
    outputs = []
    for side in (1600, 400):
        with Image.open(io.BytesIO(data)) as image:
            image.draft("RGB", (side, side))
            image.thumbnail((side, side))
            buffer = io.BytesIO()
            image.save(buffer, "JPEG", quality=QUALITY, optimize=True, progressive=True)
            outputs.append(buffer.getvalue())
    return outputs[0], outputs[1]


def pipeline(data: bytes) -> tuple[bytes, bytes]:
    photo = process_photo(data, max_bytes=MAX_BYTES, max_pixels=MAX_PIXELS)
    return photo.display, photo.thumbnail


# -- measuring --------------------------------------------------------------------------------


def percentile(samples: list[float], percent: int) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[percent - 1]


def measure(
    contenders: Mapping[str, Callable[[bytes], tuple[bytes, bytes]]], data: bytes, repeat: int, warmup: int
) -> dict[str, list[float]]:
    """Milliseconds per run of each contender, runs interleaved so drift hits both alike."""
    for _ in range(warmup):
        for run in contenders.values():
            run(data)
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(repeat):
        for name, run in contenders.items():
            start = time.perf_counter()
            run(data)
            times[name].append((time.perf_counter() - start) * 1000)
    return times


def sizes_of(outputs: tuple[bytes, bytes]) -> str:
    with Image.open(io.BytesIO(outputs[0])) as display, Image.open(io.BytesIO(outputs[1])) as thumb:
        return (
            f"display {display.width}×{display.height} {len(outputs[0]) / 1024:.0f} KiB, "
            f"thumbnail {thumb.width}×{thumb.height} {len(outputs[1]) / 1024:.0f} KiB"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    turbo = "libjpeg-turbo" if features.check_feature("libjpeg_turbo") else "libjpeg"
    print(
        f"Python {platform.python_version()}, Pillow {PIL.__version__} ({turbo} "
        f"{features.version('jpg')}), {args.repeat} runs after {args.warmup} warm-up, one thread"
    )
    contenders = {"pipeline": pipeline, "baseline": baseline}
    for case in CASES:
        data = camera_jpeg(case, args.seed)
        times = measure(contenders, data, args.repeat, args.warmup)
        p50 = {name: statistics.median(samples) for name, samples in times.items()}
        p95 = {name: percentile(samples, 95) for name, samples in times.items()}
        print(f"\n{case.name} {case.size[0]}×{case.size[1]}, input JPEG {len(data) / MB:.2f} MB")
        for name, run in contenders.items():
            print(f"  {name:<9} p50 {p50[name]:7.1f} ms  p95 {p95[name]:7.1f} ms  {sizes_of(run(data))}")
        print(
            f"  ratio pipeline/baseline: p50 {p50['pipeline'] / p50['baseline']:.2f}, "
            f"p95 {p95['pipeline'] / p95['baseline']:.2f}"
        )


if __name__ == "__main__":
    main()
