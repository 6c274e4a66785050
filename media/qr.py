"""QR codes as images (segno): the report poster prints one, the binding-code answer carries one."""
from __future__ import annotations

import base64
import io

import segno
from PIL import Image


def qr_png(text: str, *, width: int = 0, scale: int = 8) -> bytes:
    """A QR code of ``text`` (error correction M, the standard 4-module quiet zone) as PNG bytes: ``scale`` pixels
    per module, or, with ``width``, the largest whole scale that fits that many pixels."""
    qr = segno.make(text, error="m", micro=False)
    if width:
        scale = max(1, int(width // qr.symbol_size(border=4)[0]))
    buf = io.BytesIO()
    qr.save(buf, kind="png", scale=scale, border=4)
    return buf.getvalue()


def qr_image(text: str, *, width: int) -> Image.Image:
    return Image.open(io.BytesIO(qr_png(text, width=width))).convert("RGB")


def qr_data_uri(text: str, *, scale: int = 8) -> str:
    """``data:image/png;base64,…`` for an ``<img src>``: the code never needs a second request or a URL."""
    return "data:image/png;base64," + base64.b64encode(qr_png(text, scale=scale)).decode()
