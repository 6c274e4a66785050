"""Images for the media tests, all made here with Pillow: no binary fixtures in the repository.

Factories are session-scoped fixtures returning functions, so hypothesis tests can use them too.
"""
from __future__ import annotations

import io
import struct
import zlib
from datetime import datetime, timezone
from typing import Any

import pytest
from PIL import Image, ImageDraw

NOW = datetime(2026, 11, 23, 6, 0, tzinfo=timezone.utc)  # the suite's clock: 2026-11-23 14:00 in the county


def scene(size: tuple[int, int] = (64, 48), seed: int = 1, mode: str = "RGB") -> Image.Image:
    """A small picture with structure (sky, field, sun, a few boxes), different per seed: what pHash needs."""
    import random

    rng = random.Random(seed)
    width, height = size
    image = Image.new("RGB", size, (rng.randrange(60, 140), rng.randrange(100, 180), rng.randrange(160, 240)))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, height * 0.6, width, height), fill=(rng.randrange(40, 90), rng.randrange(100, 160), 50))
    for _ in range(6):
        x0, y0 = rng.uniform(0, width * 0.8), rng.uniform(0, height * 0.8)
        x1, y1 = x0 + rng.uniform(width * 0.05, width * 0.4), y0 + rng.uniform(height * 0.05, height * 0.4)
        colour = tuple(rng.randrange(256) for _ in range(3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)((x0, y0, x1, y1), fill=colour)
    return image.convert(mode) if mode != "RGB" else image


def encode(image: Image.Image, fmt: str, **options: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def camera_exif(
    *,
    make: str | None = "HUAWEI",
    model: str | None = "ELS-AN00",
    orientation: int | None = None,
    taken: str | None = "2026:11:20 09:30:15",
    offset: str | None = None,
    subsec: str | None = None,
    gps: tuple[str, tuple[float, float, float], str, tuple[float, float, float]] | None = None,
) -> Image.Exif:
    """An Exif block like a phone writes: IFD0 make/model/orientation, ExifIFD dates, GPS IFD."""
    exif = Image.Exif()
    if make:
        exif[0x010F] = make
    if model:
        exif[0x0110] = model
    if orientation is not None:
        exif[0x0112] = orientation
    exif_ifd = exif.get_ifd(0x8769)
    if taken:
        exif_ifd[0x9003] = taken
    if offset:
        exif_ifd[0x9011] = offset
    if subsec:
        exif_ifd[0x9291] = subsec
    if gps:
        lat_ref, lat, lng_ref, lng = gps
        gps_ifd = exif.get_ifd(0x8825)
        gps_ifd.update({0: b"\x02\x02\x00\x00", 1: lat_ref, 2: lat, 3: lng_ref, 4: lng})
    return exif


def dms(value: float) -> tuple[float, float, float]:
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    return float(degrees), float(minutes), round((value - degrees - minutes / 60) * 3600, 4)


def png_with_size(small_png: bytes, width: int, height: int) -> bytes:
    """A PNG whose IHDR claims width×height, CRC recomputed: a header bomb built without the pixels."""
    assert small_png[12:16] == b"IHDR"
    ihdr = bytearray(small_png[12:29])
    ihdr[4:8], ihdr[8:12] = struct.pack(">I", width), struct.pack(">I", height)
    crc = struct.pack(">I", zlib.crc32(bytes(ihdr)))
    return small_png[:12] + bytes(ihdr) + crc + small_png[33:]


def jpeg_with_size(small_jpeg: bytes, width: int, height: int) -> bytes:
    """A JPEG whose SOF0 claims width×height: the pixel data stays that of the small image."""
    sof = small_jpeg.index(b"\xff\xc0")
    patched = bytearray(small_jpeg)
    patched[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(patched)


def heif_with_size(small_heif: bytes, width: int, height: int) -> bytes:
    """A HEIF whose 'ispe' (image spatial extents) property claims width×height (use a 64×64 source: no crop)."""
    assert small_heif.count(b"ispe") == 1
    at = small_heif.index(b"ispe") + 8  # after the type and the version/flags word
    return small_heif[:at] + struct.pack(">II", width, height) + small_heif[at + 8 :]


def app1_span(jpeg: bytes) -> tuple[int, int]:
    """(start, end) of the Exif APP1 payload after its 'Exif\\0\\0' header."""
    start = jpeg.index(b"\xff\xe1")
    length = struct.unpack(">H", jpeg[start + 2 : start + 4])[0]
    assert jpeg[start + 4 : start + 10] == b"Exif\x00\x00"
    return start + 10, start + 2 + length


class Images:
    """The helpers above as one fixture (test modules cannot import conftest)."""

    scene = staticmethod(scene)
    encode = staticmethod(encode)
    exif = staticmethod(camera_exif)
    dms = staticmethod(dms)
    png_with_size = staticmethod(png_with_size)
    jpeg_with_size = staticmethod(jpeg_with_size)
    heif_with_size = staticmethod(heif_with_size)
    app1_span = staticmethod(app1_span)

    @staticmethod
    def jpeg(size: tuple[int, int] = (64, 48), seed: int = 1, **options: Any) -> bytes:
        return encode(scene(size, seed), "JPEG", **options)

    @staticmethod
    def png(size: tuple[int, int] = (64, 48), seed: int = 1, mode: str = "RGB", **options: Any) -> bytes:
        return encode(scene(size, seed, mode), "PNG", **options)


@pytest.fixture(scope="session")
def images() -> Images:
    return Images()


@pytest.fixture(scope="session")
def now() -> datetime:
    return NOW
