"""From untrusted bytes to facts and one decoded (reduced) image: the single gate every entry point goes through.

The order is the defence: size in bytes, format from the magic, pixel count from the header, container structure
(truncation, appended payloads), and only then Pillow, restricted to the sniffed format, and a decode at the
smallest scale the caller needs (JPEG draft mode decodes a 12 MP photo at 1/2, 1/4 or 1/8 scale in the DCT).
Nothing here is decoded twice: the entry points in `api.py` take the facts and the reduced image from one call.
"""
from __future__ import annotations

import io
import math
from dataclasses import dataclass
from datetime import datetime, timezone

import pillow_heif
from PIL import Image

from . import container
from .container import Format
from .errors import CorruptImage, MediaError, TooLarge, TooManyPixels
from .exif import read_exif
from .facts import ImageFacts

pillow_heif.register_heif_opener()  # idempotent; HEIF opens through Image.open like the rest

_PILLOW_FORMAT: dict[Format, str] = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP", "heif": "HEIF"}


@dataclass(frozen=True, slots=True)
class Decoded:
    """Facts plus the image decoded at reduced scale, still in stored orientation and its own mode."""

    facts: ImageFacts
    image: Image.Image


def analyse(
    data: bytes, *, max_bytes: int, max_pixels: int, long_edge: int, now: datetime | None = None
) -> Decoded:
    """Validate `data` and decode it once, at the smallest scale whose long edge is still >= `long_edge`."""
    if now is not None and now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    fmt, stored = _gate(data, max_bytes=max_bytes, max_pixels=max_pixels)
    image = _open(data, fmt, max_pixels, stored)
    width, height = image.size
    if stored != (width, height):
        raise CorruptImage(f"{fmt}: header says {stored}, decoder says {(width, height)}")
    _decode_reduced(image, fmt, long_edge)
    exif = read_exif(image, now or datetime.now(timezone.utc))
    facts = ImageFacts(
        format=fmt,
        width=width,
        height=height,
        orientation=exif.orientation,
        taken_at=exif.taken_at,
        taken_at_has_offset=exif.taken_at_has_offset,
        gps=exif.gps,
        make=exif.make,
        model=exif.model,
        has_camera_exif=exif.has_camera_exif,
        warnings=exif.warnings,
    )
    return Decoded(facts=facts, image=image)


def _gate(data: bytes, *, max_bytes: int, max_pixels: int) -> tuple[Format, tuple[int, int]]:
    """Every check that needs no decoder, cheapest first: bytes, magic, header pixels, container structure."""
    if len(data) > max_bytes:
        raise TooLarge(len(data), max_bytes)
    fmt = container.sniff(data)
    stored = _stored_size(fmt, data)
    _check_pixels(*stored, max_pixels)
    container.check_structure(fmt, data)
    return fmt, stored


def _stored_size(fmt: Format, data: bytes) -> tuple[int, int]:
    if fmt != "heif":
        return container.header_size(fmt, data)
    container.check_structure(fmt, data)  # a few top-level boxes: walked before libheif reads them
    return _heif_size(data)


def _heif_size(data: bytes) -> tuple[int, int]:
    """Size of the primary HEIF image from libheif's reading of the boxes; nothing is decoded here."""
    try:
        width, height = pillow_heif.open_heif(data, convert_hdr_to_8bit=True).size
    except Exception as exc:  # libheif raises ValueError, EOFError, SyntaxError, RuntimeError for bad boxes
        raise CorruptImage(f"heif: {type(exc).__name__}: {exc}") from exc
    return int(width), int(height)


def _check_pixels(width: int, height: int, max_pixels: int) -> None:
    if width * height > max_pixels:
        raise TooManyPixels(width, height, max_pixels)


def _open(data: bytes, fmt: Format, max_pixels: int, stored: tuple[int, int]) -> Image.Image:
    """Pillow reads the header only; restricted to the sniffed format so no other plugin ever parses the bytes."""
    try:
        image = Image.open(io.BytesIO(data), formats=[_PILLOW_FORMAT[fmt]])
    except Image.DecompressionBombError as exc:  # Pillow's own guard, the second line when a caller raises max_pixels
        pillow_limit = 2 * (Image.MAX_IMAGE_PIXELS or max_pixels)
        raise TooManyPixels(*stored, min(max_pixels, pillow_limit)) from exc
    except Exception as exc:  # Pillow raises many types for bad data; all mean corrupt
        raise CorruptImage(f"{fmt}: {type(exc).__name__}: {exc}") from exc
    return image


def _decode_reduced(image: Image.Image, fmt: Format, long_edge: int) -> None:
    """Decode in place, at reduced scale for JPEG.

    JPEG draft mode scales in the DCT but still reads every byte of the entropy-coded data, so a reduced decode
    also proves the whole image decodes.  HEIF draft would pick an embedded thumbnail and never look at the
    primary image, so HEIF (like PNG and WebP, which have no reduced decode) is decoded in full.
    """
    width, height = image.size
    scale = long_edge / max(width, height)
    try:
        if fmt == "jpeg" and scale < 1:
            image.draft("RGB", (max(1, math.ceil(width * scale)), max(1, math.ceil(height * scale))))
        image.load()
    except MediaError:
        raise
    except Exception as exc:  # truncated or malformed image data, whatever the decoder's word for it
        raise CorruptImage(f"decode: {type(exc).__name__}: {exc}") from exc
