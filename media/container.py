"""Reading containers from raw bytes, without Pillow: which format, how many pixels, where the image ends.

Why by hand: the format must come from the bytes (never a file name or a declared type); the pixel count must be
known before any decoder touches the data (a 30000×30000 header is refused at the cost of reading 30 bytes); and
Pillow stops reading at the end of the image, so only a walk over the whole container sees what hides after it
(a JPEG with a ZIP appended opens fine in an image viewer *and* in an unzipper).
"""
from __future__ import annotations

import re
import zlib
from typing import Literal

from .errors import CorruptImage, FormatNotAllowed, NotAnImage, TrailingData

Format = Literal["jpeg", "png", "webp", "heif"]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"}
_HEIF_GENERIC_BRANDS = {b"mif1", b"msf1", b"mif2"}
_REFUSED_ISOBMFF_BRANDS = {b"avif": "avif", b"avis": "avif", b"jxl ": "jpeg-xl", b"crx ": "canon-raw"}
_MAX_APPENDED_JPEGS = 8  # MPF: gain map, depth map, a few previews; more is not a camera


# ---------------------------------------------------------------------------------------------------- sniffing


def sniff(data: bytes) -> Format:
    """The allowed format of `data`, or NotAnImage / FormatNotAllowed."""
    if not data:
        raise NotAnImage("empty", message="上传的文件是空的")
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(PNG_SIGNATURE):
        return "png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[4:8] == b"ftyp":
        return _sniff_isobmff(data)
    refused = _refused_format(data)
    if refused:
        raise FormatNotAllowed(refused)
    raise NotAnImage(f"unknown magic {data[:8].hex()}")


def _sniff_isobmff(data: bytes) -> Format:
    """HEIC/HEIF by brand; AVIF and other image brands are refused; the rest (MP4, MOV) is not an image."""
    box_size = int.from_bytes(data[0:4], "big")
    major = data[8:12]
    compatible = {data[i : i + 4] for i in range(16, min(box_size, len(data), 256) - 3, 4)}
    brands = {major} | compatible
    for brand, name in _REFUSED_ISOBMFF_BRANDS.items():
        if major == brand:
            raise FormatNotAllowed(name)
    if major in _HEIC_BRANDS or (major in _HEIF_GENERIC_BRANDS and brands & _HEIC_BRANDS):
        return "heif"
    for brand, name in _REFUSED_ISOBMFF_BRANDS.items():
        if brand in brands:
            raise FormatNotAllowed(name)
    if major in _HEIF_GENERIC_BRANDS:
        return "heif"  # generic HEIF; libheif says whether it can decode the coding inside
    raise NotAnImage(f"isobmff brand {major!r}")


_BMP_HEADER_SIZES = (12, 40, 52, 56, 64, 108, 124)  # the DIB header versions; "BM" alone is too weak a magic
_BINARY_BYTES = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")
_TEXT_HTML_PREFIXES = (
    b"<!doctype html", b"<html", b"<head", b"<body", b"<script", b"<iframe", b"<div", b"<table", b"<style",
    b"<title", b"<a ", b"<p>", b"<br", b"<h1", b"<font", b"<b>", b"<!--",
)


def _refused_format(data: bytes) -> str | None:
    """Name of a known format we refuse, else None (then the bytes are simply not an image)."""
    head = data[:32]
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:2] == b"BM" and int.from_bytes(data[14:18], "little") in _BMP_HEADER_SIZES:
        return "bmp"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "tiff"
    if head[:4] in (b"\x00\x00\x01\x00", b"\x00\x00\x02\x00") and len(data) > 6 and data[4] | data[5]:
        return "ico"
    if head[:4] == b"8BPS":
        return "psd"
    if head[:2] == b"\xff\x0a" or head[:12] == b"\x00\x00\x00\x0cJXL \r\n\x87\n":
        return "jpeg-xl"
    if head[:4] == b"\xff\x4f\xff\x51" or head[:12] == b"\x00\x00\x00\x0cjP  \r\n\x87\n":
        return "jpeg-2000"
    return _sniff_markup(data)


