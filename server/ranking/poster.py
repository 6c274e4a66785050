"""Posters for the work group (群晾晒): PNGs about 1080 px wide, readable on a phone, drawn with the project's CJK
font.  ``poster_png`` picks the rows of a stored board; ``render`` draws them (plain values in, PNG bytes out)."""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Sequence

from PIL import Image, ImageDraw
from sqlalchemy.orm import Session

from media.fonts import cjk_font
from server.auth.scope import Actor
from server.common.timeutil import LOCAL_TZ
from server.ranking.boards import board_query, county_name, township_filter
from server.ranking.models import RankingEntry, RankingRun
from server.ranking.rules import METRICS

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
EMPTY = "本月没有可排名的数据"


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
    if info.revision == 0:
        img = _draft_mark(img)
    out = io.BytesIO()
    img.save(out, "PNG", optimize=False)
    return out.getvalue()


DRAFT_RED = (200, 16, 46, 70)  # translucent: the rows stay readable under it


def _draft_mark(img: Image.Image) -> Image.Image:
    """A large diagonal 草稿 across the poster: a draft shared in the work group is not taken for the result."""
    side = int((img.width ** 2 + img.height ** 2) ** 0.5)
    layer = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    font = cjk_font(min(img.width, img.height) // 3)
    text = "草稿"
    w = draw.textlength(text, font=font)
    draw.text(((side - w) / 2, side / 2 - font.size * 0.6), text, font=font, fill=DRAFT_RED)
    layer = layer.rotate(35, resample=Image.Resampling.BICUBIC)
    left, top = (side - img.width) // 2, (side - img.height) // 2
    layer = layer.crop((left, top, left + img.width, top + img.height))
    return Image.alpha_composite(img.convert("RGBA"), layer).convert("RGB")


# --- which rows go on a poster -------------------------------------------------------------------------------------

def _lost(entry: RankingEntry, rule_doc: dict[str, Any], n: int = 2) -> str:
    """Where a row lost the most points on rates and penalties (the bonus counts, such as hazards found, are not
    losses): "失分 进岗打卡率 -12.5 · 巡查覆盖率 -8.0"."""
    lost = []
    for name, spec in rule_doc["metrics"].items():
        if METRICS[name].kind == "count" and not METRICS[name].penalty:
            continue
        points = entry.metrics[name]["points"]
        missing = -points if METRICS[name].penalty else spec["weight"] - points
        if missing > 0.05:
            lost.append((missing, name))
    lost.sort(key=lambda x: (-x[0], x[1]))
    return ("失分 " + " · ".join(f"{METRICS[name].label} -{m:.1f}" for m, name in lost[:n])) if lost else ""


def poster_png(session: Session, actor: Actor, run: RankingRun, township_id: int | None = None, top: int = 10,
               bottom: int = 5) -> bytes:
    """A township's top and bottom members, or (no township) the county's townships."""
    return render(poster_info(session, actor, run, township_id, top, bottom))


def poster_info(session: Session, actor: Actor, run: RankingRun, township_id: int | None = None, top: int = 10,
                bottom: int = 5) -> PosterInfo:
    """What a poster shows: its title names the run's county (and the township), its rows come from the board."""
    doc = run.rule.document
    footer = f"规则: {doc.get('title', '')} · 摘要 {run.digest[:12]}" + (f" · 更正: {run.reason}" if run.reason else "")
    if township_id is None:
        county = county_name(session, run)
        rows = session.scalars(board_query(session, actor, run, "township")).all()
        sections = [("乡镇(街道)排名 · 按网格员平均分" if doc["aggregate"] == "mean" else "乡镇(街道)排名 · 按网格员中位分",
                     [PosterRow(r.rank, r.name, f"网格员 {r.members} 名", r.score, _lost(r, doc)) for r in rows])]
        if not rows:
            sections = [(EMPTY, [])]
        return PosterInfo(f"{county} 乡镇(街道)月排名", run.month, run.rule_version, run.revision,
                          run.published_at, f"共 {len(rows)} 个乡镇(街道)", footer, sections)
    township = township_filter(session, actor, run, township_id)
    assert township is not None
    rows = session.scalars(board_query(session, actor, run, "member", township.id)).all()
    head = rows[:top]
    tail = [r for r in rows[-bottom:] if r not in head] if bottom else []
    sections = [(f"前 {len(head)} 名", [PosterRow(r.township_rank or r.rank, r.name, r.grid_name or "", r.score, "")
                                      for r in head])]
    if tail:
        sections.append((f"后 {len(tail)} 名", [PosterRow(r.township_rank or r.rank, r.name, r.grid_name or "",
                                                          r.score, _lost(r, doc)) for r in tail]))
    if not rows:
        sections = [(EMPTY, [])]
    return PosterInfo(f"{county_name(session, run)}{township.name} 网格员月排名", run.month, run.rule_version,
                      run.revision, run.published_at, f"共 {len(rows)} 名网格员", footer, sections)
