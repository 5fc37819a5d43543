"""Test images made in memory with Pillow, plus hand-crafted hostile files.

Every generator returns the bytes of one file. Nothing is written to disk.
"""

from __future__ import annotations

import io
import random
import struct
import zlib
from typing import Any

from PIL import ExifTags, Image, ImageCms, PngImagePlugin, features

RED = (255, 0, 0)
GREEN = (0, 255, 0)
BLUE = (0, 0, 255)
WHITE = (255, 255, 255)

SERIAL = "SN-CITIZEN-0042-SECRET"
COMMENT = b"shot by a citizen, secret comment"
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="41,54.1667N"'
    b' exif:GPSLongitude="12,29.0000E"/></rdf:RDF></x:xmpmeta>'
)


def save(image: Image.Image, fmt: str, **params: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def icc_profile() -> bytes:
    """A real sRGB ICC profile when Pillow has LittleCMS, else opaque bytes (Pillow embeds either)."""
    if features.check("littlecms2"):
        return bytes(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    return b"not-a-real-icc-profile" * 8


def camera_exif(orientation: int = 1) -> Image.Exif:
    """EXIF as a phone writes it: orientation, make/model, body serial number, GPS position."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "CitizenPhone"
    exif[ExifTags.Base.Model] = "CP-1"
    exif_ifd = exif.get_ifd(ExifTags.IFD.Exif)
    exif_ifd[ExifTags.Base.BodySerialNumber] = SERIAL  # 0xA431
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (41.0, 54.0, 10.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (12.0, 29.0, 0.0)
    return exif


def half_red_half_blue(size: tuple[int, int] = (400, 200), mode: str = "RGB") -> Image.Image:
    """Top half red, bottom half blue: after a rotation you can tell where the top went."""
    width, height = size
    image = Image.new("RGB", size, BLUE)
    image.paste(RED, (0, 0, width, height // 2))
    return image.convert(mode)


def left_right(left: Any, right: Any, size: tuple[int, int] = (64, 32), mode: str = "RGB") -> Image.Image:
    """Left half one colour, right half another."""
    image = Image.new(mode, size, left)
    image.paste(right, (size[0] // 2, 0, size[0], size[1]))
    return image


def jpeg_with_metadata(orientation: int = 6) -> bytes:
    """400×200 JPEG, red top, with EXIF (GPS, serial, orientation), XMP, ICC and a comment."""
    return save(
        half_red_half_blue(),
        "JPEG",
        quality=95,
        exif=camera_exif(orientation),
        xmp=XMP,
        icc_profile=icc_profile(),
        comment=COMMENT,
    )


def jpeg(size: tuple[int, int] = (300, 200), colour: tuple[int, int, int] = RED, **params: Any) -> bytes:
    return save(Image.new("RGB", size, colour), "JPEG", **params)


def cmyk_jpeg() -> bytes:
    """A CMYK JPEG: left half white (no ink), right half red (magenta + yellow)."""
    image = Image.new("CMYK", (200, 100), (0, 0, 0, 0))
    image.paste((0, 255, 255, 0), (100, 0, 200, 100))
    return save(image, "JPEG", quality=95)


def png(image: Image.Image, **params: Any) -> bytes:
    return save(image, "PNG", **params)


def png_with_metadata() -> bytes:
    """An RGB PNG with text chunks, eXIf and an ICC profile."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", COMMENT.decode())
    info.add_itxt("XML:com.adobe.xmp", XMP.decode())
    return png(half_red_half_blue((120, 80)), pnginfo=info, exif=camera_exif(1), icc_profile=icc_profile())


def png_16bit() -> bytes:
    """A 16-bit greyscale PNG: left half 65535 (white), right half 32768 (mid grey)."""
    image = Image.new("I;16", (64, 32), 65535)
    image.paste(Image.new("I;16", (32, 32), 32768), (32, 0))  # pasting the int 32768 gives 0
    return png(image)


def png_palette_transparent() -> bytes:
    """A palette PNG whose left half is the transparent index, right half opaque blue."""
    image = Image.new("P", (64, 32), 0)
    image.putpalette([0, 0, 0, *BLUE] + [0] * (256 - 2) * 3)
    image.paste(1, (32, 0, 64, 32))
    return png(image, transparency=0)


def png_rgba() -> bytes:
    """Left half fully transparent (black underneath), right half opaque green."""
    image = Image.new("RGBA", (64, 32), (0, 0, 0, 0))
    image.paste((*GREEN, 255), (32, 0, 64, 32))
    return png(image)


def png_la() -> bytes:
    """Greyscale with alpha: left half transparent black, right half opaque black."""
    image = Image.new("LA", (64, 32), (0, 0))
    image.paste((0, 255), (32, 0, 64, 32))
    return png(image)


def png_1bit() -> bytes:
    """A 1-bit PNG: left half black, right half white."""
    image = Image.new("1", (64, 32), 0)
    image.paste(1, (32, 0, 64, 32))
    return png(image)


def apng() -> bytes:
    """An animated PNG: red first frame, blue second."""
    frames = [Image.new("RGB", (48, 32), RED), Image.new("RGB", (48, 32), BLUE)]
    return save(frames[0], "PNG", save_all=True, append_images=frames[1:], duration=100, loop=0)


def webp(image: Image.Image | None = None, **params: Any) -> bytes:
    return save(image if image is not None else half_red_half_blue((120, 80)), "WEBP", quality=90, **params)


def webp_with_metadata() -> bytes:
    return webp(exif=camera_exif(1), icc_profile=icc_profile(), xmp=XMP)


def animated_webp() -> bytes:
    """Red first frame, then blue and green."""
    frames = [Image.new("RGB", (48, 32), colour) for colour in (RED, BLUE, GREEN)]
    return save(frames[0], "WEBP", save_all=True, append_images=frames[1:], duration=100, lossless=True)


# -- files we must refuse ---------------------------------------------------------------------


def png_claiming(width: int, height: int) -> bytes:
    """A 1×1 PNG whose IHDR claims ``width``×``height`` (CRC fixed): a decompression bomb's header."""
    data = bytearray(png(Image.new("L", (1, 1))))
    # Signature (8), IHDR length (4), b"IHDR" (4), then width and height.
    assert data[12:16] == b"IHDR"
    struct.pack_into(">II", data, 16, width, height)
    struct.pack_into(">I", data, 29, zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def tiff() -> bytes:
    return save(Image.new("RGB", (32, 32), RED), "TIFF")


def gif() -> bytes:
    return save(Image.new("RGB", (32, 32), RED), "GIF")


def bmp() -> bytes:
    return save(Image.new("RGB", (32, 32), RED), "BMP")


def pdf() -> bytes:
    return save(Image.new("RGB", (32, 32), RED), "PDF")


def eps() -> bytes:
    return (
        b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 32 32\n%%EndComments\n"
        b"newpath 0 0 moveto 32 0 lineto 32 32 lineto closepath fill\nshowpage\n%%EOF\n"
    )


def psd() -> bytes:
    """A minimal 8-bit RGB Photoshop file, 2×2, raw pixel data (Pillow can read but not write PSD)."""
    header = b"8BPS" + struct.pack(">H6xHIIHH", 1, 3, 2, 2, 8, 3)
    sections = struct.pack(">III", 0, 0, 0)  # colour mode data, image resources, layers and masks
    return header + sections + struct.pack(">H", 0) + bytes([255] * 4 + [0] * 8)


def svg() -> bytes:
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32">'
        b'<rect width="32" height="32" fill="red"/></svg>\n'
    )


def heic_header() -> bytes:
    """The start of an iPhone HEIC file (ISO-BMFF ``ftyp`` box, brand ``heic``)."""
    return struct.pack(">I", 24) + b"ftypheic" + b"\x00\x00\x00\x00" + b"mif1heic" + bytes(64)


def random_bytes(size: int = 4096) -> bytes:
    return random.Random(1).randbytes(size)


def truncated(data: bytes) -> bytes:
    """The first half of a file, as a dropped mobile connection leaves it."""
    return data[: len(data) // 2]


# -- looking inside JPEG output ---------------------------------------------------------------


def jpeg_markers(data: bytes) -> list[int]:
    """The marker codes of a JPEG's segments up to the first scan (APPn = 0xE0–0xEF, COM = 0xFE)."""
    assert data[:2] == b"\xff\xd8", "not a JPEG"
    markers: list[int] = []
    position = 2
    while position < len(data):
        assert data[position] == 0xFF, f"bad marker at {position}"
        marker = data[position + 1]
        markers.append(marker)
        if marker == 0xDA:  # start of scan: entropy-coded data follows
            break
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        position += 2 + length
    return markers