def _sniff_markup(data: bytes) -> str | None:
    """SVG and HTML, the two text formats a browser would run script from if we ever served them back."""
    text = data[:4096]
    for bom in (b"\xef\xbb\xbf", b"\xfe\xff", b"\xff\xfe"):
        if text.startswith(bom):
            text = text[len(bom) :]
    if text[:2] in (b"<\x00", b"\x00<"):  # UTF-16 markup: drop the zero bytes, enough to see the tags
        text = text.replace(b"\x00", b"")
    if _BINARY_BYTES.search(text):
        return None  # a binary file (a ZIP with an HTML file inside) is not markup
    lowered = text.lstrip(b" \t\r\n\f").lower()
    if b"<svg" in lowered:
        return "svg"
    if lowered.startswith(_TEXT_HTML_PREFIXES) or b"<html" in lowered or b"<script" in lowered:
        return "html"
    return None


# --------------------------------------------------------------------------------------------- header size


def header_size(fmt: Format, data: bytes) -> tuple[int, int]:
    """(width, height) as stored, from the header alone.  Not for HEIF: its size sits in item properties deep in
    the meta box, which libheif reads without decoding (see decode.py)."""
    if fmt == "jpeg":
        return _jpeg_header(data, 0)[0]
    if fmt == "png":
        return _png_size(data)
    if fmt == "webp":
        return _webp_size(data)
    raise ValueError(f"no header parser for {fmt}")


def _png_size(data: bytes) -> tuple[int, int]:
    if len(data) < 33 or data[12:16] != b"IHDR":
        raise CorruptImage("png: no IHDR")
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if not (0 < width < 2**31 and 0 < height < 2**31):
        raise CorruptImage(f"png: bad size {width}x{height}")
    return width, height


def _webp_size(data: bytes) -> tuple[int, int]:
    chunk = data[12:16]
    if chunk == b"VP8X" and len(data) >= 30:
        return 1 + int.from_bytes(data[24:27], "little"), 1 + int.from_bytes(data[27:30], "little")
    if chunk == b"VP8 " and len(data) >= 30 and data[23:26] == b"\x9d\x01\x2a":
        width = int.from_bytes(data[26:28], "little") & 0x3FFF
        height = int.from_bytes(data[28:30], "little") & 0x3FFF
        if width and height:
            return width, height
    if chunk == b"VP8L" and len(data) >= 25 and data[20] == 0x2F:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    raise CorruptImage(f"webp: no readable frame header in chunk {chunk!r}")


# ---------------------------------------------------------------------------------------------- JPEG walk

_SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_STANDALONE_MARKERS = frozenset({0x01, *range(0xD0, 0xD8)})
_SOS, _EOI, _SOI = 0xDA, 0xD9, 0xD8
# Inside entropy-coded data 0xFF is followed by 0x00 (stuffing) or RSTn; anything else is a marker.  Fill bytes
# (FF FF D9) match at their last FF.  No `\xff+`: a repeat defeats re's literal-prefix scan (17 ms vs 1 ms on 3 MB).
_MARKER_IN_SCAN = re.compile(rb"\xff([^\x00\xd0-\xd7\xff])")


def _jpeg_header(data: bytes, start: int) -> tuple[tuple[int, int], int]:
    """Walk the marker segments of the JPEG at `start` up to its first scan: ((width, height), scan offset)."""
    if data[start : start + 2] != b"\xff\xd8":
        raise CorruptImage("jpeg: no SOI")
    pos, size, n = start + 2, None, len(data)
    while True:
        if pos >= n or data[pos] != 0xFF:
            raise CorruptImage(f"jpeg: expected a marker at {pos}")
        while pos < n and data[pos] == 0xFF:
            pos += 1
        if pos >= n:
            raise CorruptImage("jpeg: truncated in the header")
        marker = data[pos]
        pos += 1
        if marker in _STANDALONE_MARKERS:
            continue
        if marker in (_SOI, _EOI, 0x00):
            raise CorruptImage(f"jpeg: marker {marker:#04x} before the first scan")
        length = int.from_bytes(data[pos : pos + 2], "big")
        if length < 2 or pos + length > n:
            raise CorruptImage(f"jpeg: segment {marker:#04x} runs past the end")
        if marker in _SOF_MARKERS and size is None:
            if length < 8:
                raise CorruptImage("jpeg: short frame header")
            height = int.from_bytes(data[pos + 3 : pos + 5], "big")
            width = int.from_bytes(data[pos + 5 : pos + 7], "big")
            if not (width and height):
                raise CorruptImage(f"jpeg: bad size {width}x{height}")
            size = (width, height)
        if marker == _SOS:
            if size is None:
                raise CorruptImage("jpeg: scan before frame header")
            return size, pos + length
        pos += length


