"""Identity and likeness of photos: SHA-256 finds the same bytes uploaded twice, the perceptual hash finds the same
photo re-sent (re-compressed by WeChat, resized, re-saved) or a colleague's photo passed off as one's own."""
from __future__ import annotations

import hashlib
import re

import imagehash
from PIL import Image

_HEX = re.compile(r"[0-9a-fA-F]+")


def sha256(data: bytes) -> str:
    """Hex SHA-256 of the original bytes (the evidence as received)."""
    return hashlib.sha256(data).hexdigest()


def phash_image(image: Image.Image) -> str:
    """64-bit pHash (DCT of a 32×32 grey image) as 16 hex digits, from an already decoded, upright image."""
    return str(imagehash.phash(image))


def hamming(a_hex: str, b_hex: str) -> int:
    """Number of differing bits between two hashes of the same length: 0 is identical; for 64-bit pHash, up to
    ~8 is the same picture and over ~20 a different one."""
    if len(a_hex) != len(b_hex) or not (_HEX.fullmatch(a_hex) and _HEX.fullmatch(b_hex)):
        raise ValueError("hashes must be hex strings of the same length")
    return (int(a_hex, 16) ^ int(b_hex, 16)).bit_count()
