"""The "水印相机" band burnt into the display image: when, where, who — as reviewers in the county are used to.

Only the display derivative carries it: the original stays byte-for-byte what the phone sent (it is the evidence),
and the thumbnail stays clean because at 320 px the text would be unreadable noise.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from PIL import Image, ImageDraw, ImageFont

from .fonts import cjk_font

WEEKDAYS = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")
BAND_DARKEN = 0.45  # band pixels keep 45 % of their brightness: white text reads on any photo
TEXT_COLOUR = (255, 255, 255)


def _china_zone() -> tzinfo:
    """Asia/Shanghai from the system zone database; a fixed +08:00 (China has had no DST since 1991) without it."""
    try:
        return ZoneInfo("Asia/Shanghai")
    except ZoneInfoNotFoundError:
        return timezone(timedelta(hours=8), "CST")


CHINA = _china_zone()


@dataclass(frozen=True, slots=True)
class Watermark:
    """What the band says.  `time` must be aware (it is shown in Asia/Shanghai whatever zone it comes in)."""

    time: datetime
    place: str
    member: str
    lat: float | None
    lng: float | None
    extra: str | None = None

    def __post_init__(self) -> None:
        if self.time.tzinfo is None or self.time.utcoffset() is None:
            raise ValueError("Watermark.time must be timezone-aware")

    def lines(self) -> list[str]:
        """The text lines, top to bottom; empty ones are left out."""
        lines = [format_time(self.time), self.place, self.member]
        if self.lat is not None and self.lng is not None:
            lines.append(format_coordinates(self.lat, self.lng))
        lines.append(self.extra or "")
        return [" ".join(line.split()) for line in lines if line and line.strip()]


def format_time(moment: datetime) -> str:
    """'2026-11-23 14:05 星期一' in Asia/Shanghai."""
    local = moment.astimezone(CHINA)
    return f"{local:%Y-%m-%d %H:%M} {WEEKDAYS[local.weekday()]}"


def format_coordinates(lat: float, lng: float) -> str:
    """'30.12345°N 120.12345°E': five decimals is about a metre, as precise as a phone fix deserves."""
    return f"{abs(lat):.5f}°{'N' if lat >= 0 else 'S'} {abs(lng):.5f}°{'E' if lng >= 0 else 'W'}"


def _even(value: float) -> int:
    return max(2, 2 * round(value / 2))


def apply_watermark(image: Image.Image, watermark: Watermark) -> Image.Image:
    """A copy of the RGB `image` with the band drawn over its bottom; `image` itself is left untouched."""
    width, height = image.size
    size = _even(min(max(min(width, height) / 32, 12), 64))
    texts = watermark.lines()
    lines = [(text, cjk_font(_even(size * 1.25) if i == 0 else size)) for i, text in enumerate(texts)]
    pad = round(size * 0.6)
    advances = [round(font.size * 1.3) for _, font in lines]
    band = min(height, 2 * pad + sum(advances))
    top = height - band

    out = image.copy()
    region = out.crop((0, top, width, height)).point(lambda v: int(v * BAND_DARKEN))
    draw = ImageDraw.Draw(region)
    y = pad
    for (text, font), advance in zip(lines, advances, strict=True):
        baseline = y + round(font.size * 0.95)
        draw.text((pad, baseline), _fit(text, font, width - 2 * pad), font=font, fill=TEXT_COLOUR, anchor="ls")
        y += advance
    out.paste(region, (0, top))
    return out


def _fit(text: str, font: ImageFont.FreeTypeFont, max_width: int) -> str:
    """`text`, cut with an ellipsis to fit `max_width` pixels: a long place name must not run off the photo."""
    if font.getlength(text) <= max_width:
        return text
    low, high = 0, len(text)
    while low < high:  # longest prefix that fits with the ellipsis
        mid = (low + high + 1) // 2
        if font.getlength(text[:mid] + "…") <= max_width:
            low = mid
        else:
            high = mid - 1
    return text[:low] + "…"
