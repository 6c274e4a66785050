"""Typed errors of the image library.

Each error has a stable machine `code` (the server puts it in its error body; clients switch on it) and a Chinese
`message` fit to show a grid member.  `detail` is English and for logs only: it may name offsets and byte values
that mean nothing to a member.
"""
from __future__ import annotations

from typing import ClassVar


class MediaError(Exception):
    """Base of every refusal: callers catch this one class and map `code` to their own answer."""

    code: ClassVar[str] = "media_error"
    default_message: ClassVar[str] = "图片无法处理"

    def __init__(self, detail: str = "", *, message: str | None = None) -> None:
        self.detail = detail
        self.message = message or self.default_message
        super().__init__(f"{self.code}: {detail}" if detail else self.code)


class NotAnImage(MediaError):
    """Empty data, or bytes that are no image format at all (text, PDF, ZIP, video)."""

    code = "not_an_image"
    default_message = "上传的文件不是图片"


class FormatNotAllowed(MediaError):
    """A recognised format that we refuse: GIF, BMP, TIFF, AVIF, SVG and HTML (script carriers) and the like."""

    code = "format_not_allowed"
    default_message = "不支持该图片格式，请上传 JPEG、PNG、WebP 或 HEIC 照片"

    def __init__(self, detected: str, detail: str = "") -> None:
        self.detected = detected
        super().__init__(detail or f"detected {detected}")


class TooLarge(MediaError):
    """More bytes than allowed."""

    code = "too_large"
    default_message = "图片文件过大"

    def __init__(self, size: int, limit: int) -> None:
        self.size = size
        self.limit = limit
        mib = limit / (1024 * 1024)
        super().__init__(f"{size} bytes > {limit}", message=f"图片文件过大，最大 {mib:g} MB")


class TooManyPixels(MediaError):
    """More pixels than allowed, judged from the header so that a decompression bomb is never decoded."""

    code = "too_many_pixels"
    default_message = "图片像素过多"

    def __init__(self, width: int, height: int, limit: int) -> None:
        self.width = width
        self.height = height
        self.limit = limit
        super().__init__(
            f"{width}x{height} > {limit} pixels", message=f"图片像素过多，最多 {limit / 10_000:g} 万像素"
        )


class CorruptImage(MediaError):
    """Truncated, malformed or undecodable data of an allowed format."""

    code = "corrupt"
    default_message = "图片已损坏或不完整，请重新拍摄后上传"


class TrailingData(CorruptImage):
    """Bytes after the end of the image: a JPEG+ZIP polyglot, but also an Android "motion photo" (an MP4 after
    the JPEG) — refused alike, since the stored original must be one image and nothing else.  A CorruptImage
    with its own code."""

    code = "trailing_data"
    default_message = "图片文件末尾附带了其他数据（如动态照片的视频），请上传普通照片"