def _jpeg_end(data: bytes, start: int) -> int:
    """Offset just after the EOI of the JPEG at `start`; CorruptImage if the stream stops before it."""
    _, pos = _jpeg_header(data, start)
    n = len(data)
    while True:
        found = _MARKER_IN_SCAN.search(data, pos)
        if found is None:
            raise CorruptImage("jpeg: no end marker (truncated)")
        marker, pos = found.group(1)[0], found.end()
        if marker == _EOI:
            return pos
        if marker == _SOI:
            raise CorruptImage("jpeg: start marker inside the image data")
        length = int.from_bytes(data[pos : pos + 2], "big")  # DHT, SOS, DRI... between progressive scans
        if length < 2 or pos + length > n:
            raise CorruptImage(f"jpeg: segment {marker:#04x} runs past the end")
        pos += length


# ------------------------------------------------------------------------------------------ structure checks


def check_structure(fmt: Format, data: bytes) -> None:
    """Refuse truncated containers (CorruptImage) and anything after the image's end (TrailingData)."""
    if fmt == "jpeg":
        _check_jpeg(data)
    elif fmt == "png":
        _check_png(data)
    elif fmt == "webp":
        _check_webp(data)
    else:
        _check_isobmff(data)


def _check_trailing(rest: bytes | memoryview, fmt: str) -> None:
    """Zero or 0xFF padding after the end is harmless (some encoders pad); anything else is a hidden payload."""
    if bytes(rest).strip(b"\x00\xff"):
        raise TrailingData(f"{fmt}: {len(rest)} bytes after the end, starting {bytes(rest[:8]).hex()}")


def _check_jpeg(data: bytes) -> None:
    """Walk the primary JPEG and the JPEGs a camera appends after it (MPF: gain map, depth map), then padding."""
    end = _jpeg_end(data, 0)
    for _ in range(_MAX_APPENDED_JPEGS):
        if not data.startswith(b"\xff\xd8\xff", end):
            break
        end = _jpeg_end(data, end)
    _check_trailing(memoryview(data)[end:], "jpeg")


def _check_png(data: bytes) -> None:
    """Every chunk complete with a good CRC, IHDR first and IEND last: a cut-off or tampered PNG stops here."""
    view, pos, n, first = memoryview(data), len(PNG_SIGNATURE), len(data), True
    while True:
        if pos + 12 > n:
            raise CorruptImage("png: truncated (no IEND)")
        length = int.from_bytes(data[pos : pos + 4], "big")
        kind = data[pos + 4 : pos + 8]
        end = pos + 12 + length
        if length >= 2**31 or end > n:
            raise CorruptImage(f"png: chunk {kind!r} runs past the end")
        if first and kind != b"IHDR":
            raise CorruptImage("png: first chunk is not IHDR")
        if zlib.crc32(view[pos + 4 : end - 4]) != int.from_bytes(data[end - 4 : end], "big"):
            raise CorruptImage(f"png: bad CRC in chunk {kind!r}")
        pos, first = end, False
        if kind == b"IEND":
            break
    _check_trailing(view[pos:], "png")


def _check_webp(data: bytes) -> None:
    """The RIFF size covers complete chunks and ends where the data ends."""
    end = 8 + int.from_bytes(data[4:8], "little")
    if end > len(data):
        raise CorruptImage("webp: truncated (RIFF size past the end)")
    pos = 12
    while pos < end:
        if pos + 8 > end:
            raise CorruptImage("webp: partial chunk header")
        pos += 8 + int.from_bytes(data[pos + 4 : pos + 8], "little")
        pos += pos & 1
        if pos > end + 1:  # the last chunk's pad byte may sit just outside an odd RIFF size
            raise CorruptImage("webp: chunk runs past the RIFF end")
    _check_trailing(memoryview(data)[end:], "webp")


def _is_box_type(kind: bytes) -> bool:
    return len(kind) == 4 and all(0x20 <= b <= 0x7E for b in kind)


def _check_isobmff(data: bytes) -> None:
    """Top-level boxes tile the whole file: a cut-off box is corrupt, bytes that are no box are a payload."""
    pos, n = 0, len(data)
    while pos < n:
        if n - pos < 8 or not _is_box_type(data[pos + 4 : pos + 8]):
            _check_trailing(memoryview(data)[pos:], "heif")
            return
        size, header = int.from_bytes(data[pos : pos + 4], "big"), 8
        if size == 1:
            size, header = int.from_bytes(data[pos + 8 : pos + 16], "big"), 16
        elif size == 0:
            size = n - pos
        if size < header or pos + size > n:
            raise CorruptImage(f"heif: box {data[pos + 4 : pos + 8]!r} runs past the end")
        pos += size
