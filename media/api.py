"""The entry points: each takes untrusted bytes, goes through `decode.analyse` once, and returns plain values."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .decode import analyse
from .defaults import DISPLAY_LONG_EDGE, MAX_BYTES, MAX_PIXELS, THUMBNAIL_LONG_EDGE, VERIFY_LONG_EDGE
from .derivatives import Derivatives, render, to_rgb, upright
from .facts import ImageFacts
from .hashes import phash_image, sha256
from .watermark import Watermark


@dataclass(frozen=True, slots=True)
class Processed:
    """Everything the upload endpoint stores: facts, the two hashes and the two derivatives."""

    facts: ImageFacts
    sha256: str
    phash: str
    derivatives: Derivatives


def inspect(
    data: bytes, *, max_bytes: int = MAX_BYTES, max_pixels: int = MAX_PIXELS, now: datetime | None = None
) -> ImageFacts:
    """Facts about `data`, after proving it is an allowed, complete image that decodes (JPEG at 1/8 scale).

    Raises a MediaError subclass otherwise.  `now` (aware, default the current time) bounds plausible EXIF dates.
    """
    return analyse(data, max_bytes=max_bytes, max_pixels=max_pixels, long_edge=VERIFY_LONG_EDGE, now=now).facts


def make_derivatives(
    data: bytes, *, watermark: Watermark | None, max_bytes: int = MAX_BYTES, max_pixels: int = MAX_PIXELS
) -> Derivatives:
    """Display image (long edge 1600, watermarked if asked) and thumbnail (320), upright, EXIF-free JPEGs."""
    decoded = analyse(data, max_bytes=max_bytes, max_pixels=max_pixels, long_edge=DISPLAY_LONG_EDGE)
    return render(decoded.image, decoded.facts.orientation, watermark).derivatives


def perceptual_hash(data: bytes, *, max_bytes: int = MAX_BYTES, max_pixels: int = MAX_PIXELS) -> str:
    """pHash (16 hex digits) of the upright picture, decoded small (a JPEG at 1/8 scale).

    It is computed from a thumbnail-size image, as in `process`; the two may differ by a bit or two because the
    decode scales differ.  Compare hashes with `hamming`, never with ==.
    """
    decoded = analyse(data, max_bytes=max_bytes, max_pixels=max_pixels, long_edge=THUMBNAIL_LONG_EDGE)
    return phash_image(upright(to_rgb(decoded.image), decoded.facts.orientation, THUMBNAIL_LONG_EDGE))


def process(
    data: bytes,
    watermark: Watermark | None = None,
    *,
    max_bytes: int = MAX_BYTES,
    max_pixels: int = MAX_PIXELS,
    now: datetime | None = None,
) -> Processed:
    """inspect + make_derivatives + hashes with one decode at display scale: what the upload endpoint calls."""
    decoded = analyse(data, max_bytes=max_bytes, max_pixels=max_pixels, long_edge=DISPLAY_LONG_EDGE, now=now)
    rendered = render(decoded.image, decoded.facts.orientation, watermark)
    return Processed(
        facts=decoded.facts,
        sha256=sha256(data),
        phash=phash_image(rendered.thumbnail_image),
        derivatives=rendered.derivatives,
    )
