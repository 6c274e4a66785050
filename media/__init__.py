"""Pure image processing for photo evidence: bytes in, bytes and facts out; no Flask, no database.

    facts = media.inspect(data)                      # or a MediaError with .code and a Chinese .message
    done = media.process(data, media.Watermark(...)) # facts, sha256, phash, display + thumbnail JPEGs

Everything that reads untrusted bytes checks them in the same order (size, magic, header pixels, container
structure) before any decoder runs; see `media.decode`.
"""
from __future__ import annotations

from .api import Processed, inspect, make_derivatives, perceptual_hash, process
from .defaults import DISPLAY_LONG_EDGE, JPEG_QUALITY, MAX_BYTES, MAX_PIXELS, THUMBNAIL_LONG_EDGE
from .derivatives import Derivatives, Rendition
from .errors import (
    CorruptImage,
    FormatNotAllowed,
    MediaError,
    NotAnImage,
    TooLarge,
    TooManyPixels,
    TrailingData,
)
from .facts import GeoPoint, ImageFacts
from .hashes import hamming, sha256
from .watermark import Watermark

__all__ = [
    "DISPLAY_LONG_EDGE",
    "JPEG_QUALITY",
    "MAX_BYTES",
    "MAX_PIXELS",
    "THUMBNAIL_LONG_EDGE",
    "CorruptImage",
    "Derivatives",
    "FormatNotAllowed",
    "GeoPoint",
    "ImageFacts",
    "MediaError",
    "NotAnImage",
    "Processed",
    "Rendition",
    "TooLarge",
    "TooManyPixels",
    "TrailingData",
    "Watermark",
    "hamming",
    "inspect",
    "make_derivatives",
    "perceptual_hash",
    "process",
    "sha256",
]
