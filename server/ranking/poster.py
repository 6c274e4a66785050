"""Posters for the work group (群晾晒): PNGs about 1080 px wide, readable on a phone, drawn with the project's CJK
font.  Plain values in, PNG bytes out: no database, no Flask."""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import Sequence

from PIL import Image, ImageDraw

from media.fonts import cjk_font
from server.common.timeutil import LOCAL_TZ

WIDTH = 1080
MARGIN = 48
RED = (200, 16, 46)
GOLD = (255, 214, 102)
INK = (33, 33, 33)
GREY = (110, 110, 110)
LIGHT = (245, 245, 245)
GREEN = (22, 130, 70)
BACKGROUND = (255, 255, 255)
ROW_HEIGHT = 92
TITLE_BAND = 230  # the red band with the title: tests look for text pixels in it


@dataclass(frozen=True)
class PosterRow:
    rank: int
    name: str
    detail: str  # grid, or number of members
    score: float
    notes: str = ""  # e.g. where the points were lost


@dataclass(frozen=True)
class PosterInfo:
    title: str  # "城关镇 网格员月排名"
    month: str  # "2026-10"
    rule_version: int
    revision: int  # 0: draft
    published_at: datetime | None
    total: str  # "共 36 名网格员"
    footer: str = ""
    sections: Sequence[tuple[str, Sequence[PosterRow]]] = field(default_factory=tuple)


def _month_label(month: str) -> str:
    year, mon = month.split("-")
    return f"{year}年{int(mon)}月"


def _fit(draw: ImageDraw.ImageDraw, text: str, size: int, width: int) -> tuple[str, int]:
    """The text and a font size (down to 60 % of ``size``, then cut with an ellipsis) that fits ``width``."""
    s = size
    while s > size * 0.6 and draw.textlength(text, font=cjk_font(s)) > width:
        s -= 2
    if draw.textlength(text, font=cjk_font(s)) <= width:
        return text, s
    while text and draw.textlength(text + "…", font=cjk_font(s)) > width:
        text = text[:-1]
    return text + "…", s


def render(info: PosterInfo) -> bytes:
    rows = sum(len(r) for _, r in info.sections)
    height = TITLE_BAND + 40 + len(info.sections) * 90 + rows * ROW_HEIGHT + 150
    img = Image.new("RGB", (WIDTH, height), BACKGROUND)
    draw = ImageDraw.Draw(img)

    draw.rectangle((0, 0, WIDTH, TITLE_BAND), fill=RED)
    title, size = _fit(draw, info.title, 60, WIDTH - 2 * MARGIN)
    draw.text((MARGIN, 42), title, font=cjk_font(size), fill=(255, 255, 255))
    state = "草稿(未发布)" if info.revision == 0 else f"第 {info.revision} 版"
    sub = f"{_month_label(info.month)} · 规则 v{info.rule_version} · {state} · {info.total}"
    draw.text((MARGIN, 140), sub, font=cjk_font(32), fill=GOLD)

    y = TITLE_BAND + 30
    for heading, section in info.sections:
        draw.text((MARGIN, y + 14), heading, font=cjk_font(40), fill=RED)
        y += 90
        for i, row in enumerate(section):
            if i % 2 == 0:
                draw.rectangle((MARGIN - 16, y, WIDTH - MARGIN + 16, y + ROW_HEIGHT - 6), fill=LIGHT)
            badge = RED if row.rank <= 3 else GREY
            draw.ellipse((MARGIN, y + 14, MARGIN + 58, y + 72), fill=badge)
            label = str(row.rank)
            f = cjk_font(30 if row.rank < 100 else 22)
            tw = draw.textlength(label, font=f)
            draw.text((MARGIN + 29 - tw / 2, y + 22 if row.rank < 100 else y + 27), label, font=f,
                      fill=(255, 255, 255))
            name, ns = _fit(draw, row.name, 38, 300)
            draw.text((MARGIN + 84, y + 6), name, font=cjk_font(ns), fill=INK)
            detail, ds = _fit(draw, row.detail, 24, 600)
            draw.text((MARGIN + 84, y + 52), detail, font=cjk_font(ds), fill=GREY)
            if row.notes:
                notes, nsz = _fit(draw, row.notes, 24, 400)
                draw.text((MARGIN + 400, y + 14), notes, font=cjk_font(nsz), fill=GREY)
            score = f"{row.score:.1f}分"
            sf = cjk_font(40)
            draw.text((WIDTH - MARGIN - draw.textlength(score, font=sf), y + 18), score, font=sf,
                      fill=GREEN if row.score >= 60 else RED)
            y += ROW_HEIGHT

    y += 30
    draw.line((MARGIN, y, WIDTH - MARGIN, y), fill=(220, 220, 220), width=2)
    when = info.published_at.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M") if info.published_at else "未发布"
    footer, fs = _fit(draw, f"发布于 {when}  {info.footer}", 24, WIDTH - 2 * MARGIN)
    draw.text((MARGIN, y + 20), footer, font=cjk_font(fs), fill=GREY)
    out = io.BytesIO()
    img.save(out, "PNG", optimize=False)
    return out.getvalue()
