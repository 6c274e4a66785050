"""Display image and thumbnail from a decoded image: upright, RGB, EXIF-free JPEGs, never larger than the original.

Stripping EXIF matters: the derivatives are what gets shown and shared, and EXIF carries the member's exact
position and phone serials.  The facts the server needs were read before (ImageFacts).
"""
from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image

from .defaults import DISPLAY_LONG_EDGE, JPEG_QUALITY, THUMBNAIL_LONG_EDGE
from .watermark import Watermark, apply_watermark

# EXIF orientation -> the transpose that makes the pixels upright (the table of ImageOps.exif_transpose).
_TRANSPOSE: dict[int, Image.Transpose] = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_WHITE = (255, 255, 255)


@dataclass(frozen=True, slots=True)
class Rendition:
    """One encoded derivative."""

    data: bytes
    width: int
    height: int
    content_type: str = "image/jpeg"


@dataclass(frozen=True, slots=True)
class Derivatives:
    display: Rendition
    thumbnail: Rendition


@dataclass(frozen=True, slots=True)
class Rendered:
    """Derivatives plus the thumbnail-size image they came from (the perceptual hash reuses it, no new decode)."""

    derivatives: Derivatives
    thumbnail_image: Image.Image


def render(image: Image.Image, orientation: int, watermark: Watermark | None) -> Rendered:
    """Build both derivatives from one decoded image; the thumbnail is made from the display image."""
    icc = _rgb_icc_profile(image)
    display = upright(to_rgb(image), orientation, DISPLAY_LONG_EDGE)
    thumbnail = fit(display, THUMBNAIL_LONG_EDGE)
    shown = apply_watermark(display, watermark) if watermark is not None else display
    return Rendered(
        derivatives=Derivatives(display=encode_jpeg(shown, icc), thumbnail=encode_jpeg(thumbnail, icc)),
        thumbnail_image=thumbnail,
    )


def upright(image: Image.Image, orientation: int, long_edge: int) -> Image.Image:
    """Resize first, then rotate: turning the small image is the cheaper of the two orders."""
    return apply_orientation(fit(image, long_edge), orientation)


def fit(image: Image.Image, long_edge: int) -> Image.Image:
    """Scale down so the long edge is `long_edge`; small images are returned as they are (never upscaled)."""
    width, height = image.size
    if max(width, height) <= long_edge:
        return image
    scale = long_edge / max(width, height)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)


def apply_orientation(image: Image.Image, orientation: int) -> Image.Image:
    """ImageOps.exif_transpose semantics, from the orientation in ImageFacts rather than re-reading EXIF."""
    method = _TRANSPOSE.get(orientation)
    return image.transpose(method) if method is not None else image


def to_rgb(image: Image.Image) -> Image.Image:
    """RGB for JPEG: transparency flattened on white (a screenshot's clear areas must not turn black)."""
    if image.mode == "RGB":
        return image
    if image.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        image = image.convert("I").point(lambda v: v * (1 / 256)).convert("L")  # 16-bit: keep the top byte
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, _WHITE)
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image.convert("RGB")


def _rgb_icc_profile(image: Image.Image) -> bytes | None:
    """The colour profile to carry over, only if it describes RGB (iPhone Display P3 photos shift colour without
    it); a CMYK or grey profile would be wrong once the pixels are RGB."""
    icc = image.info.get("icc_profile")
    if isinstance(icc, bytes) and len(icc) >= 20 and icc[16:20] == b"RGB " and image.mode != "CMYK":
        return icc
    return None


def encode_jpeg(image: Image.Image, icc_profile: bytes | None = None) -> Rendition:
    """Baseline JPEG with optimised Huffman tables at JPEG_QUALITY; no EXIF, no XMP, no comment (Pillow writes
    only what it is given).  Progressive came out the same size for twice the encode time (bench_media)."""
    buffer = io.BytesIO()
    options: dict[str, object] = {"quality": JPEG_QUALITY, "optimize": True}
    if icc_profile:
        options["icc_profile"] = icc_profile
    image.save(buffer, "JPEG", **options)
    return Rendition(data=buffer.getvalue(), width=image.width, height=image.height)
